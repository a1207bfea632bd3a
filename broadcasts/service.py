"""Broadcasts in the database, one import away: create (with the whole outbox), edit, cancel,
recover, count, list, report. Each function takes the caller's session and leaves the commit
to the caller. Behind it: creating, edits, lifecycle, counting, reporting, copies."""

from broadcasts.copies import Copy, delivered_copies, delivered_message_ids
from broadcasts.counting import (
    BROADCAST,
    CANCELLED_REASON,
    DELIVERY,
    INACTIVE_REASON,
    Counts,
    delivery_counts,
    store_counts,
)
from broadcasts.creating import create_broadcast
from broadcasts.edits import create_edit
from broadcasts.errors import BroadcastError, BroadcastProblem
from broadcasts.lifecycle import cancel_broadcast, recover_in_flight
from broadcasts.reporting import (
    BroadcastFigures,
    BroadcastReport,
    DeliveryIssue,
    broadcast_report,
    list_broadcasts,
)

__all__ = [
    "BROADCAST",
    "CANCELLED_REASON",
    "DELIVERY",
    "INACTIVE_REASON",
    "BroadcastError",
    "BroadcastFigures",
    "BroadcastProblem",
    "BroadcastReport",
    "Copy",
    "Counts",
    "DeliveryIssue",
    "broadcast_report",
    "cancel_broadcast",
    "create_broadcast",
    "create_edit",
    "delivered_copies",
    "delivered_message_ids",
    "delivery_counts",
    "list_broadcasts",
    "recover_in_flight",
    "store_counts",
]
