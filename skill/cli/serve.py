"""``closer serve``: the skill over HTTP (POST /alexa), on waitress, a production WSGI server."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from typing import TYPE_CHECKING

from intents import Catalogue

if TYPE_CHECKING:  # Flask is imported only when the server starts
    from flask import Flask

HELP = "serve the skill over HTTP, for Alexa and /rehearse"
DESCRIPTION = "Serve the skill over HTTP: POST /alexa, GET /healthz, /rehearse on loopback."
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("CLOSER_SKIP_VERIFICATION=1 closer serve", "for curl on this machine"),
    ("closer serve --port 0", "any free port, printed at start"),
    ("CLOSER_SKILL_ID=amzn1.ask.skill.ID closer serve", "behind Caddy, for a real Echo"),
    ("CLOSER_STORE=none closer serve", "remember nothing between sessions"),
)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``closer serve``."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=8000,
        help="port to listen on (default 8000; 0: any free port)",
    )
    parser.add_argument("--threads", type=_positive, default=4, help="worker threads (default 4)")


def _port(text: str) -> int:
    """Read a TCP port number, 0 (any free port) to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port number (0 to 65535)")
    return port


def _positive(text: str) -> int:
    """Read a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def run(args: argparse.Namespace, catalogue: Catalogue) -> int:
    """Bind, say where, and serve until stopped (the content was checked by the caller).

    The address is bound before anything is printed, so what is printed is where the
    server really listens (``--port 0`` picks a free port), and a refusal to bind is
    one line and exit status 2, like any other bad argument.
    """
    from skill.cli import configured_store
    from skill.memory.settings import describe_store
    from skill.web.app import create_app
    from skill.web.server import listening_server

    store = configured_store()
    config: dict[str, object] = {"REHEARSAL": rehearsal_allowed(args.host), "STORE": store}
    if args.content:
        config["CONTENT_DIR"] = args.content
    app = create_app(config)
    try:
        server, addresses = listening_server(app, args.host, args.port, args.threads)
    except (OSError, ValueError) as error:
        print(
            f"closer serve: cannot listen on {args.host}:{args.port}: {_why(error)}",
            file=sys.stderr,
        )
        return 2
    if app.extensions["closer"]["verifier"] is None:
        print(
            "WARNING: request verification is off (CLOSER_SKIP_VERIFICATION=1). "
            "Anyone who can reach this server can drive the skill; use it only locally.",
            file=sys.stderr,
        )
    print(describe_store(store), file=sys.stderr)
    for address in addresses:
        print(
            f"Closer Together is listening on http://{address}/alexa", file=sys.stderr, flush=True
        )
    page = rehearsal_page_path(app)
    for address in addresses if page else ():
        print(f"rehearse in a browser: http://{address}{page}", file=sys.stderr, flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def rehearsal_page_path(app: Flask) -> str | None:
    """Return the /rehearse page's path if this app serves it, else None.

    Asked of the app's own routes, so the line printed at start follows wherever
    skill/web/rehearsal_page.py puts the page, and appears only when it is on.
    """
    from flask import url_for

    if "rehearse.page" not in app.view_functions:
        return None
    with app.test_request_context():
        return url_for("rehearse.page")


def _why(error: OSError | ValueError) -> str:
    """Say why binding failed: in use, not an address of this machine, no permission..."""
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return "not an address, nor a host name that resolves"  # waitress's ValueError


def rehearsal_allowed(host: str) -> bool:
    """Serve the /rehearse page only on a loopback address, unless CLOSER_REHEARSAL=1."""
    if os.environ.get("CLOSER_REHEARSAL", "") == "1":
        return True
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
