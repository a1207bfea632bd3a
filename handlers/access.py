"""How a handler says what its refusals sound like.

A handler refuses by raising `models.access.Refused(reason, **fields)` (the rules of who may act
where are models/access.py, loaded once per update as the handler argument `actor`). The bot's
AccessMiddleware (bot/middlewares.py) catches it, replies with
`render(<the handler's refusals template>, reason=reason, **fields)` (a button press gets it as
an alert) and records `refused:<reason>` in the audit log. Each handler that can refuse is
registered with `flags=refusals("<template>")`.
"""

from __future__ import annotations

REFUSALS = "refusals"
FALLBACK = "refused"  # a refusal from a handler that declared no wording


def refusals(template: str) -> dict[str, str]:
    """Handler flags: this handler's refusals are worded by templates/<template>.j2."""
    return {REFUSALS: template}
