"""The learned model, the three decisions and staff rules (see classify/combine.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from classify.classifier import Classifier
from classify.decide import Thresholds, decide
from classify.dictionary import parse_dictionary
from classify.learned import (
    DICTIONARY_FEATURES,
    PRIORITY_ORDER,
    LinearModel,
    Prediction,
    ngrams,
)
from classify.model import CATEGORY_ORDER, Category, Priority
from classify.validation import DictionaryError
from core.vocabulary import Decision

OUTPUTS = len(CATEGORY_ORDER) + len(PRIORITY_ORDER)


def prediction(**probabilities: float) -> Prediction:
    values = tuple(probabilities.get(c.value, 0.0) for c in CATEGORY_ORDER)
    return Prediction(categories=values, priorities=(1.0, 0.0, 0.0))


def tiny_model(grams: dict[str, dict[str, float]], temperature: float = 1.0) -> LinearModel:
    """A model whose n-grams push the given outputs (category or priority names)."""
    names = [c.value for c in CATEGORY_ORDER] + [f"p:{p.value}" for p in PRIORITY_ORDER]
    vocabulary = sorted(grams)
    weights = np.zeros((len(vocabulary), OUTPUTS))
    for row, gram in enumerate(vocabulary):
        for name, weight in grams[gram].items():
            weights[row, names.index(name)] = weight
    bias = np.zeros(OUTPUTS)
    bias[names.index("none")] = 1.0
    return LinearModel(
        "test", vocabulary, weights, np.zeros((DICTIONARY_FEATURES, OUTPUTS)), bias, temperature
    )


def test_ngrams_are_distinct_one_to_three_characters_without_blanks() -> None:
    assert ngrams("漏水 漏") == {"漏", "水", "漏水", "水 ", " 漏", "漏水 ", "水 漏"}
    assert ngrams("") == set()


def test_a_saved_model_loads_with_the_same_predictions(tmp_path: Path) -> None:
    model = tiny_model({"着火": {"safety": 9.0}, "火": {"safety": 2.0}}, temperature=1.5)
    model.save(tmp_path / "m.npz")
    loaded = LinearModel.load(tmp_path / "m.npz")
    scored = Classifier(parse_dictionary(DICTIONARY)).score("楼下着火了")
    assert loaded.temperature == 1.5 and loaded.version == "test"
    assert loaded.longest == model.longest == 3
    np.testing.assert_allclose(loaded.logits(scored), model.logits(scored), atol=1e-2)


def test_a_model_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="shape"):
        LinearModel("x", ["a"], np.zeros((2, OUTPUTS)), np.zeros((9, OUTPUTS)), np.zeros(10), 1)


THRESHOLDS = Thresholds(urgent_open=0.7, urgent_review=0.25, open=0.85, review=0.5)


@pytest.mark.parametrize(
    ("probabilities", "category", "action"),
    [
        ({"missing_person": 0.9, "none": 0.1}, Category.MISSING_PERSON, Decision.OPEN),
        (
            {"missing_person": 0.4, "none": 0.35, "repair": 0.25},
            Category.MISSING_PERSON,
            Decision.REVIEW,
        ),
        # chatter that still looks a little like an emergency goes to a person, not to the group
        ({"none": 0.6, "safety": 0.3, "repair": 0.1}, Category.SAFETY, Decision.REVIEW),
        ({"none": 0.8, "safety": 0.2}, Category.NONE, Decision.IGNORE),
        ({"repair": 0.9, "none": 0.1}, Category.REPAIR, Decision.OPEN),
        ({"repair": 0.6, "none": 0.4}, Category.REPAIR, Decision.REVIEW),
        ({"dispute": 0.45, "none": 0.35, "repair": 0.2}, Category.NONE, Decision.IGNORE),
    ],
)
def test_decisions_put_recall_first_for_urgent_and_precision_first_for_the_rest(
    probabilities: dict[str, float], category: Category, action: Decision
) -> None:
    verdict = decide(prediction(**probabilities), THRESHOLDS)
    assert (verdict.category, verdict.action) == (category, action)


@pytest.mark.parametrize(
    ("hint", "probabilities", "category", "action"),
    [
        # the model is sure it is banter, the dictionary read 昏过去: a worker looks at it
        (
            Category.SAFETY,
            {"none": 0.88, "safety": 0.07, "repair": 0.05},
            Category.SAFETY,
            Decision.REVIEW,
        ),
        # 动刀 makes a dispute urgent in the dictionary
        (
            Category.DISPUTE,
            {"none": 0.86, "dispute": 0.1, "safety": 0.04},
            Category.DISPUTE,
            Decision.REVIEW,
        ),
        # below the hint threshold the model's "none" stands
        (Category.SAFETY, {"none": 0.95, "safety": 0.05}, Category.NONE, Decision.IGNORE),
        (Category.NONE, {"none": 0.88, "safety": 0.12}, Category.NONE, Decision.IGNORE),
        # the hint only rescues what would be ignored: a confident repair stays a repair
        (Category.SAFETY, {"repair": 0.9, "none": 0.1}, Category.REPAIR, Decision.OPEN),
    ],
)
def test_the_dictionarys_urgent_reading_keeps_a_message_from_being_ignored(
    hint: Category, probabilities: dict[str, float], category: Category, action: Decision
) -> None:
    hinted = replace(THRESHOLDS, urgent_hint=0.1)
    verdict = decide(prediction(**probabilities), hinted, hint)
    assert (verdict.category, verdict.action) == (category, action)


DICTIONARY = {
    "settings": {"min_score": 2},
    "categories": {
        "safety": {"priority": "high", "terms": {"着火": 4}, "boost": {"urgent": ["着火"]}},
        "repair": {"terms": {"漏水": 4}},
        "none": {"terms": {"哈哈": 1}},
    },
}


def classifier_with(rules: list[dict[str, object]], model: LinearModel) -> Classifier:
    return Classifier(parse_dictionary({**DICTIONARY, "rules": rules}), model)


FIRE_MODEL = {"着火": {"safety": 30.0, "p:urgent": 20.0}, "演习": {"none": 3.0}}


def test_the_model_decides_with_confidence_and_the_dictionary_priority() -> None:
    result = classifier_with([], tiny_model(FIRE_MODEL)).classify("楼下着火了")
    assert result.category is Category.SAFETY and result.priority is Priority.URGENT
    assert result.action is Decision.OPEN and result.confidence is not None
    assert result.confidence > 0.9 and result.matched == ("着火",)


def test_a_force_rule_overrides_the_model() -> None:
    rules: list[dict[str, object]] = [{"name": "drill", "terms": ["消防演习"], "force": "none"}]
    result = classifier_with(rules, tiny_model(FIRE_MODEL)).classify("消防演习：假装着火了")
    assert result.category is Category.NONE and result.action is Decision.IGNORE
    assert result.confidence == 1.0


def test_a_veto_rule_rules_a_category_out_and_an_action_rule_sets_the_action() -> None:
    rules: list[dict[str, object]] = [
        {"terms": ["火锅"], "veto": ["safety"]},
        {"terms": ["漏水"], "action": "review"},
    ]
    classifier = classifier_with(rules, tiny_model({**FIRE_MODEL, "漏水": {"repair": 30.0}}))
    assert classifier.classify("火锅着火了哈哈").category is not Category.SAFETY
    leak = classifier.classify("我家漏水了")
    assert leak.category is Category.REPAIR and leak.action is Decision.REVIEW


def test_an_urgent_dictionary_term_under_a_doubting_model_goes_to_review_unless_vetoed() -> None:
    """The model learnt 着火 from banter (its weight is small); the dictionary's urgent 着火
    still sends the message to a worker, and a staff veto rule still wins over both."""
    doubting = tiny_model({"着火": {"safety": 1.0}, "楼下": {"none": 0.5}})
    found = classifier_with([], doubting).classify("楼下着火了")
    assert (found.category, found.action) == (Category.SAFETY, Decision.REVIEW)
    vetoed = classifier_with([{"terms": ["楼下"], "veto": ["safety"]}], doubting)
    assert vetoed.classify("楼下着火了").action is Decision.IGNORE


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"terms": ["x"], "force": "fire"}, "rules[0].force"),
        ({"terms": ["x"], "veto": "safety"}, "rules[0].veto"),
        ({"terms": ["x"], "action": "shout"}, "rules[0].action"),
        ({"terms": ["x"]}, "needs force, veto or action"),
        ({"terms": ["x"], "force": "none", "colour": "red"}, "rules[0].colour"),
    ],
)
def test_a_broken_rule_is_reported_by_key(rule: dict[str, object], problem: str) -> None:
    with pytest.raises(DictionaryError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        parse_dictionary({**DICTIONARY, "rules": [rule]})


def test_without_a_model_the_dictionary_opens_every_case_ungraded() -> None:
    result = Classifier(parse_dictionary(DICTIONARY)).classify("我家漏水了")
    assert result.category is Category.REPAIR
    assert result.action is None and result.confidence is None
    assert result.decision is Decision.OPEN


def test_the_configured_thresholds_default_to_the_classifiers_own() -> None:
    from classify.decide import DEFAULT_THRESHOLDS
    from core.config import ClassifySettings

    conf = ClassifySettings()
    configured = (conf.urgent_open, conf.urgent_review, conf.open, conf.review, conf.urgent_hint)
    assert Thresholds(*configured) == DEFAULT_THRESHOLDS


def test_the_bot_uses_the_model_and_the_configured_thresholds_unless_switched_off() -> None:
    from bot.app import build_classifier
    from core.config import ClassifySettings, Settings

    strict = Settings(classify=ClassifySettings(urgent_open=1.0))
    fire = build_classifier(strict).classify("楼下着火了，烟很大，快打119")
    assert fire.category is Category.SAFETY and fire.action is Decision.REVIEW
    assert build_classifier(Settings()).classify("楼下着火了，烟很大，快打119").action is (
        Decision.OPEN
    )
    dictionary_only = Settings(classify=ClassifySettings(learned=False))
    assert build_classifier(dictionary_only).classify("楼下着火了").action is None


def test_an_urgent_case_of_an_ordinary_category_opens_at_the_urgent_threshold() -> None:
    """电梯困人 is a repair the dictionary makes urgent: where `urgent_open` is below `open`, a
    trapped elderly person must not wait for a worker's review because repairs need more."""
    from classify.classifier import default_classifier

    shipped = default_classifier()
    found = shipped.classify("电梯困人了！里面有老人出不来")
    assert (found.category, found.priority) == (Category.REPAIR, Priority.URGENT)
    assert found.confidence is not None
    between = Thresholds(
        urgent_open=found.confidence - 0.01, urgent_review=0.3, open=found.confidence + 0.01
    )
    strict = Classifier(shipped.dictionary, shipped.model, between)
    assert strict.classify("电梯困人了！里面有老人出不来").decision is Decision.OPEN
    above = replace(between, urgent_open=found.confidence + 0.01)
    unsure = Classifier(shipped.dictionary, shipped.model, above)
    assert unsure.classify("电梯困人了！里面有老人出不来").decision is Decision.REVIEW
