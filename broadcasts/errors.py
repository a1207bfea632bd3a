"""The one error a caller of the broadcast services handles."""


class BroadcastError(ValueError):
    """A broadcast that cannot be created as asked; the message says why (may be shown as is)."""
