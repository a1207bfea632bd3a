"""Classification throughput on one core: 100,000 messages, cycling the labelled corpus.

    .venv/bin/python bench/classify.py [--messages N] [--corpus FILE]

Prints human-readable lines, then one JSON object as the last line.
"""

# ruff: noqa: E402  (the path fix below must run before the project's imports)
from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections import Counter
from pathlib import Path

# `python bench/SCRIPT.py` puts bench/ first on sys.path, where stats.py and classify.py here
# would hide the packages they measure; the repository root goes first instead, so that the
# project, tests.support and the sibling scripts (as bench.*) import from a plain checkout.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from classify import default_classifier
from classify.evaluate import load_corpus


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--corpus", default=str(ROOT / "tests" / "classify" / "corpus.tsv"))
    args = parser.parse_args()
    texts = [example.text for example in load_corpus(args.corpus)]
    started = time.perf_counter()
    classifier = default_classifier()
    build = time.perf_counter() - started
    messages = list(itertools.islice(itertools.cycle(texts), args.messages))
    classify = classifier.classify
    counts: Counter[str] = Counter()
    started = time.perf_counter()
    for text in messages:
        counts[classify(text).category.value] += 1
    elapsed = time.perf_counter() - started
    per_second = args.messages / elapsed
    print(f"dictionary build   {build * 1000:.1f} ms")
    print(f"corpus             {len(texts)} distinct messages, cycled to {args.messages}")
    print(f"classified         {args.messages} in {elapsed:.3f} s on one core")
    print(f"throughput         {per_second:,.0f} messages/s "
          f"({elapsed / args.messages * 1e6:.1f} µs each)")
    print("categories         " + ", ".join(f"{k}={v}" for k, v in counts.most_common()))
    print(json.dumps({"messages": args.messages, "per_second": round(per_second)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
