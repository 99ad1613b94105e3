"""What the /rehearse page shows of a turn besides Alexa's answer: the card, and what next.

Two things a person reading the page needs that Alexa's response does not say:

- **Whether the card is worth showing.** Most cards are the spoken text minus its
  closing question, so showing both printed every answer twice. The page shows a card
  only where it says something the speech does not: the safety card's three numbers,
  the evening reflection's questions gathered in one place. :func:`card_differs`
  decides it here, in Python, so the page's script holds no wording rules.
- **What to say next.** Two or three phrases from :func:`skill.suggestions.suggestions`
  (content, skill.yaml ``suggestions``) for the place the conversation is in after the
  turn, read from the session attributes the turn returned, as the skill itself reads
  them (:meth:`skill.state.State.from_attributes`). None once the session has ended:
  there is nothing to answer, and the page offers to start again instead.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from intents import Content
from skill.rehearsal import TurnResult
from skill.state import Card, State
from skill.suggestions import suggestions

_WORD = re.compile(r"\w+(?:'\w+)*")
"""A word for comparing card and speech: letters and digits, an inner apostrophe kept."""


def turn_view(result: TurnResult, content: Content) -> dict[str, Any]:
    """Return the page's view of a turn: ``cardDiffers`` and ``suggestions``, as JSON."""
    return {
        "cardDiffers": card_differs(result.card, result.text, content),
        "suggestions": list(next_to_say(result, content)),
    }


def next_to_say(result: TurnResult, content: Content) -> tuple[str, ...]:
    """Return what to offer after this turn; nothing once the session has ended."""
    if result.ended or not result.session.open:
        return ()
    return suggestions(content, State.from_attributes(result.session.attributes, content))


def card_differs(card: Card | None, speech: str, content: Content) -> bool:
    """Tell whether a card says something the speech does not.

    It does not when its words, compared without case, punctuation, spacing or step
    labels ("Step 2 of 4: ", from skill.yaml's ``voice.step_label``), run whole
    somewhere inside the speech's: a step's card is its speech without the closing
    question. A card with no words says nothing.
    """
    if card is None:
        return False
    words = _comparable(card.text, content)
    return bool(words) and f" {words} " not in f" {_comparable(speech, content)} "


def _comparable(text: str, content: Content) -> str:
    """Reduce text to its words, lower case, one space apart, with step labels taken out."""
    plain = _step_label(content.text("voice", "step_label")).sub(" ", text.replace("’", "'"))
    return " ".join(_WORD.findall(plain.casefold()))


@lru_cache(maxsize=8)
def _step_label(template: str) -> re.Pattern[str]:
    """Match any step label the template writes: ``Step {step} of {total}: `` -> Step 2 of 4:.

    An empty template labels nothing, so it matches nothing (not the empty string
    everywhere, which would split every word).
    """
    if not template.strip():
        return re.compile(r"(?!)")
    pattern = re.escape(template.strip())
    for placeholder in ("step", "total"):
        pattern = pattern.replace(re.escape(f"{{{placeholder}}}"), r"\d+")
    return re.compile(pattern, re.IGNORECASE)
