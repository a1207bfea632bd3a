"""What one group's copy of a broadcast is made of, as steps: the parts to send, or, for an
edit, the changes to a copy already sent.

A copy is the photo (with the text's head as caption) and the rest of the text in parts, the
first part pinned, the buttons under the last part. An alert with a photo differs: the photo
goes alone with a short caption and the full text follows as its own message, which is the one
pinned, so that an edit can change the text and delete the photo. Which message id is which is
derived from the source broadcast (photo set: the first id is the photo).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

from broadcasts.errors import BroadcastError, BroadcastProblem
from broadcasts.split import CAPTION_LIMIT, cut_once, plan_messages, split_text
from broadcasts.steps import Action, Step, send_photo, send_text
from channels.port import Button, Buttons
from models.broadcasts import Broadcast, BroadcastKind, EditMode
from templates import render

WIDE_LABEL = 4  # poll options longer than this go two to a row, shorter ones three


@dataclass(frozen=True)
class Layout:
    kind: BroadcastKind
    photo: str | None
    pin: bool
    buttons: Buttons

    @classmethod
    def of(cls, broadcast: Broadcast) -> Layout:
        return cls(broadcast.kind, broadcast.photo, broadcast.pin, buttons_for(broadcast))

    @property
    def separate_photo(self) -> bool:
        return self.kind is BroadcastKind.alert and self.photo is not None


def buttons_for(broadcast: Broadcast) -> Buttons:
    """A poll's options (rows of 2 or 3), then the 已阅 button if asked for."""
    assert broadcast.id is not None
    rows: list[tuple[Button, ...]] = []
    if broadcast.kind is BroadcastKind.poll:
        options = [str(o) for o in json.loads(broadcast.options or "[]")]
        width = 2 if any(len(o) > WIDE_LABEL for o in options) else 3
        votes = [Button(o, "vote", broadcast.id, n) for n, o in enumerate(options)]
        rows.extend(tuple(votes[i : i + width]) for i in range(0, len(votes), width))
    if broadcast.read_button:
        rows.append((Button(render("broadcast_read_button"), "read", broadcast.id),))
    return tuple(rows)


def copy_steps(layout: Layout, text: str) -> tuple[Step, ...]:
    """The parts of one copy; empty when there is nothing to send."""
    if layout.separate_photo:
        assert layout.photo is not None
        steps = [send_photo(layout.photo, render("broadcast_alert_photo"))]
        steps += [send_text(part) for part in split_text(text)]
        pinned = 1 if len(steps) > 1 else 0
    else:
        caption, texts = plan_messages(text, photo=bool(layout.photo))
        steps = [send_photo(layout.photo, caption)] if layout.photo else []
        steps += [send_text(part) for part in texts]
        pinned = 0
    if not steps:
        return ()
    if layout.pin:
        steps[pinned] = replace(steps[pinned], pin=True)
    steps[-1] = replace(steps[-1], buttons=layout.buttons)
    return tuple(steps)


def moved_steps(source: Layout, mode: EditMode, text: str) -> tuple[Step, ...]:
    """An edit for a copy left behind in a group's old chat (a group that became a supergroup
    keeps no message ids): the changed text as a new message in the new chat, with the copy's
    buttons, pinned if the copy was and it is still in force (an update; not once found)."""
    plain = replace(source, photo=None, pin=source.pin and mode is EditMode.update)
    return copy_steps(plain, text)


def edit_steps(source: Layout, mode: EditMode, text: str, ids: Sequence[int]) -> tuple[Step, ...]:
    """The changes that turn a copy (its message `ids`) into `text`; BroadcastError if the
    copy cannot hold it. `found` also deletes the photo (or, if that is refused, puts the text
    in its caption) and lifts the pin."""
    photo_id = ids[0] if source.photo else None
    text_ids = list(ids[1:] if source.photo else ids)
    steps: list[Step] = []
    if photo_id is not None and not text_ids:  # a lone photo: only its caption can change
        steps.append(Step(Action.edit_caption, _caption(text), message_id=photo_id))
    elif mode is EditMode.update and photo_id is not None and not source.separate_photo:
        caption, texts = plan_messages(text, photo=True)
        steps.append(Step(Action.edit_caption, caption or "", message_id=photo_id))
        steps += _edit_texts(text_ids, texts)
    else:
        steps += _edit_texts(text_ids, split_text(text))
        if mode is EditMode.found and photo_id is not None:
            keep = Step(Action.edit_caption, _caption(text), message_id=photo_id)
            steps.append(Step(Action.delete, message_id=photo_id, fallback=keep))
    _buttons_on_last_edit(steps, source.buttons)
    if mode is EditMode.found and source.pin:
        pinned = ids[1] if source.separate_photo and len(ids) > 1 else ids[0]
        steps.append(Step(Action.unpin, message_id=pinned))
    return tuple(steps)


def _edit_texts(ids: list[int], texts: list[str]) -> list[Step]:
    if not texts:
        raise BroadcastError(BroadcastProblem.edit_empty)
    if len(texts) > len(ids):
        raise BroadcastError(BroadcastProblem.edit_too_long, needed=len(texts), had=len(ids))
    steps = [Step(Action.edit_text, t, message_id=i) for i, t in zip(ids, texts, strict=False)]
    steps += [Step(Action.delete, message_id=i) for i in ids[len(texts) :]]  # now surplus
    return steps


def _buttons_on_last_edit(steps: list[Step], buttons: Buttons) -> None:
    """An edit without buttons would drop the copy's buttons: keep them on its last message."""
    edits = [n for n, s in enumerate(steps) if s.action in (Action.edit_text, Action.edit_caption)]
    if edits and buttons:
        steps[edits[-1]] = replace(steps[edits[-1]], buttons=buttons)


def _caption(text: str) -> str:
    return cut_once(text.strip(), CAPTION_LIMIT)[0]
