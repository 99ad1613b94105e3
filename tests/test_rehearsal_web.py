"""The /rehearse page: its JSON API through Flask, and the page itself in headless Chromium.

The browser test drives Debian's chromium through Selenium with Debian's chromedriver
(never a downloaded browser or driver) against a real `closer serve` on a loopback
port. Locally it skips when they are missing; CI sets CLOSER_REQUIRE_BROWSER=1 so it
must run there.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import speech.render
from skill import envelopes
from skill.cli.serve import rehearsal_allowed
from skill.web.app import create_app
from tests.conftest import running_server
from tests.speech_fakes import FakeEngine, working_fakes

LONG_BREAK = '<speak>Hi.<break time="10000s"/></speak>'
"""The 88-byte kind of request that once took 4.3 GB and wrote a 60 MB MP3."""


@pytest.fixture
def fakes() -> dict[str, FakeEngine]:
    """Fake engines under the real names: the page renders with these, never a real voice."""
    return working_fakes()


def rehearsal_app(cache: Path, fakes: dict[str, FakeEngine]) -> Flask:
    """A web service with the rehearsal page on, its audio cache at ``cache``."""
    return create_app(
        {
            "SKIP_VERIFICATION": True,
            "SKILL_IDS": (),
            "REHEARSAL": True,
            "REHEARSAL_ENGINE": "espeak",
            "REHEARSAL_ENGINES": fakes,
            "REHEARSAL_CACHE_DIR": cache,
        }
    )


@pytest.fixture
def web(tmp_path: Path, fakes: dict[str, FakeEngine]) -> Flask:
    """The web service with the rehearsal page on and its audio cache in tmp_path."""
    return rehearsal_app(tmp_path / "cache", fakes)


@pytest.fixture
def page(web: Flask) -> FlaskClient:
    """A test client for the service with the rehearsal page."""
    return web.test_client()


def fake_clip(cache: Path, name: str = "0123456789abcdef0123456789abcdef") -> speech.render.Clip:
    """Put a stand-in MP3 where speech/'s cache keeps clips."""
    path = cache / "clips" / f"{name}.mp3"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"ID3 stand-in")
    return speech.render.Clip(path, "fake", 1.5, False)


def to_hear(answer: dict[str, Any]) -> dict[str, Any]:
    """What the page posts to hear an answer: its SSML, with the locale and token it came with."""
    return {"ssml": answer["ssml"], **(answer.get("audio") or {})}


def files_under(folder: Path) -> list[Path]:
    """Every file below a folder (none if it does not exist)."""
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --- the JSON API ---------------------------------------------------------------------


def test_the_page_is_served_with_no_outside_resources(page: FlaskClient) -> None:
    with page.get("/rehearse") as reply:
        assert reply.status_code == 200 and reply.mimetype == "text/html"
        html = reply.get_data(as_text=True)
        policy = reply.headers["Content-Security-Policy"]
    assert 'role="log"' in html and 'aria-live="polite"' in html
    assert '<label for="say-text">' in html
    assert "http" not in html.replace("http-equiv", "")  # nothing from elsewhere
    assert policy.startswith("default-src 'self'")
    for name in ("rehearse.js", "rehearse.css"):
        with page.get(f"/rehearse/static/{name}") as asset:
            assert asset.status_code == 200
            assert "http://" not in asset.get_data(as_text=True)
            assert "https://" not in asset.get_data(as_text=True)


def test_the_page_is_off_unless_enabled(client: FlaskClient) -> None:
    assert client.get("/rehearse").status_code == 404


STATIC_PATHS = [
    f"{folder}/{name}"
    for folder in ("/static", "/rehearse/static")
    for name in ("rehearse.js", "rehearse.css", "rehearse.html")
]


@pytest.mark.parametrize("path", STATIC_PATHS)
def test_no_file_of_the_page_is_served_while_it_is_off(client: FlaskClient, path: str) -> None:
    with client.get(path) as reply:
        assert reply.status_code == 404
        assert reply.get_json() == {"error": "not found"}


def test_with_the_page_on_its_files_are_served_under_rehearse_only(page: FlaskClient) -> None:
    for path in STATIC_PATHS:
        with page.get(path) as reply:
            assert reply.status_code == (200 if path.startswith("/rehearse/") else 404), path


def test_with_a_store_the_page_is_welcomed_back_as_its_own_user(tmp_path: Path) -> None:
    from skill import envelopes
    from skill.dispatch import read_request_envelope
    from skill.memory.settings import open_store
    from skill.rehearsal import rehearsal_user_id
    from skill.web.rehearsal_page import PAGE_USER

    store = open_store(f"sqlite://{tmp_path / 'memory.db'}", {"CLOSER_USER_KEY": "p" * 40})
    app = create_app({"SKIP_VERIFICATION": True, "REHEARSAL": True, "STORE": store})
    page = app.test_client()
    launch = page.post("/rehearse/start", json={"locale": "en-US"}).get_json()
    assert launch["text"].startswith("Welcome to Closer Together")
    turn = {"text": "my partner is pulling away", "session": launch["session"]}
    assert page.post("/rehearse/turn", json=turn).status_code == 200
    again = page.post("/rehearse/start", json={"locale": "en-US"}).get_json()
    assert again["text"].startswith("Welcome back.")
    kept = envelopes.launch_request(user_id=rehearsal_user_id(PAGE_USER))
    assert store.get_attributes(read_request_envelope(kept))["topic"] == "PartnerPullingAwayIntent"


def test_config_lists_the_locales(page: FlaskClient) -> None:
    config = page.get("/rehearse/config").get_json()
    assert config["default"] == "en-US"
    assert {"en-US", "en-GB"} <= set(config["locales"])


def test_a_conversation_through_the_api_keeps_its_session_in_the_page(
    page: FlaskClient,
) -> None:
    launch = page.post("/rehearse/start", json={"locale": "en-US"}).get_json()
    assert launch["requestType"] == "LaunchRequest" and launch["session"]["open"]
    first = page.post(
        "/rehearse/turn", json={"text": "my partner is pulling away", "session": launch["session"]}
    ).get_json()
    assert first["intent"] == "PartnerPullingAwayIntent"
    assert first["session"]["attributes"]["topic"] == "PartnerPullingAwayIntent"
    assert first["card"]["title"].startswith("Closer Together")
    second = page.post("/rehearse/turn", json={"text": "next", "session": first["session"]})
    assert second.get_json()["session"]["attributes"]["index"] == 1
    # Without the session the page holds, the server remembers nothing of the first turn.
    alone = page.post("/rehearse/turn", json={"text": "next"}).get_json()
    assert alone["text"].startswith("We haven't started")


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"text": ""},
        {"text": 5},
        {"text": "x" * 501},
        {"text": "next", "session": {"id": "not a session"}},
        {"text": "next", "session": "open"},
    ],
)
def test_a_turn_the_page_never_sends_is_refused(page: FlaskClient, body: Any) -> None:
    reply = page.post("/rehearse/turn", json=body)
    assert reply.status_code == 400
    assert "error" in reply.get_json()


def test_an_unknown_locale_falls_back_to_en_us(page: FlaskClient) -> None:
    turn = page.post("/rehearse/start", json={"locale": "../../etc"}).get_json()
    assert turn["text"].startswith("Welcome")


def test_audio_is_rendered_into_the_cache_and_served_from_it(
    web: Flask, page: FlaskClient, fakes: dict[str, FakeEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = web.config["REHEARSAL_CACHE_DIR"]
    asked: list[dict[str, Any]] = []

    def render_ssml(ssml: str, **options: Any) -> speech.render.Clip:
        asked.append({"ssml": ssml, **options})
        return fake_clip(cache)

    monkeypatch.setattr(speech.render, "render_ssml", render_ssml)
    launch = page.post("/rehearse/start", json={"locale": "en-GB"}).get_json()
    assert launch["audio"]["locale"] == "en-GB"
    reply = page.post("/rehearse/audio", json=to_hear(launch))
    assert reply.status_code == 200
    clip = reply.get_json()
    assert clip["url"] == "/rehearse/audio/0123456789abcdef0123456789abcdef.mp3"
    assert asked == [
        {
            "ssml": launch["ssml"],
            "locale": "en-GB",
            "engine": "espeak",
            "cache_dir": cache,
            "engines": fakes,
        }
    ]
    with page.get(clip["url"]) as audio:
        assert audio.status_code == 200 and audio.mimetype == "audio/mpeg"
        assert audio.data == b"ID3 stand-in"


def test_a_genuine_answer_renders_with_its_token_and_then_comes_from_the_cache(
    web: Flask, page: FlaskClient, fakes: dict[str, FakeEngine]
) -> None:
    launch = page.post("/rehearse/start", json={"locale": "en-GB"}).get_json()
    turn = page.post(
        "/rehearse/turn",
        json={
            "text": "my partner is pulling away",
            "session": launch["session"],
            "locale": "en-GB",
        },
    ).get_json()
    reply = page.post("/rehearse/audio", json=to_hear(turn))
    assert reply.status_code == 200, reply.get_json()
    clip = reply.get_json()
    assert clip["engine"] == "espeak" and not clip["cached"] and clip["seconds"] > 1
    said = " ".join(text for text, _, _ in fakes["espeak"].calls)
    assert said.startswith("Fear of intimacy can be one reason a partner pulls away.")
    assert {locale for _, locale, _ in fakes["espeak"].calls} == {"en-GB"}
    with page.get(clip["url"]) as audio:
        assert audio.status_code == 200 and audio.mimetype == "audio/mpeg" and audio.data
    calls = len(fakes["espeak"].calls)
    again = page.post("/rehearse/audio", json=to_hear(turn)).get_json()
    assert again["cached"] and again["url"] == clip["url"]
    assert len(fakes["espeak"].calls) == calls


def test_an_answer_with_nothing_to_say_has_no_audio_token(page: FlaskClient) -> None:
    launch = page.post("/rehearse/start", json={}).get_json()
    stop = page.post("/rehearse/turn", json={"text": "stop", "session": launch["session"]})
    assert launch["audio"]["token"] != ""
    answer = stop.get_json()
    assert (answer["audio"] is None) == (answer["ssml"].strip() == "")


def forgeries(genuine: dict[str, Any], elsewhere: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Audio requests for text the server never gave, made from a genuine one (en-US)."""
    return {
        "edited SSML": {**genuine, "ssml": genuine["ssml"].replace("Welcome", "Goodbye")},
        "the long break with a genuine token": {**genuine, "ssml": LONG_BREAK},
        "the long break with a made-up token": {**genuine, "ssml": LONG_BREAK, "token": "0" * 64},
        "another locale": {**genuine, "locale": "en-GB"},
        "another server's token": elsewhere,
    }


@pytest.mark.parametrize(
    "forgery",
    [
        "edited SSML",
        "the long break with a genuine token",
        "the long break with a made-up token",
        "another locale",
        "another server's token",
    ],
)
def test_audio_is_refused_for_any_text_the_server_did_not_give(
    tmp_path: Path,
    web: Flask,
    page: FlaskClient,
    fakes: dict[str, FakeEngine],
    caplog: pytest.LogCaptureFixture,
    forgery: str,
) -> None:
    genuine = to_hear(page.post("/rehearse/start", json={"locale": "en-US"}).get_json())
    other = rehearsal_app(tmp_path / "other-cache", working_fakes()).test_client()
    elsewhere = to_hear(other.post("/rehearse/start", json={"locale": "en-US"}).get_json())
    assert elsewhere["ssml"] == genuine["ssml"]  # same words, another server's key
    body = forgeries(genuine, elsewhere)[forgery]
    caplog.clear()
    with caplog.at_level(logging.INFO):
        reply = page.post("/rehearse/audio", json=body)
    assert reply.status_code == 403
    assert "gave no such answer" in reply.get_json()["error"]
    assert all(fake.calls == [] for fake in fakes.values())
    assert files_under(web.config["REHEARSAL_CACHE_DIR"]) == []  # nothing of it is kept
    assert [r.getMessage() for r in caplog.records] == [
        "rehearsal refused 403: audio asked for an answer this server did not give"
    ]


@pytest.mark.parametrize(
    "change",
    [
        {"token": None},
        {"token": "not a token"},
        {"token": "A" * 64},
        {"locale": None},
        {"locale": ["en-US"]},
    ],
)
def test_audio_without_a_well_formed_token_and_locale_is_a_bad_request(
    web: Flask, page: FlaskClient, fakes: dict[str, FakeEngine], change: dict[str, Any]
) -> None:
    genuine = to_hear(page.post("/rehearse/start", json={}).get_json())
    body = {key: value for key, value in {**genuine, **change}.items() if value is not None}
    reply = page.post("/rehearse/audio", json=body)
    assert reply.status_code == 400
    assert "locale and token must be the ones sent with the answer" in reply.get_json()["error"]
    assert fakes["espeak"].calls == [] and files_under(web.config["REHEARSAL_CACHE_DIR"]) == []


def test_even_a_token_does_not_render_a_break_over_alexas_limit(
    web: Flask, page: FlaskClient, fakes: dict[str, FakeEngine]
) -> None:
    """Defence in depth: were the key to leak, speech/ still refuses what Alexa would."""
    token = web.extensions["closer"]["answer_tokens"].issue(LONG_BREAK, "en-US")
    reply = page.post(
        "/rehearse/audio", json={"ssml": LONG_BREAK, "locale": "en-US", "token": token}
    )
    assert reply.status_code == 503
    assert "longer than Alexa's 10 s" in reply.get_json()["error"]
    assert fakes["espeak"].calls == [] and files_under(web.config["REHEARSAL_CACHE_DIR"]) == []


def test_a_failed_render_is_reported_not_raised(
    page: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def render_ssml(ssml: str, **options: Any) -> speech.render.Clip:
        raise speech.render.EngineUnavailable("espeak: not installed")

    monkeypatch.setattr(speech.render, "render_ssml", render_ssml)
    launch = page.post("/rehearse/start", json={}).get_json()
    reply = page.post("/rehearse/audio", json=to_hear(launch))
    assert reply.status_code == 503
    assert "espeak: not installed" in reply.get_json()["error"]


def test_a_clip_outside_the_cache_is_not_offered(
    tmp_path: Path, page: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = fake_clip(tmp_path / "elsewhere")
    monkeypatch.setattr(speech.render, "render_ssml", lambda ssml, **_: elsewhere)
    launch = page.post("/rehearse/start", json={}).get_json()
    assert page.post("/rehearse/audio", json=to_hear(launch)).status_code == 503


@pytest.mark.parametrize(
    "path",
    [
        "/rehearse/audio/..%2F..%2Fclips%2Fsecret.mp3",
        "/rehearse/audio/../../etc/passwd.mp3",
        "/rehearse/audio/ABCDEF0123456789ABCDEF0123456789.mp3",
        "/rehearse/audio/0123456789abcdef0123456789abcdee.mp3",  # well formed, not there
        "/rehearse/audio/0123.mp3",
    ],
)
def test_only_cached_clips_by_id_are_served(web: Flask, page: FlaskClient, path: str) -> None:
    fake_clip(web.config["REHEARSAL_CACHE_DIR"])
    assert page.get(path).status_code == 404


@pytest.mark.parametrize("body", [{}, {"ssml": ""}, {"ssml": "x" * 8001}, {"ssml": 3}])
def test_audio_without_proper_ssml_is_refused(page: FlaskClient, body: Any) -> None:
    assert page.post("/rehearse/audio", json=body).status_code == 400


# --- only for this machine: Host and Origin -------------------------------------------

LOOPBACK_HOSTS = [
    "localhost",
    "localhost:8000",
    "LocalHost:8000",
    "127.0.0.1",
    "127.0.0.1:8000",
    "127.45.6.7:65535",
    "[::1]",
    "[::1]:8000",
]
FOREIGN_HOSTS = [
    "closer.attacker.example",
    "abc123.ngrok-free.app",
    "attacker.example:8000",
    "192.168.1.20:8000",
    "0.0.0.0:8000",
    "localhost.attacker.example",
    "127.0.0.1.nip.io",
    "localhost.",
    "[::2]:8000",
    "2130706433",
    "localhost:8000@attacker.example",
    "localhost:",
    "",
]
CLIP = "0123456789abcdef0123456789abcdef"


def rehearsal_requests(page: FlaskClient) -> list[tuple[str, str, dict[str, Any] | None]]:
    """One of every request the page makes, each of which a loopback client gets answered."""
    launch = page.post("/rehearse/start", json={}).get_json()
    return [
        ("GET", "/rehearse", None),
        ("GET", "/rehearse/config", None),
        ("GET", "/rehearse/static/rehearse.js", None),
        ("GET", "/rehearse/static/rehearse.css", None),
        ("POST", "/rehearse/start", {}),
        ("POST", "/rehearse/turn", {"text": "next", "session": launch["session"]}),
        ("POST", "/rehearse/audio", to_hear(launch)),
        ("GET", f"/rehearse/audio/{CLIP}.mp3", None),
    ]


def test_every_rehearsal_request_from_a_foreign_host_or_origin_is_refused(
    web: Flask, page: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    fake_clip(web.config["REHEARSAL_CACHE_DIR"], CLIP)
    requests = rehearsal_requests(page)
    for method, path, body in requests:  # each is answered on this machine
        origin = {"Origin": "http://[::1]:8000"}
        with page.open(path, method=method, json=body, headers=origin) as reply:
            assert reply.status_code == 200, (path, reply.get_data(as_text=True))
    for headers in (
        {"Host": "closer.attacker.example"},
        {"Host": "localhost:8000", "Origin": "https://closer.attacker.example"},
    ):
        for method, path, body in requests:
            caplog.clear()
            reply = page.open(path, method=method, json=body, headers=headers)
            assert reply.status_code == 403, (headers, path)
            assert "only for this machine" in reply.get_json()["error"]
            assert reply.headers["Content-Security-Policy"].startswith("default-src 'self'")
            logged = [r.getMessage() for r in caplog.records]
            assert len(logged) == 1 and logged[0].startswith("rehearsal refused 403: ")
            assert "attacker" not in caplog.text


@pytest.mark.parametrize("host", LOOPBACK_HOSTS)
def test_the_page_answers_a_loopback_host(page: FlaskClient, host: str) -> None:
    assert page.get("/rehearse/config", headers={"Host": host}).status_code == 200
    origin = {"Origin": f"http://{host}"}
    assert (
        page.post("/rehearse/start", json={}, headers={"Host": host, **origin}).status_code == 200
    )


@pytest.mark.parametrize(
    "header",
    [
        {"X-Forwarded-For": "203.0.113.9"},
        {"X-Forwarded-Host": "abc.ngrok.app"},
        {"Forwarded": "for=203.0.113.9"},
        {"X-Real-IP": "203.0.113.9"},
    ],
)
def test_a_request_through_a_tunnel_that_rewrites_host_is_refused(
    page: FlaskClient, header: dict[str, str]
) -> None:
    """A tunnel rewriting Host (ngrok --host-header=rewrite) still says it forwarded."""
    reply = page.get("/rehearse/config", headers={"Host": "localhost:8000", **header})
    assert reply.status_code == 403
    assert reply.get_json()["error"].endswith("it came through a proxy or tunnel")


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
def test_the_page_refuses_any_other_host(page: FlaskClient, host: str) -> None:
    reply = page.get("/rehearse/config", headers={"Host": host})
    assert reply.status_code == 403
    assert reply.get_json()["error"].endswith("the Host is not a loopback name")


@pytest.mark.parametrize(
    "origin",
    [
        "null",
        "https://closer.attacker.example",
        "http://localhost.attacker.example:8000",
        "http://127.0.0.1.nip.io",
        "file://",
        "http://localhost:8000/rehearse",
        "ftp://localhost",
    ],
)
def test_the_api_refuses_a_foreign_origin_on_a_loopback_host(
    page: FlaskClient, origin: str
) -> None:
    reply = page.post("/rehearse/start", json={}, headers={"Origin": origin})
    assert reply.status_code == 403
    assert reply.get_json()["error"].endswith("the Origin is not a loopback origin")


def test_the_skill_itself_answers_any_host(page: FlaskClient) -> None:
    """Alexa reaches /alexa by the server's public name: only /rehearse keeps to loopback."""
    headers = {"Host": "closer.example.net", "Origin": "https://closer.example.net"}
    assert page.get("/healthz", headers=headers).status_code == 200
    reply = page.post("/alexa", json=envelopes.launch_request(), headers=headers)
    assert reply.status_code == 200 and reply.get_json()["version"] == "1.0"


def test_a_listed_host_is_answered_only_with_closer_rehearsal_on(
    tmp_path: Path, fakes: dict[str, FakeEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOSER_REHEARSAL_HOSTS", " closer.lan, Rehearse.Example.NET ,")
    monkeypatch.delenv("CLOSER_REHEARSAL", raising=False)
    listed = {"Host": "closer.lan:8000", "Origin": "http://closer.lan:8000"}
    off = rehearsal_app(tmp_path / "cache", fakes).test_client()
    assert off.get("/rehearse/config", headers=listed).status_code == 403

    monkeypatch.setenv("CLOSER_REHEARSAL", "1")
    web = rehearsal_app(tmp_path / "cache", fakes)
    assert web.config["REHEARSAL_HOSTS"] == frozenset({"closer.lan", "rehearse.example.net"})
    on = web.test_client()
    assert on.post("/rehearse/start", json={}, headers=listed).status_code == 200
    assert on.get("/rehearse/config", headers={"Host": "REHEARSE.example.net"}).status_code == 200
    assert on.get("/rehearse/config", headers={"Host": "localhost:8000"}).status_code == 200
    for headers in (
        {"Host": "other.lan:8000"},
        {"Host": "closer.lan.attacker.example"},
        {"Host": "closer.lan:8000", "Origin": "http://other.lan:8000"},
    ):
        assert on.get("/rehearse/config", headers=headers).status_code == 403, headers


def test_hosts_can_be_listed_in_the_config_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOSER_REHEARSAL", "1")
    monkeypatch.delenv("CLOSER_REHEARSAL_HOSTS", raising=False)
    web = create_app(
        {"SKIP_VERIFICATION": True, "REHEARSAL": True, "REHEARSAL_HOSTS": ["Closer.LAN"]}
    )
    reply = web.test_client().get("/rehearse/config", headers={"Host": "closer.lan"})
    assert reply.status_code == 200


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("example.com", False),
    ],
)
def test_closer_serve_offers_the_page_only_on_loopback(
    monkeypatch: pytest.MonkeyPatch, host: str, allowed: bool
) -> None:
    monkeypatch.delenv("CLOSER_REHEARSAL", raising=False)
    assert rehearsal_allowed(host) is allowed
    monkeypatch.setenv("CLOSER_REHEARSAL", "1")
    assert rehearsal_allowed(host) is True


# --- the page in a real browser -------------------------------------------------------


def test_the_page_holds_a_conversation_in_a_real_browser(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    speaks = shutil.which("espeak-ng") is not None
    env = {
        "CLOSER_CACHE_DIR": str(tmp_path / "cache"),
        "CLOSER_REHEARSAL_ENGINE": "espeak",  # offline and instant: no test touches the network
    }
    with running_server(env, tmp_path / "serve.log") as base:
        browser.get(f"{base}/rehearse")
        wait = WebDriverWait(browser, 20)

        def answers() -> list[Any]:
            return browser.find_elements(By.CSS_SELECTOR, "#transcript .turn.alexa")

        wait.until(lambda _: len(answers()) == 1)
        assert answers()[0].find_element(By.CSS_SELECTOR, ".said").text.startswith("Welcome")
        log = browser.find_element(By.ID, "transcript")
        assert log.get_attribute("aria-live") == "polite"

        box = browser.find_element(By.ID, "say-text")
        box.send_keys("my partner is pulling away", Keys.ENTER)  # the keyboard alone
        wait.until(lambda _: len(answers()) == 2)
        box.send_keys("next", Keys.ENTER)
        wait.until(lambda _: len(answers()) == 3)

        said = [a.find_element(By.CSS_SELECTOR, ".said").text for a in answers()]
        assert said[1].startswith("Fear of intimacy can be one reason a partner pulls away.")
        assert said[2] != said[1]
        heard = [a.find_element(By.CSS_SELECTOR, ".heard").text for a in answers()]
        assert "PartnerPullingAwayIntent" in heard[1] and "AMAZON.NextIntent" in heard[2]
        you = browser.find_elements(By.CSS_SELECTOR, "#transcript .turn.you .said")
        assert [y.text for y in you] == ["my partner is pulling away", "next"]
        for answer in answers():
            assert answer.find_elements(By.TAG_NAME, "audio"), "each answer has a player"
        if speaks:
            wait.until(
                lambda _: all(
                    "/rehearse/audio/"
                    in (a.find_element(By.TAG_NAME, "audio").get_attribute("src") or "")
                    for a in answers()
                )
            )
            duration = browser.execute_script(
                "const a = document.querySelectorAll('#transcript audio')[1];"
                "return a.readyState >= 1 ? a.duration : null;"
            )
            assert duration is None or duration > 1

        browser.find_element(By.ID, "start-over").click()
        wait.until(
            lambda _: (
                len(browser.find_elements(By.CSS_SELECTOR, "#transcript .turn")) == 1
                and answers()[0].find_element(By.CSS_SELECTOR, ".said").text.startswith("Welcome")
            )
        )
        assert browser.switch_to.active_element == box  # ready for typing again
    assert "my partner is pulling away" not in (tmp_path / "serve.log").read_text()


def browser_env(tmp_path: Path) -> dict[str, str]:
    """A `closer serve` for the page in a browser: offline voice, nothing kept between runs."""
    return {
        "CLOSER_CACHE_DIR": str(tmp_path / "cache"),
        "CLOSER_REHEARSAL_ENGINE": "espeak",  # offline and instant: no test touches the network
        "CLOSER_STORE": "none",
    }


PHONE = {"width": 375, "height": 667, "deviceScaleFactor": 2, "mobile": True}
"""A phone-sized screen (Chromium's headless window cannot be made that narrow)."""


@pytest.mark.parametrize("screen", ["laptop", "phone"])
def test_the_text_box_stays_in_view_and_only_the_transcript_scrolls(
    browser: Any, tmp_path: Path, screen: str
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    if screen == "phone":
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    else:
        browser.set_window_size(1200, 757)
    try:
        with running_server(browser_env(tmp_path), tmp_path / "serve.log") as base:
            browser.get(f"{base}/rehearse")
            wait = WebDriverWait(browser, 20)

            def answers() -> list[Any]:
                return browser.find_elements(By.CSS_SELECTOR, "#transcript .turn.alexa")

            wait.until(lambda _: len(answers()) == 1)
            box = browser.find_element(By.ID, "say-text")
            for turn, words in enumerate(["my partner is pulling away", "next", "next", "next"]):
                box.send_keys(words, Keys.ENTER)
                wait.until(lambda _, n=turn + 2: len(answers()) == n)
            # The fifth turn by a click, which takes the focus away from the text box.
            browser.find_element(By.CSS_SELECTOR, "#suggestions .suggestion").click()
            wait.until(lambda _: len(answers()) == 6)
            seen = browser.execute_script(
                "const box = document.getElementById('say-text').getBoundingClientRect();"
                "const log = document.getElementById('transcript');"
                "const view = log.getBoundingClientRect();"
                "const turns = log.querySelectorAll('.turn.alexa');"
                "const newest = turns[turns.length - 1].getBoundingClientRect();"
                "return {top: box.top, bottom: box.bottom, right: box.right,"
                " width: innerWidth, height: innerHeight,"
                " page: [scrollX, scrollY, document.scrollingElement.scrollTop],"
                " scrolled: log.scrollTop, overflows: log.scrollHeight > log.clientHeight,"
                " newest: newest.top < view.bottom && newest.bottom > view.top,"
                " focus: document.activeElement.id};"
            )
    finally:
        if screen == "phone":
            browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert seen["top"] >= 0 and seen["bottom"] <= seen["height"], seen
    assert seen["right"] <= seen["width"], seen
    assert seen["page"] == [0, 0, 0], "the page itself scrolled"
    assert seen["overflows"] and seen["scrolled"] > 0, "the transcript did not scroll"
    assert seen["newest"], "the newest answer is out of sight"
    assert seen["focus"] == "say-text", "focus did not come back to the text box"
    if screen == "phone":
        assert seen["width"] == PHONE["width"]


def test_suggestions_say_themselves_and_a_card_shows_only_where_it_differs(
    browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    with running_server(browser_env(tmp_path), tmp_path / "serve.log") as base:
        browser.get(f"{base}/rehearse")
        wait = WebDriverWait(browser, 20)

        def answers() -> list[Any]:
            return browser.find_elements(By.CSS_SELECTOR, "#transcript .turn.alexa")

        def offered() -> dict[str, Any]:
            buttons = browser.find_elements(By.CSS_SELECTOR, "#suggestions .suggestion")
            return {button.text: button for button in buttons}

        def you() -> list[str]:
            return [y.text for y in browser.find_elements(By.CSS_SELECTOR, ".turn.you .said")]

        def cards(answer: Any) -> list[str]:
            return [card.text for card in answer.find_elements(By.CLASS_NAME, "card")]

        wait.until(lambda _: len(answers()) == 1)
        assert cards(answers()[0]) == []  # the welcome card is the welcome again
        assert 2 <= len(offered()) <= 3
        offered()["my partner is pulling away"].click()
        wait.until(lambda _: len(answers()) == 2)
        assert you() == ["my partner is pulling away"]
        assert answers()[1].get_attribute("data-intent") == "PartnerPullingAwayIntent"
        # Only the newest answer offers anything: the welcome's buttons are gone.
        assert len(browser.find_elements(By.CLASS_NAME, "next")) == 1
        assert answers()[1].find_elements(By.ID, "suggestions")
        for step in range(2):
            offered()["next"].click()
            wait.until(lambda _, n=step + 3: len(answers()) == n)
        assert you() == ["my partner is pulling away", "next", "next"]
        step_one = answers()[3]
        assert step_one.find_element(By.CLASS_NAME, "said").text.startswith("Step 1 of 4:")
        assert cards(step_one) == []  # its card is its speech without the question

        browser.find_element(By.ID, "say-text").send_keys("I'm having dark thoughts", Keys.ENTER)
        wait.until(lambda _: len(answers()) == 5)
        (card,) = cards(answers()[4])
        assert all(number in card for number in ("911", "988", "1-800-799-7233"))
        assert list(offered()) == ["repeat", "stop"]

        offered()["stop"].click()
        wait.until(lambda _: len(answers()) == 6)
        assert offered() == {}, "no suggestions once the session has ended"
        assert "The session ends here" in answers()[5].text
        shown = browser.find_element(By.ID, "transcript").text
        assert re.search(r"\s[.,;:!?]", shown) is None, shown
        assert "988." in shown or "988," in shown

        browser.find_element(By.ID, "start-again").click()
        wait.until(
            lambda _: (
                len(browser.find_elements(By.CSS_SELECTOR, "#transcript .turn")) == 1
                and answers()[0].find_element(By.CLASS_NAME, "said").text.startswith("Welcome")
            )
        )
        assert browser.switch_to.active_element.get_attribute("id") == "say-text"
