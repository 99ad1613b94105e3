"""``closer preview``: the real CLI, the real skill, real espeak-ng audio, and a page."""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
import soundfile

from intents import load_catalogue
from skill.cli import main
from skill.cli import preview as preview_command
from speech.errors import ServiceUnreachable
from speech.segments import Spoken, pause_seconds, pieces_of, plain_text
from tests.speech_check import speech_problems
from tests.speech_fakes import FakeEngine, by_name, working_fakes

TOPIC = "PartnerPullingAwayIntent"


class Page(HTMLParser):
    """What index.html links to and says."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "audio":
            assert "controls" in found
            self.sources.append(str(found["src"]))
        for name in ("href", "src"):
            if found.get(name):
                self.links.append(str(found[name]))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _every_speech(locale: str) -> set[str]:
    """The SSML of every speech and reprompt the skill gives in a locale."""
    from skill.authoring.reachable import distinct_speeches, every_response

    speeches = distinct_speeches(every_response(load_catalogue()), reprompts=True)
    return {ssml for where, ssml in speeches if where == locale}


def preview(out: Path, *options: str) -> int:
    """Run `closer preview` into ``out``."""
    return main(["preview", "--out", str(out), *options])


def preview_with(engines: Mapping[str, FakeEngine], out: Path, *options: str) -> int:
    """Run the preview command into ``out`` as `closer preview` does, on these engines."""
    parser = argparse.ArgumentParser(prog="closer preview")
    preview_command.configure(parser)
    args = parser.parse_args(["--out", str(out), *options])
    return preview_command.run(args, load_catalogue(), engines=engines)


@pytest.fixture(autouse=True)
def own_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the cache inside each test's output folder."""
    monkeypatch.delenv("CLOSER_CACHE_DIR", raising=False)


def test_all_of_one_locale_with_espeak_then_again_from_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "previews"
    assert preview(out, "--all", "--engine", "espeak", "--locale", "en-GB") == 0
    summary = capsys.readouterr().err
    rendered = int(re.search(r"rendered (\d+), cached 0, failed 0", summary).group(1))
    assert rendered > 50
    assert re.search(r"total audio \d+ min \d+ s; engines: espeak \d+", summary)

    html = (out / "index.html").read_text(encoding="utf-8")
    page = Page(html)
    assert len(page.sources) == rendered
    assert all(not re.match(r"[a-z]+:|/", link) for link in page.links)  # relative, local only
    # Each clip's words and pauses, worked out from the skill's SSML, not from the page,
    # found by the text the page shows (plain_text: numbers as written).
    expected = {}
    for ssml in _every_speech("en-GB"):
        pieces = pieces_of(ssml)
        said = [p.text for p in pieces if isinstance(p, Spoken)]
        expected[plain_text(ssml)] = (len(" ".join(said).split()), pause_seconds(pieces))
    listed = re.findall(
        r'<audio controls preload="none" src="([^"]+)"></audio><div class="text">(.*?)</div>', html
    )
    assert len(listed) == rendered
    for source, text in listed:
        path = out / source
        info = soundfile.info(path)
        assert (info.samplerate, info.channels) == (24_000, 1), source
        words, pauses = expected[unescape(text)]
        assert speech_problems(path, words=words, pause_seconds=pauses) == [], (source, text)
    text = " ".join(page.text)
    assert "Welcome to Closer Together" in text and "en-GB" in text
    assert "Samaritans" in text  # the en-GB helpline, so the locale's own content

    assert preview(out, "--all", "--engine", "espeak", "--locale", "en-GB") == 0
    assert f"rendered 0, cached {rendered}, failed 0" in capsys.readouterr().err


def test_one_topic_renders_each_part_and_the_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "previews"
    assert preview(out, "--intent", TOPIC, "--engine", "espeak") == 0
    page = Page((out / "index.html").read_text(encoding="utf-8"))
    topic = load_catalogue().default.topics[TOPIC]
    count = len(topic.parts)
    assert len(page.sources) == count + 1
    assert page.sources[-1] == f"clips/en-US/{TOPIC}.mp3"
    whole = soundfile.info(out / page.sources[-1]).duration
    parts = sum(soundfile.info(out / s).duration for s in page.sources[:-1])
    assert whole == pytest.approx(parts + (count - 1) * 1.0, abs=0.5)
    text = " ".join(page.text)
    last = topic.parts[-1]
    assert f"When a partner pulls away · step 4 of 4: {last.title}" in text
    assert "When a partner pulls away · part 1 of 2" in text


@pytest.mark.parametrize("step", [1, 2, 4])
def test_step_n_is_the_part_spoken_as_step_n(tmp_path: Path, step: int) -> None:
    out = tmp_path / "previews"
    assert preview_with(working_fakes(), out, "--intent", TOPIC, "--step", str(step)) == 0
    page = Page((out / "index.html").read_text(encoding="utf-8"))
    assert len(page.sources) == 1
    text = " ".join(" ".join(page.text).split())
    steps = [p for p in load_catalogue().default.topics[TOPIC].parts if p.label]
    assert f"Step {step} of {len(steps)}: " in text  # the words the skill says first
    assert " ".join(steps[step - 1].say.split())[:40] in text
    assert f"· step {step} of {len(steps)}: {steps[step - 1].title}" in text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--intent", "NoSuchIntent"], "no intent NoSuchIntent"),
        (["--intent", TOPIC, "--step", "99"], "has steps 1 to 4, not 99"),
        (["--intent", TOPIC, "--step", "5"], "has steps 1 to 4, not 5"),
        (["--intent", "WhatIsIntimacyIntent", "--step", "1"], "has no numbered steps"),
        (["--step", "2"], "--step needs --intent"),
        (["--intent", "AMAZON.HelpIntent", "--step", "2"], "is not a topic"),
        (["--all", "--locale", "fr-FR"], "no locale fr-FR"),
        ([], "say what to preview"),
    ],
)
def test_mistakes_are_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    assert preview(tmp_path, *options) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "index.html").exists()


def test_say_uses_the_local_resolver(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("skill.nlu")
    out = tmp_path / "previews"
    assert preview(out, "--say", "my partner is pulling away", "--engine", "espeak") == 0
    page = Page((out / "index.html").read_text(encoding="utf-8"))
    first = load_catalogue().default.topics[TOPIC].parts[0]
    assert " ".join(first.say.split())[:30] in " ".join(" ".join(page.text).split())


def test_gtts_failing_midway_falls_back_per_clip_and_reports_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gtts = FakeEngine(
        "gtts",
        fail_after=3,
        failure=ServiceUnreachable("could not connect to translate.google.com"),
    )
    engines = by_name(gtts, FakeEngine("piper"), FakeEngine("espeak"))
    out = tmp_path / "previews"
    assert preview_with(engines, out, "--intent", TOPIC) == 0
    err = capsys.readouterr().err
    engines = re.search(r"engines: gtts (\d+), piper \d+", err)
    assert engines
    assert "gtts passed over for piper: could not connect to translate.google.com" in err
    html = (out / "index.html").read_text(encoding="utf-8")
    # Said once at the top for the clips that fell back (most of them); the clips that
    # got gtts before it failed are the ones marked, each with its voice.
    assert html.count("gtts passed over for piper") == 1
    gtts = int(engines.group(1)) + 1  # and the whole topic, joined, in the first clip's voice
    assert "Voice: <b>piper</b> for " in html and f"gtts for {gtts} (each marked)" in html
    assert html.count('<div class="note">voice: gtts</div>') == gtts


def test_when_every_engine_fails_the_run_fails_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engines = by_name(
        FakeEngine("gtts", unavailable="gTTS is not installed: pip install gTTS"),
        FakeEngine("piper", unavailable="piper is not installed"),
        FakeEngine("espeak", unavailable="espeak-ng is not installed"),
    )
    out = tmp_path / "previews"
    assert preview_with(engines, out, "--intent", TOPIC, "--step", "1") == 1
    err = capsys.readouterr().err
    assert "rendered 0, cached 0, failed 1" in err
    assert "apt-get install espeak-ng" in err
    assert list((out / "clips").rglob("*.mp3")) == [] if (out / "clips").exists() else True
    assert "no speech engine can run here" in (out / "index.html").read_text(encoding="utf-8")


def test_clear_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "previews"
    assert preview(out, "--intent", TOPIC, "--step", "1", "--engine", "espeak") == 0
    assert list((out / ".cache").rglob("*.mp3"))
    assert preview(out, "--clear-cache") == 0
    assert "cleared the audio cache" in capsys.readouterr().err
    assert list((out / ".cache").rglob("*.mp3")) == []
    assert list((out / "clips").rglob("*.mp3"))  # the previews themselves stay playable
