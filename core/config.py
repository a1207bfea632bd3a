"""Settings: a TOML file plus GRIDBOT_* environment overrides, validated into one object."""

from __future__ import annotations

import os
import re
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.vocabulary import TICKET_CATEGORIES, Category, Level, Priority, RoleKind

TELEGRAM_API = "https://api.telegram.org"
DEFAULT_CONFIG_FILE = "config.toml"
BOT_TOKEN = re.compile(r"\d+:[\w-]+")

# Short names for the overrides people set most; any key also works as GRIDBOT_SECTION__KEY.
ENV_SHORTCUTS: dict[str, tuple[str, str]] = {
    "GRIDBOT_TOKEN": ("telegram", "token"),
    "GRIDBOT_API_BASE": ("telegram", "api_base"),
    "GRIDBOT_WEBHOOK_URL": ("telegram", "webhook_url"),
    "GRIDBOT_WEBHOOK_SECRET": ("telegram", "webhook_secret"),
    "GRIDBOT_DATABASE_URL": ("database", "url"),
    "GRIDBOT_LOG_LEVEL": ("logging", "level"),
}


class ConfigError(Exception):
    """A configuration problem, worded as one line naming the key and where it came from."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TelegramSettings(Section):
    token: SecretStr | None = None
    api_base: str = TELEGRAM_API
    polling_timeout: int = Field(default=30, ge=0, le=50)
    webhook_url: str = ""
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port
    webhook_path: str = "/telegram/webhook"

    @field_validator("token")
    @classmethod
    def _token_shape(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and token.get_secret_value():
            if not BOT_TOKEN.fullmatch(token.get_secret_value()):
                raise ValueError(
                    "not a bot token (digits, a colon, then letters, from @BotFather)"
                )
        return token

    @property
    def is_official_api(self) -> bool:
        return self.api_base.rstrip("/") == TELEGRAM_API


class DatabaseSettings(Section):
    url: str = "sqlite+aiosqlite:///gridbot.db"

    @field_validator("url")
    @classmethod
    def _async_url(cls, url: str) -> str:
        return async_database_url(url)


URL_EXAMPLES = "sqlite+aiosqlite:///gridbot.db or postgresql+asyncpg://user:password@host/db"
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def async_database_url(url: str) -> str:
    """The URL with the async driver the bot runs on (`postgresql://` and `sqlite://` are
    accepted and rewritten); anything else is refused with the words to write instead."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError(f"not a database URL; write e.g. {URL_EXAMPLES}") from None
    backend = parsed.get_backend_name()
    if backend == "postgres":  # Heroku-style alias
        backend = "postgresql"
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(
            f"{backend} is not supported; only SQLite and PostgreSQL, e.g. {URL_EXAMPLES}"
        )
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ValueError("names no database file; write e.g. sqlite+aiosqlite:///gridbot.db")
    if backend == "postgresql" and not parsed.database:
        raise ValueError("names no database; write e.g. postgresql+asyncpg://user@host/gridbot")
    parsed = parsed.set(drivername=_ASYNC_DRIVERS[backend])
    return parsed.render_as_string(hide_password=False)


class BindingSettings(Section):
    token_ttl_minutes: int = Field(default=1440, ge=1)


class DeadlineSettings(Section):
    claim_minutes: int = Field(ge=1)
    resolve_minutes: int = Field(ge=1)


def _one_of(allowed: tuple[StrEnum, ...]) -> BeforeValidator:
    """Narrow an enum of core/vocabulary.py to the members a setting accepts."""
    names = [repr(a.value) for a in allowed]
    expected = f"{', '.join(names[:-1])} or {names[-1]}"

    def check(value: Any) -> Any:
        if value not in allowed:
            raise PydanticCustomError("enum", "Input should be {expected}", {"expected": expected})
        return value

    return BeforeValidator(check)


TicketCategory = Annotated[Category, _one_of(TICKET_CATEGORIES)]
AlertLevel = Annotated[Level, _one_of((Level.community, Level.town, Level.district))]
StaffRole = Annotated[RoleKind, _one_of(tuple(r for r in RoleKind if r.is_staff))]


def _default_sla() -> dict[Priority, DeadlineSettings]:
    return {
        Priority.URGENT: DeadlineSettings(claim_minutes=5, resolve_minutes=120),
        Priority.HIGH: DeadlineSettings(claim_minutes=30, resolve_minutes=480),
        Priority.NORMAL: DeadlineSettings(claim_minutes=120, resolve_minutes=2880),
    }


class TicketSettings(Section):
    dictionary: str = ""
    duplicate_window_minutes: int = Field(default=30, ge=0)
    feedback_hours: int = Field(default=48, ge=1)
    progress_to_group: bool = True
    sweep_seconds: int = Field(default=30, ge=1)
    timezone: str = "Asia/Shanghai"  # the district's; read it with core.timezone.district_zone
    missing_person_levels: list[AlertLevel] = [Level.community, Level.town]
    alert_level: AlertLevel = Level.town
    sla: dict[Priority, DeadlineSettings] = Field(default_factory=_default_sla)
    sla_by_category: dict[TicketCategory, dict[Priority, DeadlineSettings]] = {}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone (an IANA name, e.g. Asia/Shanghai)") from None
        return name


class ClassifySettings(Section):
    """The learned model beside the keyword dictionary and its decision thresholds
    (calibrated probabilities; see classify/decide.py and the README)."""

    learned: bool = True  # false: the dictionary alone, every case it finds is opened
    model: str = ""  # empty: the shipped classify/data/model.npz
    urgent_open: float = Field(default=0.9, ge=0, le=1)
    urgent_review: float = Field(default=0.2, ge=0, le=1)
    open: float = Field(default=0.85, ge=0, le=1)
    review: float = Field(default=0.4, ge=0, le=1)
    urgent_hint: float = Field(default=0.15, ge=0, le=1)


class BroadcastSettings(Section):
    # Telegram allows about 30 messages/s per bot; the rest of the budget is left for replies.
    global_per_second: int = Field(default=25, ge=1, le=1000)
    per_chat_per_minute: int = Field(default=20, ge=1, le=60)
    senders: int = Field(default=16, ge=1, le=256)


class ChecklistItem(Section):
    key: str = Field(pattern=r"^[a-z0-9_]{1,32}$")  # stored with each mark; keep it stable
    label: str = Field(min_length=1, max_length=60)


def _default_checklist() -> list[ChecklistItem]:
    return [
        ChecklistItem(key="elderly_visit", label="走访独居老人"),
        ChecklistItem(key="fire_passage", label="巡查消防通道"),
        ChecklistItem(key="notice_board", label="更新网格公示栏"),
    ]


class WorkSettings(Section):
    checklist: list[ChecklistItem] = Field(default_factory=_default_checklist)
    handbook: str = ""
    headcount_deadline: str = Field(default="10:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    @field_validator("checklist")
    @classmethod
    def _unique_keys(cls, items: list[ChecklistItem]) -> list[ChecklistItem]:
        keys = [item.key for item in items]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise ValueError(f"checklist keys must be unique: {', '.join(twice)}")
        return items


class StatsSettings(Section):
    # Local time (HH:MM, district time zone) of the daily digest to officials and admins; "" = off.
    digest_time: str = Field(default="18:00", pattern=r"^(([01]\d|2[0-3]):[0-5]\d)?$")
    # Roles that see residents' names and phone numbers unmasked in ticket exports.
    unmasked_roles: list[StaffRole] = [RoleKind.district_official]


class ConsoleSettings(Section):
    """The web console (console/): where it listens, the base URL its login links use, and
    how long a link and an idle session last."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port
    public_url: str = Field(default="http://127.0.0.1:8080", pattern=r"^https?://[^/\s]+")
    link_minutes: int = Field(default=10, ge=1, le=1440)
    idle_hours: int = Field(default=8, ge=1, le=720)
    # Photos uploaded at the 群发 desk; the bot's process must read them (the same server).
    uploads_dir: Path = Path("console-uploads")

    @property
    def secure_cookie(self) -> bool:
        """Behind https the session cookie is marked Secure (sent over https only)."""
        return self.public_url.lower().startswith("https://")

    def link_url(self, token: str) -> str:
        return f"{self.public_url.rstrip('/')}/login/{token}"


class LoggingSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        extra="forbid", env_prefix="GRIDBOT_", env_nested_delimiter="__"
    )

    telegram: TelegramSettings = TelegramSettings()
    database: DatabaseSettings = DatabaseSettings()
    binding: BindingSettings = BindingSettings()
    tickets: TicketSettings = TicketSettings()
    classify: ClassifySettings = ClassifySettings()
    broadcasts: BroadcastSettings = BroadcastSettings()
    work: WorkSettings = WorkSettings()
    stats: StatsSettings = StatsSettings()
    console: ConsoleSettings = ConsoleSettings()
    logging: LoggingSettings = LoggingSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file arrives through init kwargs (see load_settings), so env wins over it.
        return (_ShortcutEnvSource(settings_cls), env_settings, init_settings)

    def require_token(self) -> str:
        """The bot token; only the emulator or a self-hosted server may run without one."""
        if self.telegram.token is not None and self.telegram.token.get_secret_value():
            return self.telegram.token.get_secret_value()
        if self.telegram.is_official_api:
            raise ConfigError(
                "telegram.token: missing; set it in the config file or GRIDBOT_TOKEN "
                "(get one from @BotFather)"
            )
        return "123456:TEST-TOKEN"


class _ShortcutEnvSource(PydanticBaseSettingsSource):
    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for env_name, (section, key) in ENV_SHORTCUTS.items():
            if env_name in os.environ:
                data.setdefault(section, {})[key] = os.environ[env_name]
        return data


def load_settings(path: str | Path | None = None) -> Settings:
    """Load the file (if any) and the environment; raise ConfigError with one clear line."""
    file = Path(path) if path is not None else Path(DEFAULT_CONFIG_FILE)
    data: dict[str, Any] = {}
    if file.exists():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config error in {file}: not valid TOML: {exc}") from exc
    elif path is not None:
        raise ConfigError(f"config error: file {file} does not exist")
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, file, data)) from exc


def _describe(exc: ValidationError, file: Path, data: dict[str, Any]) -> str:
    # A misspelt key shows up twice (unknown key, required key missing): name the misspelling.
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    err = errors[0]
    loc = tuple(part for part in err["loc"] if part != "[key]")
    key = ".".join(str(part) for part in loc)
    where = loc[:-1] if err["type"] == "missing" else err["loc"]
    origin = str(file) if _in_file(data, where) else "the GRIDBOT_* environment"
    if err["type"] == "extra_forbidden":
        reason = "unknown key"
    else:
        shown = err.get("input")
        hidden = any(word in key for word in ("token", "secret", "url"))  # a URL has a password
        plain = hidden or err["type"] == "missing" or isinstance(shown, dict | SecretStr)
        message = err["msg"].removeprefix("Value error, ")
        reason = message if plain else f"{message} (got {shown!r})"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"config error in {origin}: {key}: {reason}{more}"


def _in_file(data: Any, loc: tuple[Any, ...]) -> bool:
    for part in loc:
        if part == "[key]":  # pydantic's mark for a dict key: the key itself is the part before
            break
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]  # an item of a list, e.g. stats.unmasked_roles.0
        else:
            return False
    return True
