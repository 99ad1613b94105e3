"""``closer package-lambda``: the deployment package for AWS Lambda's Python runtime.

``closer package-lambda OUT.zip`` writes the zip to upload; ``--folder DIR`` writes
it unpacked, for the ASK CLI, whose code builder zips the folder ask-resources.json
names (``closer package-lambda --folder deploy/lambda``, then ``ask deploy``). What
goes in is :mod:`skill.packaging`'s business; this module checks the arguments first,
so that a wrong name is one line before pip downloads anything.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from intents import Catalogue
from skill.cli import CommandError

HELP = "build the package for AWS Lambda: a zip or a folder"
DESCRIPTION = "Build the package for AWS Lambda's Python runtime: a zip, or a folder."
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("closer package-lambda --folder deploy/lambda", "then: cd deploy && ask deploy"),
    ("closer package-lambda closer.zip", "a zip to upload yourself"),
    ("closer package-lambda --arch arm64 arm.zip", "for Graviton"),
)

SUPPORTED_PYTHON = re.compile(r"3\.(1[1-9]|[2-9][0-9])")
"""Python 3.11 and later: what the skill's code runs on (pyproject.toml)."""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``closer package-lambda``."""
    from skill.authoring.lambda_stack import LAMBDA_RUNTIME

    runtime_version = LAMBDA_RUNTIME.removeprefix("python")
    parser.add_argument(
        "out",
        nargs="?",
        type=Path,
        metavar="OUT.zip",
        help="the zip file to write (or give --folder)",
    )
    parser.add_argument(
        "--folder",
        type=Path,
        metavar="DIR",
        help="write the package unpacked in DIR instead, replacing an earlier package "
        "there (deploy/lambda is where ask deploy takes it from)",
    )
    parser.add_argument(
        "--arch",
        choices=("x86_64", "arm64"),
        default="x86_64",
        help="the architecture of Lambda's machine "
        "(default x86_64, as the template's LambdaArchitecture)",
    )
    parser.add_argument(
        "--python-version",
        default=runtime_version,
        metavar="3.N",
        help=f"the Python of Lambda's runtime (default {runtime_version}, as {LAMBDA_RUNTIME} "
        "in ask-resources.json); the bytecode is compiled with a python3.N found here",
    )


def run(args: argparse.Namespace, catalogue: Catalogue) -> int:
    """Build the package and say where it went, how large it is, and what it is for.

    The content goes in as it was loaded and checked (``closer --content DIR`` packages
    DIR's), so the package never carries content that ``closer lint`` did not see.
    """
    del catalogue
    from skill.packaging.build import PackagingError, Target, make_folder, make_zip

    _check(args)
    target = Target(python_version=args.python_version, arch=args.arch)
    try:
        if args.out is not None:
            built = make_zip(args.out, target, args.content)
        else:
            built = make_folder(args.folder, target, args.content)
    except PackagingError as error:
        raise CommandError(str(error), status=1) from None
    where = args.out if args.out is not None else f"{args.folder}/"
    zipped = f"{_mb(built.zipped_bytes)} zipped, " if built.zipped_bytes is not None else ""
    print(
        f"wrote {where}: {zipped}{_mb(built.unpacked_bytes)} unpacked, {built.files:,} files, "
        f"for Lambda's python{target.python_version} on {target.arch} "
        "(handler skill.aws_lambda.handler)"
    )
    if built.compiled_with is None:
        print(
            f"closer package-lambda: warning: no Python {target.python_version} found to "
            "compile the bytecode with, so each cold start compiles it and takes longer; "
            f"run closer with Python {target.python_version} or put "
            f"python{target.python_version} on PATH",
            file=sys.stderr,
        )
    return 0


def _check(args: argparse.Namespace) -> None:
    """Refuse arguments that cannot work, before pip downloads anything."""
    from skill.packaging.build import folder_refusal
    from speech.atomic import unwritable

    if (args.out is None) == (args.folder is None):
        raise CommandError("give OUT.zip, or --folder DIR for the package unpacked (not both)")
    if not SUPPORTED_PYTHON.fullmatch(args.python_version):
        raise CommandError(
            f"--python-version {args.python_version} is not one the skill runs on; "
            "give 3.11 or later, as 3.12 for Lambda's python3.12"
        )
    if args.out is not None:
        out: Path = args.out
        if out.is_dir():
            raise CommandError(
                f"{out} is a folder; give the zip file's name, "
                "or --folder DIR for the package unpacked"
            )
        if out.suffix.lower() != ".zip":
            raise CommandError(f"{out} does not end in .zip: Lambda takes a zip file")
        reason = unwritable(out.absolute().parent)
    else:
        reason = folder_refusal(args.folder) or unwritable(args.folder.absolute().parent)
    if reason:
        raise CommandError(reason)


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
