"""SSML composition and Alexa's SSML rules."""

from __future__ import annotations

import pytest

from speech.ssml import (
    Pause,
    Telephone,
    Voice,
    split_sentences,
    ssml_problems,
    to_ssml,
)


def test_sentences_are_paced_and_wrapped() -> None:
    ssml = to_ssml(["One idea. Then another!"], Voice(rate="90%", sentence_pause_ms=300))
    assert (
        ssml
        == '<prosody rate="90%"><s>One idea.</s><break time="300ms"/><s>Then another!</s></prosody>'
    )


def test_text_is_escaped() -> None:
    ssml = to_ssml(['Tom & Jerry <break time="10s"/> "quoted"'])
    assert "&amp;" in ssml and "&lt;break" in ssml
    assert ssml_problems(f"<speak>{ssml}</speak>") == []


def test_a_pause_becomes_a_break_of_its_length() -> None:
    ssml = to_ssml(["Think about it.", Pause(8), "When you're ready, say next.", Pause(0.5)])
    assert '<s>Think about it.</s><break time="8s"/><s>When' in ssml
    assert ssml.endswith('<break time="500ms"/></prosody>')


@pytest.mark.parametrize(
    ("ssml", "problem"),
    [
        ("<speak><audio src='x'/><video/></speak>", "<video> is not an SSML tag Alexa supports"),
        ('<speak><break time="11s"/></speak>', "break of 11 s is longer than Alexa's 10 s"),
        ('<speak><break time="soon"/></speak>', 'break time "soon" is not like "500ms" or "2s"'),
        ("<speak><s>unclosed</speak>", "speech is not well-formed SSML"),
        ("<p>no speak</p>", "speech must be one <speak> element"),
        ("<speak>" + "a" * 8000 + "</speak>", "speech is 8015 characters; Alexa's limit is 8000"),
    ],
)
def test_ssml_problems_are_found(ssml: str, problem: str) -> None:
    assert any(p.startswith(problem) for p in ssml_problems(ssml)), ssml_problems(ssml)


def test_amazon_tags_are_accepted() -> None:
    ssml = '<speak><amazon:domain name="conversational">Hi</amazon:domain></speak>'
    assert ssml_problems(ssml) == []


def test_split_sentences_keeps_questions() -> None:
    assert split_sentences("Were you safe? Notice it. 2 more.") == [
        "Were you safe?",
        "Notice it.",
        "2 more.",
    ]


def test_a_phone_number_is_read_digit_by_digit_inside_its_sentence() -> None:
    ssml = to_ssml(["Call", Telephone("1-800-799-7233"), ". Or text.", Pause(1)])
    assert ssml == (
        '<prosody rate="95%"><s>Call <prosody rate="85%"><say-as interpret-as="telephone">'
        '1-800-799-7233</say-as></prosody>.</s><break time="400ms"/><s>Or text.</s>'
        '<break time="1s"/></prosody>'
    )
    assert ssml_problems(f"<speak>{ssml}</speak>") == []
