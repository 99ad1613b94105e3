"""Where Alexa's signing chain comes from: the URL rules, and a download with a deadline.

A forged ``SignatureCertChainUrl`` must never make the skill fetch from an address of
the sender's choosing, so the URL is checked by Amazon's rules before anything is
fetched (:func:`normalise_cert_url`). The download itself (:func:`fetch_chain_over_https`)
is bounded by an overall deadline and a size cap, since Alexa waits only about 8 s for
an answer and a server dripping one byte at a time must not hold a worker.
:mod:`skill.web.verification` validates what arrives.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import posixpath
import socket
import ssl
import threading
from urllib.parse import SplitResult, unquote, urlsplit

import certifi

from skill.web.errors import VerificationError

CERT_URL_HOST = "s3.amazonaws.com"
CERT_URL_PATH_PREFIX = "/echo.api/"
_READ_CHUNK = 16 * 1024
_SOCKET_BACKSTOP = 2.0


def validate_cert_url(url: str) -> None:
    """Refuse a ``SignatureCertChainUrl`` that does not point into Amazon's echo.api bucket.

    Checked before anything is fetched, so a forged header cannot make the skill
    download from (or probe) an address of the sender's choosing.
    """
    normalise_cert_url(url)


def normalise_cert_url(url: str) -> str:
    """Check the certificate URL by Amazon's rules and return the exact URL to fetch.

    The path is normalised (``.`` and ``..`` resolved, case kept) before the prefix test,
    and the percent-decoded path must pass too, so ``/echo.api/%2e%2e/x`` cannot leave
    the bucket either.  A query or fragment is refused.  What is fetched is rebuilt
    from the checked parts.
    """
    if not isinstance(url, str):
        raise VerificationError("certificate URL must be a string")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise VerificationError("certificate URL is malformed") from exc
    if parts.scheme.lower() != "https":
        raise VerificationError("certificate URL scheme must be https")
    if parts.hostname != CERT_URL_HOST:  # .hostname is already lowercased
        raise VerificationError(f"certificate URL host must be {CERT_URL_HOST}")
    if port not in (None, 443):
        raise VerificationError("certificate URL port must be 443")
    if parts.username is not None or parts.password is not None:
        raise VerificationError("certificate URL must not carry credentials")
    if "?" in url or "#" in url:
        # Amazon's URL has neither; each fresh query would be a fresh download, and
        # could push the real certificate out of the cache.
        raise VerificationError("certificate URL must not have a query or fragment")
    path = posixpath.normpath(parts.path) if parts.path else ""
    decoded_path = posixpath.normpath(unquote(parts.path)) if parts.path else ""
    if not (
        path.startswith(CERT_URL_PATH_PREFIX) and decoded_path.startswith(CERT_URL_PATH_PREFIX)
    ):
        raise VerificationError(f"certificate URL path must start with {CERT_URL_PATH_PREFIX}")
    return f"https://{CERT_URL_HOST}{path}"


def fetch_chain_over_https(url: str, *, timeout: float = 3.0, max_bytes: int = 64 * 1024) -> bytes:
    """Download the PEM chain at ``url`` within ``timeout`` seconds overall, at most ``max_bytes``.

    Built on the standard library (``http.client`` and ``ssl``, trusting certifi's roots)
    rather than a new dependency: like ``requests``, ``urllib`` only bounds each socket
    operation, so a server dripping one byte at a time could hold it for ever, and the
    overall deadline has to be enforced here in any case (see ``download_with_deadline``).
    Alexa waits about 8 s for an answer, so this must give up well before that.
    """
    return download_with_deadline(
        normalise_cert_url(url), timeout=timeout, max_bytes=max_bytes, tls=_tls_context()
    )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Verify s3.amazonaws.com against certifi's roots, the same set the chain is checked on."""
    return ssl.create_default_context(cafile=certifi.where())


class _DownloadOutcome:
    """What the download thread hands back: a body, or a reason it failed."""

    def __init__(self) -> None:
        self.body: bytes | None = None
        self.reason: str | None = None
        self.cause: BaseException | None = None


class _Abortable:
    """The socket a download is using, so the waiting thread can cut it at the deadline."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self.aborted = False

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            if self.aborted:
                raise TimeoutError("download aborted at its deadline")
            self._socket = sock

    def abort(self) -> None:
        with self._lock:
            self.aborted = True
            sock = self._socket
        if sock is not None:
            # Shut the TCP connection under any TLS layer: the blocked read in the other
            # thread returns at once.  (ssl.SSLSocket.shutdown would also reset the TLS
            # state that thread is still using.)
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


def download_with_deadline(
    url: str, *, timeout: float, max_bytes: int, tls: ssl.SSLContext | None = None
) -> bytes:
    """GET an already-validated ``url`` (http or https) within ``timeout`` seconds overall.

    Socket timeouts only bound each read, and DNS lookups are not bounded at all, so the
    request runs in a daemon thread while this one waits at most ``timeout``; at the
    deadline the thread's socket is shut down, which ends it promptly, and the caller
    gets a VerificationError either way.  Production reaches this only through
    ``fetch_chain_over_https``, after the URL check; tests call it with loopback URLs.
    """
    target = urlsplit(url)
    if target.scheme not in ("http", "https") or not target.hostname:
        raise VerificationError("certificate chain URL cannot be fetched")
    outcome = _DownloadOutcome()
    abortable = _Abortable()

    def run() -> None:
        try:
            # Socket timeouts are only a backstop that ends this thread eventually; they
            # are longer than the deadline so that the deadline, not a race, decides.
            outcome.body = _get(target, tls, timeout + _SOCKET_BACKSTOP, max_bytes, abortable)
        except VerificationError as exc:
            outcome.reason, outcome.cause = str(exc), exc
        except Exception as exc:  # anything at all: this thread must end quietly
            outcome.reason = f"certificate chain download failed ({type(exc).__name__})"
            outcome.cause = exc

    worker = threading.Thread(target=run, name="alexa-cert-download", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        abortable.abort()
        raise VerificationError(f"certificate chain download took longer than {timeout:g} s")
    if outcome.reason is not None or outcome.body is None:
        reason = outcome.reason or "certificate chain download failed"
        raise VerificationError(reason) from outcome.cause
    return outcome.body


def _get(
    target: SplitResult,
    tls: ssl.SSLContext | None,
    timeout: float,
    max_bytes: int,
    abortable: _Abortable,
) -> bytes:
    """Do the GET on the download thread; every socket it opens is handed to ``abortable``."""
    https = target.scheme == "https"
    host = target.hostname or ""
    port = target.port or (443 if https else 80)
    raw = socket.create_connection((host, port), timeout=timeout)
    sock: socket.socket = raw
    try:
        abortable.attach(raw)
        if https:
            context = tls if tls is not None else _tls_context()
            sock = context.wrap_socket(raw, server_hostname=host, do_handshake_on_connect=False)
            abortable.attach(sock)
            sock.do_handshake()
        connection_class = http.client.HTTPSConnection if https else http.client.HTTPConnection
        connection = connection_class(host, port, timeout=timeout)
        connection.sock = sock  # already connected (and TLS-verified) above
        try:
            connection.request(
                "GET",
                (target.path or "/") + (f"?{target.query}" if target.query else ""),
                headers={"Accept": "application/x-pem-file, */*", "Connection": "close"},
            )
            # Closed explicitly: with "Connection: close" the connection forgets its
            # response, whose file object would otherwise keep the descriptor open.
            with connection.getresponse() as response:
                return _read_capped(response, max_bytes, abortable)
        finally:
            connection.close()
    finally:
        sock.close()
        raw.close()  # a no-op once wrapped (the TLS socket took over its descriptor)


def _read_capped(
    response: http.client.HTTPResponse, max_bytes: int, abortable: _Abortable
) -> bytes:
    if response.status != 200:
        raise VerificationError(f"certificate chain download answered HTTP {response.status}")
    declared = response.getheader("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise VerificationError(f"certificate chain is larger than {max_bytes} bytes")
    body = bytearray()
    while True:
        if abortable.aborted:
            raise TimeoutError("download aborted at its deadline")
        chunk = response.read1(min(_READ_CHUNK, max_bytes + 1 - len(body)))
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > max_bytes:
            raise VerificationError(f"certificate chain is larger than {max_bytes} bytes")
