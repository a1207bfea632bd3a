"""Polls (群众满意度测评): options as officials type them, one answer per person, the roll-up."""

from __future__ import annotations

import enum
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, func, select

from broadcasts.branches import load_targets
from models.broadcasts import Broadcast, BroadcastKind, PollAnswer
from models.group_service import group_by_chat
from models.tree import Node

DEFAULT_OPTIONS = ("满意", "基本满意", "不满意")
DEFAULT_WORD = "默认"
MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_OPTION_LENGTH = 30  # a button label people can still read on a phone


class OptionsProblem(enum.StrEnum):
    too_few = "too_few"
    too_many = "too_many"
    too_long = "too_long"
    repeated = "repeated"


class OptionsError(ValueError):
    def __init__(self, problem: OptionsProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def parse_options(text: str) -> list[str]:
    """One option per non-empty line, 2–10 distinct ones; "默认" gives 满意/基本满意/不满意."""
    if text.strip() == DEFAULT_WORD:
        return list(DEFAULT_OPTIONS)
    options = [line.strip() for line in text.splitlines() if line.strip()]
    if len(options) < MIN_OPTIONS:
        raise OptionsError(OptionsProblem.too_few)
    if len(options) > MAX_OPTIONS:
        raise OptionsError(OptionsProblem.too_many)
    if any(len(o) > MAX_OPTION_LENGTH for o in options):
        raise OptionsError(OptionsProblem.too_long)
    if len(set(options)) != len(options):
        raise OptionsError(OptionsProblem.repeated)
    return options


def poll_options(broadcast: Broadcast) -> list[str]:
    """The option labels of a poll broadcast (empty for any other kind)."""
    if broadcast.kind is not BroadcastKind.poll or not broadcast.options:
        return []
    return [str(o) for o in json.loads(broadcast.options)]


class VoteStatus(enum.StrEnum):
    recorded = "recorded"
    already = "already"  # answered before: the first answer stands
    unknown = "unknown"  # no such poll, or no such option


@dataclass(frozen=True)
class Vote:
    status: VoteStatus
    label: str = ""  # the option this person's answer is (now) recorded under


async def record_vote(
    session: AsyncSession,
    broadcast_id: int,
    user_id: int,
    chat_id: int,
    option: int,
    now: datetime,
) -> Vote:
    """Record `user_id`'s answer, once per person and poll; a second press changes nothing."""
    broadcast = await session.get(Broadcast, broadcast_id)
    options = poll_options(broadcast) if broadcast is not None else []
    if not 0 <= option < len(options):
        return Vote(VoteStatus.unknown)
    earlier = await _answer_of(session, broadcast_id, user_id)
    if earlier is not None:
        return Vote(VoteStatus.already, options[earlier.option])
    group = await group_by_chat(session, chat_id)
    answer = PollAnswer(
        broadcast_id=broadcast_id,
        user_id=user_id,
        group_id=group.id if group else None,
        option=option,
        answered_at=now,
    )
    try:
        async with session.begin_nested():  # a concurrent second press loses here, cleanly
            session.add(answer)
    except IntegrityError:
        earlier = await _answer_of(session, broadcast_id, user_id)
        return Vote(VoteStatus.already, options[earlier.option] if earlier else "")
    return Vote(VoteStatus.recorded, options[option])


async def _answer_of(session: AsyncSession, broadcast_id: int, user_id: int) -> PollAnswer | None:
    result = await session.execute(
        select(PollAnswer).where(
            PollAnswer.broadcast_id == broadcast_id, PollAnswer.user_id == user_id
        )
    )
    return result.scalar_one_or_none()


@dataclass(frozen=True)
class PollBranch:
    """Answers from one part of the target (a child node, or the target's own groups)."""

    node: Node
    reached: int  # groups the poll was delivered to
    counts: list[int]  # answers per option, in option order

    @property
    def answers(self) -> int:
        return sum(self.counts)

    def shares(self) -> list[float]:
        """Each option's share of this branch's answers (0 when nobody answered)."""
        return [c / self.answers if self.answers else 0.0 for c in self.counts]


@dataclass(frozen=True)
class PollResults:
    broadcast: Broadcast
    path: str
    options: list[str]
    total: PollBranch
    branches: list[PollBranch]  # the target's children by code, then its own groups


async def poll_results(session: AsyncSession, broadcast_id: int) -> PollResults:
    """Answers per option: the target's total and per child node, with the groups reached."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.kind is not BroadcastKind.poll:
        raise LookupError(f"no poll {broadcast_id}")
    options = poll_options(broadcast)
    targets = await load_targets(session, broadcast)
    rows = await session.execute(
        select(col(PollAnswer.group_id), col(PollAnswer.option), func.count())
        .where(PollAnswer.broadcast_id == broadcast_id)
        .group_by(col(PollAnswer.group_id), col(PollAnswer.option))
    )
    counts: dict[int, Counter[int]] = {}
    for group_id, option, count in rows.all():
        branch = targets.branch_of_group.get(group_id) if group_id is not None else None
        if branch is not None and 0 <= option < len(options):
            counts.setdefault(branch, Counter())[int(option)] += int(count)
    branches = [
        PollBranch(
            node=node,
            reached=targets.reached[node.id or 0],
            counts=[counts.get(node.id or 0, Counter())[i] for i in range(len(options))],
        )
        for node in targets.used_branches()
    ]
    total = PollBranch(
        node=targets.node,
        reached=sum(b.reached for b in branches),
        counts=[sum(b.counts[i] for b in branches) for i in range(len(options))],
    )
    return PollResults(broadcast, targets.path, options, total, branches)
