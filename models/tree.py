"""The region tree: district → town/street → village/community → grid → micro-grid."""

from __future__ import annotations

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from core.vocabulary import Level
from models.base import StrEnumColumn

PATH_SEPARATOR = " › "


class Node(SQLModel, table=True):
    """One region of the tree; `lineage` holds the ids from the root ('/1/7/42/') for subtrees."""

    __tablename__ = "node"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(64), unique=True, nullable=False, index=True))
    name: str = Field(max_length=200)
    level: Level = Field(sa_column=Column(StrEnumColumn(Level, 16), nullable=False))
    parent_id: int | None = Field(default=None, foreign_key="node.id", index=True)
    lineage: str = Field(default="/", sa_column=Column(String(512), nullable=False, index=True))


def parse_level(text: str) -> Level | None:
    """Accept the English name, the label, or another word a district clerk would type."""
    value = text.strip().lower()
    for lvl in Level:
        if value in (lvl.value, lvl.label) or value in _ALIASES.get(lvl, ()):
            return lvl
    return None


_ALIASES: dict[Level, set[str]] = {
    Level.district: {"县", "区县"},
    Level.town: {"镇", "街道", "乡", "镇街", "street"},
    Level.community: {"村", "社区", "village"},
    Level.micro_grid: {"micro-grid", "microgrid"},
}


def level_fits_under(child: Level, parent: Level | None) -> bool:
    """A child sits strictly below its parent; levels may be skipped. Only districts are roots."""
    if parent is None:
        return child is Level.district
    return child.rank > parent.rank


def child_lineage(parent: Node | None, child_id: int) -> str:
    prefix = parent.lineage if parent is not None else "/"
    return f"{prefix}{child_id}/"


def lineage_ids(lineage: str) -> list[int]:
    return [int(part) for part in lineage.strip("/").split("/") if part]
