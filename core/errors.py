"""Domain errors that carry a code and facts, never sentences: their words live in templates.

A service raises `SomeError(Problem.case, fact=value)`; a handler shows it by rendering the
error's template (`{% include "broadcast_problem.j2" %}` with `error` in the context), and
`str(error)` gives the same words as plain text for logs, the CLI and delivery reports.
"""

from __future__ import annotations

import enum
from typing import ClassVar


class WordedError(ValueError):
    """`problem` says which case; `facts` are the values its text needs (see `template`)."""

    template: ClassVar[str]  # templates/<template>.j2 words every problem, reading `error`

    def __init__(self, problem: enum.StrEnum, **facts: object) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.facts = facts

    def __str__(self) -> str:
        from templates import render_plain

        return render_plain(self.template, error=self)
