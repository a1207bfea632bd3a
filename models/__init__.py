"""Tables and pure domain rules; importing the package registers every table on the metadata."""

from models.alerts import AlertStatus, MissingAlert
from models.audit import AuditEntry, JobRun
from models.broadcast_totals import broadcast_counted, broadcast_total
from models.broadcasts import (
    Broadcast,
    BroadcastDelivery,
    BroadcastKind,
    BroadcastPriority,
    BroadcastRead,
    BroadcastStatus,
    DeliveryStatus,
    EditMode,
    PollAnswer,
)
from models.groups import BindToken, Group
from models.inbox import InboxStatus, InboxUpdate
from models.logins import ConsoleLink, ConsoleSession
from models.outgoing import OutgoingMessage, OutKind, OutStatus
from models.people import Person, Role, RoleKind
from models.reviews import ClassifierMark, Review
from models.tickets import EventKind, Rating, Ticket, TicketEvent, TicketStatus
from models.totals import daily_total, monthly_timing, total_zone
from models.tree import Level, Node
from models.work import ChecklistMark, HeadcountAnswer, HeadcountRound, WorkKind, WorkLog

__all__ = [
    "AlertStatus",
    "AuditEntry",
    "BindToken",
    "Broadcast",
    "BroadcastDelivery",
    "BroadcastKind",
    "BroadcastPriority",
    "BroadcastRead",
    "BroadcastStatus",
    "ChecklistMark",
    "ClassifierMark",
    "ConsoleLink",
    "ConsoleSession",
    "DeliveryStatus",
    "EditMode",
    "EventKind",
    "Group",
    "HeadcountAnswer",
    "HeadcountRound",
    "InboxStatus",
    "InboxUpdate",
    "JobRun",
    "Level",
    "MissingAlert",
    "Node",
    "OutKind",
    "OutStatus",
    "OutgoingMessage",
    "Person",
    "PollAnswer",
    "Rating",
    "Review",
    "Role",
    "RoleKind",
    "Ticket",
    "TicketEvent",
    "TicketStatus",
    "WorkKind",
    "WorkLog",
    "broadcast_counted",
    "broadcast_total",
    "daily_total",
    "monthly_timing",
    "total_zone",
]
