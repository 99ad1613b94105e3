"""``closer lint``: check the content, the generated model and every response the skill gives.

``--publish`` adds what Amazon's certification checks and can be known offline, on
the skill package as it will be uploaded, and on the server's settings
(:mod:`skill.authoring.publish`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from intents import Catalogue
from skill.cli import CommandError

if TYPE_CHECKING:
    from skill.authoring.deploy_settings import DeploySettings

HELP = "check the content, deploy/ and every response"
DESCRIPTION = "Check the content, deploy/ and every answer, and print one problem a line."
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("closer lint", "after editing intents/content"),
    ("closer lint --publish", "before ask deploy: what certification checks"),
    ("closer --content my-content/ lint", "other content"),
)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``closer lint``."""
    parser.add_argument(
        "--publish",
        action="store_true",
        help="also check what Amazon's certification checks: addresses, disclaimer, "
        "permissions, events, stop and cancel, request verification on",
    )
    parser.add_argument(
        "--project",
        type=Path,
        metavar="DIR",
        help="the ASK CLI project to check (default the checkout's deploy/)",
    )


def run(args: argparse.Namespace, catalogue: Catalogue) -> int:
    """Print every problem, one a line, and exit 1 if there is any."""
    from skill.authoring.lint import SkillCrashed, lint

    project = _project(args)
    settings = _settings(project)
    try:
        problems = lint(catalogue, project, settings)
        if args.publish and project is not None:
            problems += _publish_problems(catalogue, project)
    except SkillCrashed as crash:
        print(f"closer lint: {crash}", file=sys.stderr)
        return 1
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    if args.publish:
        print("content, model, responses, skill package and settings are ready to publish")
    else:
        print("content, model and responses look right")
    return 0


def _project(args: argparse.Namespace) -> Path | None:
    """Return the ASK CLI project to check, or None when there is none (an installed package)."""
    from skill.authoring.interaction_model import DEPLOY_DIR, in_checkout

    if args.project is not None:
        if not args.project.is_dir():
            raise CommandError(f"--project {args.project} is not a folder")
        return Path(args.project)
    if in_checkout():
        return DEPLOY_DIR
    if args.publish:
        raise CommandError(
            "no skill package here: run from a source checkout, or give --project DIR"
        )
    print("closer lint: deploy/ not compared: run from a source checkout", file=sys.stderr)
    return None


def _settings(project: Path | None) -> DeploySettings | None:
    """Return the addresses the package should carry: the environment's, else its own."""
    from skill.authoring.deploy_settings import SettingError, deploy_settings

    if project is None:
        return None
    try:
        return deploy_settings(os.environ, project)
    except SettingError as error:
        raise CommandError(str(error)) from None


def _publish_problems(catalogue: Catalogue, project: Path) -> list[str]:
    """Run the certification checks on the package, and on every setting of the server."""
    from skill.alexa import build_skill
    from skill.authoring.publish import configurations, publish_problems, verification_problems

    problems = publish_problems(catalogue, project, build_skill(catalogue, catch_all=False))
    places, unread = configurations(os.environ, project / "selfhost")
    return problems + unread + verification_problems(places)
