"""One vocabulary: every value people read has its label in core/vocabulary.py and nowhere else."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from core.config import ConfigError, Settings, load_settings
from core.vocabulary import (
    TICKET_CATEGORIES,
    VOCABULARY,
    Category,
    EventKind,
    Labelled,
    Level,
    Priority,
    RoleKind,
    TicketStatus,
    WorkKind,
)
from models.people import parse_role
from models.tree import parse_level
from templates import TEMPLATE_DIR, render

ROOT = Path(__file__).resolve().parent.parent
ROOMS = ("audit", "bot", "broadcasts", "channels", "classify", "cli", "core", "demo", "handlers",
         "models", "stats", "tickets", "work")  # fmt: skip
SOURCES = [path for room in ROOMS for path in (ROOT / room).rglob("*.py")]


@pytest.mark.parametrize("vocabulary", VOCABULARY, ids=lambda v: v.__name__)
def test_every_member_has_its_own_label(vocabulary: type[Labelled]) -> None:
    labels = [member.label for member in vocabulary]
    assert all(labels), labels
    assert len(set(labels)) == len(labels), labels
    assert all(
        member == member.value and vocabulary(member.value) is member for member in vocabulary
    )


def test_no_other_file_maps_a_value_to_a_label() -> None:
    """No dict or macro of its own: `"repair": "报修"` or `Level.town: "镇/街道"`."""
    values = "|".join(sorted({m.value for v in VOCABULARY for m in v}))
    names = "|".join(v.__name__ for v in VOCABULARY)
    chinese = "[\u4e00-\u9fff]"
    mapping = re.compile(rf"""(["'](?:{values})["']|\b(?:{names})\.\w+)\s*:\s*["']{chinese}""")
    found = [
        f"{path.relative_to(ROOT)}: {hit.group(0)}"
        for path in [*SOURCES, *TEMPLATE_DIR.glob("*.j2")]
        if path.name != "vocabulary.py"
        for hit in mapping.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_templates_show_the_python_labels() -> None:
    for category in TICKET_CATEGORIES:
        for priority in Priority:
            t = SimpleNamespace(
                id=7, category=category, priority=priority, status=TicketStatus.new, text="漏水"
            )
            staff = render(
                "ticket_staff", t=t, reason="new", path="", quote="", reporter="", note="",
                history=[], due="",
            )  # fmt: skip
            assert f"｜{category.label}｜{priority.label}" in staff.splitlines()[0]
    listed = [
        SimpleNamespace(id=i, status=s, category=Category.REPAIR, text="漏水")
        for i, s in enumerate(TicketStatus)
    ]
    quotes = {t.id: t.text for t in listed}
    lines = render("ticket_list", tickets=listed, quotes=quotes, title="工单").splitlines()[1:]
    assert [line.split("｜")[0].split(" ")[1] for line in lines] == [s.label for s in TicketStatus]
    for kind in EventKind:
        assert render("ticket_event", at="11-24 09:00", who="张伟", kind=kind, text="") == (
            f"11-24 09:00 张伟 {kind.label}"
        )
    help_text = render("help", audience="worker", handbook="", console_minutes=10)
    assert "、".join(k.label for k in WorkKind) in help_text


def test_a_template_refuses_a_bare_value_for_a_label() -> None:
    """A plain string has no `.label`: the template fails instead of showing `repair`."""
    from jinja2 import UndefinedError

    t = SimpleNamespace(id=1, status=TicketStatus.new, category="repair", text="漏水")
    with pytest.raises(UndefinedError):
        render("ticket_list", tickets=[t], quotes={1: t.text}, title="工单")


def test_labels_are_what_people_may_type() -> None:
    assert all(parse_level(level.label) is level for level in Level)
    assert all(parse_role(role.label) is role for role in RoleKind)


def test_the_config_takes_its_names_from_the_enums() -> None:
    sla = {"claim_minutes": 1, "resolve_minutes": 2}
    settings = Settings(
        tickets={"sla_by_category": {c.value: {"urgent": sla} for c in TICKET_CATEGORIES}},
        stats={"unmasked_roles": [r.value for r in RoleKind if r.is_staff]},
    )
    assert set(settings.tickets.sla_by_category) == set(TICKET_CATEGORIES)
    assert all(isinstance(r, RoleKind) for r in settings.stats.unmasked_roles)
    assert settings.tickets.alert_level is Level.town


@pytest.mark.parametrize(
    ("toml", "reason"),
    [
        ('[tickets.sla_by_category.none.urgent]\nclaim_minutes = 1\nresolve_minutes = 2\n',
         "tickets.sla_by_category.none: Input should be 'missing_person', 'safety', "
         "'repair', 'environment', 'dispute', 'assistance' or 'other'"),
        ('[tickets.sla.asap]\nclaim_minutes = 1\nresolve_minutes = 2\n',
         "tickets.sla.asap: Input should be 'urgent', 'high' or 'normal'"),
        ('[tickets]\nalert_level = "grid"\n',
         "tickets.alert_level: Input should be 'community', 'town' or 'district'"),
        ('[stats]\nunmasked_roles = ["resident"]\n',
         "stats.unmasked_roles.0: Input should be 'grid_worker', 'community_admin', "
         "'town_admin' or 'district_official'"),
        ('[tickets]\ntimezone = "Asia/Beijing"\n',
         "tickets.timezone: unknown time zone (an IANA name, e.g. Asia/Shanghai)"),
    ],
)  # fmt: skip
def test_the_config_refuses_names_outside_the_vocabulary(
    tmp_path: Path, toml: str, reason: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings(path)
    assert str(refused.value).startswith(f"config error in {path}: {reason}")
