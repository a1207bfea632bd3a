"""From calibrated probabilities to open / review / ignore (thresholds: core/config.py).

- An urgent category (missing_person, safety) that wins is opened at `urgent_open` or more and
  sent to review below it: recall first, a worker looks at every possible emergency.
- Whatever wins, if missing_person + safety together reach `urgent_review`, the message is not
  ignored: it goes to review as the likelier urgent category (unless opened as above or as a
  confident other case).
- A message that would be ignored goes to review as the keyword dictionary's own reading
  (`hint`: its category when that is missing_person or safety or when its terms make the case
  urgent, as 昏过去, 动刀, 电梯困人 do) once the model gives all case categories together
  `urgent_hint`: the model learnt to distrust alarm words from banter, and a confident "none"
  over 昏过去 or 摔了…起不来 must still reach a person.
- Any other case category is opened only at `open` or more (precision first), sent to review
  at `review` or more, and otherwise ignored.
- `none` that wins is ignored (unless the urgent rule above applies).
An ignored message is reported as category `none`.
"""

from __future__ import annotations

from dataclasses import dataclass

from classify.learned import Prediction
from classify.model import CATEGORY_ORDER
from core.vocabulary import Category, Decision

URGENT: tuple[Category, ...] = (Category.MISSING_PERSON, Category.SAFETY)


@dataclass(frozen=True)
class Thresholds:
    """Calibrated-probability thresholds; the defaults were chosen on cross-validated
    predictions of the hand-written corpora (`python -m classify.sweep`, see
    tests/classify/README.md)."""

    urgent_open: float = 0.9
    urgent_review: float = 0.2
    open: float = 0.85
    review: float = 0.4
    urgent_hint: float = 0.15


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Verdict:
    category: Category
    action: Decision
    confidence: float


def decide(
    prediction: Prediction, thresholds: Thresholds, hint: Category = Category.NONE
) -> Verdict:
    """The category, action and confidence for one message's probabilities; `hint` is the
    keyword dictionary's urgent reading, if any."""
    best = max(CATEGORY_ORDER, key=prediction.of)
    confidence = prediction.of(best)
    urgent = max(URGENT, key=prediction.of)
    urgent_mass = sum(prediction.of(c) for c in URGENT)
    if best in URGENT:
        action = Decision.OPEN if confidence >= thresholds.urgent_open else Decision.REVIEW
        return Verdict(best, action, confidence)
    if best is not Category.NONE and confidence >= thresholds.open:
        return Verdict(best, Decision.OPEN, confidence)
    if urgent_mass >= thresholds.urgent_review:
        return Verdict(urgent, Decision.REVIEW, prediction.of(urgent))
    if best is not Category.NONE and confidence >= thresholds.review:
        return Verdict(best, Decision.REVIEW, confidence)
    if hint is not Category.NONE and 1 - prediction.of(Category.NONE) >= thresholds.urgent_hint:
        return Verdict(hint, Decision.REVIEW, prediction.of(hint))
    return Verdict(Category.NONE, Decision.IGNORE, prediction.of(Category.NONE))
