"""``closer serve``: the skill over HTTP (POST /alexa), on waitress, a production WSGI server."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys

from intents import Catalogue

HELP = "serve the skill over HTTP (POST /alexa)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``closer serve``."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--threads", type=_positive, default=4, help="worker threads (default 4)")


def _port(text: str) -> int:
    """Read a TCP port number, 1 to 65535."""
    port = _positive(text)
    if port > 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port number (1 to 65535)")
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
    """Serve until stopped (the content was already checked by the caller)."""
    from waitress import serve

    from skill.web.app import create_app

    config: dict[str, object] = {"REHEARSAL": rehearsal_allowed(args.host)}
    if args.content:
        config["CONTENT_DIR"] = args.content
    app = create_app(config)
    if app.extensions["closer"]["verifier"] is None:
        print(
            "WARNING: request verification is off (CLOSER_SKIP_VERIFICATION=1). "
            "Anyone who can reach this server can drive the skill; use it only locally.",
            file=sys.stderr,
        )
    print(f"Closer Together is listening on http://{args.host}:{args.port}/alexa", file=sys.stderr)
    try:
        serve(app, host=args.host, port=args.port, threads=args.threads, ident="closer-together")
    except OSError as error:  # port in use, address not on this machine, no permission
        reason = error.strerror or str(error)
        print(f"closer serve: cannot listen on {args.host}:{args.port}: {reason}", file=sys.stderr)
        return 1
    return 0


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
