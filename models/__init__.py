"""Tables and pure domain rules; importing the package registers every table on the metadata."""

from models.broadcasts import (
    Broadcast,
    BroadcastDelivery,
    BroadcastPriority,
    BroadcastStatus,
    DeliveryStatus,
)
from models.groups import BindToken, Group
from models.inbox import InboxStatus, InboxUpdate
from models.people import Person, Role, RoleKind
from models.tickets import EventKind, Rating, Ticket, TicketEvent, TicketStatus
from models.tree import Level, Node

__all__ = [
    "BindToken",
    "Broadcast",
    "BroadcastDelivery",
    "BroadcastPriority",
    "BroadcastStatus",
    "DeliveryStatus",
    "EventKind",
    "Group",
    "InboxStatus",
    "InboxUpdate",
    "Level",
    "Node",
    "Person",
    "Rating",
    "Role",
    "RoleKind",
    "Ticket",
    "TicketEvent",
    "TicketStatus",
]
