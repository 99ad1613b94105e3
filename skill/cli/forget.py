"""``closer forget``: delete a rehearsal user's record from the store."""

from __future__ import annotations

import argparse
import sys

from intents import Catalogue
from skill.cli.rehearse import rehearsal_user

HELP = "delete a rehearsal user's record from the store"
DESCRIPTION = "Delete what the store (CLOSER_STORE) keeps for a rehearsal user."
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("closer forget --user sam", "sam's next rehearsal starts afresh"),
    ("closer forget --user page", "what the /rehearse page kept"),
    ("CLOSER_STORE=sqlite:///tmp/t.db closer forget --user sam", "in another store"),
)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``closer forget``."""
    parser.add_argument(
        "--user",
        type=rehearsal_user,
        required=True,
        metavar="NAME",
        help="the rehearsal user whose record to delete",
    )


def run(args: argparse.Namespace, catalogue: Catalogue) -> int:
    """Delete the record through the same store and the same request path Alexa's would take.

    People on a real device say "forget me", or disable the skill; this is the same
    deletion for the names ``closer rehearse --user`` and the /rehearse page use.
    """
    del catalogue
    from skill import envelopes
    from skill.cli import configured_store
    from skill.dispatch import read_request_envelope
    from skill.memory import StoreError
    from skill.rehearsal import rehearsal_user_id

    store = configured_store(required_by="closer forget")
    request = envelopes.launch_request(user_id=rehearsal_user_id(args.user))
    envelope = read_request_envelope(request)
    try:
        store.delete_attributes(envelope)
    except StoreError as error:
        print(f"closer forget: {error}", file=sys.stderr)
        return 1
    print(f"forgot rehearsal user {args.user}")
    return 0
