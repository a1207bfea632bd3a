"""One platform call of a delivery: send a part, edit, delete or unpin a message.

A copy of a broadcast in one group is a short list of steps (broadcasts/plans.py); the engine
runs them in order, one rate-limit slot each, and records the ids of the messages sent or
edited. Steps are data, so a plan is built once per broadcast and shared by every group.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from channels.port import BadRequest, Buttons, Sender


class Action(enum.StrEnum):
    send_text = "send_text"
    send_photo = "send_photo"
    edit_text = "edit_text"
    edit_caption = "edit_caption"
    delete = "delete"
    unpin = "unpin"

    @property
    def sends(self) -> bool:
        return self in (Action.send_text, Action.send_photo)


@dataclass(frozen=True)
class Step:
    action: Action
    text: str | None = None  # the text, caption or new text
    photo: str | None = None
    message_id: int = 0  # the message edited, deleted or unpinned
    pin: bool = False
    buttons: Buttons = ()
    fallback: Step | None = None  # done instead when the platform refuses this step


@dataclass(frozen=True)
class StepResult:
    message_id: int | None = None  # a message sent or edited (None: deleted, unpinned)
    note: str | None = None  # done, with a remark for the report (e.g. not pinned)


def send_text(text: str, *, pin: bool = False, buttons: Buttons = ()) -> Step:
    return Step(Action.send_text, text=text, pin=pin, buttons=buttons)


def send_photo(
    photo: str, caption: str | None, *, pin: bool = False, buttons: Buttons = ()
) -> Step:
    return Step(Action.send_photo, text=caption, photo=photo, pin=pin, buttons=buttons)


async def perform(sender: Sender, step: Step, chat_id: int) -> StepResult:
    """Run one step; platform errors propagate (channels/port.py) except the harmless ones:
    a message already deleted counts as deleted, a refused unpin is only noted."""
    action = step.action
    if action is Action.send_text:
        sent = await sender.send_text(chat_id, step.text or "", pin=step.pin, buttons=step.buttons)
    elif action is Action.send_photo:
        assert step.photo is not None
        sent = await sender.send_photo(
            chat_id, step.photo, caption=step.text, pin=step.pin, buttons=step.buttons
        )
    elif action is Action.edit_text:
        await sender.edit_text(chat_id, step.message_id, step.text or "", buttons=step.buttons)
        return StepResult(step.message_id)
    elif action is Action.edit_caption:
        await sender.edit_caption(chat_id, step.message_id, step.text or "", buttons=step.buttons)
        return StepResult(step.message_id)
    elif action is Action.delete:
        try:
            await sender.delete_message(chat_id, step.message_id)
        except BadRequest as exc:
            if "not found" not in exc.reason:  # gone already (a retry after a crash)
                raise
        return StepResult()
    else:
        try:
            await sender.unpin(chat_id, step.message_id)
        except BadRequest as exc:
            return StepResult(note=f"not unpinned: {exc.reason}")
        return StepResult()
    note = f"not pinned: {sent.pin_error}" if sent.pin_error else None
    return StepResult(sent.message_id, note)
