"""``closer resolve``: show how the local resolver understands what people might say.

For content authors checking that the sample utterances cover the ways people talk:
one utterance on the command line prints its intent, slots and confidence; with no
utterance, every line of standard input is resolved in one process and written as
one JSON object per line (so a file of thousands of lines takes seconds).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TextIO

from intents import Catalogue
from intents.model import DEFAULT_LOCALE
from skill.nlu import Resolution, resolve, resolver_for

Resolver = Callable[[str, str], Resolution]

HELP = "show the intent and slots heard in an utterance"
DESCRIPTION = "Show the intent, slots and confidence the local resolver hears in what is said."
EXAMPLES: tuple[tuple[str, str], ...] = (
    ('closer resolve "my husband keeps shutting me out"', "one line, for people"),
    ('closer resolve --json "remind me at nine"', "one JSON object"),
    ("closer resolve --locale en-GB < said.txt", "a JSON line per line read"),
)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``closer resolve``."""
    parser.add_argument(
        "--locale", default=DEFAULT_LOCALE, help=f"locale of the model (default {DEFAULT_LOCALE})"
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of a line for people"
    )
    parser.add_argument(
        "utterance",
        nargs="*",
        help="what a person says (or none, to read one utterance a line from stdin)",
    )


def run(args: argparse.Namespace, catalogue: Catalogue) -> int:
    """Resolve the utterance given, or every line of standard input.

    The shipped content is resolved with its generated model, the very file Alexa
    gets; other content (``--content DIR``) with a model generated from it.
    """
    resolver = resolver_for(catalogue) if getattr(args, "content", None) else resolve
    if args.utterance:
        utterance = " ".join(args.utterance)
        resolution = resolver(utterance, args.locale)
        if args.json:
            print(json.dumps({"utterance": utterance, **resolution.to_json()}))
        else:
            print(describe(resolution))
        return 0
    return resolve_lines(sys.stdin, sys.stdout, args.locale, resolver)


def resolve_lines(source: TextIO, target: TextIO, locale: str, resolver: Resolver = resolve) -> int:
    """Resolve each non-empty line of ``source``; write one JSON object per line."""
    for line in source:
        utterance = line.strip()
        if not utterance:
            continue
        resolution = resolver(utterance, locale)
        target.write(json.dumps({"utterance": utterance, **resolution.to_json()}))
        target.write("\n")
    target.flush()
    return 0


def describe(resolution: Resolution) -> str:
    """One line for people: intent, slots with their ids, confidence, closest sample."""
    slots = "".join(f"  {n}={s.spoken!r} ({s.id})" for n, s in resolution.slots.items())
    sample = f"  ~ {resolution.sample!r}" if resolution.sample else ""
    return f"{resolution.intent}{slots}  confidence {resolution.confidence:.2f}{sample}"
