"""The one error a caller of the broadcast services handles, by its problem and facts."""

from __future__ import annotations

import enum

from core.errors import WordedError


class BroadcastProblem(enum.StrEnum):
    """Why a broadcast cannot be made as asked; templates/broadcast_problem.j2 words each one."""

    # A per-group template (broadcasts/personalize.py).
    template_syntax = "template_syntax"  # line, detail (Jinja2's own words)
    unknown_variable = "unknown_variable"  # name, e.g. "worker.nam"
    bare_variable = "bare_variable"  # name: `{{ node }}` instead of `{{ node.name }}`
    template_failed = "template_failed"  # detail: what went wrong when it ran
    template_broken = "template_broken"  # a stored template no longer compiles (engine)
    template_slow = "template_slow"  # seconds: the CPU time one render may take
    template_too_long = "template_too_long"  # limit: the characters one render may give
    # An edit of copies already sent (broadcasts/edits.py, broadcasts/plans.py).
    edit_empty = "edit_empty"
    edit_too_long = "edit_too_long"  # needed, had: messages
    # A poll's question and options (broadcasts/creating.py).
    options_without_poll = "options_without_poll"
    poll_without_question = "poll_without_question"
    option_count = "option_count"  # given, least, most
    option_empty = "option_empty"  # number (from 1)
    options_repeated = "options_repeated"  # options: the repeated ones
    # The caller's mistakes, never a person's.
    no_node = "no_node"  # node_id
    no_broadcast = "no_broadcast"  # broadcast_id
    edit_of_edit = "edit_of_edit"
    edit_not_created_here = "edit_not_created_here"
    no_content = "no_content"
    group_unbound = "group_unbound"  # a target group lost its node before its copy went out


class BroadcastError(WordedError):
    """A broadcast that cannot be made as asked; `problem` says why (may be shown as is)."""

    template = "broadcast_problem"

    def __init__(self, problem: BroadcastProblem, **facts: object) -> None:
        super().__init__(problem, **facts)
        self.problem: BroadcastProblem = problem
