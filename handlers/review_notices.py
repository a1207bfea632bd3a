"""可能需要关注 notices: the message (phones masked), the guess, the group and the deadline, with
the buttons 转为工单 / 改为其他类别 / 忽略 / 误报, written to the outbox in the caller's
transaction (the courier sends them after the commit)."""

from __future__ import annotations

from datetime import tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from channels.telegram.callbacks import review_keyboard
from classify.extract import mask_phones
from core.timezone import chat_time
from handlers.common import notify_staff
from models.groups import Group
from models.reviews import Review
from models.tree import Node
from models.tree_service import ancestors_and_self, path_text
from templates import render
from tickets.delivery import REVIEW_STAFF
from tickets.events import NotifyReview


async def write_review_notice(session: AsyncSession, notice: NotifyReview, tz: tzinfo) -> None:
    review = await session.get(Review, notice.review_id)
    if review is None:
        return
    text = await review_text(session, review, tz, notice.reason.value, notice.note)
    markup = review_keyboard(notice.review_id)
    await notify_staff(
        session, notice.person_ids, text, markup, purpose=REVIEW_STAFF, ref_id=review.id
    )


async def review_text(
    session: AsyncSession, review: Review, tz: tzinfo, reason: str = "new", note: str = ""
) -> str:
    node = await session.get(Node, review.node_id)
    group = await session.get(Group, review.group_id)
    confidence = review.confidence
    return render(
        "review_staff",
        r=review,
        reason=reason,
        path=path_text(await ancestors_and_self(session, node)) if node else "",
        group=group.title if group else "",
        quote=mask_phones(review.text),
        reporter=review.reporter_name,
        note=note,
        confidence=None if confidence is None else round(confidence * 100),
        due=chat_time(review.due_at, tz) if review.due_at else "",
    )
