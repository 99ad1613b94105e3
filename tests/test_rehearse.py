"""Rehearsal in the terminal: a scripted conversation end to end, the same answers as /alexa."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from intents import Catalogue, load_catalogue
from skill import envelopes
from skill.alexa import build_skill
from skill.cli import main, rehearse
from skill.rehearsal import Rehearsal, Session, TurnResult
from tests.conftest import Conversation

DATA = Path(__file__).resolve().parent / "data"
SCRIPT = ["my partner is pulling away", "next", "repeat", "help", "stop"]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    """The shipped content of every locale."""
    return load_catalogue()


@pytest.fixture
def rehearsal(catalogue: Catalogue) -> Rehearsal:
    """A conversation with the real skill object, as `closer rehearse` holds it."""
    return Rehearsal(build_skill(catalogue))


def run_script(rehearsal: Rehearsal, lines: list[str]) -> list[TurnResult]:
    return list(rehearse.converse(rehearsal, lines))


def test_a_scripted_conversation_carries_its_session(rehearsal: Rehearsal) -> None:
    turns = run_script(rehearsal, SCRIPT)
    assert [t.intent or t.request_type for t in turns] == [
        "LaunchRequest",
        "PartnerPullingAwayIntent",
        "AMAZON.NextIntent",
        "AMAZON.RepeatIntent",
        "AMAZON.HelpIntent",
        "AMAZON.StopIntent",
    ]
    launch, topic, step, again, helped, stop = turns
    assert launch.text.startswith("Welcome to Closer Together.")
    assert launch.request["session"]["new"] is True
    assert topic.card is not None and "pull" in topic.card.title.lower()
    assert topic.session.attributes["topic"] == "PartnerPullingAwayIntent"
    assert step.text != topic.text and step.session.attributes["index"] == 1
    assert again.text == step.text  # repeat says the same part again
    assert "We're talking about" in helped.text
    assert stop.ended and not stop.session.open and stop.reprompt is None
    session_ids = {t.request["session"]["sessionId"] for t in turns}
    assert len(session_ids) == 1  # one session from launch to stop
    assert all(t.request["request"]["locale"] == "en-US" for t in turns)


def test_rehearsed_answers_equal_what_post_alexa_answers(
    rehearsal: Rehearsal, client: FlaskClient
) -> None:
    for turn in run_script(rehearsal, SCRIPT):
        reply = client.post("/alexa", json=turn.request)
        assert reply.status_code == 200
        assert reply.get_json() == turn.response


def test_rehearsal_holds_the_conversation_alexa_would(
    rehearsal: Rehearsal, talk: Conversation
) -> None:
    """The same conversation, built by hand as Alexa would send it, gets the same answers."""
    turns = run_script(rehearsal, [*SCRIPT[:-1], "how do I set boundaries", "stop"])
    by_hand = [
        talk.launch(),
        talk.intent("PartnerPullingAwayIntent"),
        talk.intent("AMAZON.NextIntent"),
        talk.intent("AMAZON.RepeatIntent"),
        talk.intent("AMAZON.HelpIntent"),
        talk.send(
            envelopes.intent_request(
                "TipIntent",
                {"tip": "set boundaries"},
                resolved={"tip": "BOUNDARIES"},
                attributes=talk.attributes,
            )
        ),
        talk.intent("AMAZON.StopIntent"),
    ]
    assert [t.response["response"] for t in turns] == by_hand


def test_a_slot_is_sent_with_alexas_entity_resolution(rehearsal: Rehearsal) -> None:
    rehearsal.start()
    turn = rehearsal.say("how do I set boundaries")
    slot = turn.request["request"]["intent"]["slots"]["tip"]
    assert slot["value"] == "set boundaries"
    resolution = slot["resolutions"]["resolutionsPerAuthority"][0]
    assert resolution["status"]["code"] == "ER_SUCCESS_MATCH"
    assert resolution["values"][0]["value"]["id"] == "BOUNDARIES"
    assert turn.text.startswith("Step 4 of 4: Set boundaries.")


def test_a_declared_slot_not_heard_is_sent_empty(rehearsal: Rehearsal) -> None:
    rehearsal.start()
    turn = rehearsal.say("give me the tip on")
    assert turn.intent == "TipIntent"
    assert turn.request["request"]["intent"]["slots"] == {
        "tip": {"name": "tip", "confirmationStatus": "NONE"}
    }


def test_after_the_session_ends_words_open_a_new_one(rehearsal: Rehearsal) -> None:
    rehearsal.start()
    first = rehearsal.say("stop")
    again = rehearsal.say("my partner is pulling away")
    assert first.ended
    assert again.request["session"]["new"] is True
    assert again.request["session"]["sessionId"] != first.request["session"]["sessionId"]
    assert again.request["session"]["attributes"] == {}


def test_open_closer_together_is_a_launch(rehearsal: Rehearsal) -> None:
    turn = rehearsal.say("Alexa, open closer together")
    assert turn.request_type == "LaunchRequest" and turn.heard == "Alexa, open closer together"


def test_a_locale_reaches_the_request_and_the_answer(catalogue: Catalogue) -> None:
    rehearsal = Rehearsal(build_skill(catalogue), locale="en-GB")
    rehearsal.start()
    turn = rehearsal.say("I want to end my life")
    assert turn.intent == "CrisisIntent"
    assert turn.request["request"]["locale"] == "en-GB"
    assert "116 123" in turn.text or "116123" in turn.text.replace(" ", "")


def test_a_session_from_a_client_is_checked() -> None:
    assert Session.from_json(None) == Session()
    kept = Session.new()
    assert Session.from_json(json.loads(json.dumps(kept.to_json()))) == kept
    for bad in (
        [],
        {"id": "../../etc"},
        {"id": kept.id, "attributes": []},
        {"id": kept.id, "open": "yes"},
    ):
        with pytest.raises(ValueError):
            Session.from_json(bad)


# --- the command ----------------------------------------------------------------------


def test_closer_rehearse_script_prints_the_transcript(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "script.txt"
    script.write_text("# a comment\n\n" + "\n".join(SCRIPT) + "\n", encoding="utf-8")
    assert main(["rehearse", "--script", str(script)]) == 0
    out = capsys.readouterr().out
    assert out.count("alexa> ") == 6
    assert out.count("you> ") == 5
    assert "alexa> Welcome to Closer Together." in out
    assert "[PartnerPullingAwayIntent 1.00]" in out
    assert "  card: Closer Together: " in out
    assert out.rstrip().endswith("(the session ends here)")
    assert out.index("you> stop") < out.index("Goodbye")


def test_the_reflection_script_goes_through_to_the_closing(rehearsal: Rehearsal) -> None:
    lines = rehearse.script_lines((DATA / "reflection.txt").read_text(encoding="utf-8"))
    turns = run_script(rehearsal, lines)
    assert [t.intent for t in turns] == [None, "EveningReflectionIntent"]  # launch, then one
    assert not turns[0].ended
    assert turns[-1].ended and "Good night" in turns[-1].text
    assert turns[-1].card and "reflection" in turns[-1].card.title.lower()
    assert turns[-1].ssml.count('<break time="10s"/>') >= 6  # the pauses are in the one answer


def test_audio_is_saved_and_its_path_printed_when_no_player_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rendered = fake_renderer(tmp_path, monkeypatch)
    monkeypatch.setattr(rehearse, "find_player", lambda: None)
    script = tmp_path / "s.txt"
    script.write_text("stop\n", encoding="utf-8")
    assert main(["rehearse", "--audio", "--script", str(script)]) == 0
    out = capsys.readouterr().out
    assert len(rendered) == 2
    assert f"audio: {rendered[0]} (no player found" in out


def test_audio_plays_through_the_player_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = fake_renderer(tmp_path, monkeypatch)
    log = tmp_path / "played.txt"
    player = tmp_path / "bin" / "mpg123"
    player.parent.mkdir()
    player.write_text(f'#!/bin/sh\necho "$@" >> {log}\n', encoding="utf-8")
    player.chmod(player.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(player.parent))
    script = tmp_path / "s.txt"
    script.write_text("help\n", encoding="utf-8")
    assert main(["rehearse", "--audio", "--script", str(script)]) == 0
    assert log.read_text(encoding="utf-8").split("\n")[:2] == [f"-q {p}" for p in rendered]


def test_an_unknown_engine_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rehearse", "--engine", "nope", "--script", os.devnull]) == 2
    assert "unknown engine 'nope'" in capsys.readouterr().err


@pytest.mark.skipif(
    not shutil.which("espeak-ng"), reason="needs espeak-ng (apt-get install espeak-ng)"
)
def test_a_fallback_of_voice_is_said_once_with_its_reasons(
    catalogue: Catalogue,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """auto, with Google unreachable and piper missing: espeak speaks, and stderr says why."""
    from speech.engines import engine_named
    from speech.errors import ServiceUnreachable
    from tests.speech_fakes import FakeEngine, by_name

    monkeypatch.setenv("CLOSER_CACHE_DIR", str(tmp_path / "cache"))
    offline = ServiceUnreachable("could not connect to translate.google.com")
    engines = {
        **by_name(
            FakeEngine("gtts", fail_after=0, failure=offline),
            FakeEngine("piper", unavailable="piper is not installed"),
        ),
        "espeak": engine_named("espeak"),
    }
    script = tmp_path / "s.txt"
    script.write_text("help\nstop\n", encoding="utf-8")
    out = tmp_path / "talk.mp3"
    parser = argparse.ArgumentParser(prog="closer rehearse")
    rehearse.configure(parser)
    args = parser.parse_args(["--script", str(script), "--out", str(out)])
    assert rehearse.run(args, catalogue, engines=engines) == 0
    captured = capsys.readouterr()
    assert captured.out.count("alexa> ") == 3  # three answers, each rendered by espeak
    assert captured.err.splitlines() == [
        "  (voice: espeak; gtts passed over for espeak: could not connect to "
        "translate.google.com; piper passed over for espeak: piper is not installed)"
    ]
    import soundfile

    assert soundfile.info(str(out)).format == "MP3"


def fake_renderer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Stand in for speech/'s renderer: each answer becomes a small file; return their paths."""
    import speech.render

    rendered: list[Path] = []

    def render_ssml_with_report(ssml: str, **_: object) -> speech.render.RenderReport:
        path = tmp_path / f"clip{len(rendered)}.mp3"
        path.write_bytes(b"ID3 not really audio")
        rendered.append(path)
        return speech.render.RenderReport(speech.render.Clip(path, "fake", 1.0, False), ssml)

    monkeypatch.setattr(speech.render, "render_ssml_with_report", render_ssml_with_report)
    return rendered


@pytest.mark.skipif(
    not shutil.which("espeak-ng"), reason="needs espeak-ng (apt-get install espeak-ng)"
)
def test_the_reflection_becomes_one_listenable_mp3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Offline (espeak): one MP3 of every answer, with pauses, that sounds like speech."""
    import numpy as np
    import soundfile

    monkeypatch.setenv("CLOSER_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "reflection.mp3"
    status = main(
        [
            "rehearse",
            "--script",
            str(DATA / "reflection.txt"),
            "--out",
            str(out),
            "--engine",
            "espeak",
        ]
    )
    assert status == 0
    assert f"wrote {out}" in capsys.readouterr().out
    samples, rate = soundfile.read(str(out), dtype="float32")
    seconds = len(samples) / rate
    assert seconds > 90  # the welcome, the reflection's questions and its 60 s of quiet
    frames = samples[: len(samples) // 480 * 480].reshape(-1, 480)  # 20 ms frames
    loudness = 20 * np.log10(np.sqrt((frames**2).mean(axis=1)) + 1e-9)
    active = loudness > -35
    assert 0.3 < active.mean() < 0.95  # speech with pauses, not silence or noise
    assert loudness[active].std() > 5
