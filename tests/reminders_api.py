"""A loopback stand-in for the Alexa Reminders API, over TLS that the client must verify.

It is NOT Amazon's API. It answers the way Amazon's reference says the API does
(``POST /v1/alerts/reminders`` gives 201 and an ``alertToken``; ``PUT`` and
``DELETE`` on ``/v1/alerts/reminders/{alertToken}``; 404 for a token it does not
know; 401 for a wrong bearer token), keeps the reminders it was sent in memory,
and records every request. It knows nothing of Amazon's validation rules, so a
body it accepts may still be refused by Amazon: what the tests check is the JSON
the skill sends, field by field.

It can be told what to answer next (any status and body), or to stall (accept
the request and never answer) or drip (answer one byte at a time, for ever), to
test the client's deadline. It serves a certificate for 127.0.0.1 and localhost
issued by the test root in :mod:`tests.pki`, so the client must be given that
root (``REQUESTS_CA_BUNDLE``) to talk to it at all.
"""

from __future__ import annotations

import contextlib
import json
import ssl
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.pki import ServerTLS, server_tls

REMINDERS_PATH = "/v1/alerts/reminders"
DRIP_SECONDS = 8.0


@dataclass(frozen=True)
class Recorded:
    """One request as it arrived: method, path, headers (names lowercased) and JSON body."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass(frozen=True)
class Scripted:
    """What to do with the next request instead of acting as the API would.

    ``mode`` is ``answer`` (``status`` with ``body``), ``stall`` (read the request,
    never answer) or ``drip`` (send a status line, then a header a byte at a time).
    """

    status: int = 200
    body: bytes | None = None
    content_type: str = "application/json"
    mode: str = "answer"
    headers: dict[str, str] = field(default_factory=dict)


STALL = Scripted(mode="stall")
DRIP = Scripted(mode="drip")


def error_reply(status: int, *, body: bytes | None = None, **headers: str) -> Scripted:
    """Answer ``status`` with an Amazon-shaped error body (``code``, ``message``) by default."""
    if body is None:
        body = json.dumps({"code": f"HTTP_{status}", "message": "stand-in error"}).encode()
    return Scripted(status=status, body=body, headers=headers)


class RemindersStandIn:
    """The stand-in's state: the reminders it holds, what it was sent, what to answer next."""

    def __init__(self, url: str, access_token: str | None) -> None:
        self.url = url
        self.access_token = access_token
        self.requests: list[Recorded] = []
        self.reminders: dict[str, Any] = {}
        self.script: deque[Scripted] = deque()
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    def then(self, *replies: Scripted) -> None:
        """Answer the next requests with ``replies``, in order; after them, act as the API."""
        self.script.extend(replies)

    def answer(self, method: str, path: str, body: Any, authorization: str | None) -> Scripted:
        """Act as the Reminders API would, from the reminders held."""
        if self.access_token is not None and authorization != f"Bearer {self.access_token}":
            return error_reply(401)
        token = path.removeprefix(REMINDERS_PATH + "/") if path != REMINDERS_PATH else None
        if method == "POST" and token is None:
            token = f"amzn1.alert.standin.{uuid.uuid4()}"
            self.reminders[token] = body
            return _reminder_reply(201, token)
        if token is None or not path.startswith(REMINDERS_PATH + "/"):
            return error_reply(404)
        if token not in self.reminders:
            return error_reply(404)
        if method == "PUT":
            self.reminders[token] = body
            return _reminder_reply(200, token)
        if method == "DELETE":
            del self.reminders[token]
            return Scripted(status=204)
        return error_reply(405)


def _reminder_reply(status: int, token: str) -> Scripted:
    body = {
        "alertToken": token,
        "createdTime": "2026-11-25T12:00:00.000Z",
        "updatedTime": "2026-11-25T12:00:00.000Z",
        "status": "ON",
        "version": "1",
        "href": f"{REMINDERS_PATH}/{token}",
    }
    return Scripted(status=status, body=json.dumps(body).encode())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # a client that connects and says nothing does not hold a thread for ever
    server: _Server

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Say nothing: paths hold alert tokens, and the tests read the records instead."""

    def _serve(self) -> None:
        api = self.server.api
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        headers = {name.lower(): value for name, value in self.headers.items()}
        with api.lock:
            api.requests.append(Recorded(self.command, self.path, headers, body))
            scripted = api.script.popleft() if api.script else None
            reply = scripted or api.answer(
                self.command, self.path, body, headers.get("authorization")
            )
        if reply.mode == "stall":
            api.stopping.wait(15)
            self.close_connection = True
            return
        if reply.mode == "drip":
            self._drip()
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.body is not None:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body or b"")))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply.body or b"")
        self.close_connection = True

    def _drip(self) -> None:
        """Send a status line, then one header a byte at a time: every read succeeds.

        It gives up after DRIP_SECONDS, so that a client without an overall deadline
        fails its test by taking too long instead of hanging it.
        """
        self.wfile.write(b"HTTP/1.1 201 Created\r\nX-Drip: ")
        self.wfile.flush()
        ends = time.monotonic() + DRIP_SECONDS
        while not self.server.api.stopping.wait(0.1) and time.monotonic() < ends:
            self.wfile.write(b"-")
            self.wfile.flush()
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, api: RemindersStandIn, tls: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api
        self.tls = tls

    def get_request(self) -> tuple[Any, Any]:
        conn, address = super().get_request()
        # The TLS handshake happens on the connection's own thread, at its first read,
        # so a client that never finishes one cannot hold up the others.
        return self.tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client hangs up or refuses the certificate: tests make them."""


@contextlib.contextmanager
def reminders_stand_in(
    tls: ServerTLS, *, access_token: str | None = None
) -> Iterator[RemindersStandIn]:
    """Serve the stand-in on 127.0.0.1 (any free port) until the block ends.

    ``access_token``: when given, any other bearer token is answered 401.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:
        cert, key = Path(folder, "cert.pem"), Path(folder, "key.pem")
        cert.write_bytes(tls.cert_pem)
        key.write_bytes(tls.key_pem)
        context.load_cert_chain(cert, key)
    api = RemindersStandIn("", access_token)
    server = _Server(api, context)
    api.url = f"https://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield api
    finally:
        api.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextlib.contextmanager
def trusted_stand_in(
    monkeypatch: Any, folder: Path, *, access_token: str | None
) -> Iterator[RemindersStandIn]:
    """Serve the stand-in and make ``requests`` trust its test root (this test only).

    ``monkeypatch`` is pytest's: ``REQUESTS_CA_BUNDLE`` and ``NO_PROXY`` are set for the
    test and restored after it.
    """
    tls = server_tls()
    bundle = folder / "test-root.pem"
    bundle.write_bytes(tls.root_pem)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with reminders_stand_in(tls, access_token=access_token) as stand_in:
        yield stand_in
