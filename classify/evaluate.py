"""Measure a classifier against a labelled corpus (TSV: text, category, priority).

    python -m classify.evaluate tests/classify/corpus.tsv [--dictionary FILE] [--errors]

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

from classify.classifier import Classifier, default_classifier
from classify.model import CLASSIFIED, Category, Priority


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


def evaluate(examples: Iterable[Example], classifier: Classifier) -> dict[str, Any]:
    """Accuracy, per-category precision/recall, priority accuracy and urgent recall."""
    total = correct = priority_ok = both_ok = 0
    urgent = urgent_found = 0
    true_pos: dict[Category, int] = dict.fromkeys(CLASSIFIED, 0)
    predicted: dict[Category, int] = dict.fromkeys(CLASSIFIED, 0)
    actual: dict[Category, int] = dict.fromkeys(CLASSIFIED, 0)
    errors = []
    for example in examples:
        result = classifier.classify(example.text)
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
        "urgent_recall": _ratio(urgent_found, urgent),
        "urgent_support": urgent,
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
        f"urgent recall      {report['urgent_recall']:.3f}  of {report['urgent_support']}",
        f"{'category':<16} {'precision':>9} {'recall':>7} {'support':>8}",
    ]
    for name, row in report["per_category"].items():
        lines.append(
            f"{name:<16} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['support']:>8}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classify.evaluate", description=__doc__)
    parser.add_argument("corpus", help="TSV file: text, category, priority")
    parser.add_argument("--dictionary", help="keyword TOML file (default: the shipped one)")
    parser.add_argument("--errors", action="store_true", help="list every misclassification")
    args = parser.parse_args(argv)
    classifier = Classifier.from_file(args.dictionary) if args.dictionary else default_classifier()
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
