"""Fitting the learned model's two heads (needs the `[train]` extra: scipy, scikit-learn).

Shared by classify/train.py (the shipped model) and classify/crossval.py (figures measured on
messages held out of training, whole generated kinds at a time).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from classify.learned import PRIORITY_ORDER, LinearModel, dictionary_features, ngrams
from classify.model import CATEGORY_ORDER, Category, Priority, Scores

SEED = 13


@dataclass(frozen=True)
class Settings:
    """What a training run may vary; the defaults are the shipped model's."""

    longest: int = 2  # character n-grams of 1..longest characters (3 overfitted: see README)
    c_category: float = 8.0  # inverse L2 strength of the category head
    c_priority: float = 4.0
    hand_weight: float = 3.0  # a hand-written message counts this many generated ones
    min_documents: int = 2  # an n-gram must occur in at least this many messages
    balanced: bool = False  # weigh categories inversely to their frequency


@dataclass(frozen=True)
class Labelled:
    text: str
    category: Category
    priority: Priority
    group: str  # cross-validation keeps a group together (a generated kind, or one message)
    hand: bool  # written by hand (not generated)


@dataclass
class Design:
    """The feature matrix and labels of a list of messages."""

    features: Any  # scipy CSR matrix: n-grams, then the dictionary features
    vocabulary: list[str]
    categories: np.ndarray
    priorities: np.ndarray
    weights: np.ndarray
    groups: np.ndarray


def _matrix(grams: list[set[str]], extra: list[list[float]], index: dict[str, int]) -> Any:
    from scipy.sparse import csr_matrix, hstack

    data: list[float] = []
    columns: list[int] = []
    pointers = [0]
    for message in grams:
        found = sorted(index[g] for g in message if g in index)
        value = 1.0 / math.sqrt(len(message)) if message else 0.0
        columns.extend(found)
        data.extend([value] * len(found))
        pointers.append(len(columns))
    sparse = csr_matrix((data, columns, pointers), shape=(len(grams), len(index)))
    return hstack([sparse, csr_matrix(np.asarray(extra))], format="csr")


def design(rows: list[Labelled], scored: list[Scores], settings: Settings) -> Design:
    grams = [ngrams(s.norm, settings.longest) for s in scored]
    counts: dict[str, int] = {}
    for message in grams:
        for gram in message:
            counts[gram] = counts.get(gram, 0) + 1
    vocabulary = sorted(g for g, n in counts.items() if n >= settings.min_documents)
    index = {g: i for i, g in enumerate(vocabulary)}
    categories = np.array([CATEGORY_ORDER.index(r.category) for r in rows])
    weights = np.array([settings.hand_weight if r.hand else 1.0 for r in rows])
    if settings.balanced:
        share = np.bincount(categories, weights=weights, minlength=len(CATEGORY_ORDER))
        weights = weights * (weights.sum() / len(CATEGORY_ORDER)) / share[categories]
    return Design(
        features=_matrix(grams, [dictionary_features(s) for s in scored], index),
        vocabulary=vocabulary,
        categories=categories,
        priorities=np.array([PRIORITY_ORDER.index(r.priority) for r in rows]),
        weights=weights,
        groups=np.array([r.group for r in rows]),
    )


def _head(features: Any, labels: np.ndarray, weights: np.ndarray, c: float, classes: int) -> Any:
    """One L2 logistic regression as a (features + 1, classes) table, the bias last; a class
    missing from the labels gets zero weights."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=3000, random_state=SEED)
    model.fit(features, labels, sample_weight=weights)
    coef = np.zeros((model.coef_.shape[1], classes))
    bias = np.zeros(classes)
    for column, label in enumerate(model.classes_):
        coef[:, int(label)] = model.coef_[column]
        bias[int(label)] = model.intercept_[column]
    return np.vstack([coef, bias])


def fit_tables(design: Design, subset: np.ndarray, settings: Settings) -> np.ndarray:
    """Both heads fitted on the rows `subset`: (features + 1, categories + priorities)."""
    features, weights = design.features[subset], design.weights[subset]
    category = _head(
        features, design.categories[subset], weights, settings.c_category, len(CATEGORY_ORDER)
    )
    priority = _head(
        features, design.priorities[subset], weights, settings.c_priority, len(PRIORITY_ORDER)
    )
    return np.hstack([category, priority])


def temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood of out-of-fold logits."""
    best, best_loss = 1.0, math.inf
    for value in np.arange(0.3, 5.01, 0.05):
        scaled = logits / value
        scaled -= scaled.max(axis=1, keepdims=True)
        log_probs = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
        loss = -float(log_probs[np.arange(len(labels)), labels].mean())
        if loss < best_loss:
            best, best_loss = float(value), loss
    return round(best, 2)


def to_model(
    table: np.ndarray,
    vocabulary: list[str],
    settings: Settings,
    version: str,
    calibration: float,
    keep: int | None = None,
) -> LinearModel:
    """The inference model of a fitted table, keeping the `keep` strongest n-grams."""
    gram_weights = table[: len(vocabulary)]
    kept = np.arange(len(vocabulary))
    if keep is not None and keep < len(vocabulary):
        strength = np.abs(gram_weights).max(axis=1)
        kept = np.sort(np.argsort(-strength, kind="stable")[:keep])
    return LinearModel(
        version=version,
        vocabulary=[vocabulary[i] for i in kept],
        weights=gram_weights[kept],
        dictionary_weights=table[len(vocabulary) : -1],
        bias=table[-1],
        temperature=calibration,
        longest=settings.longest,
    )
