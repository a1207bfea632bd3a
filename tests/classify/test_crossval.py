"""Cross-validated figures decide held-out messages exactly as the running classifier does."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from classify.classifier import default_classifier, default_model
from classify.crossval import decisions, figures, predictions
from classify.evaluate import evaluate, load_corpus
from classify.fitting import Labelled
from classify.learned import ngrams

HOLDOUT3 = Path(__file__).parent / "holdout3.tsv"


def test_stored_predictions_are_decided_like_the_shipped_classifier() -> None:
    classifier, model = default_classifier(), default_model()
    examples = load_corpus(HOLDOUT3)
    scored = [classifier.score(e.text) for e in examples]
    logits = np.array([model.logits(s) for s in scored], dtype=np.float64)
    predicted = predictions(logits, model.temperature)
    for stored, direct in zip(predicted[:20], (model.predict(s) for s in scored), strict=False):
        np.testing.assert_allclose(stored.categories, direct.categories, atol=1e-6)
        np.testing.assert_allclose(stored.priorities, direct.priorities, atol=1e-6)
    results = decisions(classifier, scored, predicted, classifier.thresholds)
    assert results == [classifier.classify(e.text) for e in examples]
    rows = [Labelled(e.text, e.category, e.priority, str(i), True) for i, e in enumerate(examples)]
    report = figures(rows, results, [True] * len(rows))
    shipped = evaluate(examples, classifier)
    assert report["accuracy"] == shipped["accuracy"]
    assert report["urgent_recall"] == shipped["urgent_recall"]


def test_ngrams_go_up_to_the_longest_asked() -> None:
    assert ngrams("着火了", 4) == ngrams("着火了")
    assert "楼下着火" in ngrams("楼下着火了", 4) and "楼下着火" not in ngrams("楼下着火了")
