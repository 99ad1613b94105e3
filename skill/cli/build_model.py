"""``closer build-model``: write the interaction models and manifest of deploy/ from intents/.

The endpoint, privacy and terms addresses are the deployment's own, not content:
``--endpoint`` or the environment sets them, and a package already built keeps its
own (:mod:`skill.authoring.deploy_settings`), so that rebuilding after a content edit
does not send Alexa back to a placeholder.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from intents import Catalogue

HELP = "write deploy/, what Alexa gets, from the content"
DESCRIPTION = "Write deploy/ from the content: interaction models, manifest, Lambda stack."
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("closer build-model", "after editing the content; commit deploy/"),
    ("closer build-model --check", "exit 1 if deploy/ is stale"),
    ("closer build-model --endpoint https://example.org/alexa", "your own server"),
    ("closer build-model --out /tmp/deploy", "write it elsewhere"),
)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``closer build-model``."""
    parser.add_argument(
        "--check", action="store_true", help="only check: exit 1 if a file is stale, write nothing"
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="write (or check) the ASK CLI project in DIR (default the checkout's deploy/)",
    )
    parser.add_argument(
        "--endpoint",
        metavar="URL",
        help="the HTTPS address Alexa posts to, e.g. https://skill.example.org/alexa "
        "(default CLOSER_ENDPOINT, else the one the package already has)",
    )


def run(args: argparse.Namespace, catalogue: Catalogue) -> int:
    """Write the files that changed, or with --check report the stale ones."""
    from skill.authoring.deploy_settings import SettingError, deploy_settings
    from skill.authoring.interaction_model import (
        DEPLOY_DIR,
        in_checkout,
        stale_files,
        write_files,
    )

    if args.out is None and not in_checkout():
        print(
            "closer build-model: no deploy/ folder here; run from a source checkout, "
            "or give --out DIR",
            file=sys.stderr,
        )
        return 2
    target: Path = args.out if args.out is not None else DEPLOY_DIR
    shown = str(args.out) if args.out is not None else "deploy"
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        print(f"closer build-model: {args.out} is not a folder", file=sys.stderr)
        return 2
    try:
        settings = deploy_settings(os.environ, target, endpoint=args.endpoint)
    except SettingError as error:
        print(f"closer build-model: {error}", file=sys.stderr)
        return 2
    if args.check:
        stale = stale_files(catalogue, target, settings)
        for path in stale:
            print(f"{shown}/{path} is stale: run `closer build-model`", file=sys.stderr)
        if stale:
            return 1
        print(f"{shown}/ is up to date")
        return 0
    try:
        changed = write_files(catalogue, target, settings)
    except OSError as error:
        print(f"closer build-model: cannot write {shown}: {error.strerror}", file=sys.stderr)
        return 1
    print("\n".join(f"wrote {shown}/{p}" for p in changed) or f"{shown}/ is up to date")
    return 0
