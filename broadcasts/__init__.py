"""Broadcasts down the tree: a persistent outbox and the engine that drains it.

Create a broadcast (one outbox row per target group, committed before anything is sent), then
let a `BroadcastEngine` send it through a `Sender` (bot/sender.py for Telegram). The engine
keeps Telegram's flood limits itself, retries what is worth retrying, survives kill -9 (rows in
flight at the crash are counted as possibly duplicated), and reports progress as it goes.
A text may be a per-group template (broadcasts/personalize.py); copies may carry a 已阅 button
or a poll's options (broadcasts/plans.py); `create_edit` changes every delivered copy of an
earlier broadcast (a missing-person alert's news, or 已找到). Nothing here imports aiogram.
"""

from broadcasts.engine import BroadcastEngine, EngineConfig, run_broadcasts
from broadcasts.limiter import RateLimiter
from broadcasts.personalize import preview
from broadcasts.progress import Progress, ProgressCallback
from broadcasts.service import (
    BroadcastError,
    BroadcastFigures,
    BroadcastProblem,
    BroadcastReport,
    Counts,
    DeliveryIssue,
    broadcast_report,
    cancel_broadcast,
    create_broadcast,
    create_edit,
    delivered_message_ids,
    delivery_counts,
    list_broadcasts,
    recover_in_flight,
)
from broadcasts.split import plan_messages, split_text
from channels.port import (
    BadRequest,
    Button,
    Buttons,
    Forbidden,
    Migrated,
    RetryAfter,
    Sender,
    SendError,
    SendResult,
    Transient,
)

__all__ = [
    "BadRequest",
    "BroadcastEngine",
    "BroadcastError",
    "BroadcastFigures",
    "BroadcastProblem",
    "BroadcastReport",
    "Button",
    "Buttons",
    "Counts",
    "DeliveryIssue",
    "EngineConfig",
    "Forbidden",
    "Migrated",
    "Progress",
    "ProgressCallback",
    "RateLimiter",
    "RetryAfter",
    "SendError",
    "SendResult",
    "Sender",
    "Transient",
    "broadcast_report",
    "cancel_broadcast",
    "create_broadcast",
    "create_edit",
    "delivered_message_ids",
    "delivery_counts",
    "list_broadcasts",
    "plan_messages",
    "preview",
    "recover_in_flight",
    "run_broadcasts",
    "split_text",
]
