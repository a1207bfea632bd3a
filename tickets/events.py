"""What the workflow asks the outside world to say; the bot layer renders and sends these."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class StaffReason(enum.StrEnum):
    new = "new"
    escalated = "escalated"
    reopened = "reopened"
    transferred = "transferred"
    alert = "alert"  # told at once (missing person) without being the handler


class GroupUpdate(enum.StrEnum):
    claimed = "claimed"
    resolved = "resolved"
    reopened = "reopened"
    escalated = "escalated"
    unreachable = "unreachable"  # some staff not reachable; note: the higher node it went to
    nobody_reachable = "nobody_reachable"  # no staff reachable at any level: it stays open
    found = "found"  # a missing person was found (tickets/alerts.py)
    false_alarm = "false_alarm"  # staff marked the ticket 误报 and closed it (tickets/marks.py)


@dataclass(frozen=True)
class NotifyStaff:
    """Direct messages to staff about a ticket, with the action buttons."""

    ticket_id: int
    person_ids: tuple[int, ...]
    reason: StaffReason
    note: str = ""


@dataclass(frozen=True)
class TellGroup:
    """One short progress line in the ticket's group."""

    ticket_id: int
    update: GroupUpdate
    person_ids: tuple[int, ...] = ()
    note: str = ""
    roles: tuple[str, ...] = ()  # unreachable: RoleKind values of the staff not reached


@dataclass(frozen=True)
class AskRating:
    """The reporter is asked to rate the result."""

    ticket_id: int


class ReviewReason(enum.StrEnum):
    new = "new"
    escalated = "escalated"


@dataclass(frozen=True)
class NotifyReview:
    """可能需要关注: a private notice to staff about a review, with its buttons."""

    review_id: int
    person_ids: tuple[int, ...]
    reason: ReviewReason
    note: str = ""


Notice = NotifyStaff | TellGroup | AskRating | NotifyReview
