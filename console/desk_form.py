"""The 群发 desk's compose form read into the domain's `Composed`, and what it refuses.

The form's fields: node_id, text, photo (a file), pin, read, when (now / later), send_at (a
datetime-local in district time), options (a poll's options, one a line)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from multidict import MultiDictProxy

from broadcasts.desk import Composed, Upload
from broadcasts.send_time import SendTimeError, SendTimeProblem

# Refusals shown beside the form (the scope's is the 403 page).
FORM_REFUSALS = frozenset({"poll_extras", "photo_empty", "photo_too_big", "photo_not_image"})


class BadForm(ValueError):
    """A form field that cannot be read (a missing or unknown node)."""


@dataclass(frozen=True)
class Fields:
    """What the person typed, to fill the form again after a preview or a refusal."""

    node_id: str = ""
    text: str = ""
    pin: bool = False
    read: bool = False
    later: bool = False
    send_at: str = ""
    options: str = ""


FormData = MultiDictProxy[str | bytes | bytearray | web.FileField]


def fields_of(form: FormData) -> Fields:
    def text(name: str) -> str:
        value = form.get(name, "")
        return value if isinstance(value, str) else ""

    return Fields(
        node_id=text("node_id").strip(),
        text=text("text"),
        pin=bool(text("pin")),
        read=bool(text("read")),
        later=text("when") == "later",
        send_at=text("send_at").strip(),
        options=text("options"),
    )


def node_id_of(fields: Fields) -> int:
    if not fields.node_id.isdigit():
        raise BadForm("node_id")
    return int(fields.node_id)


def send_at_of(fields: Fields) -> datetime | None:
    """The district time picked (naive), None to send now; SendTimeError if unreadable."""
    if not fields.later:
        return None
    try:
        return datetime.fromisoformat(fields.send_at)
    except ValueError:
        raise SendTimeError(SendTimeProblem.unreadable) from None


def upload_of(form: FormData) -> Upload | None:
    """The photo sent with the form; None when no file was chosen."""
    photo = form.get("photo")
    if not isinstance(photo, web.FileField) or not photo.filename:
        return None
    return Upload(photo.file.read(), photo.filename)


def composed_of(form: FormData) -> Composed:
    fields = fields_of(form)
    options = [line.strip() for line in fields.options.splitlines() if line.strip()]
    return Composed(
        node_id=node_id_of(fields),
        text=fields.text.strip(),
        upload=upload_of(form),
        pin=fields.pin,
        read=fields.read,
        send_at=send_at_of(fields),
        options=options or None,
    )
