"""The keyword dictionary file: validation on load, and hot reload without a restart."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from classify import (
    CLASSIFIED,
    DEFAULT_DICTIONARY,
    Category,
    Classifier,
    DictionaryError,
    Priority,
    ReloadingClassifier,
    load_dictionary,
)

MINIMAL = """
[categories.repair]
priority = "normal"
[categories.repair.terms]
"漏水" = 4
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "keywords.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_dictionary_is_thorough() -> None:
    dictionary = load_dictionary(DEFAULT_DICTIONARY)
    assert set(dictionary.categories) == set(CLASSIFIED)
    assert sum(len(rules.terms) for rules in dictionary.categories.values()) > 800
    for category in set(CLASSIFIED) - {Category.NONE}:
        assert len(dictionary.categories[category].terms) >= 100, category


def test_minimal_dictionary_works(tmp_path: Path) -> None:
    classifier = Classifier.from_file(write(tmp_path, MINIMAL))
    assert classifier.classify("家里漏水").category is Category.REPAIR
    assert classifier.classify("着火了").category is Category.NONE


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        (MINIMAL.replace("repair", "plumbing"), "categories.plumbing", "unknown category"),
        (MINIMAL.replace("repair", "other"), "categories.other", "unknown category"),
        (MINIMAL.replace('"normal"', '"asap"'), "categories.repair.priority", "'asap'"),
        (MINIMAL.replace('"漏水"', '""'), 'categories.repair.terms.""', "empty"),
        (MINIMAL.replace('"漏水"', '"  "'), "categories.repair.terms", "empty"),
        (MINIMAL.replace("= 4", "= -1"), 'categories.repair.terms."漏水"', "positive"),
        (MINIMAL.replace("= 4", '= "high"'), 'categories.repair.terms."漏水"', "positive"),
        (MINIMAL + '"水管" = true\n', 'categories.repair.terms."水管"', "positive"),
        (MINIMAL.replace("priority", "prio"), "categories.repair.prio", "unknown key"),
        (
            MINIMAL + '[categories.repair.boost]\nasap = ["水"]\n',
            "categories.repair.boost.asap",
            "unknown key",
        ),
        (
            MINIMAL + '[categories.repair.boost]\nurgent = [""]\n',
            "categories.repair.boost.urgent[0]",
            "empty",
        ),
        (
            MINIMAL + "[[categories.repair.suppressors]]\nterms = []\n",
            "categories.repair.suppressors[0].terms",
            "non-empty",
        ),
        (
            MINIMAL + '[[categories.repair.suppressors]]\nterms = ["修好了"]\naffects = "x"\n',
            "categories.repair.suppressors[0].affects",
            "'x'",
        ),
        (
            MINIMAL + '[[categories.repair.suppressors]]\nterms = ["修好了"]\nbefore = -2\n',
            "categories.repair.suppressors[0].before",
            "non-negative",
        ),
        (
            MINIMAL + '[categories.none.boost]\nurgent = ["红包"]\n[categories.none.terms]\n'
            '"红包" = 5\n',
            "categories.none.boost",
            "no priority",
        ),
        ("[settings]\nmin_score = 2\n", "categories", "at least one category"),
        (MINIMAL + "[settings]\nmin_score = 0\n", "settings.min_score", "positive"),
        (MINIMAL + "[common]\nbreakers = []\n", "common.breakers", "non-empty"),
        ("[categories.repair\n", "invalid TOML", ""),
    ],
)
def test_invalid_dictionary_names_file_and_key(
    tmp_path: Path, text: str, key: str, problem: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DictionaryError) as raised:
        load_dictionary(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    assert key in message
    assert problem in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DictionaryError, match="cannot read"):
        load_dictionary(tmp_path / "nope.toml")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def touch_later(path: Path, seconds: int) -> None:
    """Advance the file's mtime explicitly: some filesystems have coarse timestamps."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + seconds * 1_000_000_000))


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    return Path(shutil.copy(DEFAULT_DICTIONARY, tmp_path / "keywords.toml"))


def add_repair_term(path: Path, term: str) -> None:
    text = path.read_text(encoding="utf-8")
    anchor = "[categories.repair.terms]\n"
    path.write_text(text.replace(anchor, f'{anchor}"{term}" = 4\n'), encoding="utf-8")


def test_reload_picks_up_new_term(copy: Path) -> None:
    clock = FakeClock()
    reloading = ReloadingClassifier(copy, interval=5, clock=clock)
    assert reloading.classify("咕噜怪又来了").category is Category.NONE
    add_repair_term(copy, "咕噜怪")
    touch_later(copy, 10)
    clock.now += 1  # within the interval: the file is not even looked at
    assert reloading.classify("咕噜怪又来了").category is Category.NONE
    clock.now += 5
    result = reloading.classify("咕噜怪又来了")
    assert (result.category, result.priority) == (Category.REPAIR, Priority.NORMAL)
    assert result.matched == ("咕噜怪",)


def test_broken_edit_keeps_old_dictionary_and_logs_once(
    copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    reloading = ReloadingClassifier(copy, interval=5, clock=clock)
    good = copy.read_text(encoding="utf-8")
    copy.write_text(good.replace('priority = "high"', 'priority = "soon"', 1), encoding="utf-8")
    touch_later(copy, 10)
    with caplog.at_level(logging.ERROR, logger="gridbot.tickets"):
        for _ in range(3):
            clock.now += 6
            assert reloading.classify("楼道里有煤气味").category is Category.SAFETY
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert str(copy) in errors[0].getMessage()
    assert "categories.safety.priority" in errors[0].getMessage()
    assert "'soon'" in errors[0].getMessage()
    # fixing the file is picked up on the next check
    copy.write_text(good, encoding="utf-8")
    add_repair_term(copy, "咕噜怪")
    touch_later(copy, 20)
    clock.now += 6
    assert reloading.classify("咕噜怪").category is Category.REPAIR


def test_deleted_file_keeps_old_dictionary(copy: Path) -> None:
    clock = FakeClock()
    reloading = ReloadingClassifier(copy, interval=5, clock=clock)
    copy.unlink()
    clock.now += 6
    assert not reloading.maybe_reload()
    assert reloading.classify("我家突然停电了").category is Category.REPAIR


def test_broken_file_at_startup_raises(tmp_path: Path) -> None:
    with pytest.raises(DictionaryError):
        ReloadingClassifier(write(tmp_path, "[categories.repair\n"))
