"""From pending outbox rows to jobs for the senders: each row with the steps of its copy.

An ordinary broadcast's steps are planned once and shared by every row. A templated one is
rendered per group, an edit is planned per group from the ids of that group's copy; both load
what they need for a whole batch of rows in a few queries, never one query per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from broadcasts.copies import Copy, delivered_copies
from broadcasts.errors import BroadcastError, BroadcastProblem
from broadcasts.outbox import Row
from broadcasts.personalize import compile_template, load_contexts, render_texts
from broadcasts.plans import Layout, copy_steps, edit_steps, moved_steps
from broadcasts.steps import Step
from models.broadcasts import Broadcast, BroadcastKind, EditMode

if TYPE_CHECKING:
    from jinja2 import Template

NOTHING_TO_SEND = "nothing to send: the text is empty for this group"
NOT_REACHED = "the original did not reach this group: nothing to edit"
MOVED = "the group became a supergroup after its copy was sent: the change went as a new message"


@dataclass(frozen=True)
class Job:
    row: Row
    chat_id: int
    steps: tuple[Step, ...]
    edit: bool = False
    problem: str | None = None  # the row ends without a platform call: failed ...
    skip: bool = False  # ... or skipped
    moved: tuple[Step, ...] = ()  # an edit's steps should its copy's chat turn out to be gone
    note: str | None = None  # for the row's outcome


@dataclass(frozen=True)
class Content:
    """What the engine keeps per running broadcast."""

    broadcast_id: int
    text: str
    layout: Layout  # an edit's: its source's
    templated: bool
    template: Template | None  # None when templated: the template no longer compiles
    steps: tuple[Step, ...]  # shared by every row (ordinary broadcasts only)
    edit_mode: EditMode | None = None
    source_id: int | None = None


async def prepare(session: AsyncSession, broadcast: Broadcast) -> Content:
    assert broadcast.id is not None
    template, templated = _template(broadcast), broadcast.templated
    if broadcast.kind is BroadcastKind.edit:
        source = await session.get(Broadcast, broadcast.source_id)
        assert source is not None, f"edit {broadcast.id} without its source"
        return Content(
            broadcast.id,
            broadcast.text,
            Layout.of(source),
            templated,
            template,
            (),
            broadcast.edit_mode or EditMode.update,
            source.id,
        )
    layout = Layout.of(broadcast)
    shared = () if templated else copy_steps(layout, broadcast.text)
    return Content(broadcast.id, broadcast.text, layout, templated, template, shared)


def _template(broadcast: Broadcast) -> Template | None:
    if not broadcast.templated:
        return None
    try:
        return compile_template(broadcast.text)
    except BroadcastError:
        return None  # checked at creation; should it no longer compile, each row fails


async def make_jobs(session: AsyncSession, content: Content, rows: Sequence[Row]) -> list[Job]:
    if not content.templated and content.edit_mode is None and content.steps:
        return [Job(row, row.chat_id, content.steps) for row in rows]
    active = [row.group_id for row in rows if row.active]
    texts = await _texts(session, content, active)
    copies: dict[int, Copy] = {}
    if content.source_id is not None and active:
        copies = await delivered_copies(session, content.source_id, active)
    return [_job(content, row, texts.get(row.group_id), copies) for row in rows]


async def _texts(
    session: AsyncSession, content: Content, group_ids: list[int]
) -> dict[int, str | BroadcastError]:
    """Each group's text: rendered from its context when templated."""
    if not content.templated:
        return dict.fromkeys(group_ids, content.text)
    if content.template is None:
        return dict.fromkeys(group_ids, BroadcastError(BroadcastProblem.template_broken))
    contexts = await load_contexts(session, group_ids) if group_ids else {}
    bound = [group_id for group_id in group_ids if group_id in contexts]
    rendered = await render_texts(content.text, [contexts[group_id] for group_id in bound])
    texts: dict[int, str | BroadcastError] = dict.fromkeys(
        group_ids, BroadcastError(BroadcastProblem.group_unbound)
    )
    texts.update(zip(bound, rendered, strict=True))
    return texts


def _job(
    content: Content, row: Row, text: str | BroadcastError | None, copies: dict[int, Copy]
) -> Job:
    if not row.active or text is None:
        return Job(row, row.chat_id, ())  # skipped as inactive by the sender
    if isinstance(text, BroadcastError):
        return Job(row, row.chat_id, (), problem=str(text))
    if content.edit_mode is None:
        steps = copy_steps(content.layout, text)
        return Job(row, row.chat_id, steps, problem=None if steps else NOTHING_TO_SEND)
    copy = copies.get(row.group_id)
    if copy is None:
        return Job(row, row.chat_id, (), edit=True, problem=NOT_REACHED, skip=True)
    moved = moved_steps(content.layout, content.edit_mode, text)
    if copy.chat_id != row.chat_id:  # the group's record followed it to a new chat since
        return Job(row, row.chat_id, moved, edit=True, note=MOVED)
    try:
        steps = edit_steps(content.layout, content.edit_mode, text, copy.message_ids)
    except BroadcastError as exc:
        return Job(row, copy.chat_id, (), edit=True, problem=str(exc))
    return Job(row, copy.chat_id, steps, edit=True, moved=moved)
