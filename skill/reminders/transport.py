"""How the skill talks to Alexa's APIs: over HTTPS only, and never for longer than a deadline.

The ASK SDK's service clients send through an ``ApiClient``. ask-sdk-core's
``DefaultApiClient`` sends through ``requests`` with no timeout at all, so one slow
answer from the Reminders API would hold the skill past the 8 seconds Alexa waits
for it, and the person would hear Alexa's own error instead of ours.
:class:`DeadlineApiClient` keeps what it does right (HTTPS only, ``requests`` with
its usual trust settings, including ``REQUESTS_CA_BUNDLE``) and bounds each call
as a whole: a timer cuts the connection when the deadline passes, however the
server behaves (silent, or dripping a byte at a time, which per-read timeouts
alone would let run for ever). Name lookup happens before any socket exists and
is left to the system resolver's own limits.

What the client raises never carries the URL: reminder URLs hold alert tokens.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from contextvars import ContextVar
from typing import Any, Final
from urllib.parse import urlsplit

import requests
from ask_sdk_core.exceptions import ApiClientException
from ask_sdk_model.services import ApiClient, ApiClientRequest, ApiClientResponse
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

DEFAULT_TIMEOUT: Final = 3.0
"""Seconds one call may take in all. Alexa waits about 8 s for the skill's answer, and a
change of reminder can take two calls (an update, then a create) before we answer."""

MAX_BODY_BYTES: Final = 64 * 1024
"""The most of an answer that is read. The Reminders API answers in well under 2 KiB."""


class NoAnswer(ApiClientException):
    """The API gave no usable answer: refused scheme, timeout, failed connection, huge body.

    The SDK wraps whatever its client raises in a ServiceException with status 500;
    :class:`~skill.reminders.ReminderClient` sees this first, so it can tell "no
    answer" from a real HTTP 500. ``reason`` is a fixed phrase, safe to log.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeadlineApiClient(ApiClient):
    """An SDK ``ApiClient`` that only speaks HTTPS and gives up after ``timeout`` seconds.

    One client serves every thread: each call has its own session (so no cookies or
    connections are shared between users' calls) and its own deadline timer.
    Redirects are not followed, so the access token is only ever sent to the
    endpoint Alexa named.
    """

    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not 0 < timeout <= 10:
            raise ValueError("timeout must be more than 0 and at most 10 seconds")
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"DeadlineApiClient(timeout={self.timeout:g})"

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        """Send one request and return the answer, whatever its status (the SDK reads it)."""
        url = request.url or ""
        if urlsplit(url).scheme.lower() != "https":
            # Checked before anything is sent: the request carries a bearer token.
            raise NoAnswer("endpoint is not https")
        method = (request.method or "").upper()
        if method not in {"GET", "POST", "PUT", "DELETE"}:
            raise NoAnswer("unsupported method")
        headers = _headers(request.headers)
        data = _body(request.body, headers)
        deadline = _Deadline()
        timer = threading.Timer(self.timeout, deadline.expire)
        timer.daemon = True
        current = _CURRENT.set(deadline)
        timer.start()
        try:
            response = self._send(method, url, headers, data)
        except NoAnswer:
            raise
        except Exception as error:
            # `from None`: the original's text names the URL, and with it an alert token.
            raise NoAnswer(_reason(error, deadline)) from None
        finally:
            timer.cancel()
            _CURRENT.reset(current)
        if deadline.expired:
            # A connection cut mid-header or mid-body can read as a short, complete
            # answer (http.client takes the end of the stream as the end of the headers).
            raise NoAnswer("timed out")
        return response

    def _send(
        self, method: str, url: str, headers: dict[str, str], data: str | None
    ) -> ApiClientResponse:
        with requests.Session() as session:
            session.mount("https://", _DeadlineAdapter())
            with session.request(
                method,
                url,
                headers=headers,
                data=data,
                timeout=(self.timeout, self.timeout),  # per operation: a backstop only
                allow_redirects=False,
                stream=True,
            ) as response:
                body = response.raw.read(MAX_BODY_BYTES + 1, decode_content=True)
                if len(body) > MAX_BODY_BYTES:
                    raise NoAnswer("answer too large")
                return ApiClientResponse(
                    headers=list(response.headers.items()),
                    status_code=response.status_code,
                    body=_json_text(body),
                )


def api_client(timeout: float = DEFAULT_TIMEOUT) -> DeadlineApiClient:
    """Make the API client for the skill builder: ``CustomSkillBuilder(api_client=api_client())``.

    :class:`~skill.reminders.ReminderClient` does not need it (it brings its own), but
    any other Alexa service the skill calls through ``service_client_factory`` then
    gets the same deadline instead of the SDK's unbounded default.
    """
    return DeadlineApiClient(timeout)


def _headers(pairs: list[tuple[str, str]] | None) -> dict[str, str]:
    """Join the SDK's header pairs into a dict, repeated names comma-separated (RFC 9110)."""
    headers: dict[str, str] = {}
    for name, value in pairs or []:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _body(body: Any, headers: dict[str, str]) -> str | None:
    """Write the SDK's serialised body as JSON text, as ``DefaultApiClient`` does."""
    if not body:
        return None
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    return json.dumps(body) if "json" in content_type else str(body)


def _json_text(body: bytes) -> str:
    """Return the answer as JSON text; JSON ``null`` when it is empty or not JSON.

    The SDK parses every error body it has a model for, and raises a
    SerializationException that hides the HTTP status when the body is not JSON (a
    gateway's HTML page, an empty 429). ``null`` reads as "no body", so the SDK
    raises its ServiceException with the status instead.
    """
    text = body.decode("utf-8", errors="replace")
    try:
        json.loads(text)
    except ValueError:
        return "null"
    return text


def _reason(error: Exception, deadline: _Deadline) -> str:
    """Name why a call failed in a fixed phrase (never the exception's text, which has the URL)."""
    if deadline.expired or isinstance(error, requests.Timeout | TimeoutError):
        return "timed out"
    if isinstance(error, requests.exceptions.SSLError):
        return "TLS failed"
    if isinstance(error, requests.ConnectionError | OSError):
        return "connection failed"
    return f"request failed ({type(error).__name__})"


class _NoAlertPaths(logging.Filter):
    """Keep urllib3's debug lines about reminder URLs out of the log: their paths hold tokens."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "/v1/alerts/" not in record.getMessage()


logging.getLogger("urllib3.connectionpool").addFilter(_NoAlertPaths())


# --- the deadline -------------------------------------------------------------------
#
# requests and urllib3 only bound each socket operation. To bound the whole call, the
# connection class below hands every socket it connects to the call's _Deadline (found
# through a context variable, since urllib3 builds connections deep inside requests),
# and a timer shuts those sockets down when the time is up: the blocked read returns at
# once and requests raises, which invoke() reports as "timed out".


class _Deadline:
    """The sockets of one call, so that a timer can cut them when its time is up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.expired = False

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            if self.expired:
                raise TimeoutError("deadline passed")
            self._sockets.append(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            # The TCP connection under the TLS layer: ssl.SSLSocket.shutdown would also
            # touch TLS state that the blocked thread is using.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


_CURRENT: ContextVar[_Deadline | None] = ContextVar("reminders_deadline", default=None)


class _DeadlineConnection(HTTPSConnection):
    """An HTTPS connection that hands its socket to the current call's deadline."""

    def connect(self) -> None:
        super().connect()
        deadline = _CURRENT.get()
        if deadline is not None and self.sock is not None:
            deadline.attach(self.sock)


class _DeadlinePool(HTTPSConnectionPool):
    ConnectionCls = _DeadlineConnection


class _DeadlineAdapter(HTTPAdapter):
    """requests' adapter, with pools (direct or through a proxy) that make deadline connections."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _use_deadline_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        _use_deadline_pools(manager)
        return manager


def _use_deadline_pools(manager: PoolManager) -> None:
    manager.pool_classes_by_scheme = {**manager.pool_classes_by_scheme, "https": _DeadlinePool}
