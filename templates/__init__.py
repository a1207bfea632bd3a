"""The one Jinja2 environment for every message the bot sends (HTML parse mode, autoescaped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATE_DIR = Path(__file__).parent

env = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)


def render(template: str, /, **context: Any) -> str:
    """Render `template`.j2 and strip the surrounding whitespace templates tend to leave."""
    return env.get_template(f"{template}.j2").render(**context).strip()
