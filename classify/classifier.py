"""Keyword classification: one Aho-Corasick pass, then longest-match, suppression and scoring."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from classify.automaton import Hit, build_automaton, find_hits
from classify.combine import combine
from classify.decide import DEFAULT_THRESHOLDS, Thresholds
from classify.dictionary import Dictionary, PairRule, load_dictionary
from classify.extract import extract_details
from classify.learned import DEFAULT_MODEL, LinearModel
from classify.model import (
    CATEGORY_ORDER,
    EMPTY_DETAILS,
    Category,
    Classification,
    Priority,
    Scores,
)
from classify.normalise import normalise

DEFAULT_DICTIONARY = Path(__file__).with_name("keywords.toml")

_SENTENCE_ENDS = frozenset("。!?;\n")
_CLAUSE_ENDS = frozenset(",、: \t")
_RANK = {c: i for i, c in enumerate(CATEGORY_ORDER)}  # ties between scores go to the earlier


class Classifier:
    """Classifies group messages with one dictionary and, if given, the learned model
    (classify/combine.py); immutable, safe to share. Without a model it is the dictionary
    alone: every case it finds is opened, with no graded confidence."""

    def __init__(
        self,
        dictionary: Dictionary,
        model: LinearModel | None = None,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
    ) -> None:
        self.dictionary = dictionary
        self.model = model
        self.thresholds = thresholds
        self._automaton = build_automaton(dictionary)
        self._breakers = dictionary.breakers
        self._defaults = {c: r.priority for c, r in dictionary.categories.items()}
        self._pairs = dictionary.all_pairs()

    @classmethod
    def from_file(
        cls,
        path: str | Path,
        model: LinearModel | None = None,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
    ) -> Classifier:
        return cls(load_dictionary(path), model, thresholds)

    def _blocked(self, gap: str, clause: bool) -> bool:
        """Whether a suppressor's reach stops inside this stretch of text."""
        for ch in gap:
            if ch in _SENTENCE_ENDS or (clause and ch in _CLAUSE_ENDS):
                return True
        return any(word in gap for word in self._breakers)

    def _suppressed(
        self,
        text: str,
        hit: Hit,
        category: Category,
        hits: list[Hit],
        boost: bool,
        partner: Hit | None = None,
    ) -> bool:
        """Whether a suppressor in reach cancels this hit (a term, or with `boost` a boost).

        A pair rule's `partner` hit never suppresses: a rule pairing 没 with 药 means 没药.
        """
        start, end = hit[0], hit[1]
        for suppressor in hits:
            s_start, s_end, entry, hidden, _ = suppressor
            if hidden or not entry.reaches or suppressor is partner:
                continue
            for scope, before, after, clause, on_terms, on_boosts in entry.reaches:
                if (scope is not None and scope is not category) or not (
                    on_boosts if boost else on_terms
                ):
                    continue
                if s_end <= start and start - s_end <= before:
                    if not self._blocked(text[s_end:start], clause):
                        return True
                elif s_start >= end and s_start - end <= after:
                    if not self._blocked(text[end:s_start], clause):
                        return True
        return False

    def _pair_found(
        self,
        norm: str,
        category: Category,
        pair: PairRule,
        sides: tuple[list[Hit], list[Hit]],
        hits: list[Hit],
        boost: bool,
    ) -> str | None:
        """The "first+second" key of the first unsuppressed match of a pair rule, if any."""
        limit = pair.within
        for a in sides[0]:
            for b in sides[1]:
                if a[0] == b[0] and a[1] == b[1]:
                    continue
                if a[1] <= b[0]:
                    gap = norm[a[1] : b[0]]
                elif b[1] <= a[0]:
                    gap = norm[b[1] : a[0]]
                else:
                    gap = ""
                if len(gap) > limit or any(
                    ch in _SENTENCE_ENDS or (pair.clause and ch in _CLAUSE_ENDS) for ch in gap
                ):
                    continue
                if not self._suppressed(
                    norm, a, category, hits, boost, b
                ) and not self._suppressed(norm, b, category, hits, boost, a):
                    return f"{a[2].key}+{b[2].key}"
        return None

    def _score_pairs(
        self,
        norm: str,
        hits: list[Hit],
        scores: dict[Category, float],
        matched: dict[Category, list[str]],
        boost: dict[Category, Priority],
    ) -> None:
        sides: dict[int, tuple[list[Hit], list[Hit]]] = {}
        for hit in hits:
            if hit[4] or not hit[2].roles:
                continue  # not a pair term, or inside a false friend ("着了" in "睡着了")
            for index, is_first in hit[2].roles:
                pair_sides = sides.get(index)
                if pair_sides is None:
                    pair_sides = sides[index] = ([], [])
                pair_sides[0 if is_first else 1].append(hit)
        for index, pair_sides in sides.items():
            if not pair_sides[0] or not pair_sides[1]:
                continue
            category, pair = self._pairs[index]
            if pair.weight:
                key = self._pair_found(norm, category, pair, pair_sides, hits, False)
                if key is not None:
                    scores[category] = scores.get(category, 0.0) + pair.weight
                    matched.setdefault(category, []).append(key)
            raised = pair.boost
            current = boost.get(category)
            if raised is not None and (current is None or raised.rank > current.rank):
                key = self._pair_found(norm, category, pair, pair_sides, hits, True)
                if key is not None:
                    boost[category] = raised
                    matched.setdefault(category, []).append(key)

    def classify(self, text: str) -> Classification:
        """Category, priority, action, confidence, deciding terms and details of one message."""
        scored = self.score(text)
        if self.model is None:
            return self.decide(scored)
        return combine(self, self.dictionary.rules, self.model, self.thresholds, scored)

    def score(self, text: str) -> Scores:
        """The dictionary's per-category scores, matched terms and priority boosts."""
        norm = normalise(text)
        hits = find_hits(self._automaton, norm)
        scores: dict[Category, float] = {}
        matched: dict[Category, list[str]] = {}
        boost: dict[Category, Priority] = {}
        scored: set[tuple[Category, str]] = set()  # each distinct term counts once
        for hit in hits:
            entry = hit[2]
            for category, weight in () if hit[3] else entry.terms:
                if (category, entry.key) in scored:
                    continue
                if category is Category.NONE or not self._suppressed(
                    norm, hit, category, hits, False
                ):
                    scored.add((category, entry.key))
                    matched.setdefault(category, []).append(entry.key)
                    scores[category] = scores.get(category, 0.0) + weight
            for category, priority in () if hit[4] else entry.boosts:
                current = boost.get(category)
                if (current is None or priority.rank > current.rank) and not self._suppressed(
                    norm, hit, category, hits, True
                ):
                    boost[category] = priority
                    matched.setdefault(category, []).append(entry.key)
        if self._pairs:
            self._score_pairs(norm, hits, scores, matched, boost)
        return Scores(norm, scores, matched, boost)

    def priority_of(self, scored: Scores, category: Category) -> Priority:
        """The category's default priority, raised by any surviving boost of that category."""
        priority = self._defaults.get(category, Priority.NORMAL)
        raised = scored.boost.get(category)
        if raised is not None and raised.rank > priority.rank:
            priority = raised
        return priority

    def leading(self, scored: Scores) -> Category:
        """The dictionary's own category: the best one if it reaches min_score, else none."""
        scores = scored.scores  # only the categories with a hit: usually none to two
        best = min(scores, key=lambda c: (-scores[c], _RANK[c]), default=Category.NONE)
        if scores.get(best, 0.0) < self.dictionary.min_score:
            return Category.NONE
        return best

    def decide(self, scored: Scores) -> Classification:
        """The dictionary's own decision: the best category if it reaches min_score."""
        norm, matched = scored.norm, scored.matched
        best = self.leading(scored)
        if best is Category.NONE:
            return Classification(
                Category.NONE, Priority.NORMAL, tuple(matched.get(Category.NONE, ()))
            )
        priority = self.priority_of(scored, best)
        details = extract_details(norm, full=best is Category.MISSING_PERSON)
        return Classification(
            best, priority, tuple(dict.fromkeys(matched[best])), details or EMPTY_DETAILS
        )


@lru_cache(maxsize=1)
def default_model() -> LinearModel:
    """The shipped learned model (classify/data/model.npz), loaded once per process."""
    return LinearModel.load(DEFAULT_MODEL)


@lru_cache(maxsize=1)
def default_classifier() -> Classifier:
    """The shipped keywords.toml with the shipped model and default thresholds, built once."""
    return Classifier.from_file(DEFAULT_DICTIONARY, default_model())


@lru_cache(maxsize=1)
def dictionary_classifier() -> Classifier:
    """The shipped keywords.toml alone (for comparison and the dictionary's own tests)."""
    return Classifier.from_file(DEFAULT_DICTIONARY)
