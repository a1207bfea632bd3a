"""Measure a classifier against a labelled corpus (TSV: text, category, priority).

    gridbot classify eval FILE [--dictionary FILE] [--dictionary-only] [--errors]
    python -m classify.evaluate tests/classify/corpus.tsv [...]

Urgent recall counts a message labelled missing_person, safety or urgent as found when the
classifier opens it or sends it to review (a person sees it). The false-alarm rate is the share
of chatter (`none`) opened as a case; the chatter review rate the share of chatter sent to review.

Prints a human-readable report; the last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classify.cli import SupportsClassify, build
from classify.model import CLASSIFIED, Category, Classification, Priority
from core.vocabulary import Decision

URGENT_CATEGORIES = (Category.MISSING_PERSON, Category.SAFETY)


@dataclass(frozen=True)
class Example:
    text: str
    category: Category
    priority: Priority


def load_corpus(path: str | Path) -> list[Example]:
    """Read a TSV corpus with the header `text<TAB>category<TAB>priority`."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            Example(row["text"], Category(row["category"]), Priority(row["priority"]))
            for row in rows
        ]


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0


def is_urgent(example: Example) -> bool:
    return example.category in URGENT_CATEGORIES or example.priority is Priority.URGENT


class Decisions:
    """Counts of what the classifier would do: open / review / ignore, by true category."""

    def __init__(self) -> None:
        self.urgent = self.urgent_reached = self.chatter = 0
        self.chatter_opened = self.chatter_reviewed = 0
        self.actions: dict[Decision, int] = dict.fromkeys(Decision, 0)
        self.confusion = {
            a.value: dict.fromkeys((c.value for c in CLASSIFIED), 0) for a in CLASSIFIED
        }

    def add(self, example: Example, result: Classification) -> None:
        decision = result.decision
        self.actions[decision] += 1
        self.confusion[example.category.value][result.category.value] += 1
        if is_urgent(example):
            self.urgent += 1
            self.urgent_reached += decision is not Decision.IGNORE and result.is_case
        if example.category is Category.NONE:
            self.chatter += 1
            self.chatter_opened += decision is Decision.OPEN and result.is_case
            self.chatter_reviewed += decision is Decision.REVIEW

    def figures(self, total: int) -> dict[str, Any]:
        return {
            "urgent_recall": _ratio(self.urgent_reached, self.urgent),
            "urgent_support": self.urgent,
            "false_alarm_rate": _ratio(self.chatter_opened, self.chatter),
            "chatter_review_rate": _ratio(self.chatter_reviewed, self.chatter),
            "review_rate": _ratio(self.actions[Decision.REVIEW], total),
            "actions": {d.value: n for d, n in self.actions.items()},
            "confusion": self.confusion,
        }


def evaluate(examples: Iterable[Example], classifier: SupportsClassify) -> dict[str, Any]:
    """Accuracy, per-category precision/recall, priority accuracy, urgent recall (a person
    sees it), false alarms on chatter, review rates and the confusion matrix."""
    return evaluate_results((e, classifier.classify(e.text)) for e in examples)


def evaluate_results(results: Iterable[tuple[Example, Classification]]) -> dict[str, Any]:
    """The figures of `evaluate` for classifications already made (cross-validation)."""
    total = correct = priority_ok = both_ok = 0
    urgent = urgent_found = 0
    decisions = Decisions()
    true_pos: dict[Category, int] = dict.fromkeys(CLASSIFIED, 0)
    predicted: dict[Category, int] = dict.fromkeys(CLASSIFIED, 0)
    actual: dict[Category, int] = dict.fromkeys(CLASSIFIED, 0)
    errors = []
    for example, result in results:
        decisions.add(example, result)
        total += 1
        actual[example.category] += 1
        predicted[result.category] += 1
        category_ok = result.category is example.category
        correct += category_ok
        true_pos[example.category] += category_ok
        priority_ok += result.priority is example.priority
        both_ok += category_ok and result.priority is example.priority
        if example.priority is Priority.URGENT:
            urgent += 1
            urgent_found += result.priority is Priority.URGENT and result.is_case
        if not category_ok or result.priority is not example.priority:
            errors.append(
                {
                    "text": example.text,
                    "expected": f"{example.category}/{example.priority}",
                    "got": f"{result.category}/{result.priority}",
                    "action": result.decision.value,
                    "confidence": result.confidence,
                    "matched": list(result.matched),
                }
            )
    per_category = {
        c.value: {
            "precision": _ratio(true_pos[c], predicted[c]),
            "recall": _ratio(true_pos[c], actual[c]),
            "support": actual[c],
        }
        for c in CLASSIFIED
    }
    return {
        "messages": total,
        "accuracy": _ratio(correct, total),
        "priority_accuracy": _ratio(priority_ok, total),
        "exact_accuracy": _ratio(both_ok, total),
        "urgent_priority_recall": _ratio(urgent_found, urgent),
        **decisions.figures(total),
        "per_category": per_category,
        "errors": errors,
    }


def format_report(report: dict[str, Any]) -> list[str]:
    """Human-readable lines (without the error list)."""
    lines = [
        f"messages           {report['messages']}",
        f"accuracy           {report['accuracy']:.3f}  (category)",
        f"priority accuracy  {report['priority_accuracy']:.3f}",
        f"exact accuracy     {report['exact_accuracy']:.3f}  (category and priority)",
        f"urgent recall      {report['urgent_recall']:.3f}  of {report['urgent_support']}"
        "  (missing_person, safety or urgent, opened or sent to review)",
        f"urgent priority    {report['urgent_priority_recall']:.3f}"
        "  (labelled urgent, classified urgent)",
        f"false alarms       {report['false_alarm_rate']:.3f}  (chatter opened as a case)",
        f"chatter reviewed   {report['chatter_review_rate']:.3f}  (chatter sent to review)",
        f"review rate        {report['review_rate']:.3f}  (all messages sent to review)",
        "actions            " + ", ".join(f"{k}={v}" for k, v in report["actions"].items()),
        f"{'category':<16} {'precision':>9} {'recall':>7} {'support':>8}",
    ]
    for name, row in report["per_category"].items():
        lines.append(
            f"{name:<16} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['support']:>8}"
        )
    names = [c.value for c in CLASSIFIED]
    lines.append("confusion (rows: labelled, columns: classified)")
    lines.append(" " * 16 + "".join(f"{name[:7]:>8}" for name in names))
    for name in names:
        row = report["confusion"][name]
        lines.append(f"{name:<16}" + "".join(f"{row[other]:>8}" for other in names))
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classify.evaluate", description=__doc__)
    parser.add_argument("corpus", help="TSV file: text, category, priority")
    parser.add_argument("--dictionary", help="keyword TOML file (default: the shipped one)")
    parser.add_argument(
        "--dictionary-only", action="store_true", help="the keyword dictionary without the model"
    )
    parser.add_argument("--errors", action="store_true", help="list every misclassification")
    args = parser.parse_args(argv)
    classifier = build(args.dictionary, args.dictionary_only)
    report = evaluate(load_corpus(args.corpus), classifier)
    errors = report.pop("errors")
    for line in format_report(report):
        print(line)
    if args.errors:
        for error in errors:
            print(json.dumps(error, ensure_ascii=False))
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
