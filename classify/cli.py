"""Line-oriented classification: one message per input line, one JSON object per output line.

python -m tickets [--dictionary FILE] < messages.txt
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Protocol, TextIO

from classify.classifier import Classifier, default_classifier
from classify.model import Classification


class SupportsClassify(Protocol):
    def classify(self, text: str) -> Classification: ...


def classify_lines(lines: Iterable[str], classifier: SupportsClassify) -> Iterator[str]:
    """Classify each line (trailing newline ignored) and yield it as a JSON object."""
    for line in lines:
        text = line.rstrip("\r\n")
        result = classifier.classify(text).to_json_dict()
        yield json.dumps({"text": text, **result}, ensure_ascii=False)


def run(stdin: TextIO, stdout: TextIO, dictionary: str | None = None) -> int:
    """Read messages from `stdin`, write JSON lines to `stdout`; the body of `gridbot classify`."""
    classifier = Classifier.from_file(dictionary) if dictionary else default_classifier()
    for out in classify_lines(stdin, classifier):
        stdout.write(out + "\n")
    return 0
