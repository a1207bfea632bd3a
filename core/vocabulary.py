"""The bot's vocabulary, defined once: every kind of value people read, with its Chinese label.

Each member carries its stored value (English, in the database, the config, callback data and
JSON) and its label (what residents, workers and officials read), side by side:
`TicketStatus.new.value == "new"`, `TicketStatus.new.label == "待接单"`. Templates read `.label`
(the enums are also Jinja globals, templates/__init__.py); stats, CSV exports and charts read the
same attribute, so a label changes here and nowhere else.

Plain enums only (no tables, no config): the classifier and the settings import this module
without loading SQLModel; the tables in models/ use these enums for their columns.
"""

from __future__ import annotations

import enum
from typing import Self


class Labelled(enum.StrEnum):
    """A StrEnum whose members are written `name = "value", "标签"`."""

    _value_: str
    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class Category(Labelled):
    """What a case is about: a ticket's category; `none` is the classifier's "not a case"."""

    MISSING_PERSON = "missing_person", "寻人"
    SAFETY = "safety", "安全隐患"
    REPAIR = "repair", "报修"
    ENVIRONMENT = "environment", "环境秩序"
    DISPUTE = "dispute", "矛盾纠纷"
    ASSISTANCE = "assistance", "求助服务"
    OTHER = "other", "其他事项"  # a /report or photo the classifier cannot place
    NONE = "none", "非工单"  # classifier only: never a ticket's category


class Decision(Labelled):
    """What the bot does with a group message: a ticket, a quiet look by the worker, or nothing."""

    OPEN = "open", "立即立案"
    REVIEW = "review", "待核实"
    IGNORE = "ignore", "不处理"


TICKET_CATEGORIES: tuple[Category, ...] = tuple(c for c in Category if c is not Category.NONE)


class Priority(Labelled):
    URGENT = "urgent", "紧急"
    HIGH = "high", "较急"
    NORMAL = "normal", "一般"

    @property
    def rank(self) -> int:
        """Higher is more pressing: normal 0, high 1, urgent 2."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.NORMAL: 0, Priority.HIGH: 1, Priority.URGENT: 2}


class TicketStatus(Labelled):
    new = "new", "待接单"
    claimed = "claimed", "办理中"
    reopened = "reopened", "已重办"
    resolved = "resolved", "已办结"
    closed = "closed", "已关闭"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset({TicketStatus.new, TicketStatus.claimed, TicketStatus.reopened})


class Rating(Labelled):
    """The reporter's verdict on a resolved ticket (also the rating buttons' text)."""

    satisfied = "satisfied", "满意"
    basically_satisfied = "basically_satisfied", "基本满意"
    unsatisfied = "unsatisfied", "不满意"


class EventKind(Labelled):
    """One line of a ticket's history, as staff read it in the ticket's private message."""

    opened = "opened", "登记"
    added = "added", "补充"
    linked = "linked", "关联"
    routed = "routed", "派给"
    unreachable = "unreachable", "联系不上"
    claimed = "claimed", "接单"
    noted = "noted", "备注"
    transferred = "transferred", "转办"
    escalated = "escalated", "上报"
    resolved = "resolved", "办结"
    rated = "rated", "评价"
    reopened = "reopened", "重办"
    closed = "closed", "关闭"
    alert_confirmed = "alert_confirmed", "发布寻人启事"  # missing-person alert sent out
    alert_updated = "alert_updated", "更新寻人启事"
    found = "found", "已找到"
    reviewed = "reviewed", "核实立案"  # opened from a review (可能需要关注) by staff
    recategorised = "recategorised", "改类别"  # staff marked another category
    false_alarm = "false_alarm", "误报"  # staff marked it a false alarm: closed


class ReviewStatus(Labelled):
    """A message the classifier was unsure of (可能需要关注), waiting for staff to look."""

    pending = "pending", "待核实"
    converted = "converted", "已转工单"
    ignored = "ignored", "已忽略"


class Level(Labelled):
    """A node's place in the tree: district → town/street → village/community → grid."""

    district = "district", "区"
    town = "town", "镇/街道"
    community = "community", "村/社区"
    grid = "grid", "网格"
    micro_grid = "micro_grid", "微网格"

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]


_LEVEL_RANK = {lvl: i for i, lvl in enumerate(Level)}


class RoleKind(Labelled):
    resident = "resident", "居民"
    grid_worker = "grid_worker", "网格员"
    community_admin = "community_admin", "社区管理员"
    town_admin = "town_admin", "镇街管理员"
    district_official = "district_official", "区级干部"

    @property
    def is_staff(self) -> bool:
        return self is not RoleKind.resident


class WorkKind(Labelled):
    """A grid worker's work-log entry (日志); recognised from the text by work/kinds.toml."""

    visit = "visit", "入户走访"
    hazard = "hazard", "隐患排查"
    service = "service", "便民服务"
    mediation = "mediation", "矛盾调解"
    info = "info", "信息采集"


VOCABULARY: tuple[type[Labelled], ...] = (
    Category,
    Priority,
    TicketStatus,
    Rating,
    EventKind,
    ReviewStatus,
    Level,
    RoleKind,
    WorkKind,
)
