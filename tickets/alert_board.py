"""寻人: the missing-person alerts of a subtree, with how far each went out.

An alert (models/alerts.py) is one `MissingAlert` per ticket; its copies are the deliveries of
its `alert` broadcast (live from the outbox rows, broadcasts.counting), and each
/alert_update is an `alert_updated` event on the ticket (the latest one is 最新情况).
Listed here: alerts of tickets reported in the subtree (a neighbour's alert that reached the
subtree's groups belongs to the neighbour's page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from broadcasts.counting import Counts, delivery_counts
from models.access import Actor
from models.alerts import AlertStatus, MissingAlert
from models.tickets import EventKind, Ticket, TicketEvent
from models.tree import Node

SHOWN = 50


@dataclass
class AlertLine:
    alert: MissingAlert
    ticket: Ticket
    grid: Node  # where it was reported
    reach: Node  # the node whose groups it was sent to
    copies_total: int  # groups the alert broadcast was planned for
    copies_delivered: int
    reported_at: datetime  # the ticket's creation
    seconds_since_report: int  # at `now`, or until found for a found alert
    latest: str | None  # 最新情况: the text of the newest /alert_update, if any
    latest_at: datetime | None

    @property
    def found(self) -> bool:
        return self.alert.status is AlertStatus.found


async def alerts_under(
    session: AsyncSession,
    actor: Actor,
    node: Node,
    now: datetime,
    *,
    status: AlertStatus = AlertStatus.active,
    limit: int = SHOWN,
) -> list[AlertLine]:
    """Alerts of `status` for tickets reported under `node`, newest report first
    (Refused("scope") outside the actor's subtrees)."""
    actor.require_node(node, code=node.code)
    reach = aliased(Node, name="reach")
    result = await session.execute(
        select(MissingAlert, Ticket, Node, reach)
        .join(Ticket, col(Ticket.id) == MissingAlert.ticket_id)
        .join(Node, col(Node.id) == Ticket.node_id)
        .join(reach, col(reach.id) == MissingAlert.node_id)
        .where(col(Node.lineage).startswith(node.lineage), col(MissingAlert.status) == status)
        .order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
        .limit(limit)
    )
    rows = result.all()
    latest = await _latest_updates(session, [t.id for _a, t, *_rest in rows if t.id])
    copies = await delivery_counts(session, [a.broadcast_id for a, *_r in rows if a.broadcast_id])
    lines = []
    for alert, ticket, grid, place in rows:
        sent = copies.get(alert.broadcast_id or 0, Counts())
        news, news_at = latest.get(ticket.id or 0, (None, None))
        until = alert.found_at if alert.found_at is not None else now
        lines.append(
            AlertLine(
                alert,
                ticket,
                grid,
                place,
                sent.total,
                sent.delivered,
                ticket.created_at,
                max(0, int((until - ticket.created_at).total_seconds())),
                news,
                news_at,
            )
        )
    return lines


async def _latest_updates(
    session: AsyncSession, ticket_ids: list[int]
) -> dict[int, tuple[str, datetime]]:
    """The newest `alert_updated` event of each ticket (few tickets: a handful of alerts)."""
    if not ticket_ids:
        return {}
    result = await session.execute(
        select(col(TicketEvent.ticket_id), col(TicketEvent.text), col(TicketEvent.at))
        .where(
            col(TicketEvent.ticket_id).in_(ticket_ids),
            col(TicketEvent.kind) == EventKind.alert_updated,
        )
        .order_by(col(TicketEvent.at), col(TicketEvent.id))
    )
    return {ticket_id: (text, at) for ticket_id, text, at in result.all()}
