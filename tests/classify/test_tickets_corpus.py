"""Figures over the labelled corpora (see tests/classify/README.md for how they were made)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from opencc import OpenCC

from classify import CLASSIFIED, Category, Classification, Priority, default_classifier
from classify.classifier import default_model
from classify.evaluate import Example, evaluate, load_corpus, main
from classify.train import TRAINING, corpus_digest, load_rows
from core.vocabulary import Decision

HERE = Path(__file__).parent
CORPUS = HERE / "corpus.tsv"
HOLDOUT = HERE / "holdout.tsv"
HOLDOUT2 = HERE / "holdout2.tsv"
HOLDOUT3 = HERE / "holdout3.tsv"
HOLDOUT4 = HERE / "holdout4.tsv"
HOLDOUT5 = HERE / "holdout5.tsv"
HOLDOUT6 = HERE / "holdout6.tsv"
HOLDOUT7 = HERE / "holdout7.tsv"
HOLDOUT8 = HERE / "holdout8.tsv"


@pytest.fixture(scope="module")
def corpus() -> list[Example]:
    return load_corpus(CORPUS)


def test_corpus_shape(corpus: list[Example]) -> None:
    assert len(corpus) >= 500
    assert len({e.text for e in corpus}) == len(corpus)
    t2s = OpenCC("t2s")
    assert sum(t2s.convert(e.text) != e.text for e in corpus) >= 100  # traditional script
    assert {e.category for e in corpus} == set(CLASSIFIED)
    assert sum(e.category is Category.NONE for e in corpus) >= 150
    assert sum(e.priority is Priority.URGENT for e in corpus) >= 100


def test_corpus_figures(corpus: list[Example]) -> None:
    report = evaluate(corpus, default_classifier())
    assert report["accuracy"] >= 0.95, report["errors"]
    assert report["urgent_recall"] >= 0.97, report["errors"]
    for name, row in report["per_category"].items():
        assert row["precision"] >= 0.9 and row["recall"] >= 0.9, (name, row)


def test_holdout_floor() -> None:
    """Messages never used to tune the dictionary (blind: accuracy 0.714, urgent recall 0.75);
    the learned model of #13 trains on them, so with it the figures are in-sample.

    A floor against regressions, not a target.
    """
    report = evaluate(load_corpus(HOLDOUT), default_classifier())
    assert report["accuracy"] >= 0.65, report["errors"]
    assert report["urgent_recall"] >= 0.65, report["errors"]


@pytest.mark.parametrize(
    ("path", "messages", "traditional", "urgent", "shared"),
    # holdout2 shares one short message with corpus.tsv by coincidence (单元门的闭门器坏了…);
    # it was kept because the blind figure was measured with it.
    [(HOLDOUT2, 150, 40, 40, 1), (HOLDOUT3, 120, 30, 35, 0)],
)
def test_later_holdout_shape(
    path: Path, messages: int, traditional: int, urgent: int, shared: int
) -> None:
    examples = load_corpus(path)
    assert len(examples) >= messages
    assert len({e.text for e in examples}) == len(examples)
    known = {e.text for e in load_corpus(CORPUS)} | {e.text for e in load_corpus(HOLDOUT)}
    assert len({e.text for e in examples} & known) <= shared
    t2s = OpenCC("t2s")
    assert sum(t2s.convert(e.text) != e.text for e in examples) >= traditional
    assert {e.category for e in examples} == set(CLASSIFIED)
    assert sum(e.priority is Priority.URGENT for e in examples) >= urgent


def test_holdout2_floor() -> None:
    """holdout2.tsv: blind 0.818 / urgent recall 0.808 with the old dictionary; the pair rules
    and term families were then developed against it (0.976 / 1.0 afterwards, in-sample).

    A floor against regressions, not a target.
    """
    report = evaluate(load_corpus(HOLDOUT2), default_classifier())
    assert report["accuracy"] >= 0.97, report["errors"]
    assert report["urgent_recall"] >= 0.95, report["errors"]


def test_holdout3_floor() -> None:
    """holdout3.tsv: written after the pair rules, measured once (blind: accuracy 0.739,
    urgent recall 0.610 with the dictionary); used to develop the learned model of #13 and
    then trained on, so its figures with the model are in-sample.

    A floor against regressions, not a target.
    """
    report = evaluate(load_corpus(HOLDOUT3), default_classifier())
    assert report["accuracy"] >= 0.70, report["errors"]
    assert report["urgent_recall"] >= 0.57, report["errors"]


def test_evaluate_command_prints_json_last(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(CORPUS)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("messages")
    figures = json.loads(lines[-1])
    promised = {"accuracy", "urgent_recall", "false_alarm_rate", "chatter_review_rate"}
    assert promised | {"review_rate", "confusion", "per_category"} <= figures.keys()
    assert set(figures["per_category"]["repair"]) == {"precision", "recall", "support"}
    for name, row in figures["confusion"].items():
        assert sum(row.values()) == figures["per_category"][name]["support"]
    assert sum(figures["actions"].values()) == figures["messages"]


def test_evaluation_counts_what_reaches_a_person(tmp_path: Path) -> None:
    """Urgent recall counts review as found; chatter opened and chatter reviewed are apart."""
    examples = [
        Example("楼下着火了，烟很大", Category.SAFETY, Priority.URGENT),
        Example("大家早上好", Category.NONE, Priority.NORMAL),
        Example("今晚吃火锅", Category.NONE, Priority.NORMAL),
    ]

    class Fixed:
        def __init__(self) -> None:
            self.answers = iter(
                [
                    Classification(Category.SAFETY, Priority.URGENT, action=Decision.REVIEW),
                    Classification(Category.REPAIR, Priority.NORMAL, action=Decision.OPEN),
                    Classification(Category.SAFETY, Priority.URGENT, action=Decision.REVIEW),
                ]
            )

        def classify(self, text: str) -> Classification:
            return next(self.answers)

    report = evaluate(examples, Fixed())
    assert report["urgent_recall"] == 1.0
    assert report["false_alarm_rate"] == 0.5 and report["chatter_review_rate"] == 0.5
    assert report["review_rate"] == round(2 / 3, 4)
    assert report["confusion"]["none"] == {
        **dict.fromkeys(report["confusion"]["none"], 0),
        "repair": 1,
        "safety": 1,
    }


def test_classification_is_fast(corpus: list[Example]) -> None:
    """A loose sanity bound; bench/classify.py measures real throughput."""
    classifier = default_classifier()
    texts = [e.text for e in corpus] * 3
    started = time.perf_counter()
    for text in texts:
        classifier.classify(text)
    assert (time.perf_counter() - started) / len(texts) < 0.001


# Blind sets measured once and then studied and trained on: their figures with the model are
# in-sample now (blind figures in tests/classify/README.md). A floor against regressions.
STUDIED_BLIND = {
    HOLDOUT4: "measured once before model3: 0.859 / 0.971 / 0.041 / 0.115; trained on since",
    HOLDOUT5: "measured once on model3: 0.851 / 0.968 / 0.051 / 0.065; trained on since model4",
    HOLDOUT6: "measured once on model4: 0.864 / 0.977 / 0.045 / 0.091; trained on since model5",
    HOLDOUT7: "measured once on model5: 0.920 / 0.964 / 0.013 / 0.013; trained on since model6",
}


@pytest.mark.parametrize("path", list(STUDIED_BLIND), ids=lambda p: p.name)
def test_a_studied_blind_set_stays_learnt(path: Path) -> None:
    """Accuracy / urgent reached / chatter opened / chatter reviewed, as in STUDIED_BLIND."""
    report = evaluate(load_corpus(path), default_classifier())
    assert report["accuracy"] >= 0.97, report["errors"]
    assert report["urgent_recall"] >= 0.97, report["errors"]
    assert report["false_alarm_rate"] <= 0.03, report["errors"]
    assert report["chatter_review_rate"] <= 0.05, report["errors"]


def test_the_training_corpus_has_over_5000_labelled_messages_of_every_kind() -> None:
    rows = load_rows()
    assert len(rows) >= 5000
    assert {r.category for r in rows} == set(CLASSIFIED)
    assert {r.priority for r in rows} == set(Priority)
    for category in CLASSIFIED:
        assert sum(r.category is category for r in rows) >= 300, category
    assert len({r.group for r in rows if r.group.startswith("gen:")}) >= 30  # generator kinds


def test_no_newer_hold_out_set_is_trained_on() -> None:
    """Hold-out sets up to holdout7.tsv were measured blind once and then trained on; a newer
    one (holdout8.tsv, ...) is the next blind figure and is never trained on."""
    numbers = [
        int(found.group(1) or 1)
        for path in TRAINING
        if (found := re.fullmatch(r"holdout(\d*)\.tsv", path.name))
    ]
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize("path", [HOLDOUT4, HOLDOUT5, HOLDOUT6, HOLDOUT7, HOLDOUT8])
def test_no_generated_message_copies_a_hand_written_hold_out_line(path: Path) -> None:
    blind = {e.text for e in load_corpus(path)}
    assert len(blind) >= 400
    assert not blind & {r.text for r in load_rows() if not r.hand}


def test_holdout4_covers_the_issue() -> None:
    examples = load_corpus(HOLDOUT4)
    assert {e.category for e in examples} == set(CLASSIFIED)
    assert sum(e.category is Category.NONE for e in examples) >= 100
    assert sum(e.priority is Priority.URGENT for e in examples) >= 100
    t2s = OpenCC("t2s")
    assert sum(t2s.convert(e.text) != e.text for e in examples) >= 10


def test_holdout5_shape() -> None:
    """holdout5.tsv: a blind set written before measurement, measured once, then trained on
    (model4). Its shape, and that no other corpus shares a line with it."""
    examples = hold_out_of_shape(HOLDOUT5, size=500, chatter=120, urgent=120)
    texts = {e.text for e in examples}
    t2s = OpenCC("t2s")
    assert sum(t2s.convert(e.text) != e.text for e in examples) >= 100
    others = {r.text for r in load_rows() if not r.group.startswith(f"{HOLDOUT5.name}:")}
    shared = texts & (others | {e.text for e in load_corpus(HOLDOUT4)})
    assert not shared, shared  # names only the shared lines, never the whole set


def hold_out_of_shape(path: Path, size: int, chatter: int, urgent: int) -> list[Example]:
    """A hold-out set's lines, checked for size, distinct lines, every category, enough chatter
    and urgent messages, and every missing person urgent."""
    examples = load_corpus(path)
    assert len(examples) >= size and len({e.text for e in examples}) == len(examples)
    assert {e.category for e in examples} == set(CLASSIFIED)
    assert sum(e.category is Category.NONE for e in examples) >= chatter
    assert sum(e.priority is Priority.URGENT for e in examples) >= urgent
    missing = [e for e in examples if e.category is Category.MISSING_PERSON]
    assert all(e.priority is Priority.URGENT for e in missing)
    return examples


def trained_hold_out_of_shape(path: Path, size: int, chatter: int, urgent: int) -> None:
    """A hold-out set that is trained on now: its shape, and that no other training corpus
    shares a line with it."""
    texts = {e.text for e in hold_out_of_shape(path, size, chatter, urgent)}
    others = {r.text for r in load_rows() if not r.group.startswith(f"{path.name}:")}
    shared = texts & others
    assert not shared, shared  # names only the shared lines, never the whole set


def test_holdout6_shape() -> None:
    trained_hold_out_of_shape(HOLDOUT6, size=400, chatter=120, urgent=90)


def test_holdout7_shape() -> None:
    """holdout7.tsv: the blind set of #13's fifth pass (a helper that read no corpus, dictionary
    or model wrote it; committed in f980691 before model5 was trained); trained on since
    model6."""
    trained_hold_out_of_shape(HOLDOUT7, size=480, chatter=140, urgent=100)


def test_holdout8_shape() -> None:
    """holdout8.tsv: the blind set of #13's sixth pass, written by a helper that read nothing
    of the project and ran no classifier, committed (841e576) before model6 was tuned. Its
    shape, and that it shares no line with any training corpus; this test prints no figures."""
    examples = hold_out_of_shape(HOLDOUT8, size=480, chatter=140, urgent=100)
    texts = {e.text for e in examples}
    shared = texts & {r.text for r in load_rows()}
    assert not shared, len(shared)  # a count only: the set stays unread


def test_holdout8_floor() -> None:
    """holdout8.tsv: measured once on model6 (accuracy 0.952, urgent reached 0.988, chatter
    opened 0.007, chatter reviewed 0.047, review rate 0.128). Not trained on: a floor a little
    below those figures against regressions, not a target (and nothing may be tuned on it)."""
    report = evaluate(load_corpus(HOLDOUT8), default_classifier())
    assert report["accuracy"] >= 0.93, report["accuracy"]
    assert report["urgent_recall"] >= 0.97, report["urgent_recall"]
    assert report["false_alarm_rate"] <= 0.03, report["false_alarm_rate"]
    assert report["chatter_review_rate"] <= 0.07, report["chatter_review_rate"]


def test_the_shipped_model_was_trained_on_the_corpora_in_the_repository() -> None:
    """Edit a corpus and forget to run `gridbot classify train`, and this fails."""
    assert f"corpus={corpus_digest(load_rows())}" in default_model().version
