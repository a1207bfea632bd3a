"""Assembling the aiogram Bot and Dispatcher with the singletons handlers receive."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.middlewares import (
    AccessMiddleware,
    ActorMiddleware,
    AuditMiddleware,
    DbSessionMiddleware,
)
from bot.policy import ticket_policy
from broadcasts import BroadcastEngine, EngineConfig, RateLimiter
from channels.telegram.sending import attach_budget
from channels.telegram.session import bot_session
from classify.classifier import DEFAULT_DICTIONARY, default_model
from classify.decide import Thresholds
from classify.learned import LinearModel
from classify.reloading import ReloadingClassifier
from core.clock import Clock
from core.config import Settings
from handlers import get_routers
from handlers.notices import Notifier
from outbox.courier import Courier

# Updates the bot must hear even before any handler asks for them.
BASE_UPDATE_TYPES = ("message", "edited_message", "callback_query", "my_chat_member")


def build_bot(settings: Settings, budget: RateLimiter | None = None) -> Bot:
    """The bot; `budget`: its send budget, shared by every sender (bot/sending.py)."""
    bot = Bot(
        token=settings.require_token(),
        session=bot_session(settings.telegram.api_base),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    if budget is not None:
        attach_budget(bot, budget)
    return bot


def build_budget(settings: Settings) -> RateLimiter:
    """One send budget per bot: broadcasts, ticket notices and replies share Telegram's
    limits (the engine's global rate is the whole budget)."""
    conf = settings.broadcasts
    margin = EngineConfig().safety_margin
    return RateLimiter(conf.global_per_second, conf.per_chat_per_minute, margin=margin)


def build_classifier(settings: Settings) -> ReloadingClassifier:
    """The dictionary (followed on edits) and, unless switched off, the learned model."""
    path = settings.tickets.dictionary or str(DEFAULT_DICTIONARY)
    conf = settings.classify
    if not conf.learned:
        return ReloadingClassifier(path)
    model = LinearModel.load(conf.model) if conf.model else default_model()
    thresholds = Thresholds(
        conf.urgent_open, conf.urgent_review, conf.open, conf.review, conf.urgent_hint
    )
    return ReloadingClassifier(path, model=model, thresholds=thresholds)


def build_dispatcher(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    notifier: Notifier,
    broadcasts: BroadcastEngine,
    courier: Courier,
) -> Dispatcher:
    dp = Dispatcher(
        settings=settings,
        clock=clock,
        session_factory=session_factory,
        classifier=build_classifier(settings),
        policy=ticket_policy(settings.tickets),
        notifier=notifier,
        broadcasts=broadcasts,
        courier=courier,
    )

    def committed() -> None:  # what an update wrote may be sent now
        courier.wake()
        broadcasts.notify()

    dp.update.outer_middleware(DbSessionMiddleware(session_factory, clock, committed))
    dp.update.outer_middleware(ActorMiddleware())  # after: loads in the update's session
    dp.update.outer_middleware(AuditMiddleware(session_factory, clock))  # after: uses both
    access = AccessMiddleware()  # inner: around every message and button handler of every router
    dp.message.middleware(access)
    dp.callback_query.middleware(access)
    dp.include_routers(*get_routers())
    return dp


def allowed_updates(dp: Dispatcher) -> list[str]:
    return sorted(set(dp.resolve_used_update_types()) | set(BASE_UPDATE_TYPES))
