"""SSML read back: pieces and pauses for a preview engine, plain text for people."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intents import Catalogue, load_catalogue
from skill.alexa import build_skill
from skill.authoring.reachable import every_request
from skill.dispatch import handle_envelope
from speech.errors import InvalidSSML, RenderError
from speech.say_as import spoken_telephone
from speech.segments import (
    PARAGRAPH_END_SECONDS,
    SENTENCE_END_SECONDS,
    Piece,
    Spoken,
    pause_seconds,
    pieces_of,
    plain_text,
)
from speech.ssml import MAX_SPEECH_CHARS, Pause, Telephone, Voice, to_ssml


def told(pieces: list[Piece]) -> str:
    """What an engine is told to say, on one line: the text of the spoken pieces."""
    return " ".join(piece.text for piece in pieces if isinstance(piece, Spoken))


def test_the_skills_own_ssml_becomes_sentences_with_exact_pauses() -> None:
    ssml = (
        '<speak><prosody rate="95%"><s>Welcome to Closer Together.</s>'
        '<break time="400ms"/><s>What is on your mind?</s></prosody></speak>'
    )
    assert pieces_of(ssml) == [
        Spoken("Welcome to Closer Together.", 0.95),
        Pause(SENTENCE_END_SECONDS + 0.4),
        Spoken("What is on your mind?", 0.95),
    ]


def test_a_break_is_its_exact_length_and_sentence_ends_add_a_short_pause() -> None:
    pieces = pieces_of('<speak>One.<break time="2s"/>Two.<break time="150ms"/>Three.</speak>')
    assert pieces == [Spoken("One."), Pause(2.0), Spoken("Two."), Pause(0.15), Spoken("Three.")]
    pieces = pieces_of("<speak><p><s>A.</s><s>B.</s></p><p>C.</p></speak>")
    assert pieces == [
        Spoken("A."),
        Pause(SENTENCE_END_SECONDS),
        Spoken("B."),
        Pause(SENTENCE_END_SECONDS + PARAGRAPH_END_SECONDS),
        Spoken("C."),
    ]


def test_break_strengths_and_a_bare_break() -> None:
    assert pieces_of('<speak>a<break strength="x-strong"/>b<break/>c</speak>') == [
        Spoken("a"),
        Pause(1.0),
        Spoken("b"),
        Pause(0.4),
        Spoken("c"),
    ]
    assert pieces_of('<speak>a<break strength="none"/>b</speak>') == [Spoken("a"), Spoken("b")]


def test_leading_pauses_and_trailing_sentence_ends_are_dropped_explicit_trailing_break_kept() -> (
    None
):
    assert pieces_of('<speak><break time="1s"/><s>Hi.</s></speak>') == [Spoken("Hi.")]
    assert pieces_of('<speak><s>Hi.</s><break time="3s"/></speak>') == [
        Spoken("Hi."),
        Pause(SENTENCE_END_SECONDS + 3.0),
    ]


def test_telephone_numbers_become_digits_read_one_by_one_at_their_own_rate() -> None:
    ssml = (
        '<speak><prosody rate="95%"><s>Call the hotline on '
        '<prosody rate="85%"><say-as interpret-as="telephone">1-800-799-7233</say-as>'
        "</prosody>.</s></prosody></speak>"
    )
    assert pieces_of(ssml) == [
        Spoken("Call the hotline on", 0.95),
        Spoken("one eight hundred, seven nine nine, seven two three three.", 0.85),
    ]


@pytest.mark.parametrize(
    ("number", "said"),
    [
        ("1-800-799-7233", "one eight hundred, seven nine nine, seven two three three"),
        ("988", "nine eight eight"),
        ("9-8-8", "nine eight eight"),
        ("116 123", "one one six, one two three"),
        ("0808 2000 247", "zero eight zero eight, two zero zero zero, two four seven"),
        ("13 11 14", "one three, one one, one four"),
        ("1800 737 732", "eighteen hundred, seven three seven, seven three two"),
        ("14416", "one four four one six"),
        (
            "+44 808 2000 247",
            "plus four four, eight zero eight, two zero zero zero, two four seven",
        ),
    ],
)
def test_spoken_telephone_numbers(number: str, said: str) -> None:
    assert spoken_telephone(number) == said
    assert not re.search(r"\d", said)


def test_other_markup_keeps_its_words_and_never_reaches_the_engine() -> None:
    ssml = (
        '<speak><amazon:domain name="conversational"><emphasis level="strong">Go</emphasis> '
        '<sub alias="World Health Organization">WHO</sub> <say-as interpret-as="digits">42</say-as>'
        ' <phoneme alphabet="ipa" ph="pɪˈkɑːn">pecan</phoneme> <lang xml:lang="fr-FR">merci</lang>'
        '<audio src="https://example.invalid/x.mp3"/> <w role="amazon:VB">read</w>'
        "</amazon:domain></speak>"
    )
    assert told(pieces_of(ssml)) == "Go World Health Organization four two pecan merci read"
    # A person reads the digits as written; an alias is what is said either way.
    assert plain_text(ssml) == "Go World Health Organization 42 pecan merci read"


def test_a_fragment_is_wrapped_and_escaped_text_is_unescaped() -> None:
    assert pieces_of("<s>Tom &amp; Jerry &lt;3</s>") == [Spoken("Tom & Jerry <3")]


@pytest.mark.parametrize(
    "bad",
    ["<speak><s>unclosed</speak>", '<speak>a<break time="soon"/></speak>', "<speak>&nope;</speak>"],
)
def test_unreadable_ssml_is_an_invalid_ssml_render_error(bad: str) -> None:
    with pytest.raises(InvalidSSML) as caught:
        pieces_of(bad)
    assert isinstance(caught.value, RenderError)
    assert "\n" not in str(caught.value)


def test_a_break_of_up_to_alexas_ten_seconds_is_read_and_chained_breaks_add_up() -> None:
    assert pieces_of('<speak>a<break time="10s"/>b<break time="10000ms"/>c</speak>') == [
        Spoken("a"),
        Pause(10.0),
        Spoken("b"),
        Pause(10.0),
        Spoken("c"),
    ]
    chained = '<speak>a<break time="10s"/><break time="10s"/>b</speak>'
    assert pieces_of(chained) == [Spoken("a"), Pause(20.0), Spoken("b")]


@pytest.mark.parametrize("time", ["10000s", "11s", "10001ms", "10.5s", "99999999999999999999s"])
def test_a_break_longer_than_alexa_allows_is_refused_not_clamped(time: str) -> None:
    with pytest.raises(InvalidSSML, match=r"longer than Alexa's 10 s; chain breaks"):
        pieces_of(f'<speak>Hello.<break time="{time}"/>Goodbye.</speak>')


def test_speech_longer_than_alexa_allows_is_refused() -> None:
    words = "<speak>" + "Hello there. " * 1000 + "</speak>"
    assert len(words) > MAX_SPEECH_CHARS
    with pytest.raises(InvalidSSML, match=r"characters; Alexa speaks at most 8000"):
        pieces_of(words)
    at_the_limit = "<speak>" + "a" * (MAX_SPEECH_CHARS - len("<speak></speak>")) + "</speak>"
    assert pieces_of(at_the_limit) == [Spoken("a" * (MAX_SPEECH_CHARS - 15))]


_XML_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff"),
    min_size=1,
    max_size=40,
)


@given(st.lists(_XML_TEXT, min_size=1, max_size=4))
def test_any_text_composed_by_the_skill_comes_back_without_markup(texts: list[str]) -> None:
    ssml = f"<speak>{to_ssml(texts, Voice())}</speak>"
    said = told(pieces_of(ssml))
    # Every word comes back in order; punctuation standing alone is not said.
    assert re.findall(r"\w+", said) == re.findall(r"\w+", " ".join(texts))
    assert set(said) <= set("".join(texts)) | {" "}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    """Every locale's content."""
    return load_catalogue()


def test_every_response_of_the_skill_splits_into_its_words_and_pauses(
    catalogue: Catalogue,
) -> None:
    skill = build_skill(catalogue)
    seen = set()
    for _label, request in every_request(catalogue):
        speech = handle_envelope(skill, request)["response"].get("outputSpeech")
        if not speech or speech["ssml"] in seen:
            continue
        seen.add(speech["ssml"])
        pieces = pieces_of(speech["ssml"])
        said = told(pieces)
        assert "<" not in said and ">" not in said, said
        read = plain_text(speech["ssml"])
        assert "<" not in read and ">" not in read and "&" not in read, read
        plain = re.sub(r"<[^>]+>", " ", speech["ssml"])
        if "say-as" not in speech["ssml"]:
            assert said.split() == plain.split()
        breaks = re.findall(r'<break time="(\d+)ms"/>', speech["ssml"])
        assert pause_seconds(pieces) >= sum(int(ms) for ms in breaks) / 1000
    assert len(seen) > 50


# --- plain_text: the words as a person reads them ------------------------------------


def test_plain_text_drops_tags_unescapes_and_keeps_punctuation_close() -> None:
    ssml = '<speak><prosody rate="95%"><s>One &amp; two.</s><break time="1s"/><s>Three</s></prosody></speak>'
    assert plain_text(ssml) == "One & two. Three"


def test_plain_text_reads_numbers_as_written_and_a_sub_as_its_alias() -> None:
    ssml = f"<speak>{to_ssml(['Call', Telephone('911'), '. Or', Telephone('000', spoken='triple zero'), '.'])}</speak>"
    assert plain_text(ssml) == "Call 911. Or triple zero."
    assert told(pieces_of(ssml)) == "Call nine one one. Or triple zero."


def test_plain_text_puts_no_space_before_a_full_stop_after_a_number() -> None:
    # The safety answer's own shape: a number read slowly, the full stop outside its tags.
    ssml = (
        '<speak><prosody rate="95%"><s>Call or text <prosody rate="85%">'
        '<say-as interpret-as="telephone">988</say-as></prosody>.</s>'
        '<break time="400ms"/><s>In danger, call 911.</s></prosody></speak>'
    )
    assert plain_text(ssml) == "Call or text 988. In danger, call 911."


@pytest.mark.parametrize(
    ("ssml", "text"),
    [
        ('(call <say-as interpret-as="telephone">988</say-as>)', "(call 988)"),
        ('[<sub alias="triple zero">000</sub>]', "[triple zero]"),
        ("say \u201c<emphasis>yes</emphasis>\u201d", "say \u201cyes\u201d"),
        ("<say-as>988</say-as>\u2019s line", "988\u2019s line"),
        ('Breathe<break time="1s"/>\u2026 and out', "Breathe\u2026 and out"),
    ],
)
def test_plain_text_keeps_brackets_and_quotes_on_their_words(ssml: str, text: str) -> None:
    assert plain_text(ssml) == text


def test_plain_text_has_no_words_for_audio_and_glues_no_sentences() -> None:
    ssml = '<speak><s>Breathe in</s><audio src="https://example.invalid/x.mp3"/><s>and out.</s></speak>'
    assert plain_text(ssml) == "Breathe in and out."


@pytest.mark.parametrize(
    ("ssml", "text"),
    [
        ('<speak><prosody rate="95%"><s>If you are in danger, call ', "If you are in danger, call"),
        ('<speak><s>call <prosody rate="85%"', "call"),  # a tag cut off at the end
        ("<speak><s>unclosed</speak>", "unclosed"),
        ("<s>Tom &amp; Jerry &lt;3</s>", "Tom & Jerry <3"),
        ("", ""),
    ],
)
def test_plain_text_reads_fragments_and_never_raises(ssml: str, text: str) -> None:
    assert plain_text(ssml) == text


@given(st.lists(_XML_TEXT, min_size=1, max_size=4))
def test_plain_text_gives_back_every_word_composed(texts: list[str]) -> None:
    read = plain_text(f"<speak>{to_ssml(texts, Voice())}</speak>")
    assert re.findall(r"\w+", read) == re.findall(r"\w+", " ".join(texts))
    assert "  " not in read and read == read.strip()
