"""Keeps `gridbot demo` from going quiet: a line on stderr whenever stdout has been silent.

Loading the bot takes seconds (longer on a busy machine), and so can a chart; the transcript on
stdout stays the same on every run, and these lines (on stderr) say the demo is still working.
Standard library only: it starts before the slow imports.
"""

from __future__ import annotations

import sys
import threading
import time

QUIET_AFTER = 3.0  # seconds of silence before a line on stderr


class Ticker:
    def __init__(self) -> None:
        self._last = time.monotonic()
        self._doing = "正在启动"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="demo-ticker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def doing(self, what: str) -> None:
        """What a line on stderr would say the demo is busy with ("": nothing, no lines)."""
        self._doing = what

    def say(self, text: str) -> None:
        """A transcript line, on stdout."""
        print(text, flush=True)
        self._last = time.monotonic()

    def _watch(self) -> None:
        started = time.monotonic()
        while not self._stop.wait(0.25):
            if self._doing and time.monotonic() - self._last >= QUIET_AFTER:
                elapsed = time.monotonic() - started
                print(f"  …{self._doing}（已运行 {elapsed:.0f} 秒）", file=sys.stderr, flush=True)
                self._last = time.monotonic()


TICKER = Ticker()
