"""``closer lint``: check the content, the generated model and every response the skill gives."""

from __future__ import annotations

import argparse
import sys

from intents import Catalogue

HELP = "check content, the generated model and every response"


def configure(parser: argparse.ArgumentParser) -> None:
    """``closer lint`` takes no arguments of its own."""
    del parser


def run(args: argparse.Namespace, catalogue: Catalogue) -> int:
    """Print every problem, one a line, and exit 1 if there is any."""
    from skill.authoring.interaction_model import in_checkout
    from skill.authoring.lint import SkillCrashed, lint

    if not in_checkout():
        print("closer lint: deploy/ not compared: run from a source checkout", file=sys.stderr)

    try:
        problems = lint(catalogue)
    except SkillCrashed as crash:
        print(f"closer lint: {crash}", file=sys.stderr)
        return 1
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("content, model and responses look right")
    return 0
