"""The previews' listening order and names, over every request the skill can answer (no audio)."""

from __future__ import annotations

import re
from itertools import groupby, pairwise

import pytest

from intents import Catalogue, Content, load_catalogue
from skill.alexa import build_skill
from skill.authoring.listening_order import UNNAMED, Named, in_listening_order
from skill.authoring.reachable import (
    distinct_speeches,
    every_request,
    part_request,
    responses_to,
)
from skill.conversation import BUILTIN_INTENTS
from speech.segments import plain_text


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    """The shipped content."""
    return load_catalogue()


@pytest.fixture(scope="module")
def named(catalogue: Catalogue) -> list[Named]:
    """Every distinct speech and reprompt of every locale, in listening order."""
    skill = build_skill(catalogue)
    responses = responses_to(every_request(catalogue), skill)
    return in_listening_order(catalogue, skill, responses, reprompts=True)


def said(item: Named) -> str:
    """What a clip says, as one line."""
    return " ".join(plain_text(item.ssml).split())


def words(text: str, count: int = 8) -> str:
    """The first words of a text, as one line."""
    return " ".join(text.split()[:count])


def test_every_distinct_speech_is_one_clip(catalogue: Catalogue, named: list[Named]) -> None:
    skill = build_skill(catalogue)
    expected = distinct_speeches(responses_to(every_request(catalogue), skill), reprompts=True)
    assert sorted((item.locale, item.ssml) for item in named) == sorted(expected)


def test_labels_are_plain_words_and_name_one_clip(catalogue: Catalogue, named: list[Named]) -> None:
    internal = {*catalogue.default.intents, *BUILTIN_INTENTS, "AMAZON", "None", "Intent"}
    for item in named:
        assert not any(name in item.label for name in internal), item.label
        assert not any(name in item.heading for name in internal), item.heading
        assert item.label != UNNAMED, f"ANSWERS names nothing of {item.requests[0]}"
    for locale, items in groupby(named, key=lambda item: item.locale):
        labels = [item.label for item in items]
        assert len(labels) == len(set(labels)), f"{locale}: two clips share a name"


def test_locales_then_sections_in_conversation_order(
    catalogue: Catalogue, named: list[Named]
) -> None:
    assert [locale for locale, _ in groupby(named, key=lambda item: item.locale)] == list(
        catalogue.locales
    )
    for locale in catalogue.locales:
        content = catalogue.for_locale(locale)
        headings = [h for h, _ in groupby(item.heading for item in named if item.locale == locale)]
        topics = [f"{t.title[:1].upper()}{t.title[1:]}" for t in content.topics.values()]
        assert headings == [  # each once, and nothing left unnamed under "Other answers"
            "Opening",
            *topics,
            "Tips",
            "Evening reflections",
            "Safety",
            "Help",
            "Not understood",
            "Memory between visits",
            "Endings",
        ]


def test_each_topic_is_its_parts_in_the_order_spoken(
    catalogue: Catalogue, named: list[Named]
) -> None:
    for locale in catalogue.locales:
        content = catalogue.for_locale(locale)
        for topic in content.topics.values():
            heading = f"{topic.title[:1].upper()}{topic.title[1:]}"
            mine = [item for item in named if item.locale == locale and item.heading == heading]
            parts = [item for item in mine if "·" in item.label and "reprompt" not in item.label]
            parts = [item for item in parts if "previous" not in item.label]
            assert [words(said(item)) for item in parts] == [
                words(f"{part.label}{part.say}") for part in topic.parts
            ]
            intro = [part for part in topic.parts if not part.label]
            for item, part in zip(parts, topic.parts, strict=True):
                if part.label:  # named as the skill numbers it: "Step 2 of 4: "
                    number = re.match(r"Step (\d+ of \d+): ", said(item))
                    assert number, said(item)
                    assert item.label == f"{heading} · step {number.group(1)}: {part.title}"
                else:
                    position = intro.index(part) + 1
                    assert item.label == f"{heading} · part {position} of {len(intro)}"


def test_reflections_in_the_order_of_reflections_yaml(
    catalogue: Catalogue, named: list[Named]
) -> None:
    content = catalogue.default
    nights = content.reflections.nights
    mine = [i for i in named if i.locale == "en-US" and i.heading == "Evening reflections"]
    assert len(mine) == len(nights)
    for number, (item, night) in enumerate(zip(mine, nights, strict=True), 1):
        title = content.tips[night.tip].title
        assert item.label == f"Evening reflection {number} of {len(nights)}: {title}"
        assert night.theme in said(item)


def test_safety_names_say_which_numbers(catalogue: Catalogue, named: list[Named]) -> None:
    by_label = {item.label: said(item) for item in named if item.locale == "en-GB"}
    assert "116 123" in by_label["Crisis numbers"]
    assert "0808 2000 247" in by_label["Abuse helpline numbers"]
    assert "116 123" in by_label["Crisis numbers, said again"]
    assert "0808 2000 247" in by_label["Abuse helpline numbers, said again"]
    assert by_label["Crisis numbers, said again"].startswith("In danger")
    assert "Please keep those numbers close" in by_label["After the numbers, a gentle close"]


def test_a_reprompt_comes_straight_after_what_it_follows(named: list[Named]) -> None:
    reprompts = 0
    for before, item in pairwise(named):
        if item.label.endswith(" · reprompt"):
            reprompts += 1
            assert before.label == item.label.removesuffix(" · reprompt")
            assert before.locale == item.locale
    assert reprompts > 20


def test_one_topic_alone_is_named_the_same(catalogue: Catalogue) -> None:
    """A clip is named by its words, so a single topic's parts are named as in --all."""
    skill = build_skill(catalogue)
    content: Content = catalogue.for_locale("en-AU")
    topic = content.topics["ScaredToOpenUpIntent"]
    requests = [
        (str(index), part_request(topic.intent, index, "en-AU"))
        for index in range(len(topic.parts))
    ]
    named = in_listening_order(catalogue, skill, responses_to(requests, skill), reprompts=False)
    assert [item.label.split(" · ")[1] for item in named] == [
        "part 1 of 1",
        *(f"step {n} of 4: {part.title}" for n, part in enumerate(topic.parts[1:], 1)),
    ]
