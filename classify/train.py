"""Train the learned model: `gridbot classify train` (needs `pip install -e ".[train]"`).

Reproducible: fixed seed, fixed corpora, fixed order. Reads the training corpora (TRAINING
below; never a blind set), fits two L2 logistic regressions (category, priority) over the
features of classify/learned.py, calibrates the category probabilities with one temperature
fitted on grouped cross-validated predictions, keeps the n-grams that matter and writes
classify/data/model.npz (float16 weights, a few MB at most).
"""

from __future__ import annotations

import csv
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from classify.classifier import Classifier
from classify.dictionary import load_dictionary
from classify.learned import (
    DEFAULT_MODEL,
    DICTIONARY_FEATURES,
    PRIORITY_ORDER,
    LinearModel,
    dictionary_features,
    ngrams,
)
from classify.model import CATEGORY_ORDER, Category, Priority

ROOT = Path(__file__).resolve().parent.parent
# Hand-written corpora (weight HAND_WEIGHT) and the generated one (groups from its 4th column).
# holdout, holdout2 and holdout3 were used in development (no longer blind); holdout4.tsv, the
# blind set, and any newer hold-out set are never trained on.
TRAINING = (
    ROOT / "tests" / "classify" / "corpus.tsv",
    ROOT / "tests" / "classify" / "holdout.tsv",
    ROOT / "tests" / "classify" / "holdout2.tsv",
    ROOT / "tests" / "classify" / "holdout3.tsv",
    ROOT / "classify" / "data" / "generated.tsv",
)
HAND_WEIGHT = 2.0
SEED = 13
C_CATEGORY = 8.0
C_PRIORITY = 4.0
MIN_DOCUMENTS = 2  # an n-gram must occur in at least this many messages
MAX_FEATURES = 60_000
FOLDS = 5


@dataclass(frozen=True)
class Row:
    text: str
    category: Category
    priority: Priority
    group: str
    weight: float


def load_rows(paths: tuple[Path, ...] = TRAINING) -> list[Row]:
    rows: list[Row] = []
    for path in paths:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            for i, raw in enumerate(reader):
                group = raw.get("group")
                rows.append(
                    Row(
                        raw["text"],
                        Category(raw["category"]),
                        Priority(raw["priority"]),
                        f"gen:{group}" if group else f"{path.name}:{i}",
                        1.0 if group else HAND_WEIGHT,
                    )
                )
    return rows


def corpus_digest(rows: list[Row]) -> str:
    """A short hash of the training rows, written into the model's version string."""
    joined = "\n".join(f"{r.text}\t{r.category}\t{r.priority}" for r in rows)
    return hashlib.sha256(joined.encode()).hexdigest()[:12]


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


def _fit(features: Any, labels: np.ndarray, weights: np.ndarray, c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=3000, random_state=SEED)
    model.fit(features, labels, sample_weight=weights)
    return model


def _temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood of out-of-fold logits."""
    best, best_loss = 1.0, math.inf
    for temperature in np.arange(0.3, 5.01, 0.05):
        scaled = logits / temperature
        scaled -= scaled.max(axis=1, keepdims=True)
        log_probs = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
        loss = -float(log_probs[np.arange(len(labels)), labels].mean())
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return round(best, 2)


def _full_logits(model: Any, classes: int) -> np.ndarray:
    """Coefficients as (features, classes) even when a class never occurs in training."""
    coef = np.zeros((model.coef_.shape[1], classes))
    bias = np.zeros(classes)
    for column, label in enumerate(model.classes_):
        coef[:, int(label)] = model.coef_[column]
        bias[int(label)] = model.intercept_[column]
    return np.vstack([coef, bias])


def train(out: Path = DEFAULT_MODEL, dictionary: Path | None = None) -> dict[str, Any]:
    """Fit, calibrate, prune and save; returns a summary for the command line."""
    from sklearn.model_selection import GroupKFold

    classifier = Classifier(load_dictionary(dictionary or ROOT / "classify" / "keywords.toml"))
    rows = load_rows()
    scored = [classifier.score(r.text) for r in rows]
    grams = [ngrams(s.norm) for s in scored]
    counts: dict[str, int] = {}
    for message in grams:
        for gram in message:
            counts[gram] = counts.get(gram, 0) + 1
    vocabulary = sorted(g for g, n in counts.items() if n >= MIN_DOCUMENTS)
    index = {g: i for i, g in enumerate(vocabulary)}
    features = _matrix(grams, [dictionary_features(s) for s in scored], index)
    categories = np.array([CATEGORY_ORDER.index(r.category) for r in rows])
    priorities = np.array([PRIORITY_ORDER.index(r.priority) for r in rows])
    weights = np.array([r.weight for r in rows])
    groups = np.array([r.group for r in rows])

    folds = GroupKFold(n_splits=FOLDS)
    out_of_fold = np.zeros((len(rows), len(CATEGORY_ORDER)))
    for fit_rows, test_rows in folds.split(features, categories, groups):
        model = _fit(features[fit_rows], categories[fit_rows], weights[fit_rows], C_CATEGORY)
        table = _full_logits(model, len(CATEGORY_ORDER))
        out_of_fold[test_rows] = features[test_rows] @ table[:-1] + table[-1]
    temperature = _temperature(out_of_fold, categories)
    fold_accuracy = float((out_of_fold.argmax(axis=1) == categories).mean())

    category_table = _full_logits(
        _fit(features, categories, weights, C_CATEGORY), len(CATEGORY_ORDER)
    )
    priority_table = _full_logits(
        _fit(features, priorities, weights, C_PRIORITY), len(PRIORITY_ORDER)
    )
    table = np.hstack([category_table, priority_table])
    gram_weights = table[: len(vocabulary)]
    strength = np.abs(gram_weights).max(axis=1)
    kept = np.sort(np.argsort(-strength, kind="stable")[:MAX_FEATURES])
    digest = corpus_digest(rows)
    model_file = LinearModel(
        version=f"char1-3 lr C={C_CATEGORY} rows={len(rows)} corpus={digest}",
        vocabulary=[vocabulary[i] for i in kept],
        weights=gram_weights[kept],
        dictionary_weights=table[len(vocabulary) : len(vocabulary) + DICTIONARY_FEATURES],
        bias=table[-1],
        temperature=temperature,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    model_file.save(out)
    return {
        "messages": len(rows),
        "ngrams_seen": len(vocabulary),
        "ngrams_kept": len(kept),
        "temperature": temperature,
        "cross_validated_accuracy": round(fold_accuracy, 4),
        "model": str(out),
        "bytes": out.stat().st_size,
        "version": model_file.version,
    }
