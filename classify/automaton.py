"""The compiled dictionary: one Aho-Corasick automaton mapping each string to what it means."""

from __future__ import annotations

import ahocorasick

from classify.dictionary import Dictionary, SuppressorGroup
from classify.model import Category, Priority

# A suppressor's reach: category it applies to (None: all), before, after, clause-bound, and
# whether it cancels terms and boosts.
Reach = tuple[Category | None, int, int, bool, bool, bool]


class Entry:
    """Everything one dictionary string means; the automaton's value for that string."""

    __slots__ = ("boosts", "dominates", "key", "masks", "reaches", "roles", "terms")

    def __init__(self, key: str) -> None:
        self.key = key
        self.terms: list[tuple[Category, float]] = []
        self.boosts: list[tuple[Category, Priority]] = []
        self.reaches: list[Reach] = []
        self.roles: list[tuple[int, bool]] = []  # (index in Dictionary.all_pairs(), is first)
        self.dominates = False  # hides the terms inside it (boost-only strings hide nothing)
        self.masks = False  # a false friend or suppressor: hides the boosts inside it too


def build_automaton(dictionary: Dictionary) -> ahocorasick.Automaton:
    """One automaton for every term, boost, false friend and suppressor of the dictionary."""
    entries: dict[str, Entry] = {}

    def entry(key: str) -> Entry:
        return entries.setdefault(key, Entry(key))

    def add_suppressors(scope: Category | None, groups: tuple[SuppressorGroup, ...]) -> None:
        for group in groups:
            for term in group.terms:
                entry(term).reaches.append(
                    (
                        scope,
                        group.before,
                        group.after,
                        group.clause,
                        group.affects != "boosts",
                        group.affects != "terms",
                    )
                )
                entry(term).dominates = entry(term).masks = True

    for rules in dictionary.categories.values():
        for term, weight in rules.terms.items():
            entry(term).terms.append((rules.category, weight))
            entry(term).dominates = True
        for term, priority in rules.boosts.items():
            entry(term).boosts.append((rules.category, priority))
        for term in rules.false_friends:
            entry(term).dominates = entry(term).masks = True
        add_suppressors(rules.category, rules.suppressors)
    for index, (_, pair) in enumerate(dictionary.all_pairs()):
        # Pair terms neither hide nor mask anything; a longer false friend hides them.
        for term in pair.first:
            entry(term).roles.append((index, True))
        for term in pair.second:
            entry(term).roles.append((index, False))
    for term in dictionary.false_friends:
        entry(term).dominates = entry(term).masks = True
    add_suppressors(None, dictionary.suppressors)
    automaton = ahocorasick.Automaton()
    for key, value in entries.items():
        automaton.add_word(key, value)
    automaton.make_automaton()
    return automaton


# A hit: (start, end, entry, terms hidden by a longer hit, boosts hidden by a longer mask)
Hit = tuple[int, int, Entry, bool, bool]


def find_hits(automaton: ahocorasick.Automaton, text: str) -> list[Hit]:
    """All dictionary hits in one pass, each marked as hidden inside a longer term or mask."""
    found = sorted(
        (end + 1 - len(entry.key), -end - 1, entry) for end, entry in automaton.iter(text)
    )
    hits: list[Hit] = []
    term_reach = mask_reach = -1
    for start, neg_end, entry in found:
        end = -neg_end
        hits.append((start, end, entry, end <= term_reach, end <= mask_reach))
        if entry.dominates and end > term_reach:
            term_reach = end
        if entry.masks and end > mask_reach:
            mask_reach = end
    return hits
