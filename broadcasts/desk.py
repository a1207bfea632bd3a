"""The web console's 群发 desk, composing side: the preview for three sample groups and creating
the broadcast, for an `Actor` and a session, without any chat objects (the tree picker is
broadcasts/desk_picker.py, the list and reports broadcasts/desk_views.py).

Everything goes the chat's way: the scope rule is broadcasts/access.py's, templates render in
the same child process within the same limits (broadcasts/personalize.py), send times follow
broadcasts/send_time.py, poll options broadcasts/polls.py, and the broadcast and its outbox are
written by broadcasts/drafts.py, which the chat calls too. Refusals are the chat's: Refused
(scope, role, photo_*), BroadcastError (template, content), SendTimeError, OptionsError. The
caller commits, then (as the chat does) wakes the engine or adds the date job, and writes the
audit entry (the audit layer sits beside this one, as the chat's AuditMiddleware does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from broadcasts.desk_photos import store_upload
from broadcasts.drafts import Draft, create_from_draft
from broadcasts.errors import BroadcastError
from broadcasts.personalize import check_template, is_template, load_contexts, render_texts
from broadcasts.polls import parse_options
from broadcasts.send_time import local_send_time
from models.access import ADMINS, Actor, Refused
from models.broadcasts import Broadcast
from models.groups import Group
from models.tree import Node

SAMPLES = 3  # groups shown in a preview


@dataclass(frozen=True)
class Sample:
    """One sample group's copy of the text, as a preview shows it."""

    group_id: int
    title: str
    node_code: str
    text: str


async def preview_samples(
    session: AsyncSession, actor: Actor, node_id: int, text: str
) -> list[Sample]:
    """`text` as the first three active groups under `node_id` will read it, in the order the
    copies go out (node code, then group id); empty when no active group is bound there.
    A template is checked first exactly as creating checks it, so a too slow, too long or
    invalid one is refused (BroadcastError) with the same reason; Refused("scope") outside."""
    node = actor.require_node(await session.get(Node, node_id), ADMINS)
    if is_template(text):
        await check_template(text)
    result = (
        await session.execute(
            select(col(Group.id), col(Group.title), col(Node.code))
            .join(Node, col(Node.id) == col(Group.node_id))
            .where(col(Node.lineage).startswith(node.lineage), col(Group.active))
            .order_by(col(Node.code), col(Group.id))
            .limit(SAMPLES)
        )
    ).all()
    rows = [(int(g or 0), str(t), str(c)) for g, t, c in result]
    texts: list[str | BroadcastError] = [text] * len(rows)
    if is_template(text) and rows:
        contexts = await load_contexts(session, [g for g, _t, _c in rows])
        texts = await render_texts(text, [contexts[g] for g, _t, _c in rows])
    for rendered in texts:
        if isinstance(rendered, BroadcastError):
            raise rendered
    return [
        Sample(g, t, c, str(rendered)) for (g, t, c), rendered in zip(rows, texts, strict=True)
    ]


@dataclass(frozen=True)
class Upload:
    """A file as a web form uploaded it."""

    data: bytes
    file_name: str


@dataclass(frozen=True)
class Composed:
    """What the desk's form holds. `send_at` is a district time (naive: read in the district's
    zone); None sends now. `options` makes it a poll whose question is `text` (a poll takes no
    photo, 置顶 or 已阅, as in the chat)."""

    node_id: int
    text: str
    photo_file_id: str | None = None  # a Telegram file id (e.g. a photo the bot received)
    upload: Upload | None = None
    pin: bool = False
    read: bool = False
    send_at: datetime | None = None
    options: Sequence[str] | None = None


async def create_from_desk(
    session: AsyncSession,
    actor: Actor,
    composed: Composed,
    *,
    now: datetime,
    zone: tzinfo,
    photo_dir: Path,
) -> Broadcast:
    """The queued (or scheduled) broadcast or poll with one outbox row per target group, via
    the chat's own path (broadcasts/drafts.py). Refused("scope") outside the actor's subtree,
    Refused("poll_extras"), Refused("photo_*") (broadcasts/desk_photos.py), SendTimeError,
    OptionsError, BroadcastError; nothing is written then. The caller commits."""
    actor.require_node(await session.get(Node, composed.node_id), ADMINS)
    at = local_send_time(composed.send_at, now, zone) if composed.send_at else None
    options = None
    if composed.options is not None:
        if composed.photo_file_id or composed.upload or composed.pin or composed.read:
            raise Refused("poll_extras")
        options = parse_options("\n".join(composed.options))
    if is_template(composed.text):
        await check_template(composed.text)  # before an upload is kept on disk
    photo = composed.photo_file_id or None
    if composed.upload is not None:
        photo = store_upload(photo_dir, composed.upload.data, composed.upload.file_name)
    draft = Draft(
        node_id=composed.node_id,
        text=composed.text,
        photo=photo,
        pin=composed.pin,
        read=composed.read,
        options=options,
    )
    return await create_from_draft(session, actor, draft, now, scheduled_at=at)
