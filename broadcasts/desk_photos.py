"""A photo uploaded at the web console's 群发 desk, kept as a local file for the broadcast.

A broadcast's `photo` is what the platform's sender is given: a Telegram file id, or a local
path, which channels/telegram/sender.py uploads once and then reuses by its file id for every
other group. So an upload is written under the console's photo folder, named by its content
(the same picture twice is one file), and the broadcast stores that path. The file must be
readable by the process that runs the broadcast engine (the same server).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from models.access import Refused

MAX_PHOTO_BYTES = 10 * 1024 * 1024  # Telegram's limit for a photo sent by upload
_SIGNATURES = (  # what Telegram shows as a photo, by the file's first bytes
    (b"\xff\xd8\xff", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
)


def photo_suffix(data: bytes) -> str | None:
    """The file's kind by its content (JPEG, PNG or WebP), whatever its name says."""
    for signature, suffix in _SIGNATURES:
        if data.startswith(signature):
            return suffix
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return None


def store_upload(directory: Path, data: bytes, file_name: str) -> str:
    """The path of the stored upload, to be the broadcast's `photo`; Refused("photo_empty"),
    Refused("photo_too_big", limit_mb=10) or Refused("photo_not_image", name=file_name)."""
    if not data:
        raise Refused("photo_empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise Refused("photo_too_big", limit_mb=MAX_PHOTO_BYTES // (1024 * 1024))
    suffix = photo_suffix(data)
    if suffix is None:
        raise Refused("photo_not_image", name=file_name)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory.resolve() / f"{hashlib.sha256(data).hexdigest()}{suffix}"
    if not path.exists():
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(data)
        partial.replace(path)  # whole or absent: the sender never reads half a picture
    return str(path)
