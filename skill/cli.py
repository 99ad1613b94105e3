"""The ``closer`` command: serve the skill, build its model, lint its content."""

from __future__ import annotations

import argparse
import importlib
import ipaddress
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from intents import Catalogue, ContentError, load_catalogue

# Further subcommands, each a module with HELP (one line), configure(parser) to add
# its arguments, and run(args, catalogue) -> exit status. Imported only when the CLI runs.
SUBCOMMAND_MODULES: tuple[str, ...] = ("skill.cli.preview", "skill.resolve", "skill.rehearse")

# TEMPORARY (branch i10-speech), until skill/cli/ becomes a package with its own
# __init__.py: let ``skill.cli.preview`` be found in the folder skill/cli/ beside this
# file. To the import system a module with ``__path__`` is a package. A placeholder
# skill/cli/__init__.py cannot do this: a package shadows a module of the same name,
# so ``skill.cli.main`` (the ``closer`` entry point) would disappear.
__path__ = [str(Path(__file__).with_suffix(""))]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``closer`` subcommand and return its exit status."""
    parser = argparse.ArgumentParser(prog="closer", description=__doc__)
    parser.add_argument(
        "--content",
        type=Path,
        default=None,
        metavar="DIR",
        help="content folder to use instead of the shipped intents/content",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the skill over HTTP (POST /alexa)")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--threads", type=int, default=4, help="worker threads (default 4)")

    build = commands.add_parser("build-model", help="write deploy/ from the content in intents/")
    build.add_argument(
        "--check", action="store_true", help="only check; exit 1 if deploy/ is stale"
    )

    commands.add_parser("lint", help="check content, the generated model and every response")

    extensions = {}
    for module_name in SUBCOMMAND_MODULES:
        module = importlib.import_module(module_name)
        name = module_name.rsplit(".", 1)[-1].replace("_", "-")
        module.configure(commands.add_parser(name, help=module.HELP))
        extensions[name] = module

    args = parser.parse_args(argv)
    default_level = "INFO" if args.command == "serve" else "WARNING"
    logging.basicConfig(
        level=os.environ.get("CLOSER_LOG_LEVEL", default_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        catalogue = load_catalogue(args.content)
    except ContentError as error:
        print("The content has problems:", *error.errors, sep="\n", file=sys.stderr)
        return 1
    if args.command == "serve":
        return _serve(args.host, args.port, args.threads, args.content)
    if args.command == "build-model":
        return _build_model(catalogue, check=args.check)
    if args.command in extensions:
        return int(extensions[args.command].run(args, catalogue))
    return _lint(catalogue)


def _serve(host: str, port: int, threads: int, content_dir: Path | None) -> int:
    """Serve with waitress, a production WSGI server (not Flask's development server)."""
    from waitress import serve

    from skill.app import create_app

    config: dict[str, object] = {"REHEARSAL": _rehearsal_allowed(host)}
    if content_dir:
        config["CONTENT_DIR"] = content_dir
    app = create_app(config)
    if app.extensions["closer"]["verifier"] is None:
        print(
            "WARNING: request verification is off (CLOSER_SKIP_VERIFICATION=1). "
            "Anyone who can reach this server can drive the skill; use it only locally.",
            file=sys.stderr,
        )
    print(f"Closer Together is listening on http://{host}:{port}/alexa", file=sys.stderr)
    serve(app, host=host, port=port, threads=threads, ident="closer-together")
    return 0


def _rehearsal_allowed(host: str) -> bool:
    """Serve the /rehearse page only on a loopback address, unless CLOSER_REHEARSAL=1."""
    if os.environ.get("CLOSER_REHEARSAL", "") == "1":
        return True
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _build_model(catalogue: Catalogue, *, check: bool) -> int:
    from skill.model_build import stale_files, write_files

    if check:
        stale = stale_files(catalogue)
        for path in stale:
            print(f"deploy/{path} is stale: run `closer build-model`", file=sys.stderr)
        return 1 if stale else 0
    changed = write_files(catalogue)
    print("\n".join(f"wrote deploy/{p}" for p in changed) or "deploy/ is up to date")
    return 0


def _lint(catalogue: Catalogue) -> int:
    from skill.lint import lint

    problems = lint(catalogue)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("content, model and responses look right")
    return 0


if __name__ == "__main__":
    sys.exit(main())
