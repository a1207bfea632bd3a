"""CSV cells that a spreadsheet will not run: OWASP's rule against formula injection.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a
leading `'`, so Excel, LibreOffice and WPS show it as text (a resident's report
`=cmd|' /C calc'!A0` stays words). Files the project reads back (the tree file) drop that quote
again with `restore`, so an export imports unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe(cell: str) -> str:
    return "'" + cell if cell.startswith(DANGEROUS) else cell


def safe_row(cells: Iterable[str]) -> list[str]:
    return [safe(cell) for cell in cells]


def restore(cell: str) -> str:
    """The text `safe` was given: a quote in front of a dangerous first character goes."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(DANGEROUS) else cell
