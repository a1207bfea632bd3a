"""群发 desk, composing side: the tree picker, the form, the preview for three sample groups,
and creating the broadcast (broadcasts/desk.py, the chat's own path), which then wakes the
bot's engine or adds its date job (console/desk_hooks.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from broadcasts.desk import create_from_desk, preview_samples
from broadcasts.desk_picker import PickerNode, picker_children, picker_node_by_code
from broadcasts.errors import BroadcastError
from broadcasts.polls import OptionsError
from broadcasts.send_time import SendTimeError
from console.auditing import AUDIT, audit_as
from console.context import actor, db, now, settings
from console.desk_form import FORM_REFUSALS, BadForm, Fields, composed_of, fields_of, node_id_of
from console.desk_hooks import hooks
from console.pages import fragment, page, redirect
from core.timezone import district_zone
from models.access import Refused
from models.tree import Node

routes = web.RouteTableDef()


async def _picked(request: web.Request, code: str) -> PickerNode | None:
    return await picker_node_by_code(db(request), actor(request), code) if code else None


async def _compose_page(
    request: web.Request, fields: Fields, *, status: int = 200, **more: Any
) -> web.Response:
    """The form with the picker at `fields.node_id` (or at ?node=CODE) and what else is shown."""
    code = request.query.get("node", "").strip()
    if not code and fields.node_id.isdigit():
        node = await db(request).get(Node, int(fields.node_id))
        code = node.code if node is not None else ""
    chosen = await _picked(request, code)
    if code and chosen is None:
        more.setdefault("unknown_code", code)
    children = await picker_children(
        db(request), actor(request), chosen.node_id if chosen else None
    )
    return page(
        request,
        "console/desk_new.html",
        status=status,
        title="新建群发",
        chosen=chosen,
        children=children,
        fields=fields,
        **more,
    )


@routes.get("/broadcasts/new")
async def compose(request: web.Request) -> web.Response:
    return await _compose_page(request, Fields())


def _wants_fragment(request: web.Request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@routes.post("/broadcasts/preview")
async def preview(request: web.Request) -> web.Response:
    """The three sample groups' texts: a fragment for the page's script, else the whole form."""
    audit_as(request, "broadcast_preview")
    fields = fields_of(await request.post())
    shown: dict[str, Any] = {}
    try:
        shown["samples"] = await preview_samples(
            db(request), actor(request), node_id_of(fields), fields.text.strip()
        )
    except BroadcastError as exc:
        shown["error"] = exc
    except BadForm:
        shown["problem"] = "no_node"
    if _wants_fragment(request):
        return fragment("console/desk_preview.html", **shown)
    return await _compose_page(request, fields, previewed=True, **shown)


@routes.post("/broadcasts")
async def create(request: web.Request) -> web.Response:
    form = await request.post()
    fields = fields_of(form)
    audit_as(request, "broadcast", f"node {fields.node_id}")
    shown: dict[str, Any] = {}
    try:
        broadcast = await create_from_desk(
            db(request),
            actor(request),
            composed_of(form),
            now=now(request),
            zone=district_zone(settings(request)),
            photo_dir=settings(request).console.uploads_dir,
        )
    except BroadcastError as exc:
        shown["error"] = exc
    except SendTimeError as exc:
        shown["problem"], shown["now"] = f"time_{exc.problem.value}", now(request)
    except OptionsError as exc:
        shown["problem"] = f"options_{exc.problem.value}"
    except BadForm:
        shown["problem"] = "no_node"
    except Refused as refused:
        if refused.reason not in FORM_REFUSALS:
            raise
        shown["problem"], shown["facts"] = refused.reason, refused.fields
    if shown:
        _note_refused(request, str(shown.get("problem", "template")))
        return await _compose_page(request, fields, status=422, **shown)
    assert broadcast.id is not None
    audit_as(request, "broadcast", f"#{broadcast.id} node {fields.node_id}")
    await db(request).commit()
    _tell_the_bot(request, broadcast.id, broadcast.scheduled_at)
    return redirect(f"/broadcasts/{broadcast.id}")


def _note_refused(request: web.Request, reason: str) -> None:
    note = request.get(AUDIT)
    if note is not None:
        note.refused(reason)


def _tell_the_bot(request: web.Request, number: int, at: datetime | None) -> None:
    found = hooks(request)
    if found is None:
        return
    if at is None:
        found.sent(number)
    else:
        found.scheduled(number, at)
