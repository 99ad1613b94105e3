"""Hearing a time of day in typed words, as Alexa fills an AMAZON.TIME slot.

Alexa gives such a slot its value as ``HH:MM`` ("nine thirty p.m." is ``21:30``; a
plain "nine" is ``09:00``), not the words. This is the small part of that the skill
needs for rehearsal: an hour in words or digits, minutes ("thirty", "fifteen",
"forty five", "o'clock", or digits), "half past" and "quarter past / to", noon and
midnight, and a.m. or p.m. It reads the words as typed, before spelling correction
(which knows only the model's words, and would hear "eight" as "might").
"""

from __future__ import annotations

from collections.abc import Sequence

_HOURS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_MINUTES = {"fifteen": 15, "thirty": 30, "forty": 40, "fifty": 50, "twenty": 20, "ten": 10}
_UNITS = {"five": 5}
_NAMED = {"noon": (12, 0), "midday": (12, 0), "midnight": (0, 0)}
_NOT_A_TIME_BEFORE = frozenset(
    {
        *("second", "seconds", "minute", "minutes", "hour", "hours", "day", "days"),
        *("week", "weeks", "month", "months", "year", "years", "time", "times"),
        *("step", "steps", "tip", "tips", "of"),
    }
)
"""A number followed by one of these is a count ("ten minutes"), not a time."""
_NOT_A_TIME_AFTER = frozenset(["step", "tip", "part", "number", "page", "chapter"])
"""A number after one of these names it ("step two", "tip three"), not a time."""

HeardTime = tuple[str, tuple[int, ...]]
"""Alexa's value (``HH:MM``) and the positions of the words that said it."""


def find_time(words: Sequence[str]) -> HeardTime | None:
    """Find the first time of day in ``words`` (lowercase, as typed); None if there is none."""
    for start in range(len(words)):
        found = _time_at(words, start)
        if found is not None:
            return found
    return None


def _time_at(words: Sequence[str], start: int) -> HeardTime | None:
    word = words[start]
    if word in _NAMED:
        return _value(*_NAMED[word]), (start,)
    if word in ("half", "quarter") and start + 2 < len(words):
        return _relative(words, start)
    hour = _hour(word)
    if hour is None:
        return None
    if start + 1 < len(words) and words[start + 1] in _NOT_A_TIME_BEFORE:
        return None
    if start > 0 and words[start - 1] in _NOT_A_TIME_AFTER:
        return None
    minute, after = _minutes(words, start + 1)
    in_day, after = _meridiem(words, after, hour)
    if in_day is None:
        return None
    return _value(in_day, minute), tuple(range(start, after))


def _relative(words: Sequence[str], start: int) -> HeardTime | None:
    """Read "half past eight", "quarter past nine" or "quarter to ten" at ``start``."""
    direction, hour = words[start + 1], _hour(words[start + 2])
    if hour is None or direction not in ("past", "to"):
        return None
    offset = 30 if words[start] == "half" else 15
    if direction == "to":
        if words[start] == "half":
            return None
        hour, minute = (hour - 1) % 24, 60 - offset
    else:
        minute = offset
    in_day, after = _meridiem(words, start + 3, hour)
    if in_day is None:
        return None
    return _value(in_day, minute), tuple(range(start, after))


def _hour(word: str) -> int | None:
    if word in _HOURS:
        return _HOURS[word]
    if word.isdigit() and len(word) <= 2 and int(word) < 24:
        return int(word)
    return None


def _minutes(words: Sequence[str], at: int) -> tuple[int, int]:
    """Read minutes after an hour; return them and the position after them."""
    if at >= len(words):
        return 0, at
    word = words[at]
    if word.isdigit() and len(word) == 2 and int(word) < 60:
        return int(word), at + 1
    if word in ("oclock", "o'clock"):
        return 0, at + 1
    if word == "o" and at + 1 < len(words) and words[at + 1] == "clock":
        return 0, at + 2
    if word in _MINUTES:
        tens = _MINUTES[word]
        if tens >= 20 and at + 1 < len(words) and words[at + 1] in _UNITS:
            return tens + _UNITS[words[at + 1]], at + 2
        return tens, at + 1
    return 0, at


def _meridiem(words: Sequence[str], at: int, hour: int) -> tuple[int | None, int]:
    """Apply a following a.m. or p.m.; an hour over 12 with one is no time."""
    said = words[at] if at < len(words) else ""
    if said in ("a", "p") and at + 1 < len(words) and words[at + 1] == "m":
        said, after = said + "m", at + 2
    else:
        after = at + 1
    if said not in ("am", "pm"):
        return hour, at
    if hour > 12:
        return None, at
    return (hour % 12) + (12 if said == "pm" else 0), after


def _value(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"
