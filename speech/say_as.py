"""Words for ``<say-as>`` content, so that a preview engine reads numbers as Alexa does.

Engines given "1-800-799-7233" read "one thousand eight hundred..." or a date; Alexa,
told ``interpret-as="telephone"``, reads the number group by group. These functions
spell it out in words an engine cannot misread: each digit a word of its own, groups
separated by commas so that every engine pauses between them.
"""

from __future__ import annotations

import re

DIGIT_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
)
TEEN_WORDS = {
    "10": "ten",
    "11": "eleven",
    "12": "twelve",
    "13": "thirteen",
    "14": "fourteen",
    "15": "fifteen",
    "16": "sixteen",
    "17": "seventeen",
    "18": "eighteen",
    "19": "nineteen",
}
_GROUPS = re.compile(r"[A-Za-z0-9]+")


def spoken_digits(digits: str) -> str:
    """Read each digit as its own word ("9-8-8" -> "nine eight eight"); letters stay, marks go."""
    return " ".join(DIGIT_WORDS[int(c)] if c.isdigit() else c for c in digits if c.isalnum())


def spoken_telephone(number: str) -> str:
    """Read a telephone number group by group, as people say them.

    Groups are the runs of letters and digits between separators (hyphens, spaces,
    dots, brackets). A three-digit group ending in 00 is said as hundreds ("800" ->
    "eight hundred", as in one eight hundred numbers); a four-digit group from 1000 to
    1999 ending in 00 as "eighteen hundred" (Australia's 1800 and 1300 numbers); every
    other group digit by digit. A leading "+" is said as "plus". Letters (as in
    1800RESPECT) are kept as written. A lone leading digit joins the next group:
    "1-800-799-7233" -> "one eight hundred, seven nine nine, seven two three three".
    Limits: no locale-specific habits such as "oh" for zero or "double" for repeated
    digits.
    """
    groups = _GROUPS.findall(number)
    if all(len(group) == 1 for group in groups):  # 9-8-8 is one number, said digit by digit
        groups = ["".join(groups)]
    said = [_spoken_group(group) for group in groups]
    # A lone leading digit (the 1 of 1-800) runs into the next group, as people say it.
    if len(said) > 1 and len(said[0].split()) == 1 and said[0] in DIGIT_WORDS:
        said[:2] = [f"{said[0]} {said[1]}"]
    spoken = ", ".join(said)
    return f"plus {spoken}" if number.strip().startswith("+") else spoken


def _spoken_group(group: str) -> str:
    """Say one group: hundreds when it is a round X00 or 1X00, else digit by digit."""
    if not group.isdigit():
        letters = re.fullmatch(r"(\d*)([A-Za-z]+)", group)
        if letters and letters.group(1):
            return f"{_spoken_group(letters.group(1))} {letters.group(2)}"
        return group
    if len(group) == 3 and group[0] != "0" and group.endswith("00"):
        return f"{DIGIT_WORDS[int(group[0])]} hundred"
    if len(group) == 4 and group[:2] in TEEN_WORDS and group.endswith("00"):
        return f"{TEEN_WORDS[group[:2]]} hundred"
    return spoken_digits(group)


def spoken_characters(text: str) -> str:
    """Spell text out one character at a time (``characters`` and ``spell-out``)."""
    return " ".join(DIGIT_WORDS[int(c)] if c.isdigit() else c for c in text if not c.isspace())


INTERPRETERS = {
    "telephone": spoken_telephone,
    "digits": spoken_digits,
    "characters": spoken_characters,
    "spell-out": spoken_characters,
}
"""``interpret-as`` values that need words; any other value's text is read as written."""
