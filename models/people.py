"""People and the roles they hold on nodes of the tree."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.vocabulary import RoleKind
from models.base import StrEnumColumn


def parse_role(text: str) -> RoleKind | None:
    value = text.strip().lower()
    for kind in RoleKind:
        if value == kind.value or value == kind.label:
            return kind
    return _ROLE_ALIASES.get(value)


_ROLE_ALIASES = {
    "微网格长": RoleKind.grid_worker,
    "网格长": RoleKind.grid_worker,
    "worker": RoleKind.grid_worker,
    "社区书记": RoleKind.community_admin,
    "村书记": RoleKind.community_admin,
    "镇街干部": RoleKind.town_admin,
    "official": RoleKind.district_official,
}


class Person(SQLModel, table=True):
    """A resident or staff member. `key` is the stable id used by imports (e.g. a staff number)."""

    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    key: str | None = Field(
        default=None, sa_column=Column(String(64), unique=True, nullable=True, index=True)
    )
    name: str = Field(max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    telegram_user_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, unique=True, nullable=True, index=True)
    )
    telegram_username: str | None = Field(default=None, max_length=64, index=True)
    # Set when the person opens a private chat with the bot (/start); a 403 clears it.
    private_chat: bool = Field(default=False)


class Role(SQLModel, table=True):
    """A role held on a node covers that node's whole subtree."""

    __tablename__ = "role"
    __table_args__ = (UniqueConstraint("person_id", "node_id", "kind", name="uq_role"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    node_id: int = Field(foreign_key="node.id", index=True)
    kind: RoleKind = Field(sa_column=Column(StrEnumColumn(RoleKind, 32), nullable=False))
