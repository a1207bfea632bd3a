"""Per-group broadcast texts: a text holding `{{` or `{%` is a Jinja2 template.

Variables: `group.name` (the group's title), `node.name`, `node.code`, `node.path` (names from
the district down), `worker.name` (the group's grid workers joined with 、, or 网格员). Templates
run in Jinja2's sandbox without autoescaping (broadcasts go out as plain text); a syntax error,
an unknown variable, a render that fails, takes too long or gives too much text is refused when
the broadcast is created (and at preview), naming the problem. Every render runs in a child
process within a CPU time and an output size limit (broadcasts/rendering.py), never on the
event loop; at send time the same limits hold per group.

Jinja2 is imported here on the first template only (for the checks before any render): most
broadcasts are plain text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from broadcasts.errors import BroadcastError, BroadcastProblem
from broadcasts.rendering import RENDERER
from models.groups import Group
from models.people import Person, Role, RoleKind
from models.tree import PATH_SEPARATOR, Node, lineage_ids

if TYPE_CHECKING:
    from jinja2 import Template, nodes
    from jinja2.sandbox import SandboxedEnvironment

FIELDS: dict[str, frozenset[str]] = {
    "group": frozenset({"name"}),
    "node": frozenset({"name", "code", "path"}),
    "worker": frozenset({"name"}),
}
NO_WORKER = "网格员"
Context = dict[str, dict[str, str]]


def is_template(text: str) -> bool:
    return "{{" in text or "{%" in text


def literal(text: str) -> str:
    """`text` as it must go out, never read as a template: residents' and workers' words
    quoted in a broadcast keep their meaning with the markers broken up."""
    return text.replace("{{", "{ {").replace("{%", "{ %").replace("{#", "{ #")


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    """An environment that compiles (to check) but never evaluates any of the template's code.

    Jinja2 folds constant expressions while compiling, even unoptimized: `{{ "x" * 10 ** 9 }}`
    or `{{ "x" | center(10 ** 9) }}` would be built here, on the event loop. Intercepted
    operators and filters and tests that take the context are never folded; only the child
    process (broadcasts/template_worker.py) renders."""
    from jinja2 import StrictUndefined, pass_context
    from jinja2.sandbox import SandboxedEnvironment

    @pass_context
    def not_here(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("broadcast templates are rendered in the child process only")

    class CheckingEnvironment(SandboxedEnvironment):
        intercepted_binops = frozenset(SandboxedEnvironment.default_binop_table)
        intercepted_unops = frozenset(SandboxedEnvironment.default_unop_table)

    env = CheckingEnvironment(undefined=StrictUndefined, autoescape=False, optimized=False)
    env.filters = dict.fromkeys(env.filters, not_here)
    env.tests = dict.fromkeys(env.tests, not_here)
    return env


@lru_cache(maxsize=64)
def compile_template(text: str) -> Template:
    """The checked, compiled template (cached: the engine renders one text many times)."""
    from jinja2 import TemplateSyntaxError

    env = _environment()
    try:
        _check_variables(env.parse(text))
        template = env.from_string(text)
    except TemplateSyntaxError as exc:  # also an unknown filter or test
        raise BroadcastError(
            BroadcastProblem.template_syntax, line=exc.lineno, detail=exc.message
        ) from exc
    return template


async def check_template(text: str) -> None:
    """BroadcastError unless `text` compiles and renders for a sample group within the limits
    (what only shows when it runs: a failing operation, too much time, too much text)."""
    compile_template(text)
    (rendered,) = await RENDERER.render(text, [_sample_context()])
    if isinstance(rendered, BroadcastError):
        raise rendered


async def render_texts(text: str, contexts: Sequence[Context]) -> list[str | BroadcastError]:
    """Template `text` for each context, in a child process within the limits; a context whose
    render fails gets the BroadcastError saying why."""
    return await RENDERER.render(text, contexts)


def _check_variables(tree: nodes.Template) -> None:
    """BroadcastError for the first variable the groups' contexts do not have."""
    from jinja2 import meta, nodes

    unknown = sorted(meta.find_undeclared_variables(tree) - FIELDS.keys())
    if unknown:
        raise BroadcastError(BroadcastProblem.unknown_variable, name=unknown[0])
    for found in tree.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(found, nodes.Getattr | nodes.Getitem)
        owner, attr = found.node, _attribute(found)
        if isinstance(owner, nodes.Name) and owner.name in FIELDS:
            if attr not in FIELDS[owner.name]:
                name = f"{owner.name}.{attr}"
                raise BroadcastError(BroadcastProblem.unknown_variable, name=name)
    for output in tree.find_all(nodes.Output):
        for child in output.nodes:
            if isinstance(child, nodes.Name) and child.name in FIELDS:
                raise BroadcastError(BroadcastProblem.bare_variable, name=child.name)


def _attribute(found: nodes.Getattr | nodes.Getitem) -> str:
    from jinja2 import nodes

    if isinstance(found, nodes.Getattr):
        return found.attr
    key = found.arg
    return str(key.value) if isinstance(key, nodes.Const) else "[…]"


def _sample_context() -> Context:
    return _context("示例网格群", "示例网格", "PG-00", "平谷区 › 示例网格", NO_WORKER)


def _context(group: str, name: str, code: str, path: str, workers: str) -> Context:
    return {
        "group": {"name": group},
        "node": {"name": name, "code": code, "path": path},
        "worker": {"name": workers},
    }


async def load_contexts(session: AsyncSession, group_ids: Iterable[int]) -> dict[int, Context]:
    """Group id → its template variables, in three queries for any number of groups."""
    result = await session.execute(
        select(col(Group.id), col(Group.title), Node)
        .join(Node, col(Node.id) == col(Group.node_id))
        .where(col(Group.id).in_(list(group_ids)))
    )
    rows = [(int(g or 0), str(t), n) for g, t, n in result.all()]
    names, workers = await _lineage_facts(session, [n for _, _, n in rows])
    contexts: dict[int, Context] = {}
    for group_id, title, node in rows:
        contexts[group_id] = _node_context(node, names, workers, group=title)
    return contexts


async def _lineage_facts(
    session: AsyncSession, found: Iterable[Node]
) -> tuple[dict[int, str], dict[int, list[str]]]:
    """Names of every node on the paths, and grid workers' names per node on them."""
    ids = {i for node in found for i in lineage_ids(node.lineage)}
    if not ids:
        return {}, {}
    names = {
        int(i or 0): str(n)
        for i, n in await session.execute(
            select(col(Node.id), col(Node.name)).where(col(Node.id).in_(ids))
        )
    }
    workers: dict[int, list[str]] = {}
    result = await session.execute(
        select(col(Role.node_id), col(Person.name))
        .join(Person, col(Person.id) == col(Role.person_id))
        .where(col(Role.node_id).in_(ids), col(Role.kind) == RoleKind.grid_worker)
        .order_by(col(Person.name))
    )
    for node_id, name in result.all():
        workers.setdefault(int(node_id), []).append(str(name))
    return names, workers


def _node_context(
    node: Node, names: dict[int, str], workers: dict[int, list[str]], group: str
) -> Context:
    path = lineage_ids(node.lineage)
    nearest = next((workers[i] for i in reversed(path) if i in workers), [])
    return _context(
        group,
        node.name,
        node.code,
        PATH_SEPARATOR.join(names[i] for i in path if i in names),
        "、".join(nearest) or NO_WORKER,
    )


async def preview(session: AsyncSession, text: str, node_id: int) -> str:
    """`text` as the first target group under `node_id` will read it (BroadcastError if the
    template is bad). Without any group there, the node's own name stands for the group's."""
    if not is_template(text):
        return text
    compile_template(text)
    node = await session.get(Node, node_id)
    if node is None:
        raise BroadcastError(BroadcastProblem.no_node, node_id=node_id)
    first = await session.scalar(
        select(col(Group.id))
        .join(Node, col(Node.id) == col(Group.node_id))
        .where(col(Node.lineage).startswith(node.lineage))
        .order_by(col(Node.code), col(Group.id))
        .limit(1)
    )
    if first is not None:
        context = (await load_contexts(session, [int(first)]))[int(first)]
    else:
        names, workers = await _lineage_facts(session, [node])
        context = _node_context(node, names, workers, group=node.name)
    for rendered in await render_texts(text, [_sample_context(), context]):
        if isinstance(rendered, BroadcastError):
            raise rendered
    return str(rendered)
