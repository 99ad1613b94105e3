"""The local resolver: typed words to an intent and slots, the way Alexa would hear them.

Rehearsal has no Amazon behind it, so this package stands in for Alexa's language
understanding. It reads the *generated* interaction model of a locale
(``deploy/skill-package/interactionModels/custom/<locale>.json``, the very file Alexa
gets, falling back to en-US), plus ``intents/content/builtin_phrases.yaml`` for what
Amazon knows and the model does not list (phrases of the built-in intents, filler
words, words that mean the same, and the cues and words of the two safety intents).

How an utterance is matched, in order:

1. *Normalise* (a pipeline of small functions): fold case and accents, strip the
   invocation ("ask closer together ..."), expand contractions (I'm -> I am), fold
   plurals and verb endings with a light stemmer, map equivalent words to one
   (husband, wife, ... -> partner), drop fillers ("um", "please").
2. *Slots*: find slot values and synonyms in the words, as Alexa's entity resolution
   does, and replace them with a ``{slot}`` placeholder, so "how do I set healthy
   boundaries" meets the sample "how do I {tip}" with tip=BOUNDARIES.
3. *Exact*: a sample or built-in phrase equal to the normalised words wins outright.
4. *Safety* (:data:`~intents.loader.SAFETY_INTENTS`): a safety cue anywhere chooses
   its intent, CrisisIntent or AbuseIntent (unless the words are exactly a sample of
   another intent); when cues of both are heard, the one whose samples score higher
   wins, CrisisIntent on a tie. Without a cue, a safety intent wins on a merely
   plausible score, but only when one of its *safety words* is heard ("worthless",
   "slap") or its score is strong: its samples share everyday words ("wake up
   tomorrow", "right now") that must not raise an alarm on their own. A false alarm
   costs a kind word; a miss could cost far more, so the cues lean wide.
5. *Scored*: each sample is compared with the words by an F1 of IDF-weighted word
   overlap (rare words count more; unknown words count fully against a match, which is
   what sends "play some jazz" to fallback), blended with word-pair overlap for word
   order. An intent scores its best sample, raised a little when its next best
   samples hold other words said (people mix phrasings). An unknown word counts less
   when the known words around it are the skill's *topic words* (recurring in its own
   samples, in no built-in phrase): "is intimacy just about sex" stays in scope,
   "play some jazz" does not. Below :data:`THRESHOLD` the answer is ``AMAZON.FallbackIntent``.
6. *Evidence*: among the skill's own intents that score near the threshold or above,
   a Naive-Bayes posterior over the words of *all* of each intent's samples (function
   words included, so "why", "am I" and "my partner" tell causes, signs and a
   partner's distance apart) is blended into the score to settle close calls.

A yes or no word followed only by another built-in phrase ("yeah go ahead") is that
answer, unless the phrase stops or cancels.

The index for a locale is built once and cached; a resolution then takes a fraction of
a millisecond. Known limits: no spelling correction beyond one edit on longer words, no
negation ("I don't want help" is still help), one value per slot type.

The modules, by job: :mod:`~skill.nlu.words` normalises words (step 1);
:mod:`~skill.nlu.index` builds, loads and caches the index of a model;
:mod:`~skill.nlu.score` scores samples, unknown words and evidence (steps 5 and 6);
:mod:`~skill.nlu.match` finds slots and safety cues and chooses (steps 2 to 6).
This module is the surface the rest of the project uses.
"""

from __future__ import annotations

from collections.abc import Callable

from intents.model import DEFAULT_LOCALE, Catalogue
from skill.authoring.interaction_model import interaction_model
from skill.nlu.index import Index, build_index, cached_index, index_for, model_path
from skill.nlu.match import (
    FALLBACK_INTENT,
    LAUNCH_REQUEST,
    THRESHOLD,
    HeardSlot,
    Resolution,
    resolve_with,
)

__all__ = [
    "FALLBACK_INTENT",
    "LAUNCH_REQUEST",
    "THRESHOLD",
    "HeardSlot",
    "Index",
    "Resolution",
    "build_index",
    "declared_slots",
    "index_for",
    "model_path",
    "resolve",
    "resolve_with",
    "resolver_for",
]


def resolve(utterance: str, locale: str = DEFAULT_LOCALE) -> Resolution:
    """Understand ``utterance`` as Alexa would with the locale's interaction model."""
    return resolve_with(index_for(locale), utterance)


def declared_slots(intent: str, locale: str = DEFAULT_LOCALE) -> tuple[str, ...]:
    """Name the slots the model declares for ``intent``: Alexa sends each, filled or not."""
    return tuple(index_for(locale).intent_slots.get(intent, {}))


def resolver_for(catalogue: Catalogue) -> Callable[[str, str], Resolution]:
    """Resolve with the models of ``catalogue``'s content, built in memory once per locale.

    For ``--content DIR``: content that is not the shipped one has no generated model
    on disk, so its model is generated here by the same code ``closer build-model``
    uses, and indexed.
    """
    indexes: dict[str, Index] = {}

    def resolve_in(utterance: str, locale: str = DEFAULT_LOCALE) -> Resolution:
        served = locale if locale in catalogue.locales else DEFAULT_LOCALE
        if served not in indexes:
            indexes[served] = cached_index(interaction_model(catalogue.for_locale(served)), served)
        return resolve_with(indexes[served], utterance)

    return resolve_in
