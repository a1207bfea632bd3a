"""Rows for synthetic activity, buffered per table and written in bulk (COPY on PostgreSQL)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import SQLModel

from models.work import WorkKind

if TYPE_CHECKING:
    from tests.support.synthetic import Grid

COLUMNS: dict[str, tuple[str, ...]] = {
    "ticket": (
        "id",
        "category",
        "priority",
        "status",
        "text",
        "details",
        "photos",
        "reporter_user_id",
        "reporter_name",
        "group_id",
        "node_id",
        "handling_node_id",
        "escalation_level",
        "assignee_person_id",
        "created_at",
        "claimed_at",
        "resolved_at",
        "closed_at",
        "rating",
        "rated_at",
        "contact_public",
        "updated_at",
        "claim_due_at",
        "resolve_due_at",
    ),
    "ticket_event": ("id", "ticket_id", "at", "kind", "node_id", "text"),
    "broadcast": (
        "id",
        "node_id",
        "text",
        "pin",
        "priority",
        "status",
        "created_at",
        "started_at",
        "finished_at",
        "kind",
        "templated",
        "read_button",
        "total",
        "delivered",
        "failed",
        "skipped",
        "possibly_duplicated",
    ),
    "broadcast_delivery": (
        "id",
        "broadcast_id",
        "group_id",
        "seq",
        "status",
        "attempts",
        "possibly_duplicated",
        "finished_at",
    ),
    "broadcast_read": ("id", "broadcast_id", "user_id", "group_id", "read_at"),
    "work_log": ("id", "person_id", "node_id", "kind", "text", "created_at"),
    "headcount_round": ("id", "node_id", "day", "opened_at", "deadline_at"),
    "headcount_answer": ("id", "round_id", "node_id", "person_id", "count", "answered_at"),
}
TEXTS = {
    "repair": "楼道灯坏了",
    "environment": "垃圾没人清",
    "safety": "消防通道被堵",
    "dispute": "邻居噪音扰民",
    "assistance": "独居老人需要帮助",
    "other": "咨询事项",
    "missing_person": "老人走失",
}


class Rows:
    def __init__(self) -> None:
        self.tables: dict[str, list[tuple[Any, ...]]] = {name: [] for name in COLUMNS}
        self.ids: dict[str, int] = dict.fromkeys(COLUMNS, 0)

    async def start_ids(self, factory: async_sessionmaker[AsyncSession]) -> None:
        async with factory() as session:
            for name in COLUMNS:
                table = SQLModel.metadata.tables[name]
                self.ids[name] = int(await session.scalar(select(func.max(table.c.id))) or 0)

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def add(self, table: str, *values: Any) -> None:
        self.tables[table].append(values)

    def event(self, ticket_id: int, kind: str, at: datetime, node_id: int | None) -> None:
        self.add("ticket_event", self.next_id("ticket_event"), ticket_id, at, kind, node_id, "")

    def broadcast(self, rng: random.Random, sent: datetime, grids: list[Grid]) -> None:
        bid, read_button = self.next_id("broadcast"), rng.random() < 0.5
        counts = {"delivered": 0, "failed": 0, "skipped": 0}
        for seq, grid in enumerate(grids):
            status = rng.choices(list(counts), (96, 3, 1))[0]
            counts[status] += 1
            done = sent + timedelta(seconds=seq / 25)
            self.add(
                "broadcast_delivery",
                self.next_id("broadcast_delivery"),
                bid,
                grid.group_id,
                seq,
                status,
                1,
                False,
                done,
            )
            if status == "delivered" and read_button and rng.random() < 0.4:
                self.add(
                    "broadcast_read",
                    self.next_id("broadcast_read"),
                    bid,
                    800_000_000 + grid.node_id,
                    grid.group_id,
                    done + timedelta(minutes=5),
                )
        finished = sent + timedelta(seconds=len(grids) / 25)
        self.add(
            "broadcast",
            bid,
            grids[0].above[-1],
            "通知：本周末停水检修",
            False,
            "normal",
            "done",
            sent,
            sent,
            finished,
            "message",
            False,
            read_button,
            len(grids),
            counts["delivered"],
            counts["failed"],
            counts["skipped"],
            0,
        )

    def work_log(self, rng: random.Random, grid: Grid, at: datetime) -> None:
        if grid.worker_id is not None:
            kind = rng.choice(list(WorkKind)).value
            self.add(
                "work_log",
                self.next_id("work_log"),
                grid.worker_id,
                grid.node_id,
                kind,
                "走访记录",
                at,
            )

    def headcount(self, rng: random.Random, grids: list[Grid], now: datetime) -> None:
        rid = self.next_id("headcount_round")
        day = now.date().isoformat()
        self.add("headcount_round", rid, grids[0].above[-1], day, now, now + timedelta(hours=2))
        for grid in grids:
            if rng.random() < 0.9:
                self.add(
                    "headcount_answer",
                    self.next_id("headcount_answer"),
                    rid,
                    grid.node_id,
                    grid.worker_id,
                    rng.randint(50, 900),
                    now,
                )

    def ticket(self, row: dict[str, Any]) -> None:
        self.add("ticket", *(row.get(column) for column in COLUMNS["ticket"]))

    def ticket_defaults(self, category: str, rng: random.Random) -> dict[str, Any]:
        return {
            "text": TEXTS.get(category, "问题反映"),
            "details": "{}",
            "photos": "[]",
            "priority": rng.choices(("normal", "high", "urgent"), (80, 15, 5))[0],
            "reporter_user_id": 700_000_000 + rng.randrange(100_000),
            "contact_public": False,
        }

    def pending(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


async def write_rows(factory: async_sessionmaker[AsyncSession], rows: Rows) -> None:
    """Write and clear the buffered rows, parents before children."""
    async with factory() as session:
        bind = await session.connection()
        postgres = bind.dialect.name == "postgresql"
        for name, columns in COLUMNS.items():
            records = rows.tables[name]
            if not records:
                continue
            if postgres:
                raw = await bind.get_raw_connection()
                driver: Any = raw.driver_connection
                await driver.copy_records_to_table(name, records=records, columns=list(columns))
                await session.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), :top)"),
                    {"top": rows.ids[name]},
                )
            else:
                table = SQLModel.metadata.tables[name]
                for chunk in range(0, len(records), 5000):
                    batch = records[chunk : chunk + 5000]
                    await session.execute(
                        table.insert(), [dict(zip(columns, r, strict=True)) for r in batch]
                    )
            records.clear()
        await session.commit()
