"""The combined decision: dictionary features → learned model → thresholds → staff rules.

1. The dictionary (keywords.toml) scores the message; its scores and boosts are features of
   the learned model (classify/learned.py), beside the character n-grams.
2. The model's calibrated probabilities and the thresholds (classify/decide.py) give the
   category, the action (open / review / ignore) and the confidence.
3. `[[rules]]` in keywords.toml have the last word: a rule whose term occurs vetoes categories
   (their probability is set to zero before deciding), forces a category (confidence 1.0,
   opened unless the rule names another action, `none` ignored), or sets the action.
4. Priority: the dictionary's priority for the chosen category (its default raised by surviving
   boosts), raised further when the model's priority head is at least PRIORITY_CONFIDENCE sure;
   missing_person is always urgent, an ignored message normal. A case whose priority is
   urgent, of any category (电梯困人 is a repair), is opened at `urgent_open` as an urgent
   category is (added after holdout4 was measured: see tests/classify/README.md).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from classify.decide import URGENT, Thresholds, Verdict, decide
from classify.dictionary import Rule
from classify.extract import extract_details
from classify.learned import PRIORITY_ORDER, Prediction
from classify.model import (
    CATEGORY_ORDER,
    EMPTY_DETAILS,
    Category,
    Classification,
    Priority,
    Scores,
)
from core.vocabulary import Decision

PRIORITY_CONFIDENCE = 0.6


class DictionaryPart(Protocol):
    def priority_of(self, scored: Scores, category: Category) -> Priority: ...

    def leading(self, scored: Scores) -> Category: ...


class Predictor(Protocol):
    """The learned model (classify/learned.py), or fixed predictions in cross-validation."""

    def predict(self, scored: Scores) -> Prediction: ...


def _apply_rules(
    rules: tuple[Rule, ...],
    norm: str,
    prediction: Prediction,
    thresholds: Thresholds,
    hint: Category,
) -> Verdict:
    fired = [rule for rule in rules if any(term in norm for term in rule.terms)]
    vetoed = {c for rule in fired for c in rule.veto}
    if vetoed:
        kept = [
            0.0 if c in vetoed else p
            for c, p in zip(CATEGORY_ORDER, prediction.categories, strict=True)
        ]
        total = sum(kept)
        if total > 0:
            prediction = replace(prediction, categories=tuple(p / total for p in kept))
    verdict = decide(prediction, thresholds, Category.NONE if hint in vetoed else hint)
    for rule in fired:
        if rule.force is not None:
            action = Decision.OPEN if rule.force is not Category.NONE else Decision.IGNORE
            verdict = Verdict(rule.force, action, 1.0)
        if rule.action is not None:
            verdict = replace(verdict, action=rule.action)
    return verdict


def _urgent_reading(dictionary: DictionaryPart, scored: Scores) -> Category:
    """The dictionary's category if it is an urgent one or its terms make the case urgent."""
    leading = dictionary.leading(scored)
    if leading in URGENT or (
        leading is not Category.NONE and dictionary.priority_of(scored, leading) is Priority.URGENT
    ):
        return leading
    return Category.NONE


def _priority(
    dictionary: DictionaryPart, scored: Scores, verdict: Verdict, prediction: Prediction
) -> Priority:
    if verdict.category is Category.NONE or verdict.action is Decision.IGNORE:
        return Priority.NORMAL
    if verdict.category is Category.MISSING_PERSON:
        return Priority.URGENT
    priority = dictionary.priority_of(scored, verdict.category)
    learned = max(range(len(PRIORITY_ORDER)), key=prediction.priorities.__getitem__)
    if prediction.priorities[learned] >= PRIORITY_CONFIDENCE:
        guessed = PRIORITY_ORDER[learned]
        if guessed.rank > priority.rank:
            priority = guessed
    return priority


def combine(
    dictionary: DictionaryPart,
    rules: tuple[Rule, ...],
    model: Predictor,
    thresholds: Thresholds,
    scored: Scores,
) -> Classification:
    """One message's classification from its dictionary scores and the learned model."""
    prediction = model.predict(scored)
    hint = _urgent_reading(dictionary, scored)
    verdict = _apply_rules(rules, scored.norm, prediction, thresholds, hint)
    category = verdict.category if verdict.action is not Decision.IGNORE else Category.NONE
    priority = _priority(dictionary, scored, verdict, prediction)
    if (
        verdict.action is Decision.REVIEW
        and priority is Priority.URGENT
        and verdict.confidence >= thresholds.urgent_open
    ):  # an urgent case of any category (电梯困人) opens at the urgent threshold
        verdict = replace(verdict, action=Decision.OPEN)
    details = EMPTY_DETAILS
    if category is not Category.NONE:
        details = extract_details(scored.norm, full=category is Category.MISSING_PERSON)
    return Classification(
        category,
        priority,
        tuple(dict.fromkeys(scored.matched.get(category, ()))),
        details or EMPTY_DETAILS,
        action=verdict.action,
        confidence=round(verdict.confidence, 4),
    )
