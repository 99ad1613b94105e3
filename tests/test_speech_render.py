"""render_ssml and join_clips: the cache, the fallbacks, exact pauses, and no broken files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile

from speech.cache import AudioCache, default_cache_dir
from speech.errors import (
    AudioFileError,
    EngineUnavailable,
    InvalidSSML,
    RenderError,
    ServiceUnreachable,
    SpeechError,
    SynthesisFailed,
)
from speech.render import Clip, join_clips, render_ssml, render_ssml_with_report
from tests.audio_signals import mp3_bytes, tone
from tests.speech_fakes import FakeEngine, working_fakes

SSML = (
    '<speak><prosody rate="95%"><s>Welcome to Closer Together.</s><break time="400ms"/>'
    "<s>What is on your mind?</s></prosody></speak>"
)


@pytest.fixture
def fakes() -> dict[str, FakeEngine]:
    """Working fakes under the real engine names, passed to each render as ``engines``."""
    return working_fakes()


def files_under(folder: Path) -> list[Path]:
    """Every file below a folder."""
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_render_then_render_again_costs_nothing(
    fakes: dict[str, FakeEngine], tmp_path: Path
) -> None:
    first = render_ssml(SSML, engine="espeak", cache_dir=tmp_path, engines=fakes)
    assert isinstance(first, Clip) and first.engine == "espeak" and not first.cached
    assert first.path.is_file() and first.path.is_relative_to(tmp_path)
    assert len(fakes["espeak"].calls) == 2
    again = render_ssml(SSML, engine="espeak", cache_dir=tmp_path, engines=fakes)
    assert again == Clip(first.path, "espeak", first.seconds, cached=True)
    assert len(fakes["espeak"].calls) == 2


def test_changed_wording_renders_anew_reusing_unchanged_sentences(
    fakes: dict[str, FakeEngine], tmp_path: Path
) -> None:
    first = render_ssml(SSML, engine="espeak", cache_dir=tmp_path, engines=fakes)
    changed = SSML.replace("What is on your mind?", "What would help tonight?")
    second = render_ssml(changed, engine="espeak", cache_dir=tmp_path, engines=fakes)
    assert second.path != first.path and not second.cached
    said = [text for text, _, _ in fakes["espeak"].calls]
    assert said == [
        "Welcome to Closer Together.",
        "What is on your mind?",
        "What would help tonight?",
    ]


def test_the_key_covers_engine_voice_locale_and_pacing(
    fakes: dict[str, FakeEngine], tmp_path: Path
) -> None:
    paths = {
        render_ssml(SSML, engine="espeak", cache_dir=tmp_path, engines=fakes).path,
        render_ssml(SSML, engine="piper", cache_dir=tmp_path, engines=fakes).path,
        render_ssml(SSML, engine="espeak", locale="en-GB", cache_dir=tmp_path, engines=fakes).path,
        render_ssml(
            SSML.replace("400ms", "900ms"), engine="espeak", cache_dir=tmp_path, engines=fakes
        ).path,
        render_ssml(
            SSML.replace("95%", "80%"), engine="espeak", cache_dir=tmp_path, engines=fakes
        ).path,
    }
    assert len(paths) == 5
    # Same voice in another locale: the sentences were not synthesised again.
    assert [c for c in fakes["espeak"].calls if c[1] == "en-GB"] == []
    fakes["espeak"].voice = "another-voice"
    assert not render_ssml(SSML, engine="espeak", cache_dir=tmp_path, engines=fakes).cached


def test_pauses_are_real_silence_of_the_exact_length(
    fakes: dict[str, FakeEngine], tmp_path: Path
) -> None:
    clip = render_ssml(
        '<speak>One two.<break time="2s"/>Three.</speak>',
        engine="piper",
        cache_dir=tmp_path,
        engines=fakes,
    )
    samples, rate = soundfile.read(clip.path, dtype="float32")
    assert rate == 24_000 and samples.ndim == 1
    quiet = np.abs(samples) < 1e-3
    longest = run = 0
    for is_quiet in quiet:
        run = run + 1 if is_quiet else 0
        longest = max(longest, run)
    # 2 s of zeros, plus the engine's trimmed margins (20 ms each side), give or take
    # the MP3 encoder's smearing at the edges.
    assert 1.97 <= longest / rate <= 2.08
    # Three words at 0.3 s each, the pause, the margins: the clip's own length is exact.
    assert clip.seconds == pytest.approx(0.9 + 2.0, abs=0.1)


def test_auto_falls_back_in_order_and_says_why(
    fakes: dict[str, FakeEngine], tmp_path: Path
) -> None:
    fakes["gtts"].fail_after = 0
    fakes["gtts"].failure = ServiceUnreachable("could not connect to translate.google.com")
    fakes["piper"].unavailable = "piper is not installed: pip install 'closer-together[offline]'"
    report = render_ssml_with_report(SSML, cache_dir=tmp_path, engines=fakes)
    assert report.clip.engine == "espeak"
    assert [(p.engine, p.reason) for p in report.passed_over] == [
        ("gtts", "could not connect to translate.google.com"),
        ("piper", "piper is not installed: pip install 'closer-together[offline]'"),
    ]
    assert report.text == "Welcome to Closer Together. What is on your mind?"


def test_auto_takes_any_engines_cached_clip_before_going_online(
    fakes: dict[str, FakeEngine], tmp_path: Path
) -> None:
    render_ssml(SSML, engine="piper", cache_dir=tmp_path, engines=fakes)
    clip = render_ssml(SSML, cache_dir=tmp_path, engines=fakes)
    assert clip.engine == "piper" and clip.cached
    assert fakes["gtts"].calls == []


def test_when_no_engine_can_run_the_error_says_what_to_install(
    fakes: dict[str, FakeEngine], tmp_path: Path
) -> None:
    for fake in fakes.values():
        fake.unavailable = f"{fake.name} is missing"
    with pytest.raises(EngineUnavailable) as caught:
        render_ssml(SSML, cache_dir=tmp_path, engines=fakes)
    message = str(caught.value)
    assert "\n" not in message
    assert "gtts: gtts is missing; piper: piper is missing; espeak: espeak is missing" in message
    assert "pip install gTTS" in message and "closer-together[offline]" in message
    assert "apt-get install espeak-ng" in message
    assert files_under(tmp_path) == []


def test_a_chosen_engine_that_fails_raises_its_own_error(
    fakes: dict[str, FakeEngine], tmp_path: Path
) -> None:
    fakes["espeak"].unavailable = "espeak-ng is not installed: apt-get install espeak-ng"
    with pytest.raises(EngineUnavailable, match="apt-get install espeak-ng"):
        render_ssml(SSML, engine="espeak", cache_dir=tmp_path, engines=fakes)
    fakes["piper"].fail_after = 0
    with pytest.raises(SynthesisFailed, match="piper broke"):
        render_ssml(SSML, engine="piper", cache_dir=tmp_path, engines=fakes)


def test_a_render_failing_midway_leaves_no_clip(
    fakes: dict[str, FakeEngine], tmp_path: Path
) -> None:
    fakes["piper"].fail_after = 1  # the first sentence works, the second fails
    with pytest.raises(SynthesisFailed):
        render_ssml(SSML, engine="piper", cache_dir=tmp_path, engines=fakes)
    assert not (tmp_path / "clips").exists() or files_under(tmp_path / "clips") == []
    assert not [p for p in files_under(tmp_path) if p.name.endswith(".part")]


def test_an_encoder_crash_leaves_no_file_at_the_target(
    fakes: dict[str, FakeEngine], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_pcm: object) -> bytes:
        raise MemoryError("encoder died")

    import speech.audio

    monkeypatch.setattr(speech.audio, "encode_mp3", broken)
    with pytest.raises(MemoryError):
        render_ssml(SSML, engine="piper", cache_dir=tmp_path, engines=fakes)
    assert [p for p in files_under(tmp_path) if p.suffix in (".mp3", ".part")] == []
    monkeypatch.undo()
    assert not render_ssml(SSML, engine="piper", cache_dir=tmp_path, engines=fakes).cached


def test_ssml_without_words_or_not_well_formed_is_refused(
    fakes: dict[str, FakeEngine], tmp_path: Path
) -> None:
    with pytest.raises(InvalidSSML, match="no words"):
        render_ssml('<speak><break time="1s"/></speak>', cache_dir=tmp_path, engines=fakes)
    with pytest.raises(InvalidSSML, match="well-formed"):
        render_ssml("<speak><s>oops</speak>", cache_dir=tmp_path, engines=fakes)
    with pytest.raises(ValueError, match="unknown engine"):
        render_ssml(SSML, engine="festival", cache_dir=tmp_path, engines=fakes)


@pytest.mark.parametrize("time", ["10000s", "11s"])
def test_a_break_over_ten_seconds_never_renders_nor_reaches_the_cache(
    fakes: dict[str, FakeEngine], tmp_path: Path, time: str
) -> None:
    ssml = f'<speak>Hello.<break time="{time}"/>Goodbye.</speak>'
    with pytest.raises(InvalidSSML, match="longer than Alexa's 10 s"):
        render_ssml(ssml, engine="auto", cache_dir=tmp_path, engines=fakes)
    assert all(fake.calls == [] for fake in fakes.values())
    assert files_under(tmp_path) == []


def test_speech_over_alexas_limit_never_renders(
    fakes: dict[str, FakeEngine], tmp_path: Path
) -> None:
    ssml = "<speak>" + "Hello there. " * 700 + "</speak>"
    with pytest.raises(InvalidSSML, match="Alexa speaks at most 8000"):
        render_ssml(ssml, engine="espeak", cache_dir=tmp_path, engines=fakes)
    assert fakes["espeak"].calls == [] and files_under(tmp_path) == []


def test_auto_tries_only_the_engines_given_in_their_order(tmp_path: Path) -> None:
    first, second = FakeEngine("second-best", unavailable="not here"), FakeEngine("mine")
    report = render_ssml_with_report(
        SSML, cache_dir=tmp_path, engines={"second-best": first, "mine": second}
    )
    assert report.clip.engine == "mine"
    assert [p.engine for p in report.passed_over] == ["second-best"]
    assert len(second.calls) == 2
    with pytest.raises(ValueError, match="choose one of auto, mine"):
        render_ssml(SSML, engine="espeak", cache_dir=tmp_path, engines={"mine": second})


def test_the_errors_form_one_tree() -> None:
    for error in (
        InvalidSSML,
        EngineUnavailable,
        SynthesisFailed,
        ServiceUnreachable,
        AudioFileError,
    ):
        assert issubclass(error, RenderError) and issubclass(error, SpeechError)
    assert str(RenderError("two\nlines")) == "two lines"


def test_the_cache_folder_defaults_to_previews_or_the_environment(
    fakes: dict[str, FakeEngine], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLOSER_CACHE_DIR", raising=False)
    clip = render_ssml(SSML, engine="espeak", engines=fakes)
    assert clip.path.is_relative_to(tmp_path / "previews" / ".cache" / "clips")
    monkeypatch.setenv("CLOSER_CACHE_DIR", str(tmp_path / "elsewhere"))
    clip = render_ssml(SSML, engine="espeak", engines=fakes)
    assert clip.path.is_relative_to(tmp_path / "elsewhere")
    # closer preview --out DIR: DIR/.cache, unless the environment says otherwise.
    assert default_cache_dir(Path("out")) == tmp_path / "elsewhere"
    monkeypatch.delenv("CLOSER_CACHE_DIR")
    assert default_cache_dir(Path("out")) == Path("out") / ".cache"


def test_clear_removes_only_what_the_cache_wrote(
    fakes: dict[str, FakeEngine], tmp_path: Path
) -> None:
    keep = tmp_path / "notes.txt"
    keep.write_text("mine")
    render_ssml(SSML, engine="espeak", cache_dir=tmp_path, engines=fakes)
    cache = AudioCache(tmp_path)
    assert cache.clear() == 4  # the clip, its facts, and its two sentences
    assert files_under(tmp_path) == [keep]
    assert not render_ssml(SSML, engine="espeak", cache_dir=tmp_path, engines=fakes).cached


def test_join_clips_decodes_all_inserts_silence_and_encodes_once(tmp_path: Path) -> None:
    first, second = tmp_path / "a.mp3", tmp_path / "b.mp3"
    first.write_bytes(mp3_bytes(tone(1.0, 300)))
    second.write_bytes(mp3_bytes(tone(2.0, 600, rate=22_050), rate=22_050))  # another rate
    target = tmp_path / "out" / "joined.mp3"
    seconds = join_clips([first, second], target, gap_seconds=1.5)
    info = soundfile.info(target)
    assert (info.samplerate, info.channels) == (24_000, 1)
    assert seconds == pytest.approx(1.0 + 1.5 + 2.0, abs=0.15)
    assert info.duration == pytest.approx(seconds, abs=0.1)


def test_join_clips_with_a_bad_input_writes_nothing(tmp_path: Path) -> None:
    good, text = tmp_path / "good.mp3", tmp_path / "notes.mp3"
    good.write_bytes(mp3_bytes(tone(0.5)))
    text.write_text("not audio at all")
    target = tmp_path / "joined.mp3"
    target.write_bytes(b"the previous version")
    with pytest.raises(AudioFileError, match=r"notes\.mp3"):
        join_clips([good, text], target)
    with pytest.raises(AudioFileError, match=r"missing\.mp3"):
        join_clips([good, tmp_path / "missing.mp3"], target)
    assert target.read_bytes() == b"the previous version"
    assert sorted(os.listdir(tmp_path)) == ["good.mp3", "joined.mp3", "notes.mp3"]
    with pytest.raises(ValueError):
        join_clips([], tmp_path / "nothing.mp3")
