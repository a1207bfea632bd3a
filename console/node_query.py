"""What the 总览 and 网格 pages read from the query string: which node and which period.

- `?node=CODE` (any case): a node of the person's subtree; without it, their highest staff
  node (console.tickets.scope_node). An unknown code answers as one outside the scope (403):
  a page never tells which codes exist elsewhere.
- `?period=today|7d|30d` (or any period word /stats takes: 本周, 本月, 2026-11-01..2026-11-24;
  default 7d as in /stats), or `?period=range&from=DAY&to=DAY` (or from/to alone) for any
  range of local days. A bad value is a `PeriodChoice.problem` the page words next to its
  form, never an error page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from aiohttp import web

from console.context import actor, db, now, settings
from console.pages import require_covers
from console.tickets import scope_node
from core.timezone import district_zone
from models.access import Refused
from models.tree import Node
from models.tree_service import node_by_code
from stats.period import (
    DEFAULT_PERIOD,
    Period,
    PeriodError,
    PeriodProblem,
    days_period,
    parse_period,
)

INCOMPLETE = "incomplete"  # a range with only one of its two days
RANGE = "range"  # ?period=range: the days are `from` and `to`


@dataclass(frozen=True)
class PeriodChoice:
    period: Period | None
    problem: str = ""  # "" | INCOMPLETE | "period" (then `error` says why)
    error: PeriodError | None = None
    query: dict[str, str] = field(default_factory=dict)  # what links carry to keep the period

    @property
    def word(self) -> str:
        """The chosen preset (today / 7d / 30d / …), "range" for from–to."""
        return self.query.get("period", DEFAULT_PERIOD)


async def chosen_node(request: web.Request) -> Node:
    """The node `?node=` names, within the person's subtree (else 403), or their own."""
    code = request.query.get("node", "").strip()
    if not code:
        return scope_node(actor(request))
    node = await node_by_code(db(request), code)
    if node is None:
        raise Refused("scope", code=code)
    return require_covers(request, node)


def chosen_period(request: web.Request) -> PeriodChoice:
    """The period of the query string, or the problem with it."""
    tz = district_zone(settings(request))
    word = request.query.get("period", "").strip()
    first, last = (request.query.get(k, "").strip() for k in ("from", "to"))
    if word == RANGE or (not word and (first or last)):
        query = {"period": RANGE, "from": first, "to": last}
        if not (first and last):
            return PeriodChoice(None, INCOMPLETE, query=query)
        try:
            days = date.fromisoformat(first), date.fromisoformat(last)
        except ValueError:
            return _bad(PeriodError(PeriodProblem.bad_date), query)
        try:
            return PeriodChoice(days_period(*days, tz), query=query)
        except PeriodError as error:
            return _bad(error, query)
    word = word or DEFAULT_PERIOD
    try:
        return PeriodChoice(parse_period(word, now(request), tz), query={"period": word})
    except PeriodError as error:
        return _bad(error, {"period": word})


def _bad(error: PeriodError, query: dict[str, str]) -> PeriodChoice:
    return PeriodChoice(None, "period", error, query)


def query_string(node: Node | None, choice: PeriodChoice, **more: str) -> str:
    """`?node=…&period=…` (or from/to) and `more`, for links that keep the page's choice."""
    params = {"node": node.code} if node is not None else {}
    params.update(choice.query)
    params.update({k: v for k, v in more.items() if v})
    return "?" + urlencode(params)
