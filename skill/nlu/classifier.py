"""The intent classifier: TF-IDF of word and character n-grams, and a linear model over them.

Trained with scikit-learn from the samples of an interaction model, then exported to
plain numpy arrays (feature -> column, idf, weights, biases), so that classifying an
utterance is a few dictionary look-ups and one small matrix product, without going
through scikit-learn on every call.

Why two kinds of n-grams: word pairs keep a little word order ("am I" against "I am"),
and character n-grams inside words hear a word's family and its slips ("evning" still
shares most of its grams with "evening"), which no list of words could.

Why logistic regression: measured against a linear SVM on tests/data/utterances.tsv,
it was right more often, and its scores are probabilities (a softmax of its decision
values), which is what a confidence from 0 to 1 and a fallback threshold need.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
REGULARISATION = 10.0
"""The inverse regularisation strength C: higher fits the samples more closely."""

Vector = npt.NDArray[np.float64]


def word_grams(text: str) -> list[str]:
    """Words and word pairs of a normalised text (its words are space-separated)."""
    words = text.split()
    grams = list(words)
    for size in range(WORD_NGRAMS[0] + 1, WORD_NGRAMS[1] + 1):
        grams += [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]
    return grams


def char_grams(text: str) -> list[str]:
    """Character n-grams within each word, padded by a space either side.

    A slot placeholder ("{tip}") is a word-level token only: its letters say nothing.
    """
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        for size in range(CHAR_NGRAMS[0], CHAR_NGRAMS[1] + 1):
            grams += [padded[i : i + size] for i in range(len(padded) - size + 1)]
    return grams


@dataclass(frozen=True)
class Block:
    """One TF-IDF block (words or characters) as numbers: gram -> column, and each idf."""

    columns: dict[str, int]
    idf: Vector
    offset: int
    """Where this block's columns start in the joined feature vector."""

    def features(self, grams: Sequence[str]) -> tuple[list[int], list[float]]:
        """Return the columns and values of ``grams``: sublinear tf times idf, unit length."""
        counts = Counter(gram for gram in grams if gram in self.columns)
        if not counts:
            return [], []
        columns = [self.columns[gram] for gram in counts]
        values = [
            (1.0 + math.log(count)) * self.idf[col]
            for col, count in zip(columns, counts.values(), strict=True)
        ]
        norm = math.sqrt(sum(v * v for v in values))
        return [self.offset + col for col in columns], [v / norm for v in values]


@dataclass(frozen=True)
class SampleVectors:
    """One intent's samples as dense vectors over only the features they use."""

    numbers: npt.NDArray[np.intp]
    """Each row's sample number (its position among the texts trained on)."""
    local: npt.NDArray[np.intp]
    """Feature column -> column of :attr:`vectors`, or -1 for a feature these samples lack."""
    vectors: Vector


@dataclass(frozen=True)
class Classifier:
    """A trained classifier as plain arrays: score a normalised text with :meth:`probabilities`."""

    intents: tuple[str, ...]
    words: Block
    chars: Block
    weights: Vector
    """One row of feature weights per intent."""
    biases: Vector
    samples: dict[str, SampleVectors]
    """Intent -> its samples' own feature vectors, for :meth:`nearest`."""

    def features(self, text: str) -> tuple[list[int], list[float]]:
        """Return the non-zero columns of ``text``'s feature vector and their values."""
        word_cols, word_vals = self.words.features(word_grams(text))
        char_cols, char_vals = self.chars.features(char_grams(text))
        return word_cols + char_cols, word_vals + char_vals

    def known_share(self, text: str) -> float:
        """Return how much of ``text`` is words the samples use, each weighed by its idf.

        A classifier always names the likeliest intent, however little of what was
        said it knows; this tells when it knows too little to be asked ("next" to a
        model for ordering tea). A word no sample uses weighs as much as the rarest.
        """
        words = text.split()
        if not words:
            return 0.0
        columns, idf = self.words.columns, self.words.idf
        rarest = float(idf.max()) if len(idf) else 1.0
        weights = [
            (float(idf[columns[w]]) if w in columns else rarest, w in columns) for w in words
        ]
        return sum(weight for weight, known in weights if known) / sum(w for w, _ in weights)

    def probabilities(self, columns: list[int], values: list[float]) -> Vector | None:
        """Return each intent's probability (in :attr:`intents` order) for a text's features.

        None when no gram of the text was ever seen in a sample: nothing to go on.
        """
        if not columns:
            return None
        scores = self.weights[:, columns] @ np.asarray(values) + self.biases
        exp = np.exp(scores - scores.max())
        result: Vector = exp / exp.sum()
        return result

    def nearest(self, intent: str, columns: list[int], values: list[float]) -> int:
        """Return the number of ``intent``'s sample closest to these features."""
        own = self.samples[intent]
        local = own.local[columns]
        kept = local >= 0
        similarity = own.vectors[:, local[kept]] @ np.asarray(values)[kept]
        return int(own.numbers[np.argmax(similarity)])


def train(texts: Sequence[str], intents: Sequence[str]) -> Classifier:
    """Fit the TF-IDF blocks and the logistic regression on normalised sample texts.

    scikit-learn is imported here, not at the top: it takes a while to import, and
    only building an index needs it.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion

    word_vectoriser = TfidfVectorizer(analyzer=word_grams, sublinear_tf=True)
    char_vectoriser = TfidfVectorizer(analyzer=char_grams, sublinear_tf=True)
    union = FeatureUnion([("words", word_vectoriser), ("chars", char_vectoriser)])
    matrix = union.fit_transform(texts)
    model = LogisticRegression(C=REGULARISATION, solver="sag", max_iter=1000, tol=1e-3)
    model.fit(matrix, list(intents))
    words = Block(
        {str(g): int(c) for g, c in word_vectoriser.vocabulary_.items()},
        np.asarray(word_vectoriser.idf_, dtype=np.float64),
        0,
    )
    chars = Block(
        {str(g): int(c) for g, c in char_vectoriser.vocabulary_.items()},
        np.asarray(char_vectoriser.idf_, dtype=np.float64),
        len(words.columns),
    )
    return Classifier(
        intents=tuple(str(name) for name in model.classes_),
        words=words,
        chars=chars,
        weights=np.ascontiguousarray(model.coef_, dtype=np.float64),
        biases=np.asarray(model.intercept_, dtype=np.float64),
        samples=_sample_vectors(matrix, intents),
    )


def _sample_vectors(matrix: Any, intents: Sequence[str]) -> dict[str, SampleVectors]:
    """Split the samples' sparse feature matrix into a small dense block per intent."""
    matrix = matrix.tocsr()
    labels = np.asarray(intents)
    blocks: dict[str, SampleVectors] = {}
    for name in sorted(set(intents)):
        numbers = np.flatnonzero(labels == name)
        rows = matrix[numbers]
        used = np.unique(rows.indices)
        local = np.full(matrix.shape[1], -1, dtype=np.intp)
        local[used] = np.arange(len(used))
        blocks[name] = SampleVectors(numbers, local, np.asarray(rows[:, used].todense()))
    return blocks
