"""Words as the resolver compares them: folded, spelt out, stemmed, merged.

Samples, slot values, built-in phrases and what people say all go through these same
small functions, so that a sample and an utterance meet on equal terms however they
were written: "I'm scared" and "I am scared" give the same keys. The rules only need
to be consistent, not linguistically right (see :func:`stem`).

A :class:`Language` holds the word lists of one language block of
``intents/content/builtin_phrases.yaml`` (fillers, words that mean the same, function
words, the built-in intents' phrases, the safety cues) in the form the rest of the
package applies; :func:`load_language` builds one from the YAML data.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from intents import CONTENT_DIR
from intents.loader import SAFETY_INTENTS

PHRASES_PATH = CONTENT_DIR / "builtin_phrases.yaml"
"""What Amazon knows and the generated model does not list (see the package docstring)."""

_KEEP = re.compile(r"[^a-z0-9' ]+")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_IRREGULAR = {
    "can't": ["can", "not"],
    "cannot": ["can", "not"],
    "won't": ["will", "not"],
    "shan't": ["shall", "not"],
    "ain't": ["is", "not"],
    "let's": ["let", "us"],
    "y'all": ["you", "all"],
    "gonna": ["going", "to"],
    "wanna": ["want", "to"],
    "gotta": ["got", "to"],
    "dunno": ["do", "not", "know"],
}
_IS_BEFORE_S = frozenset(
    {"it", "that", "what", "there", "here", "he", "she", "who", "how", "where", "when", "why"}
)
_SUFFIXES = {"n't": "not", "'m": "am", "'re": "are", "'ve": "have", "'ll": "will", "'d": "would"}


def fold_text(text: str) -> str:
    """Lower-case, drop accents, keep letters, digits and apostrophes; hyphens become spaces.

    "Self-reflection, please!" -> "self reflection please". Limit: numbers stay digits.
    """
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _KEEP.sub(" ", text.replace("-", " ").replace("/", " "))
    return " ".join(word.strip("'") for word in text.split() if word.strip("'"))


def expand_contractions(words: Iterable[str]) -> list[str]:
    """Spell contractions out: I'm -> I am, don't -> do not, what's -> what is.

    A final 's after a noun is taken as a possessive and dropped ("partner's" ->
    "partner"), which is right far more often than "partner is".
    """
    expanded: list[str] = []
    for word in words:
        if word in _IRREGULAR:
            expanded.extend(_IRREGULAR[word])
            continue
        for suffix, full in _SUFFIXES.items():
            if word.endswith(suffix) and len(word) > len(suffix):
                expanded.extend([word[: -len(suffix)], full])
                break
        else:
            if word.endswith("'s"):
                base = word[:-2]
                expanded.extend([base, "is"] if base in _IS_BEFORE_S else [base])
            else:
                expanded.append(word.replace("'", ""))
    return expanded


def stem(word: str) -> str:
    """Fold plurals and verb endings with a light, predictable suffix stripper.

    Only needs to be consistent (samples and utterances go through the same rules):
    "scared", "scares" and "scary" all become "scar"; "feelings" becomes "feel".
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    word = _without_verb_ending(_singular(word))
    if word.endswith("ly") and len(word) >= 6:
        return word[:-2]  # "definitely" -> "definite", kept apart from "definition"
    return _without_final_vowel(_without_noun_ending(word))


def _singular(word: str) -> str:
    """Fold a plural: "stories" -> "story", "classes" -> "class", "walls" -> "wall"."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _without_verb_ending(word: str) -> str:
    """Drop -ing or -ed from long enough words, and a doubled last letter ("stopped")."""
    for suffix, minimum in (("ing", 6), ("ed", 5)):
        if word.endswith(suffix) and len(word) >= minimum:
            word = word[: -len(suffix)]
            if len(word) > 2 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    return word


def _without_noun_ending(word: str) -> str:
    """Drop -ness, -ment and -ion from long enough words ("closeness" -> "close")."""
    for suffix, minimum in (("ness", 7), ("ment", 8), ("ion", 7)):
        if word.endswith(suffix) and len(word) >= minimum:
            word = word[: -len(suffix)]
    return word


def _without_final_vowel(word: str) -> str:
    """Drop a final -e or -y, so "scare", "scared" and "scary" meet at "scar"."""
    if (word.endswith("e") and len(word) > 3) or (word.endswith("y") and len(word) > 4):
        return word[:-1]
    return word


def strip_invocation(text: str, invocation: str) -> tuple[str, bool]:
    """Remove "alexa, ask closer together (to|about|...)"; say whether only a launch is left.

    Alexa hears the invocation itself and never passes it on, so the resolver must not
    match it against samples. The text comes back folded (see :func:`fold_text`).
    """
    folded = fold_text(text)
    if not invocation:
        return folded, False
    pattern = re.compile(
        rf"^(?:alexa\s+)?(?:(ask|tell|open|launch|start|run|use|talk to|load)\s+)?"
        rf"{re.escape(invocation)}\b(?:\s+(?:to|about|for|that|if|whether|and))?\s*"
    )
    match = pattern.match(folded)
    if not match or not (match.group(1) or folded == invocation):
        return folded, False
    rest = folded[match.end() :].strip()
    return rest, not rest


@dataclass(frozen=True)
class Token:
    """One word of an utterance: as typed (for slot values) and as matched."""

    surface: str
    key: str


@dataclass(frozen=True)
class Language:
    """The word lists of builtin_phrases.yaml for one language, ready to apply."""

    fillers: frozenset[tuple[str, ...]]
    equivalents: dict[tuple[str, ...], str]
    function_words: frozenset[str]
    phrases: dict[str, tuple[str, ...]]
    safety_cues: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    """Safety intent -> the key sequences of the cues that choose it outright."""
    safety_words: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    """Safety intent -> the keys of the words that let its score alone choose it."""
    safety_cue_exceptions: tuple[tuple[str, ...], ...] = ()

    def tokens(self, text: str) -> list[Token]:
        """Run the pipeline: fold, expand contractions, stem, merge equivalents."""
        words = expand_contractions(fold_text(text).split())
        tokens = [Token(word, stem(word)) for word in words]
        return _merge(tokens, self.equivalents)

    def content(self, tokens: Sequence[Token]) -> list[Token]:
        """Drop filler words, unless nothing else was said ("okay" alone stays)."""
        kept = _merge(list(tokens), dict.fromkeys(self.fillers, ""))
        kept = [token for token in kept if token.key]
        return kept or list(tokens)

    def keys(self, text: str) -> tuple[str, ...]:
        """Return the matching keys of a phrase, fillers dropped (for samples and cues)."""
        return tuple(token.key for token in self.content(self.tokens(text)))


def _merge(tokens: list[Token], phrases: Mapping[tuple[str, ...], str]) -> list[Token]:
    """Replace each listed phrase (longest first) by one token with the phrase's new key."""
    if not phrases:
        return tokens
    longest = max(len(phrase) for phrase in phrases)
    merged: list[Token] = []
    index = 0
    while index < len(tokens):
        for size in range(min(longest, len(tokens) - index), 0, -1):
            window = tuple(token.key for token in tokens[index : index + size])
            if window in phrases:
                surface = " ".join(token.surface for token in tokens[index : index + size])
                merged.append(Token(surface, phrases[window]))
                index += size
                break
        else:
            merged.append(tokens[index])
            index += 1
    return merged


def _plain_keys(words: Iterable[str]) -> tuple[str, ...]:
    """Keys of a word list before equivalents exist (used to build the Language)."""
    return tuple(stem(word) for word in expand_contractions(fold_text(" ".join(words)).split()))


def load_language(data: Mapping[str, Any]) -> Language:
    """Build a :class:`Language` from one language block of builtin_phrases.yaml."""
    equivalents: dict[tuple[str, ...], str] = {}
    for canonical, words in (data.get("equivalents") or {}).items():
        target = stem(str(canonical))
        for word in [canonical, *words]:
            equivalents[_plain_keys([str(word)])] = target
    base = Language(
        fillers=frozenset(_plain_keys([str(w)]) for w in data.get("fillers") or ()),
        equivalents=equivalents,
        function_words=frozenset(stem(str(w)) for w in data.get("function_words") or ()),
        phrases={},
    )
    return Language(
        fillers=base.fillers,
        equivalents=equivalents,
        function_words=base.function_words,
        phrases={
            str(intent): tuple(str(p) for p in phrases or ())
            for intent, phrases in (data.get("intents") or {}).items()
        },
        safety_cues=_phrases_by_intent(base, data, "safety_cues"),
        safety_words=_phrases_by_intent(base, data, "safety_words"),
        safety_cue_exceptions=_phrase_keys(base, data.get("safety_cue_exceptions")),
    )


def _phrases_by_intent(
    language: Language, data: Mapping[str, Any], section: str
) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Read a section that maps each safety intent to its phrases, as key sequences.

    Only the intents of :data:`SAFETY_INTENTS` may be named: a cue filed under a
    misspelt or retired intent name would otherwise be silently ignored.
    """
    raw = data.get(section) or {}
    if not isinstance(raw, Mapping) or not set(raw) <= set(SAFETY_INTENTS):
        raise ValueError(
            f"{PHRASES_PATH.name}: {section} must map {' and '.join(SAFETY_INTENTS)} "
            "to their lists of phrases"
        )
    return {str(intent): _phrase_keys(language, phrases) for intent, phrases in raw.items()}


def _phrase_keys(language: Language, phrases: Iterable[Any] | None) -> tuple[tuple[str, ...], ...]:
    """Turn phrases into key sequences (fillers kept: "not" or "me" can matter in a cue)."""
    keys = (tuple(t.key for t in language.tokens(str(p))) for p in phrases or ())
    return tuple(key for key in keys if key)
