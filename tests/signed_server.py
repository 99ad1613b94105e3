"""The production server, trusting the test PKI: for load, attack and proxy tests.

`closer serve` trusts only certifi's roots and fetches Amazon's chain over the
internet, and it must never be told otherwise from outside (a switch to trust
another root would be a way round verification). So the tests run the same
pieces in a process of their own: :func:`skill.web.app.create_app` with a
verifier that trusts the test root of :mod:`tests.pki` and is handed its chain
instead of fetching it, served by :func:`skill.web.server.listening_server` with
exactly the settings `closer serve` uses. Everything else (verification on, the
skill id checked, logging at INFO, no rehearsal page) is as deployed. Memory is kept
only when ``CLOSER_STORE`` is set, in the store it names, as `closer serve` reads it
(several servers sharing one store, as when scaling out).

Run: ``python -m tests.signed_server --pki-dir DIR [--port 0] [--threads 4]``; it
prints ``listening on http://HOST:PORT`` once bound, like `closer serve`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from skill import envelopes
from skill.cli import configure_logging
from tests.pki import TestPKI

ROOT = Path(__file__).resolve().parent.parent
_LISTENING = re.compile(r"listening on http://(\S+):(\d+)")


def write_pki(pki: TestPKI, folder: Path) -> None:
    """Hand a server process the public half of the test PKI: its root and chain."""
    (folder / "root.pem").write_bytes(pki.root.public_bytes(serialization.Encoding.PEM))
    (folder / "chain.pem").write_bytes(pki.chain_pem)


def signed_app(pki_dir: Path) -> Any:
    """The web service as deployed, except that it trusts the test root in ``pki_dir``."""
    from skill.memory.settings import open_store
    from skill.web.app import create_app
    from skill.web.verification import RequestVerifier

    root = x509.load_pem_x509_certificate((pki_dir / "root.pem").read_bytes())
    chain = (pki_dir / "chain.pem").read_bytes()
    verifier = RequestVerifier(trust_roots=[root], fetch_chain=lambda url: chain)
    return create_app(
        {
            "SKIP_VERIFICATION": False,
            "VERIFIER": verifier,
            "SKILL_IDS": envelopes.LOCAL_SKILL_ID,
            "REHEARSAL": False,
            "STORE": open_store(os.environ["CLOSER_STORE"])
            if "CLOSER_STORE" in os.environ
            else None,
        }
    )


def serve(app: Any, port: int, threads: int) -> None:
    """Serve ``app`` on 127.0.0.1 with `closer serve`'s server settings until killed."""
    from skill.web.server import listening_server

    server, addresses = listening_server(app, "127.0.0.1", port, threads)
    print(f"listening on http://{addresses[0]}", file=sys.stderr, flush=True)
    server.run()


@dataclass
class ServerProcess:
    """A server started by :func:`server_process`: where it listens, and its process."""

    port: int
    pid: int
    log: Path

    def rss_kib(self) -> int:
        """Resident memory of the server process now, in KiB (Linux /proc)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS in /proc status")

    def cpu_seconds(self) -> float:
        """User plus system CPU time of the process so far (Linux /proc)."""
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()  # fields[0] is the state, field 3 of stat
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def errors_logged(self) -> list[str]:
        """Lines the server logged at ERROR or CRITICAL, or any traceback."""
        text = self.log.read_text(errors="replace")
        return [
            line
            for line in text.splitlines()
            if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback")
        ]


@contextlib.contextmanager
def server_process(
    pki_dir: Path,
    log: Path,
    *,
    command: tuple[str, ...] = ("tests.signed_server",),
    threads: int = 4,
    env: Mapping[str, str] | None = None,
) -> Iterator[ServerProcess]:
    """Start ``python -m COMMAND --pki-dir ... --port 0`` and wait for its address line.

    ``command`` is a module and its own arguments (the benchmark serves a bare app too);
    ``env`` adds to the environment (``CLOSER_STORE``, say).
    """
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", *command),
                *("--pki-dir", str(pki_dir), "--port", "0", "--threads", str(threads)),
            ],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {}), "CLOSER_LOG_LEVEL": "INFO"},
        )
    try:
        deadline = time.monotonic() + 30
        while not (found := _LISTENING.search(log.read_text(errors="replace"))):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log.read_text()}")
            time.sleep(0.05)
        yield ServerProcess(int(found.group(2)), process.pid, log)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pki-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    configure_logging("INFO")
    serve(signed_app(args.pki_dir), args.port, args.threads)


if __name__ == "__main__":
    main()
