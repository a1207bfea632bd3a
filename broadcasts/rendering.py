"""Broadcast templates rendered off the event loop, in a child process, within limits.

A template is code its author wrote: six nested loops are 222 characters and run for minutes,
`{{ "通知" * 20000 }}` is one line and 40,000 characters. So every render, at preview, at
creation and per group at send time, goes to one child process (broadcasts/template_worker.py)
that stops it after `CPU_SECONDS` of CPU time or once its output passes `output_limit(text)`
characters; the bot only waits, in a thread, for the answer. Should the child not answer in
time (a single C call the CPU timer cannot interrupt), it is killed and a fresh one started on
the next request; a thread could not be stopped, a process can.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import selectors
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from broadcasts.errors import BroadcastError, BroadcastProblem
from broadcasts.split import TEXT_LIMIT

log = logging.getLogger("gridbot.broadcasts")

CPU_SECONDS = 0.5  # CPU time per group's render (a plain template needs well under 1 ms)
GROWTH = 1000  # a template may render this much longer than itself (or TEXT_LIMIT)
STARTUP_SECONDS = 10.0  # a fresh child's start (Python and Jinja2) on a busy machine
WALL_PER_CPU = 3.0  # wall time allowed per CPU second before the child counts as stuck
WORKER = Path(__file__).with_name("template_worker.py")


def output_limit(text: str) -> int:
    """The most characters one group's copy of template `text` may have."""
    return max(TEXT_LIMIT, len(text) + GROWTH)


class TemplateRenderer:
    """The child process and the one lock that gives it one request at a time."""

    def __init__(self, cpu_seconds: float = CPU_SECONDS) -> None:
        self.cpu_seconds = cpu_seconds
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None

    async def render(
        self, text: str, contexts: Sequence[Mapping[str, Any]]
    ) -> list[str | BroadcastError]:
        """Each context's text, or the BroadcastError that refused it, in order."""
        if not contexts:
            return []
        return await asyncio.to_thread(self._render, text, list(contexts))

    def _render(self, text: str, contexts: list[Mapping[str, Any]]) -> list[str | BroadcastError]:
        limit = output_limit(text)
        request = {
            "text": text,
            "contexts": contexts,
            "cpu_seconds": self.cpu_seconds,
            "max_chars": limit,
        }
        wait = len(contexts) * self.cpu_seconds * WALL_PER_CPU + 1.0
        with self._lock:
            answers = self._exchange(json.dumps(request, ensure_ascii=False), wait)
        if answers is None or len(answers) != len(contexts):
            return [self._slow()] * len(contexts)
        return [self._result(answer, limit) for answer in answers]

    def _exchange(self, request: str, wait: float) -> list[dict[str, Any]] | None:
        """The child's answer, or None after killing a child that gave none in time."""
        process, fresh = self._running()
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(request.encode() + b"\n")
            process.stdin.flush()
            line = _read_line(process.stdout, wait + (STARTUP_SECONDS if fresh else 0.0))
        except OSError:  # the child died under the request
            line = None
        if line is None:
            log.warning("template renderer gave no answer in time: killed, a new one will start")
            self.close()
            return None
        answers: list[dict[str, Any]] = json.loads(line)
        return answers

    def _running(self) -> tuple[subprocess.Popen[bytes], bool]:
        if self._process is not None and self._process.poll() is None:
            return self._process, False
        self._process = subprocess.Popen(
            [sys.executable, "-I", str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        return self._process, True

    def _slow(self) -> BroadcastError:
        return BroadcastError(BroadcastProblem.template_slow, seconds=self.cpu_seconds)

    def _result(self, answer: dict[str, Any], limit: int) -> str | BroadcastError:
        problem = answer.get("problem")
        if problem is None:
            return str(answer["text"])
        if problem == BroadcastProblem.template_slow:
            return self._slow()
        if problem == BroadcastProblem.template_too_long:
            return BroadcastError(BroadcastProblem.template_too_long, limit=limit)
        return BroadcastError(BroadcastProblem.template_failed, detail=answer.get("detail", ""))

    def close(self) -> None:
        """Stop the child (a new one starts on the next render)."""
        process, self._process = self._process, None
        if process is None:
            return
        process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:  # what was left unwritten to the dead child
                    pass


def _read_line(stream: IO[bytes], timeout: float) -> bytes | None:
    """The next line from `stream` if one starts within `timeout` seconds; None otherwise (or
    at the end of the stream)."""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout):
            return None
    return stream.readline() or None


RENDERER = TemplateRenderer()
atexit.register(RENDERER.close)
