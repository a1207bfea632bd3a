"""The one Jinja2 environment for every message the bot sends (HTML parse mode, autoescaped).

It is built on the first render: a process that never renders a message (a CLI command, the
broadcast engine sending plain texts) does not load Jinja2 at all.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATE_DIR = Path(__file__).parent


@lru_cache(maxsize=1)
def environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render(template: str, /, **context: Any) -> str:
    """Render `template`.j2 and strip the surrounding whitespace templates tend to leave."""
    return environment().get_template(f"{template}.j2").render(**context).strip()
