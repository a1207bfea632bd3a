"""A classifier double for the review workflow: the shipped dictionary decides every message but
the ones written into its script, which get the decision (open / review / ignore), category,
priority and confidence given there, as a graded model would say them."""

from __future__ import annotations

import dataclasses

from classify import default_classifier
from classify.model import Classification
from core.vocabulary import Category, Decision, Priority


def unsure(
    category: Category,
    priority: Priority = Priority.URGENT,
    confidence: float = 0.42,
    action: Decision = Decision.REVIEW,
) -> Classification:
    """A graded verdict with no dictionary terms behind it."""
    return Classification(category, priority, action=action, confidence=confidence)


class ScriptedClassifier:
    def __init__(self, script: dict[str, Classification] | None = None) -> None:
        self.script = dict(script or {})
        self._dictionary = default_classifier()

    def classify(self, text: str) -> Classification:
        scripted = self.script.get(text)
        if scripted is None:
            return self._dictionary.classify(text)
        found = self._dictionary.classify(text)  # the details (phones, ages) as extracted
        return dataclasses.replace(scripted, details=found.details)
