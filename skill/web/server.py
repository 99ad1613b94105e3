"""The HTTP server the skill runs on: waitress, set up for traffic from the internet.

Why not waitress's defaults: they suit a trusted network. With them, 100 idle or
slow connections (``connection_limit``) took the whole server offline; a connection
could sit for two minutes (``channel_timeout``); and a 1 GiB body was accepted and
spooled to disk before the app could refuse it (``max_request_body_size``). Waitress
reads every request on one event loop and hands only complete requests to its
worker threads, so a slow client costs a file descriptor and a little memory, never
a worker: the settings below make room for thousands of them, close idle ones
quickly, and refuse an oversized body from its declared length, before reading it.

What waitress cannot bound is a client that keeps a request alive by dripping a
byte every few seconds (every byte resets the idle timer). A connection limit in
the thousands makes that expensive to do at scale; in production a reverse proxy
with whole-request deadlines (Caddy, ``deploy/selfhost/Caddyfile``) stands in front.
"""

from __future__ import annotations

import logging
import resource
from typing import Any, Protocol

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer, create_server

from skill.web.app import MAX_BODY_BYTES

log = logging.getLogger("closer.web")

CONNECTION_LIMIT = 4000
"""Open connections at once; each costs a descriptor and a few KiB, never a thread."""
IDLE_TIMEOUT = 10
"""Seconds a connection may stay silent; Alexa opens a new one when it needs to."""
_SPARE_DESCRIPTORS = 64
"""Descriptors kept free beyond the connections: the listener, logs, certificate fetches."""

SETTINGS: dict[str, Any] = {
    "connection_limit": CONNECTION_LIMIT,
    "channel_timeout": IDLE_TIMEOUT,
    "cleanup_interval": 2,  # how often idle connections are looked for, in seconds
    "asyncore_use_poll": True,  # select() cannot watch descriptors numbered past 1024
    # waitress refuses a body of this size or more; the app's own check allows MAX_BODY_BYTES.
    "max_request_body_size": MAX_BODY_BYTES + 1,
    "max_request_header_size": 32 * 1024,  # Alexa's headers take about 2 KiB
    "ident": "closer-together",
}
"""What ``closer serve`` gives waitress besides the address and the thread count."""


class Server(Protocol):
    """What :func:`listening_server` returns: waitress's single or multi-socket server."""

    def run(self) -> None: ...

    def close(self) -> None: ...


class _Parser(HTTPRequestParser):
    """Waitress's parser, except that it never invites a body it has already refused.

    Waitress answers ``Expect: 100-continue`` as soon as the headers are read, even
    when they declare a body over the limit: the client is told to send 1 GB, and
    is refused only then. Here the invitation is withdrawn along with the request.
    """

    def received(self, data: bytes) -> int:
        consumed: int = super().received(data)
        if self.error is not None:
            self.expect_continue = False
        return consumed


class _Channel(HTTPChannel):
    """A waitress connection that reads requests with :class:`_Parser`."""

    parser_class = _Parser


def listening_server(app: Any, host: str, port: int, threads: int) -> tuple[Server, list[str]]:
    """Bind ``host``:``port`` (0 picks a free port) and return the server and its addresses.

    Nothing is served until ``run()``; binding first means the address printed is
    the one really bound. Raises ``OSError`` (address in use, not on this machine,
    no permission) or ``ValueError`` (a host name that does not resolve).
    """
    connection_limit = _room_for_connections(SETTINGS["connection_limit"])
    sockets: dict[int, Any] = {}
    server = create_server(
        app,
        map=sockets,
        host=host,
        port=port,
        threads=threads,
        **{**SETTINGS, "connection_limit": connection_limit},
    )
    addresses = []
    for each in sockets.values():
        if isinstance(each, BaseWSGIServer):
            each.channel_class = _Channel
            addresses.append(_address(each.effective_host, each.effective_port))
    return server, addresses


def _address(host: str, port: int | str) -> str:
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"


def _room_for_connections(wanted: int) -> int:
    """Raise this process's open-file limit to fit ``wanted`` connections, if it may.

    Returns the number of connections that fit, which is smaller than ``wanted`` only
    when the hard limit is lower; that is logged, since it caps the server under load.
    """
    needed = wanted + _SPARE_DESCRIPTORS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return wanted
    fitting = max(soft - _SPARE_DESCRIPTORS, 1)
    log.warning("open-file limit %d allows only %d connections at once", soft, fitting)
    return fitting
