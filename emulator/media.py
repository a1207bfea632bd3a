"""Fake photos and documents with Telegram-shaped file ids."""

from __future__ import annotations

from typing import Any

from .errors import bad_request
from .params import UploadedFile
from .state import EmulatorState

PHOTO_SIZES = ((90, 68), (320, 240), (800, 600), (1280, 960))
FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def make_photo(state: EmulatorState, data: bytes | None = None) -> list[dict[str, Any]]:
    payload = data or FAKE_JPEG
    sizes: list[dict[str, Any]] = []
    for index, (width, height) in enumerate(PHOTO_SIZES):
        stored = state.store_file(payload, "photos", "jpg")
        share = (index + 1) / len(PHOTO_SIZES)
        sizes.append(
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": max(1, int(len(payload) * share)),
                "width": width,
                "height": height,
            }
        )
    for size in sizes:
        state.photo_sets[size["file_id"]] = sizes
    return sizes


def resolve_photo(state: EmulatorState, source: UploadedFile | str) -> list[dict[str, Any]]:
    if isinstance(source, UploadedFile):
        if not source.data:
            raise bad_request("file must be non-empty")
        return make_photo(state, source.data)
    if source.startswith(("http://", "https://")):
        return make_photo(state)
    sizes = state.photo_sets.get(source)
    if sizes is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return sizes


def resolve_document(state: EmulatorState, source: UploadedFile | str) -> dict[str, Any]:
    if isinstance(source, str):
        known = state.documents.get(source)
        if known is not None:
            return known
        if not source.startswith(("http://", "https://")):
            raise bad_request("wrong file identifier/HTTP URL specified")
        name = source.rsplit("/", 1)[-1] or "file"
        source = UploadedFile(name, "application/octet-stream", b"downloaded")
    elif not source.data:
        raise bad_request("file must be non-empty")
    extension = source.filename.rsplit(".", 1)[-1] if "." in source.filename else "bin"
    stored = state.store_file(source.data, "documents", extension)
    document = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_name": source.filename,
        "mime_type": source.content_type or "application/octet-stream",
        "file_size": len(source.data),
    }
    state.documents[stored.file_id] = document
    return document
