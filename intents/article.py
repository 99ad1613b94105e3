"""The article every spoken part comes from, and the checks that keep parts true to it.

Each part of topics.yaml and reflections.yaml names its ``source``: the article's own
words that it says. Two rules hold a part to its source:

- the quote is in the article, word for word (case, punctuation, dashes and curly
  quotes aside), so a reader can always find the passage;
- every hedge of the quote ("can", "may", "often", ...) is still in the spoken words,
  so "can deeply influence" never becomes "shapes", and "often feels" never "feels".

What the rules cannot see is meaning: a part can keep its hedges and still say more
than its quote. That is for the people who edit the content; the quotes make it easy
to check by eye.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from intents.located import read_text

ARTICLE_PATH = Path(__file__).parent / "content" / "article.txt"

HEDGES = frozenset({"can", "may", "might", "often", "could"})
"""Words that soften a claim; a part must keep each one its quote has."""

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'"})
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> tuple[str, ...]:
    """Return the words of ``text``, lower case, with punctuation and dashes dropped.

    Curly apostrophes count as straight ones, so "you’re" in the article matches
    "you're" in the YAML; a dash between words ("all-or-nothing") separates them.
    """
    folded = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    return tuple(_WORD.findall(folded))


@cache
def article_words(path: Path = ARTICLE_PATH) -> tuple[str, ...]:
    """Read the article once and return its words (raises OSError or NotText)."""
    return words(read_text(path))


def is_quoted(quote: str, article: tuple[str, ...]) -> bool:
    """Tell whether ``quote`` appears in the article's words, in order and unbroken."""
    wanted = words(quote)
    if not wanted:
        return False
    size = len(wanted)
    return any(
        article[start : start + size] == wanted
        for start in range(len(article) - size + 1)
        if article[start] == wanted[0]
    )


def lost_hedges(quote: str, said: str) -> list[str]:
    """Return the hedges of ``quote`` that ``said`` no longer has, in the quote's order."""
    kept = set(words(said))
    lost: list[str] = []
    for word in words(quote):
        if word in HEDGES and word not in kept and word not in lost:
            lost.append(word)
    return lost
