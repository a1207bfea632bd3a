"""A local Telegram Bot API emulator for tests and demos.

``BotAPIEmulator`` serves the real Bot API wire protocol on ``/bot{token}/{method}`` plus a
JSON control API under ``/control``; ``EmulatorClient`` drives the control API over HTTP.
"""

from .client import EmulatorClient, EmulatorControlError
from .server import BotAPIEmulator

__all__ = ["BotAPIEmulator", "EmulatorClient", "EmulatorControlError"]
