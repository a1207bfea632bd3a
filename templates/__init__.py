"""The one Jinja2 environment for every message the bot sends (HTML parse mode, autoescaped).

A resident named in a group is named through the filter `masked` (core/names.py: 王秀英 →
王**): `{{ ticket.reporter_name | masked }}`; group templates never print a resident's full name.

Every enum of core/vocabulary.py is a global, so a template reads a value's label as
`{{ t.status.label }}` and compares with a member, `{% if t.category == Category.SAFETY %}`;
no template spells a label or a value list of its own.

It is built on the first render: a process that never renders a message (a CLI command, the
broadcast engine sending plain texts) does not load Jinja2 at all.
"""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATE_DIR = Path(__file__).parent


@lru_cache(maxsize=1)
def environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from core.names import masked_name
    from core.text import NOTICE_QUOTE_LIMIT, quotation
    from core.vocabulary import VOCABULARY

    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.globals.update({vocabulary.__name__: vocabulary for vocabulary in VOCABULARY})
    # People's words, repeated: cleaned and cut ("…") to a set length, in a group or a list
    # (`words`) or in a staff member's private notice (`detail`); `words(24)` for a table cell.
    env.filters["words"] = quotation
    env.filters["detail"] = lambda text: quotation(text, NOTICE_QUOTE_LIMIT)
    env.filters["masked"] = masked_name
    return env


def render(template: str, /, **context: Any) -> str:
    """Render `template`.j2 and strip the surrounding whitespace templates tend to leave."""
    return environment().get_template(f"{template}.j2").render(**context).strip()


def render_plain(template: str, /, **context: Any) -> str:
    """`render` for plain text (a log line, the CLI, a delivery report): no HTML entities."""
    return html.unescape(render(template, **context))
