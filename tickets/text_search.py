"""The ticket board's text search: a case-insensitive substring of the ticket's text, and
`#123` for ticket 123.

On PostgreSQL two indexes serve it: the trigram index (migration 0012) the ILIKE of a query
of three characters or more; for a shorter one, which holds no trigram, the index of each
ticket's characters and character pairs (`ticket_text_grams`, migration 0016) finds the
tickets whose grams hold the query, and a substring test stays as the exact test (strpos,
not the ILIKE: see HeldByGrams). SQLite has neither index and scans with the plain ILIKE.

Patterns are inline, not bound parameters: a cached generic plan cannot see the pattern and
scans every row instead of using an index (asyncpg prepares each statement).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import col, or_

from models.tickets import Ticket

SHORTEST_TRIGRAM_QUERY = 3
_SEPARATOR = "\x01"  # ticket_text_grams splits on it: a pair holding it is not indexed whole


def text_search(text: str) -> ColumnElement[bool]:
    """Tickets whose text contains `text` (any case); `#123` also finds ticket 123."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern: BindParameter[str] = bindparam("search", f"%{escaped}%", literal_execute=True)
    found: ColumnElement[bool] = col(Ticket.text).ilike(pattern, escape="\\")
    if len(text) < SHORTEST_TRIGRAM_QUERY and _SEPARATOR not in text:
        gram: BindParameter[str] = bindparam("search_gram", text, literal_execute=True)
        found = HeldByGrams(col(Ticket.text), gram, found)
    number = text[1:] if text.startswith("#") else ""
    if number.isascii() and number.isdigit() and len(number) < 10:
        return or_(found, col(Ticket.id) == int(number))
    return found


class HeldByGrams(FunctionElement[bool]):
    """A short query's test: `found` (the ILIKE) on other databases; on PostgreSQL the
    tickets whose grams hold the whole query, `ticket_text_grams(text) @> ARRAY[lower(q)]`
    (the gram index), then `strpos(lower(text), lower(q)) > 0`, the same test as the ILIKE
    (which lower-cases both sides too). Not the ILIKE itself: the planner would also read the
    trigram index for it, all of it, as it holds no trigram of the query (0.4 to 0.8 s on a
    million tickets), and would take the two tests as independent, guessing a hundred times
    too few rows. Its arguments are (text column, query, found)."""

    type = Boolean()
    name = "held_by_grams"
    inherit_cache = True


@compiles(HeldByGrams)
def _plain(element: HeldByGrams, compiler: SQLCompiler, **kw: Any) -> str:
    *_, found = element.clauses
    return compiler.process(found, **kw)


@compiles(HeldByGrams, "postgresql")
def _with_grams(element: HeldByGrams, compiler: SQLCompiler, **kw: Any) -> str:
    column, query, _ = (compiler.process(c, **kw) for c in element.clauses)
    grams = f"ticket_text_grams({column}) @> ARRAY[lower({query})]"
    return f"({grams} AND strpos(lower({column}), lower({query})) > 0)"
