"""The closer command: one module per subcommand, each imported only when the CLI runs.

Every subcommand module has ``HELP`` (its line in ``closer --help``), ``DESCRIPTION``
(the first line of its own help), ``EXAMPLES`` (command lines, each with what it
does), ``configure(parser)`` to add its arguments, and ``run(args, catalogue) -> exit
status``. The help text lives in those constants, not in docstrings, so that it is
plain text, easy to find and to change. The content is loaded and checked here,
once, so that every command refuses bad content the same way: one ``file:line:
message`` per problem and exit 1, never a traceback. A ``--locale`` the content does
not serve is refused here too, for every command that takes one.

Why argparse and not click: the project's rule is that a mistyped command fails with
ONE line saying what to do and a non-zero exit. click's usage errors print three
lines (Usage, Try, Error), and the click installed here is pinned by gTTS (<8.2), so
its version is not ours to choose; argparse is in the standard library and already
gives subcommands and help. Its one habit against the rule, printing the usage
before the error, is undone in one place: :class:`OneLineParser`, the class of the
main parser and of every subcommand's.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from intents import Catalogue, ContentError, load_catalogue

COMMANDS: tuple[str, ...] = (
    "serve",
    "lint",
    "build_model",
    "resolve",
    "rehearse",
    "preview",
    "forget",
    "package_lambda",
)
"""Subcommand modules of this package, in the order ``closer --help`` lists them."""

WARNS_OF_A_STALE_DEPLOY = frozenset({"serve", "resolve", "rehearse"})
"""Commands that warn when deploy/ is older than the content (lint fails on it instead)."""


def configure_logging(default_level: str) -> None:
    """Log as ``closer`` does: one line per event, level from ``CLOSER_LOG_LEVEL``."""
    logging.basicConfig(
        level=os.environ.get("CLOSER_LOG_LEVEL", default_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), as a shell reports it."""

PIPE_CLOSED = 141
"""Exit status when standard output is closed early, as in ``closer resolve ... | head -1``.

128 + SIGPIPE: what a shell reports for ``cat`` or ``grep`` killed in the same place, so
a script with ``set -o pipefail`` sees closer behave like any other Unix tool.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``closer`` subcommand and return its exit status.

    A reader that stops early (``| head -1``) is not a failure worth a traceback: the
    command stops quietly with :data:`PIPE_CLOSED`; nor is Ctrl-C (:data:`INTERRUPTED`).
    Standard output is flushed here, while a closed pipe can still be caught, not at
    exit, where it cannot. Any other error from the system (OSError) is one line and
    exit 1.
    """
    try:
        try:
            return _run(argv)
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        _discard_output()
        return PIPE_CLOSED
    except KeyboardInterrupt:  # Ctrl-C: the person meant to stop, nothing went wrong
        print(file=sys.stderr)
        return INTERRUPTED
    except OSError as error:
        # The last resort for the system failing a command mid-way (a full disk, a folder
        # made read-only after the commands' own checks): one line, not a traceback.
        # CLOSER_LOG_LEVEL=DEBUG still shows where it happened.
        logging.getLogger("closer.cli").debug("stopped by the system", exc_info=True)
        where = f"{error.filename}: " if error.filename else ""
        print(f"closer: {where}{error.strerror or error}", file=sys.stderr)
        return 1


class CommandError(Exception):
    """A command cannot go on: ``main`` prints ``closer COMMAND: message`` and exits ``status``."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def configured_store(*, required_by: str | None = None) -> Any:
    """Open the store ``CLOSER_STORE`` names (None for ``none``), or raise CommandError.

    ``required_by`` names what cannot work without one (``--user``), so that
    ``CLOSER_STORE=none`` is refused with a reason rather than silently ignored.
    """
    from skill.memory import StoreError, StoreSettingError
    from skill.memory.settings import open_store

    try:
        store = open_store(os.environ.get("CLOSER_STORE"))
    except (StoreSettingError, StoreError) as error:
        raise CommandError(str(error)) from None
    if store is None and required_by:
        raise CommandError(f"{required_by} needs a store, but CLOSER_STORE=none")
    return store


def _discard_output() -> None:
    """Point standard output at the null device, so the flush at exit has nowhere to fail."""
    # Not a real file (a test's capture, say): then the interpreter will not flush it.
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


DESCRIPTION = "Closer Together, an Alexa skill: serve it, rehearse it, check and build it."
"""The first line of ``closer --help``."""

EXAMPLES: tuple[tuple[str, str], ...] = (
    ("closer serve", "the skill on 127.0.0.1:8000, with the /rehearse page"),
    ("closer rehearse", "talk to the skill in this terminal"),
    ("closer build-model && closer lint", "after editing intents/content"),
)
"""A few command lines for ``closer --help``, each with what it does."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr and exit status 2.

    argparse prints its usage line before the error; here the error says which help
    to read instead, e.g. ``closer rehearse: unrecognized arguments: --foo (see closer
    rehearse --help)``. Subparsers are made with the main parser's class, so this one
    override covers every command.
    """

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: message (see PROG --help)`` on one line and exit 2."""
        line = " ".join(message.split())
        self.exit(2, f"{self.prog}: {line} (see {self.prog} --help)\n")


class HelpLayout(argparse.RawDescriptionHelpFormatter):
    """Help laid out as written: the examples are not re-wrapped, and names get room.

    The one-line descriptions and the examples are short enough for 80 columns; the
    column for help text is wide enough that ``package-lambda`` stays on its line.
    """

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)


def examples_epilog(examples: Sequence[tuple[str, str]], footer: str = "") -> str:
    """Lay out command lines under ``examples:``, each after a comment saying what it does.

    The help formatter is :class:`HelpLayout`, so these lines are printed as written,
    not re-wrapped into one paragraph. The comment goes above its command, as a
    shell script has it, so a long command never pushes its comment off the screen.
    """
    lines = ["examples:"]
    for command, what in examples:
        lines += [f"  # {what}", f"  {command}", ""]
    if footer:
        lines.append(footer)
    return "\n".join(lines).rstrip("\n")


def build_parser() -> tuple[OneLineParser, dict[str, tuple[Any, OneLineParser]]]:
    """Make the ``closer`` parser; return it, and each command's module and parser by name."""
    parser = OneLineParser(
        prog="closer",
        description=DESCRIPTION,
        epilog=examples_epilog(EXAMPLES, "Run closer COMMAND --help for its options and examples."),
        formatter_class=HelpLayout,
    )
    parser.add_argument(
        "--content",
        type=Path,
        default=None,
        metavar="DIR",
        help="use the content in DIR (default the shipped intents/content)",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", title="commands"
    )
    found = {}
    for module_name in COMMANDS:
        module = importlib.import_module(f"{__name__}.{module_name}")
        name = module_name.replace("_", "-")
        command = commands.add_parser(
            name,
            help=module.HELP,
            description=module.DESCRIPTION,
            epilog=examples_epilog(module.EXAMPLES),
            formatter_class=HelpLayout,
        )
        module.configure(command)
        found[name] = (module, command)
    return parser, found


def _run(argv: Sequence[str] | None) -> int:
    """Parse the arguments, load and check the content, and run the command."""
    parser, commands = build_parser()
    args, unknown_arguments = parser.parse_known_args(argv)
    module, command_parser = commands[args.command]
    if unknown_arguments:
        # argparse would blame the main parser; the command's help is the one to read.
        command_parser.error(f"unrecognized arguments: {' '.join(unknown_arguments)}")
    configure_logging("INFO" if args.command == "serve" else "WARNING")
    if args.content is not None and not args.content.is_dir():
        print(
            f"closer: --content {args.content} is not a folder; "
            "give the folder that holds skill.yaml, topics.yaml and the rest",
            file=sys.stderr,
        )
        return 2
    try:
        catalogue = load_catalogue(args.content)
    except ContentError as error:
        # One ``file:line: message`` line per problem, as compilers and linters write them.
        print(*error.errors, sep="\n", file=sys.stderr)
        return 1
    unknown = _unknown_locale(args, catalogue)
    if unknown:
        print(f"closer {args.command}: {unknown}", file=sys.stderr)
        return 2
    if args.command in WARNS_OF_A_STALE_DEPLOY:
        from skill.cli.stale_deploy import stale_deploy_warning

        warning = stale_deploy_warning(catalogue, args.content)
        if warning:
            print(warning, file=sys.stderr, flush=True)
    try:
        return int(module.run(args, catalogue))
    except CommandError as error:
        print(f"closer {args.command}: {error}", file=sys.stderr)
        return error.status


def _unknown_locale(args: argparse.Namespace, catalogue: Catalogue) -> str | None:
    """Say why ``--locale`` is refused, or None if the command has none or it is served.

    The skill answers any locale it does not serve with en-US content, which is right
    for Alexa but hides a typo here: ``--locale en-UK`` would quietly read US helplines.
    The known locales come from the content (locales.yaml), so a new one needs no code.
    """
    locale = getattr(args, "locale", None)
    if locale is None or locale in catalogue.locales:
        return None
    return f"no locale {locale}; choose from {', '.join(catalogue.locales)}"
