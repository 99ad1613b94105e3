"""Spelling slips: an unknown longer word replaced by a known word one letter away.

Typed words slip ("evning"); a word no sample uses says nothing to the classifier's
word features and counts against knowing what was said (see
:meth:`~skill.nlu.classifier.Classifier.known_share`), so a slip is put right first,
when one letter left out, added or changed makes it a word of the model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from skill.nlu.words import Language, Token, expand_contractions, fold_text, stem

_SHORTEST = 5  # shorter words are too easily another word one letter away


@dataclass(frozen=True)
class Speller:
    """The known words of a model, and their one-letter deletions."""

    known_keys: frozenset[str]
    """Every key of the samples and slot values: a word with one of these is no slip."""
    known_surfaces: frozenset[str]
    """Every word of the samples and slot values as written: what slips are corrected to."""
    deletions: dict[str, str]
    """Each one-letter deletion of a known longer word -> that word."""

    def correct(self, token: Token, language: Language) -> Token:
        """Replace an unknown longer word by a known word a single letter away, if there is one.

        Works on the word as typed ("evning" -> "evening"), then folds it like any other.
        """
        word = token.surface
        if token.key in self.known_keys or len(word) < _SHORTEST or not word.isalpha():
            return token
        candidates = [self.deletions.get(word)]  # a letter left out
        for i in range(len(word)):  # a letter too many, or one wrong
            shorter = word[:i] + word[i + 1 :]
            candidates += [shorter if shorter in self.known_surfaces else None]
            candidates += [self.deletions.get(shorter)]
        for candidate in candidates:
            if candidate is not None:
                key = stem(candidate)
                return Token(candidate, language.equivalents.get((key,), key))
        return token


def speller(texts: Iterable[str], known_keys: frozenset[str]) -> Speller:
    """Learn the known words from the texts of the samples and slot values."""
    surfaces = {word for text in texts for word in expand_contractions(fold_text(text).split())}
    deletions = {
        word[:i] + word[i + 1 :]: word
        for word in sorted(surfaces, reverse=True)
        if len(word) >= _SHORTEST and word.isalpha()
        for i in range(len(word))
    }
    return Speller(known_keys, frozenset(surfaces), deletions)
