"""The child process that renders broadcast templates (started by broadcasts/rendering.py).

It is run as a script (`python -I template_worker.py`), so it imports nothing of the project:
only the standard library and Jinja2. One request per line on stdin, one answer per line on
stdout, both JSON:

    {"text": "...", "contexts": [{...}, ...], "cpu_seconds": 1.0, "max_chars": 4096}
    [{"text": "..."} | {"problem": "template_slow" | "template_too_long" | "template_failed",
                        "detail": "..."}, ...]

What bounds a render, one context at a time:
- CPU time: an ITIMER_PROF timer (user + system CPU of this process) set to `cpu_seconds`
  raises `CpuLimit` between two bytecodes of the render, however the template loops;
- output size: the render is drained chunk by chunk from `Template.generate()` and stopped as
  soon as it passes `max_chars`; `*` on a string or list is checked before it runs, and `**`
  with a large exponent is refused, so that neither builds a huge value in one C call;
- memory: RLIMIT_AS caps the process (a MemoryError is an answer like any other).
Whatever escapes these (a C call that runs long) is the parent's to stop: it waits a bounded
time for each answer and kills this process if none comes.
"""

from __future__ import annotations

import json
import resource
import signal
import sys
from functools import lru_cache
from types import FrameType
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

MEMORY_BYTES = 1 << 30
MAX_EXPONENT = 256


class CpuLimit(BaseException):
    """Raised by the CPU timer's signal; a BaseException so no `except Exception` swallows it."""


class OutputLimit(BaseException):
    """The render grew past the size allowed."""


class BoundedEnvironment(SandboxedEnvironment):
    """Jinja2's sandbox, with `*` and `**` checked before they build their result."""

    intercepted_binops = frozenset({"*", "**"})
    max_chars = 4096

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int):
                    if len(seq) * times > self.max_chars:
                        raise OutputLimit
        if operator == "**" and isinstance(right, int) and abs(right) > MAX_EXPONENT:
            raise CpuLimit
        return super().call_binop(context, operator, left, right)


ENVIRONMENT = BoundedEnvironment(undefined=StrictUndefined, autoescape=False)


def _padding_checked(name: str) -> Any:
    """A filter that pads to a width (`center`, `indent`), refused before it builds a huge text.

    Left alone, `'网格' | center(10 ** 8)` allocates 200 MB in one C call: whether the CPU timer
    or the memory cap stops it first depends on the machine's load, so the reason would vary.
    """
    padding = ENVIRONMENT.filters[name]

    def checked(value: Any, *args: Any, **kwargs: Any) -> Any:
        width = args[0] if args else kwargs.get("width")
        if isinstance(width, int) and width > ENVIRONMENT.max_chars:
            raise OutputLimit
        return padding(value, *args, **kwargs)

    return checked


for _name in ("center", "indent"):
    ENVIRONMENT.filters[_name] = _padding_checked(_name)


@lru_cache(maxsize=16)
def _template(text: str) -> Template:
    return ENVIRONMENT.from_string(text)


def _on_cpu_limit(_signum: int, _frame: FrameType | None) -> None:
    raise CpuLimit


def render_one(text: str, context: dict[str, Any], cpu_seconds: float) -> dict[str, Any]:
    """One context's text, or the problem that stopped it."""
    signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
    try:
        parts: list[str] = []
        size = 0
        for chunk in _template(text).generate(**context):
            size += len(chunk)
            if size > ENVIRONMENT.max_chars:
                raise OutputLimit
            parts.append(chunk)
        return {"text": "".join(parts)}
    except CpuLimit:
        return {"problem": "template_slow"}
    except (OutputLimit, MemoryError):
        return {"problem": "template_too_long"}
    except TemplateError as exc:
        return {"problem": "template_failed", "detail": exc.message or type(exc).__name__}
    except Exception as exc:  # e.g. arithmetic on a name: the template's fault
        return {"problem": "template_failed", "detail": f"{type(exc).__name__}: {exc}"}
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def answer(request: dict[str, Any]) -> list[dict[str, Any]]:
    ENVIRONMENT.max_chars = int(request["max_chars"])
    cpu_seconds = float(request["cpu_seconds"])
    results = []
    for context in request["contexts"]:
        try:
            results.append(render_one(request["text"], context, cpu_seconds))
        except CpuLimit:  # the timer fired just as the render ended
            results.append({"problem": "template_slow"})
    return results


def main() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = MEMORY_BYTES if hard == resource.RLIM_INFINITY else min(MEMORY_BYTES, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    signal.signal(signal.SIGPROF, _on_cpu_limit)
    for line in sys.stdin:
        results = answer(json.loads(line))
        sys.stdout.write(json.dumps(results, ensure_ascii=False) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
