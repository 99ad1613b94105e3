"""Tiny TCP servers on 127.0.0.1 that answer, stall or drip, for the network tests.

They stand in for Amazon's certificate bucket: the tests never leave the machine.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator

Handler = Callable[[socket.socket, threading.Event], None]


@contextlib.contextmanager
def loopback_server(
    handler: Handler, *, tls: ssl.SSLContext | None = None
) -> Iterator[tuple[int, list[int]]]:
    """Serve ``handler`` on 127.0.0.1; yield the port and a list counting connections.

    Each connection gets its own thread; ``stop`` is set when the test is done so
    handlers that stall or drip can end, and every socket is closed before returning.
    """
    stop = threading.Event()
    accepted: list[int] = []
    threads: list[threading.Thread] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)

    def serve_one(conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            if tls is not None:
                conn = tls.wrap_socket(conn, server_side=True)
            handler(conn, stop)
        except OSError:
            pass  # the client gave up first, as several tests make it do
        finally:
            conn.close()

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(1)
            thread = threading.Thread(target=serve_one, args=(conn,), daemon=True)
            threads.append(thread)
            thread.start()

    acceptor = threading.Thread(target=accept_loop, daemon=True)
    acceptor.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        acceptor.join(5)
        listener.close()
        for thread in threads:
            thread.join(5)


def read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return
        data += chunk


def respond(body: bytes, *, status: str = "200 OK", length: bool = True) -> Handler:
    def handler(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        head = f"HTTP/1.1 {status}\r\nContent-Type: application/x-pem-file\r\n"
        if length:
            head += f"Content-Length: {len(body)}\r\n"
        conn.sendall(head.encode() + b"Connection: close\r\n\r\n" + body)

    return handler


def never_answer(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait(10)


def drip(conn: socket.socket, stop: threading.Event) -> None:
    """Answer a byte every 0.5 s: each read succeeds, so only an overall deadline helps."""
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    while not stop.wait(0.5):
        conn.sendall(b"-")
