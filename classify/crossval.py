"""Cross-validated figures of the whole decision (needs the `[train]` extra).

    python -m classify.crossval [--longest 4] [--c 8] [--hand-weight 2] [--balanced]

Five folds that hold out whole groups: a generated kind (classify/data/generated.tsv, column
`group`) is never split between training and test, so the figures are not flattered by
near-duplicates; a hand-written message is its own group. Each held-out message is classified
by the full pipeline (classify/combine.py: the dictionary's rules, the thresholds, the
priority) with the fold model's probabilities, calibrated by one temperature fitted on all the
out-of-fold predictions. Figures are reported for the hand-written messages (the real-text
estimate) and for the generated ones separately. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from classify.classifier import DEFAULT_DICTIONARY, Classifier
from classify.combine import combine
from classify.decide import DEFAULT_THRESHOLDS, Thresholds
from classify.evaluate import Example, evaluate_results
from classify.fitting import Design, Labelled, Settings, design, fit_tables, temperature
from classify.learned import Prediction
from classify.model import CATEGORY_ORDER, Classification, Scores

FOLDS = 5
# Hold-out sets measured blind once, then studied and trained on (newest last).
STUDIED = ("holdout4", "holdout5", "holdout6", "holdout7")
SHOWN = ("accuracy", "urgent_recall", "false_alarm_rate", "chatter_review_rate", "review_rate")


def out_of_fold(data: Design, settings: Settings, folds: int = FOLDS) -> np.ndarray:
    """Every message's logits (categories, then priorities) from a model that never saw its
    group."""
    from sklearn.model_selection import GroupKFold

    outputs = np.zeros((len(data.groups), 0))
    splitter = GroupKFold(n_splits=folds)
    for fit_rows, test_rows in splitter.split(data.features, data.categories, data.groups):
        table = fit_tables(data, fit_rows, settings)
        if outputs.shape[1] == 0:
            outputs = np.zeros((len(data.groups), table.shape[1]))
        outputs[test_rows] = data.features[test_rows] @ table[:-1] + table[-1]
    return outputs


def _softmax(values: np.ndarray) -> np.ndarray:
    shifted = np.exp(values - values.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def predictions(logits: np.ndarray, calibration: float) -> list[Prediction]:
    split = len(CATEGORY_ORDER)
    categories = _softmax(logits[:, :split] / calibration)
    priorities = _softmax(logits[:, split:])
    return [
        Prediction(tuple(c.tolist()), tuple(p.tolist()))
        for c, p in zip(categories, priorities, strict=True)
    ]


@dataclass(frozen=True)
class Fixed:
    """A predictor that returns one stored prediction (the combine step's model)."""

    prediction: Prediction

    def predict(self, scored: Scores) -> Prediction:
        return self.prediction


def decisions(
    classifier: Classifier,
    scored: list[Scores],
    predicted: list[Prediction],
    thresholds: Thresholds,
) -> list[Classification]:
    rules = classifier.dictionary.rules
    return [
        combine(classifier, rules, Fixed(p), thresholds, s)
        for s, p in zip(scored, predicted, strict=True)
    ]


def figures(
    rows: list[Labelled], results: list[Classification], keep: Sequence[bool]
) -> dict[str, Any]:
    """The evaluation figures (classify/evaluate.py) of the rows where `keep` is true."""
    pairs = [
        (Example(r.text, r.category, r.priority), c)
        for r, c, k in zip(rows, results, keep, strict=True)
        if k
    ]
    report = evaluate_results(pairs)
    report.pop("errors")
    return report


def studied(rows: list[Labelled]) -> list[tuple[str, list[bool]]]:
    """The rows of each hold-out set that was measured blind and then studied (STUDIED): the
    closest thing to new text that cross-validation has."""
    return [(name, [r.group.startswith(f"{name}.tsv:") for r in rows]) for name in STUDIED]


@dataclass
class CrossValidation:
    """Out-of-fold predictions of one training setup, ready to be decided at any thresholds."""

    rows: list[Labelled]
    scored: list[Scores]
    data: Design
    logits: np.ndarray
    calibration: float

    @classmethod
    def run(cls, classifier: Classifier, rows: list[Labelled], settings: Settings) -> Any:
        scored = [classifier.score(r.text) for r in rows]
        data = design(rows, scored, settings)
        logits = out_of_fold(data, settings)
        calibration = temperature(logits[:, : len(CATEGORY_ORDER)], data.categories)
        return cls(rows, scored, data, logits, calibration)

    def summary(self, classifier: Classifier, thresholds: Thresholds) -> dict[str, Any]:
        results = decisions(
            classifier, self.scored, predictions(self.logits, self.calibration), thresholds
        )
        hand = [r.hand for r in self.rows]
        out: dict[str, Any] = {"temperature": self.calibration}
        parts = [("hand", hand), *studied(self.rows), ("generated", [not h for h in hand])]
        for name, keep in parts:
            report = figures(self.rows, results, keep)
            out[name] = {key: report[key] for key in ("messages", *SHOWN)}
        return out


def main(argv: Sequence[str] | None = None) -> int:
    from classify.train import load_rows

    parser = argparse.ArgumentParser(prog="python -m classify.crossval", description=__doc__)
    parser.add_argument("--longest", type=int, default=Settings.longest)
    parser.add_argument("--c", type=float, default=Settings.c_category)
    parser.add_argument("--hand-weight", type=float, default=Settings.hand_weight)
    parser.add_argument("--balanced", action="store_true")
    args = parser.parse_args(argv)
    settings = Settings(
        longest=args.longest,
        c_category=args.c,
        hand_weight=args.hand_weight,
        balanced=args.balanced,
    )
    classifier = Classifier.from_file(DEFAULT_DICTIONARY)
    run = CrossValidation.run(classifier, load_rows(), settings)
    summary = run.summary(classifier, DEFAULT_THRESHOLDS)
    print(json.dumps({"settings": settings.__dict__, **summary}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
