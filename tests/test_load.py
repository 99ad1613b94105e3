"""A short load test in CI: thousands of signed turns, concurrent keep-alive clients.

The real server (:mod:`tests.signed_server`: `closer serve`'s waitress settings,
verification on with the test PKI) answers several clients at once, each walking
through a whole conversation again and again with its session attributes carried
as Alexa carries them. Then: no 5xx, every answer valid, nothing logged at ERROR,
and the server's memory steady. A longer soak with attacks is ``python -m tests.soak``.
"""

from __future__ import annotations

import pytest

from tests.load import drive
from tests.pki import make_pki
from tests.signed_server import server_process, write_pki

CLIENTS = 4
TURNS_PER_CLIENT = 1000
WARM_UP_TURNS = 50
MAX_GROWTH_KIB = 16 * 1024
"""After warm-up the server holds nothing per request: what grows is allocator noise."""


def test_thousands_of_signed_turns_all_valid_and_memory_steady(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    pki = make_pki()
    folder = tmp_path_factory.mktemp("load")
    write_pki(pki, folder)
    with server_process(folder, folder / "server.log") as server:
        warm = drive(server.port, pki, clients=CLIENTS, turns=WARM_UP_TURNS, seconds=30)
        assert warm.invalid == [], warm.invalid[:3]
        before = server.rss_kib()
        result = drive(server.port, pki, clients=CLIENTS, turns=TURNS_PER_CLIENT, seconds=45)
        growth = server.rss_kib() - before
        errors = server.errors_logged()
    with capsys.disabled():
        print(f"\nload: {result.summary()}; server memory {before} KiB, growth {growth} KiB")
    assert result.turns == CLIENTS * TURNS_PER_CLIENT, "a client stopped early"
    assert result.statuses == {200: result.turns}
    assert result.invalid == [], result.invalid[:3]
    assert errors == [], errors[:3]
    assert growth < MAX_GROWTH_KIB
