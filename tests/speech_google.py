"""Google Translate's TTS endpoint, as recorded, for testing the gtts engine offline.

``google_reply`` builds an answer in the exact format Google sends (and gTTS parses):
an ``)]}'`` guard line, then length-prefixed JSON lines, one of which is the
``wrb.fr`` / ``jQ1olc`` envelope holding the base64 MP3, all with compact separators.
``sent_text`` reads back the text gTTS put in a request body.

``tls_proxy`` is a loopback HTTPS proxy: it answers CONNECT, completes a real TLS
handshake with a throwaway certificate, reads the request and then answers (or goes
silent). gTTS reaches it through the standard ``https_proxy`` variable, so the whole
of its HTTP code runs over real sockets without leaving the machine.
"""

from __future__ import annotations

import base64
import datetime
import json
import socket
import ssl
import threading
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.loopback import read_request

ENDPOINT = "https://translate.google.{tld}/_/TranslateWebserverUi/data/batchexecute"


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def google_reply(mp3: bytes | None) -> str:
    """Google's batchexecute answer carrying ``mp3``; None gives a 200 with no audio in it."""
    lines = []
    if mp3 is not None:
        payload = _compact([base64.b64encode(mp3).decode("ascii")])
        lines.append(_compact([["wrb.fr", "jQ1olc", payload, None, None, None, "generic"]]))
    lines.append(_compact([["di", 54], ["af.httprm", 53, "-2858307786958003307", 4]]))
    lines.append(_compact([["e", 4, None, None, 512]]))
    body = ")]}'\n\n"
    for line in lines:
        body += f"{len(line) + 1}\n{line}\n"
    return body


def sent_text(body: str | bytes | None) -> str:
    """The text gTTS asked Google to say, read back from a request body."""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    assert body, "no request body"
    rpc = json.loads(urllib.parse.parse_qs(body)["f.req"][0])
    return str(json.loads(rpc[0][0][1])[0])


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate and key for the loopback TLS endpoint (gTTS does not verify)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "translate.google.com")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("translate.google.com")]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def tls_proxy(
    certificate: tuple[Path, Path], answer: Callable[[str], bytes | None]
) -> Callable[[socket.socket, threading.Event], None]:
    """A loopback handler: CONNECT, TLS, then ``answer(text)`` as the body, or silence if None."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)

    def handler(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)  # CONNECT translate.google.com:443
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        with context.wrap_socket(conn, server_side=True) as tls:
            text = sent_text(_read_body(tls))
            body = answer(text)
            if body is None:
                stop.wait(10)  # accepted, then silent: only a read timeout ends this
                return
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            tls.sendall(head.encode() + body)

    return handler


def _read_body(conn: ssl.SSLSocket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            break
        body += chunk
    return body
