"""Choose the decision thresholds from cross-validated predictions (needs the `[train]` extra).

    python -m classify.sweep [--hand-weight 4] [...the options of classify.crossval]

Runs the cross-validation of classify/crossval.py once, then decides every held-out
hand-written message at each point of a grid of thresholds. Prints, as JSON lines, the points
that meet the targets below (with a margin under the goals of issue #13) ordered by urgent
recall, then accuracy, best last; each line has the figures of all hand-written messages and of
each studied hold-out set (STUDIED in classify/crossval.py) alone.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Sequence
from typing import Any

from classify.classifier import DEFAULT_DICTIONARY, Classifier
from classify.crossval import SHOWN, CrossValidation, decisions, figures, predictions, studied
from classify.decide import Thresholds
from classify.fitting import Settings
from classify.learned import Prediction
from classify.model import Scores

# model5's sweep covered urgent_open 0.5-0.9 and open 0.6-0.9 and chose the top of both under
# the chatter margin below; model6 adds `urgent_hint`, so the other axes stay near that point.
URGENT_OPEN = (0.8, 0.9, 0.95)
URGENT_REVIEW = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35)
OPEN = (0.8, 0.85, 0.9)
REVIEW = (0.3, 0.4, 0.5)
URGENT_HINT = (0.05, 0.1, 0.15, 0.2, 1.0)  # 1.0: the dictionary's hint switched off
# Targets on the held-out hand-written messages (the goals are 0.90, 0.97, 3 % and 10 %). Chatter
# opened has a wide margin: on every blind set so far it came out two to three times the
# cross-validated figure (model4: 1.3 % out of fold, 4.5 % on holdout6). Within the targets the
# sweep prefers urgent recall, the one goal a blind set has missed since model3 (model5: 0.985
# out of fold, 0.964 on holdout7), then accuracy, which came out close to its cross-validated
# figure (model5: 0.919 and 0.920).
MIN_ACCURACY = 0.915
MIN_URGENT_RECALL = 0.975
MAX_CHATTER_OPENED = 0.016
MAX_CHATTER_REVIEWED = 0.07


def grid() -> list[Thresholds]:
    return [
        Thresholds(urgent_open=a, urgent_review=b, open=c, review=d, urgent_hint=e)
        for a, b, c, d, e in itertools.product(
            URGENT_OPEN, URGENT_REVIEW, OPEN, REVIEW, URGENT_HINT
        )
    ]


def measure(
    classifier: Classifier,
    run: CrossValidation,
    scored: list[Scores],
    predicted: list[Prediction],
    thresholds: Thresholds,
) -> dict[str, Any]:
    results = decisions(classifier, scored, predicted, thresholds)
    shown: dict[str, Any] = {"thresholds": thresholds.__dict__}
    for name, keep in (("hand", [True] * len(run.rows)), *studied(run.rows)):
        report = figures(run.rows, results, keep)
        shown[name] = {key: report[key] for key in SHOWN}
    return shown


def meets(point: dict[str, Any]) -> bool:
    hand = point["hand"]
    return bool(
        hand["accuracy"] >= MIN_ACCURACY
        and hand["urgent_recall"] >= MIN_URGENT_RECALL
        and hand["false_alarm_rate"] <= MAX_CHATTER_OPENED
        and hand["chatter_review_rate"] <= MAX_CHATTER_REVIEWED
    )


def main(argv: Sequence[str] | None = None) -> int:
    from classify.train import load_rows

    parser = argparse.ArgumentParser(prog="python -m classify.sweep", description=__doc__)
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
    hand = [i for i, r in enumerate(run.rows) if r.hand]
    run.rows = [run.rows[i] for i in hand]
    scored = [run.scored[i] for i in hand]
    predicted = predictions(run.logits[hand], run.calibration)
    points = [measure(classifier, run, scored, predicted, t) for t in grid()]
    good = sorted(
        (p for p in points if meets(p)),
        key=lambda p: (
            p["hand"]["urgent_recall"],
            p["hand"]["accuracy"],
            -p["hand"]["false_alarm_rate"],
        ),
    )
    for point in good[-15:]:
        print(json.dumps(point, ensure_ascii=False))
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
