"""Classification throughput and latency on one core, and the learned model's memory cost.

    .venv/bin/python bench/classify.py [--messages N] [--corpus FILE] [--dictionary-only]

Cycles the labelled corpus to N messages (default 100,000) through the shipped classifier (the
keyword dictionary with the learned model), timing each message by the wall clock and by the
thread's CPU clock (on a shared machine the wall clock also counts time spent waiting for a
core). The model's RSS cost is the growth of the process's resident set while the model is
loaded and first used.
Prints human-readable lines, then one JSON object as the last line.
"""

# ruff: noqa: E402  (the path fix below must run before the project's imports)
from __future__ import annotations

import argparse
import itertools
import json
import resource
import sys
import time
from collections import Counter
from pathlib import Path

# `python bench/SCRIPT.py` puts bench/ first on sys.path, where stats.py and classify.py here
# would hide the packages they measure; the repository root goes first instead, so that the
# project, tests.support and the sibling scripts (as bench.*) import from a plain checkout.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from classify.classifier import DEFAULT_DICTIONARY, Classifier
from classify.evaluate import load_corpus
from classify.learned import LinearModel


def rss_mb() -> float:
    """The current resident set size in MB (Linux /proc; peak RSS elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * resource.getpagesize() / 1e6
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return ordered[len(ordered) // 2] * 1000, p99 * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--corpus", default=str(ROOT / "tests" / "classify" / "corpus.tsv"))
    parser.add_argument("--dictionary-only", action="store_true")
    args = parser.parse_args()
    texts = [example.text for example in load_corpus(args.corpus)]
    started = time.perf_counter()
    dictionary_only = Classifier.from_file(DEFAULT_DICTIONARY)
    dictionary_only.classify(texts[0])
    build = time.perf_counter() - started
    before = rss_mb()
    started = time.perf_counter()
    model = None if args.dictionary_only else LinearModel.load()
    classifier = Classifier(dictionary_only.dictionary, model)
    classifier.classify(texts[0])
    load = time.perf_counter() - started
    model_mb = rss_mb() - before
    messages = list(itertools.islice(itertools.cycle(texts), args.messages))
    classify = classifier.classify
    clock, cpu_clock = time.perf_counter, time.thread_time
    counts: Counter[str] = Counter()
    latencies = [0.0] * len(messages)
    cpu_latencies = [0.0] * len(messages)
    started, cpu_started = clock(), cpu_clock()
    for i, text in enumerate(messages):
        begun, cpu_begun = clock(), cpu_clock()
        counts[classify(text).decision.value] += 1
        latencies[i] = clock() - begun
        cpu_latencies[i] = cpu_clock() - cpu_begun
    elapsed, cpu_elapsed = clock() - started, cpu_clock() - cpu_started
    p50, p99 = percentiles(latencies)
    cpu_p50, cpu_p99 = percentiles(cpu_latencies)
    per_second = args.messages / elapsed
    cpu_per_second = args.messages / cpu_elapsed
    print(f"dictionary build   {build * 1000:.1f} ms")
    print(f"model load         {load * 1000:.1f} ms, +{model_mb:.1f} MB RSS")
    print(f"corpus             {len(texts)} distinct messages, cycled to {args.messages}")
    print(f"classified         {args.messages} in {elapsed:.3f} s on one core")
    print(f"throughput         {per_second:,.0f} messages/s wall, {cpu_per_second:,.0f} per CPU s")
    print(f"latency (wall)     p50 {p50:.3f} ms, p99 {p99:.3f} ms")
    print(f"latency (CPU)      p50 {cpu_p50:.3f} ms, p99 {cpu_p99:.3f} ms")
    print("actions            " + ", ".join(f"{k}={v}" for k, v in counts.most_common()))
    print(
        json.dumps(
            {
                "messages": args.messages,
                "per_second": round(per_second),
                "p50_ms": round(p50, 4),
                "p99_ms": round(p99, 4),
                "cpu_per_second": round(cpu_per_second),
                "cpu_p50_ms": round(cpu_p50, 4),
                "cpu_p99_ms": round(cpu_p99, 4),
                "model_rss_mb": round(model_mb, 1),
                "learned": model is not None,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
