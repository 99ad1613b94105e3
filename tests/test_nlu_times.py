"""The local resolver hears a time of day as Alexa fills AMAZON.TIME: ``HH:MM``."""

from __future__ import annotations

import pytest

from skill.nlu import resolve
from skill.nlu.times import find_time


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("at nine", "09:00"),
        ("at nine pm", "21:00"),
        ("at nine p m", "21:00"),
        ("at eight thirty", "08:30"),
        ("at eight thirty pm", "20:30"),
        ("at seven forty five pm", "19:45"),
        ("at ten o clock", "10:00"),
        ("at 9 30", "09:30"),
        ("at 21 00", "21:00"),
        ("at 12 am", "00:00"),
        ("at 12 pm", "12:00"),
        ("half past eight", "08:30"),
        ("quarter to ten pm", "21:45"),
        ("at midnight", "00:00"),
    ],
)
def test_a_time_of_day_is_heard_as_alexa_would_fill_it(words: str, value: str) -> None:
    found = find_time(words.split())
    assert found is not None and found[0] == value


@pytest.mark.parametrize(
    "words", ["set a timer for ten minutes", "go to step two", "tell me tip three", "at 23 pm", ""]
)
def test_counts_and_impossible_times_are_not_times(words: str) -> None:
    assert find_time(words.split()) is None


@pytest.mark.parametrize(
    ("utterance", "value"),
    [
        ("remind me every evening at nine", "09:00"),
        ("change my reminder to half past eight p.m.", "20:30"),
        ("set a reminder for 9:30 pm", "21:30"),
    ],
)
def test_the_resolver_fills_the_time_slot_with_alexas_value(utterance: str, value: str) -> None:
    heard = resolve(utterance)
    assert heard.intent == "SetReminderIntent"
    assert heard.slots["time"].spoken == value


def test_a_timer_is_not_a_reminder() -> None:
    assert resolve("set a timer for ten minutes").intent != "SetReminderIntent"
