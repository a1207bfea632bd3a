"""Turning the [tickets] settings into the plain policy object the workflow reads."""

from __future__ import annotations

from datetime import timedelta

from core.config import DeadlineSettings, TicketSettings
from tickets.policy import DEFAULT_SLA, Deadline, TicketPolicy


def _deadline(item: DeadlineSettings) -> Deadline:
    return Deadline(timedelta(minutes=item.claim_minutes), timedelta(minutes=item.resolve_minutes))


def ticket_policy(settings: TicketSettings) -> TicketPolicy:
    sla = dict(DEFAULT_SLA)
    sla.update({priority: _deadline(item) for priority, item in settings.sla.items()})
    return TicketPolicy(
        sla=sla,
        sla_by_category={
            category: {priority: _deadline(item) for priority, item in levels.items()}
            for category, levels in settings.sla_by_category.items()
        },
        duplicate_window=timedelta(minutes=settings.duplicate_window_minutes),
        feedback_window=timedelta(hours=settings.feedback_hours),
        progress_to_group=settings.progress_to_group,
        missing_person_levels=tuple(settings.missing_person_levels),
    )
