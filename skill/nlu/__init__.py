"""The local resolver: typed words to an intent and slots, the way Alexa would hear them.

Rehearsal has no Amazon behind it, so this package stands in for Alexa's language
understanding. It trains a classifier on a locale's interaction model, generated in
memory from the content as it is now by the same code ``closer build-model`` uses
(so an edited sample is heard at once, and ``--content DIR`` needs nothing more),
plus ``intents/content/builtin_phrases.yaml`` for what Amazon knows and the model
does not list (phrases of the built-in intents, filler words, words that mean the
same, and the cues and words of the two safety intents).

The classifier: TF-IDF over word n-grams (1-2) and character n-grams within words
(2-5), and a logistic regression over both, trained with scikit-learn on every
sample (a ``{slot}`` kept as one placeholder word), the built-in intents' phrases,
and ``AMAZON.FallbackIntent``'s samples as the out-of-domain class; then exported to
numpy arrays, so that classifying is a few look-ups and one small matrix product.

How an utterance is matched, in order:

1. *Launch*: "open closer together" alone is a ``LaunchRequest``; the invocation is
   stripped from "ask closer together ...".
2. *Normalise* (:mod:`~skill.nlu.words`): fold case and accents, expand
   contractions (I'm -> I am), fold plurals and verb endings with a light stemmer,
   map equivalent words to one (husband, wife, ... -> partner), drop fillers ("um",
   "please"), and put right a one-letter slip in a longer word
   (:mod:`~skill.nlu.spelling`). Measured: each of these raises accuracy.
3. *Exact*: a sample or built-in phrase equal to the normalised words wins outright
   (one whose slot is left unsaid too: "give me the tip on").
4. *Yes or no, then a courtesy*: "yeah go ahead" is yes, "no stop" stops.
5. *Slots* (:mod:`~skill.nlu.slots`): find slot values and synonyms in the words,
   as Alexa's entity resolution does, and make a version of the words with the
   value replaced by its ``{slot}`` placeholder ("how do I {tip}"); a time of day is
   heard as Alexa fills ``AMAZON.TIME`` (:mod:`~skill.nlu.times`). A slotted version
   equal to a sample wins outright.
6. *Safety*: a safety cue anywhere (outside the everyday phrases that hold one)
   chooses its intent, CrisisIntent or AbuseIntent, whatever the classifier says: a
   classifier can miss a person in danger. When cues of both are heard, the one the
   classifier finds likelier wins, CrisisIntent on a tie.
7. *Classify* (:mod:`~skill.nlu.classifier`) the words as said and each slotted
   version; each intent keeps its best probability. Without a cue, a safety intent
   wins only with one of its *safety words* heard and a probability of at least
   :data:`SAFETY_WORDED`, or a probability of at least :data:`SAFETY_STRONG`: its
   samples hold everyday words ("wake up tomorrow", "my mom").
8. *Fallback*: ``AMAZON.FallbackIntent`` when the likeliest intent is below
   :data:`THRESHOLD`, or the fallback class is likelier, or less than
   :data:`KNOWN_SHARE` of what was said is words the samples use (a classifier
   always names a likeliest intent, however little it knows of the words).

The chosen intent's slots are filled with the values heard; ``sample`` is its sample
nearest to what was said. An index is built once per model content and cached, so
locales with identical models share one; a resolution then takes well under a
millisecond. Known limits: no negation ("I don't want help" is still help), one
value per slot type.

The modules, by job: :mod:`~skill.nlu.words` normalises words;
:mod:`~skill.nlu.spelling` puts slips right; :mod:`~skill.nlu.classifier` trains and
scores; :mod:`~skill.nlu.slots` and :mod:`~skill.nlu.times` hear slot values;
:mod:`~skill.nlu.index` builds and caches a model's index; :mod:`~skill.nlu.match`
goes through the steps. This module is the surface the rest of the project uses.
"""

from __future__ import annotations

from collections.abc import Callable

from intents.model import DEFAULT_LOCALE, Catalogue
from skill.authoring.interaction_model import interaction_model
from skill.nlu.index import Index, build_index, cached_index, index_for
from skill.nlu.match import (
    FALLBACK_INTENT,
    KNOWN_SHARE,
    LAUNCH_REQUEST,
    SAFETY_STRONG,
    SAFETY_WORDED,
    THRESHOLD,
    HeardSlot,
    Resolution,
    resolve_with,
)

__all__ = [
    "FALLBACK_INTENT",
    "KNOWN_SHARE",
    "LAUNCH_REQUEST",
    "SAFETY_STRONG",
    "SAFETY_WORDED",
    "THRESHOLD",
    "HeardSlot",
    "Index",
    "Resolution",
    "build_index",
    "declared_slots",
    "index_for",
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
    """Resolve with the models of ``catalogue``'s content, generated in memory once per locale.

    For ``--content DIR``: the same as :func:`resolve`, for content that is not the
    shipped one. Its indexes are shared with any other model of the same content.
    """
    indexes: dict[str, Index] = {}

    def resolve_in(utterance: str, locale: str = DEFAULT_LOCALE) -> Resolution:
        served = locale if locale in catalogue.locales else DEFAULT_LOCALE
        if served not in indexes:
            indexes[served] = cached_index(interaction_model(catalogue.for_locale(served)), served)
        return resolve_with(indexes[served], utterance)

    return resolve_in
