"""The keyword dictionary: a TOML file staff can edit, validated on every load.

Layout (classify/keywords.toml is the shipped default and explains the matching rules):

    [settings]          min_score: the score a category needs to become a case
    [common]            breakers, false_friends and [[common.suppressors]] for every category
    [categories.NAME]   priority, terms {term = weight}, boost {priority = [terms]},
                        false_friends [terms], [[categories.NAME.suppressors]],
                        [[categories.NAME.pairs]]

A suppressor group is {name, terms, before, after (or window), clause, affects}.
    [[rules]]           {name, terms, force = CATEGORY | veto = [CATEGORY...], action}: staff's
                        last word over the learned model (see classify/combine.py)

A pair rule is {name, first, second, within, clause, weight, boost}: a term of `first` and a term
of `second` (either order) at most `within` characters apart score `weight` and raise the
priority to `boost`; at least one of weight and boost is required.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classify.model import CLASSIFIED, Category, Priority
from classify.normalise import normalise
from classify.validation import DictionaryError, Reader
from core.vocabulary import Decision

_CATEGORIES = ", ".join(c.value for c in CLASSIFIED)
_GROUP_KEYS = {"name", "terms", "before", "after", "window", "clause", "affects"}
_AFFECTS = ("all", "terms", "boosts")
_PAIR_KEYS = {"name", "first", "second", "within", "clause", "weight", "boost"}
_RULE_KEYS = {"name", "terms", "force", "veto", "action"}
_ACTIONS = tuple(d.value for d in Decision)


@dataclass(frozen=True)
class SuppressorGroup:
    """Terms that cancel hits within `before`/`after` characters (not across a comma if
    `clause`); `affects` says whether they cancel terms, boosts, or both ("all")."""

    name: str
    terms: tuple[str, ...]
    before: int
    after: int
    clause: bool = False
    affects: str = "all"


@dataclass(frozen=True)
class PairRule:
    """A co-occurrence rule: a `first` term and a `second` term (either order) at most `within`
    characters apart (never across a sentence end; with `clause` not across a comma) add
    `weight` to the category and raise its priority to `boost` (if set)."""

    name: str
    first: tuple[str, ...]
    second: tuple[str, ...]
    within: int
    clause: bool = False
    weight: float = 0.0
    boost: Priority | None = None


@dataclass(frozen=True)
class Rule:
    """When any of `terms` occurs (normalised text): `force` sets the category, `veto` rules
    categories out; `action` (open/review/ignore) overrides the decision."""

    name: str
    terms: tuple[str, ...]
    force: Category | None = None
    veto: tuple[Category, ...] = ()
    action: Decision | None = None


@dataclass(frozen=True)
class CategoryRules:
    category: Category
    priority: Priority
    terms: Mapping[str, float]
    boosts: Mapping[str, Priority]
    false_friends: tuple[str, ...]
    suppressors: tuple[SuppressorGroup, ...]
    pairs: tuple[PairRule, ...] = ()


@dataclass(frozen=True)
class Dictionary:
    source: str
    min_score: float
    breakers: tuple[str, ...]
    false_friends: tuple[str, ...]
    suppressors: tuple[SuppressorGroup, ...]
    categories: Mapping[Category, CategoryRules]
    rules: tuple[Rule, ...] = ()

    def all_pairs(self) -> list[tuple[Category, PairRule]]:
        """Every pair rule with its category, in a fixed order (the automaton's pair index)."""
        return [(c, pair) for c, rules in self.categories.items() for pair in rules.pairs]


def _suppressors(reader: Reader, value: Any, key: str) -> tuple[SuppressorGroup, ...]:
    if not isinstance(value, list):
        raise reader.fail(key, "must be an array of tables ([[...suppressors]])")
    groups = []
    for i, raw in enumerate(value):
        at = f"{key}[{i}]"
        group = reader.table(raw, at, _GROUP_KEYS)
        window = reader.count(group.get("window", 0), f"{at}.window")
        groups.append(
            SuppressorGroup(
                name=str(group.get("name", f"#{i}")),
                terms=reader.terms(group.get("terms"), f"{at}.terms"),
                before=reader.count(group.get("before", window), f"{at}.before"),
                after=reader.count(group.get("after", window), f"{at}.after"),
                clause=reader.flag(group.get("clause", False), f"{at}.clause"),
                affects=reader.choice(group.get("affects", "all"), f"{at}.affects", _AFFECTS),
            )
        )
    return tuple(groups)


def _pairs(reader: Reader, value: Any, key: str) -> tuple[PairRule, ...]:
    if not isinstance(value, list):
        raise reader.fail(key, "must be an array of tables ([[...pairs]])")
    pairs = []
    for i, raw in enumerate(value):
        at = f"{key}[{i}]"
        rule = reader.table(raw, at, _PAIR_KEYS)
        if "weight" not in rule and "boost" not in rule:
            raise reader.fail(at, "needs a weight, a boost or both")
        pairs.append(
            PairRule(
                name=str(rule.get("name", f"#{i}")),
                first=reader.terms(rule.get("first"), f"{at}.first"),
                second=reader.terms(rule.get("second"), f"{at}.second"),
                within=reader.count(rule.get("within", 6), f"{at}.within"),
                clause=reader.flag(rule.get("clause", False), f"{at}.clause"),
                weight=(
                    reader.positive(rule["weight"], f"{at}.weight") if "weight" in rule else 0.0
                ),
                boost=reader.priority(rule["boost"], f"{at}.boost") if "boost" in rule else None,
            )
        )
    return tuple(pairs)


def _category_name(reader: Reader, value: Any, key: str) -> Category:
    category = next((c for c in CLASSIFIED if c.value == value), None)
    if category is None:
        raise reader.fail(key, f"unknown category (expected one of {_CATEGORIES})")
    return category


def _rules(reader: Reader, value: Any) -> tuple[Rule, ...]:
    if not isinstance(value, list):
        raise reader.fail("rules", "must be an array of tables ([[rules]])")
    rules = []
    for i, raw in enumerate(value):
        at = f"rules[{i}]"
        rule = reader.table(raw, at, _RULE_KEYS)
        vetoes = rule.get("veto", [])
        if not isinstance(vetoes, list):
            raise reader.fail(f"{at}.veto", "must be a list of categories")
        if "force" not in rule and not vetoes and "action" not in rule:
            raise reader.fail(at, "needs force, veto or action")
        action = rule.get("action")
        rules.append(
            Rule(
                name=str(rule.get("name", f"#{i}")),
                terms=tuple(normalise(t) for t in reader.terms(rule.get("terms"), f"{at}.terms")),
                force=_category_name(reader, rule["force"], f"{at}.force")
                if "force" in rule
                else None,
                veto=tuple(_category_name(reader, v, f"{at}.veto") for v in vetoes),
                action=Decision(reader.choice(action, f"{at}.action", _ACTIONS))
                if action is not None
                else None,
            )
        )
    return tuple(rules)


def _boosts(reader: Reader, value: Any, key: str) -> dict[str, Priority]:
    boosts: dict[str, Priority] = {}
    for level, terms in reader.table(value, key, [p.value for p in Priority]).items():
        priority = reader.priority(level, f"{key}.{level}")
        for term in reader.terms(terms, f"{key}.{level}"):
            if term not in boosts or priority.rank > boosts[term].rank:
                boosts[term] = priority
    return boosts


def _category(reader: Reader, name: str, raw: Any) -> CategoryRules:
    key = f"categories.{name}"
    category = next((c for c in CLASSIFIED if c.value == name), None)
    if category is None:
        raise reader.fail(key, f"unknown category (expected one of {_CATEGORIES})")
    table = reader.table(
        raw, key, {"priority", "terms", "boost", "false_friends", "suppressors", "pairs"}
    )
    if "boost" in table and category is Category.NONE:
        raise reader.fail(f"{key}.boost", "the none category has no priority to boost")
    pairs = _pairs(reader, table.get("pairs", []), f"{key}.pairs")
    if category is Category.NONE and any(p.boost is not None for p in pairs):
        raise reader.fail(f"{key}.pairs", "the none category has no priority to boost")
    return CategoryRules(
        category=category,
        priority=reader.priority(table.get("priority", "normal"), f"{key}.priority"),
        terms=reader.weights(table.get("terms"), f"{key}.terms"),
        boosts=_boosts(reader, table.get("boost", {}), f"{key}.boost"),
        false_friends=reader.optional_terms(table, "false_friends", key),
        suppressors=_suppressors(reader, table.get("suppressors", []), f"{key}.suppressors"),
        pairs=pairs,
    )


def parse_dictionary(data: Mapping[str, Any], source: str = "<dictionary>") -> Dictionary:
    """Validate parsed TOML data and build a `Dictionary`; raise `DictionaryError` if invalid."""
    reader = Reader(source)
    top = reader.table(
        dict(data), "(top level)", {"version", "settings", "common", "categories", "rules"}
    )
    settings = reader.table(top.get("settings", {}), "settings", {"min_score"})
    common = reader.table(
        top.get("common", {}), "common", {"breakers", "false_friends", "suppressors"}
    )
    raw_categories = top.get("categories")
    if not isinstance(raw_categories, dict) or not raw_categories:
        raise reader.fail("categories", "must be a table with at least one category")
    rules = [_category(reader, name, raw) for name, raw in raw_categories.items()]
    return Dictionary(
        source=source,
        min_score=reader.positive(settings.get("min_score", 2), "settings.min_score"),
        breakers=reader.optional_terms(common, "breakers", "common"),
        false_friends=reader.optional_terms(common, "false_friends", "common"),
        suppressors=_suppressors(reader, common.get("suppressors", []), "common.suppressors"),
        categories={r.category: r for r in rules},
        rules=_rules(reader, top.get("rules", [])),
    )


def load_dictionary(path: str | Path) -> Dictionary:
    """Read and validate a TOML dictionary file."""
    source = str(path)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise DictionaryError(f"{source}: cannot read: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DictionaryError(f"{source}: invalid TOML: {exc}") from exc
    return parse_dictionary(data, source)
