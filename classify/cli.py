"""Line-oriented classification: one message per input line, one JSON object per output line.

gridbot classify [--dictionary FILE] [--dictionary-only] < messages.txt

Each line: {"text", "category", "priority", "matched", "details", "action", "confidence"};
action is open / review / ignore, confidence the calibrated probability (0-1) of the category
(with --dictionary-only: every case is opened and confidence is null).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Protocol, TextIO

from classify.classifier import (
    DEFAULT_DICTIONARY,
    Classifier,
    default_classifier,
    default_model,
)
from classify.model import Classification


class SupportsClassify(Protocol):
    def classify(self, text: str) -> Classification: ...


def classify_lines(lines: Iterable[str], classifier: SupportsClassify) -> Iterator[str]:
    """Classify each line (trailing newline ignored) and yield it as a JSON object."""
    for line in lines:
        text = line.rstrip("\r\n")
        result = classifier.classify(text).to_json_dict()
        yield json.dumps({"text": text, **result}, ensure_ascii=False)


def build(dictionary: str | None, dictionary_only: bool = False) -> Classifier:
    """The shipped classifier, or another dictionary, with or without the shipped model."""
    if dictionary is None and not dictionary_only:
        return default_classifier()
    path = dictionary or DEFAULT_DICTIONARY
    return Classifier.from_file(path, None if dictionary_only else default_model())


def run(
    stdin: TextIO, stdout: TextIO, dictionary: str | None = None, dictionary_only: bool = False
) -> int:
    """Read messages from `stdin`, write JSON lines to `stdout`; the body of `gridbot classify`."""
    classifier = build(dictionary, dictionary_only)
    for out in classify_lines(stdin, classifier):
        stdout.write(out + "\n")
    return 0
