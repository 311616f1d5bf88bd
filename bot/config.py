"""Settings: one typed object, read from the environment and an optional ``.env``.

A wrong value stops start-up with one clear line naming the variable (see
:func:`load_settings`), never a traceback.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
#: the answer model's vectors of the packs' texts, kept between runs (the default of its setting)
EMBEDDINGS_CACHE_DIR = ROOT / "var" / "cache" / "embeddings"
TOKEN_RE = re.compile(r"^\d{3,12}:[A-Za-z0-9_-]{20,}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
#: the only ports Telegram delivers webhooks to (over HTTPS)
WEBHOOK_PORTS = (80, 88, 443, 8443)
#: this machine: a local Bot API emulator (tests, the sandbox) may call a plain http:// webhook here
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class SettingsError(Exception):
    """A setting has a wrong value; the message names the variable."""


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: str | None = Field(default=None, description="Telegram bot token")
    database_url: str = Field(default=f"sqlite+aiosqlite:///{ROOT / 'var' / 'bot.db'}")
    content_dir: Path = Field(default=ROOT / "content" / "hanoi-2025")
    #: public base URL of ``serve``; Telegram calls webhooks only over HTTPS on port 80, 88, 443
    #: or 8443 (http:// and other ports are accepted only on this machine, for a local emulator)
    webhook_url: str | None = None
    webhook_secret: str | None = None
    #: public base URL of the calendar subscriptions (/calendar/<secret>.ics); default webhook_url
    calendar_base_url: str | None = None
    #: benchmarks and rehearsals only: the bot's clock runs this many seconds ahead of (or,
    #: negative, behind) real time, at real speed; a restart with the same value continues it
    clock_offset_s: float = 0.0
    port: int = Field(default=8080, ge=1, le=65535)
    host: str = "0.0.0.0"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    #: Telegram user ids that are organisers from the first start (comma separated)
    organiser_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    #: may people without an invite use the public information (programme, FAQ)?
    open_access: bool = True
    #: Bot API base url (the emulator in the sandbox; Telegram otherwise)
    telegram_api_url: str = "https://api.telegram.org/bot"
    #: days an invite link stays valid unless told otherwise
    invite_ttl_days: int = Field(default=30, ge=1, le=3650)
    #: sandbox web chat port (python -m bot with no token)
    sandbox_port: int = Field(default=8080, ge=1, le=65535)
    #: bot username for invite links made offline (CLI); the bot asks Telegram otherwise
    bot_username: str | None = None
    #: Telegram's limits, as our sender paces itself (raise them for paid broadcasts)
    rate_overall_per_s: float = Field(default=30.0, ge=0)
    rate_private_per_s: float = Field(default=1.0, ge=0)
    rate_group_per_min: float = Field(default=20.0, ge=0)
    #: overall rate of messages sent with Telegram's allow_paid_broadcast (paid in Stars)
    rate_paid_broadcast_per_s: float = Field(default=1000.0, ge=0)
    #: a broadcast to more people than this needs a second organiser's approval (0: never)
    broadcast_approval_above: int = Field(default=500, ge=0)
    #: organisers may send a broadcast with allow_paid_broadcast (faster, paid in Telegram Stars)
    broadcast_paid_allowed: bool = False
    #: the outbox's sends handed to the HTTP client at once (128 connections): enough to reach
    #: the paid rate over Telegram's latency; the free rate keeps far fewer out
    outbox_max_in_flight: int = Field(default=200, ge=1, le=1000)
    #: requests per outbox message (timeouts, 5xx) before it is marked failed
    outbox_max_attempts: int = Field(default=8, ge=1, le=100)
    #: updates handled at once (each chat still in order)
    concurrent_updates: int = Field(default=4, ge=1, le=512)
    #: on SIGTERM, seconds the running updates and the outbox's sends in flight may take before
    #: they are cut off (updates are handled again at the next start; queued ones wait in the
    #: inbox, unsent messages in the outbox)
    shutdown_timeout_s: float = Field(default=10.0, gt=0, le=600)
    #: ask the bundled multilingual model for a second opinion on unsure questions
    semantic_answers: bool = True
    #: where the model's vectors of the pack's texts are kept between runs
    embeddings_cache_dir: Path = Field(default=EMBEDDINGS_CACHE_DIR)
    #: a chat (the operators' group, or one person) that gets a short report of each
    #: unexpected error; none: the log only
    operator_chat_id: int | None = None
    # --- liaison requests ---
    #: the liaison officers' group: requests no officer on duty covers go there (a forum topic
    #: per request when the group is a forum, else a message with a Claim button); none: supervisors
    liaison_group_chat_id: int | None = None
    #: minutes a request may stay unclaimed before it is escalated to supervisors and the group
    liaison_claim_minutes: int = Field(default=10, ge=1, le=1440)
    #: minutes a delegate's message may stay unanswered before the holder is reminded
    liaison_answer_minutes: int = Field(default=15, ge=1, le=1440)
    #: the largest photo or document a delegate or officer may pass on, in megabytes
    liaison_max_file_mb: int = Field(default=20, ge=1, le=2000)

    @field_validator("bot_token")
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        value = value.strip()
        if not TOKEN_RE.match(value):
            raise ValueError("does not look like a Telegram bot token (digits:letters)")
        return value

    @field_validator("database_url")
    @classmethod
    def _db(cls, value: str) -> str:
        value = value.strip()
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        if value.startswith("postgresql://"):
            value = "postgresql+asyncpg://" + value[len("postgresql://") :]
        if value.startswith("sqlite://") and not value.startswith("sqlite+aiosqlite://"):
            value = "sqlite+aiosqlite://" + value[len("sqlite://") :]
        if not (value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")):
            raise ValueError("must be a sqlite:// or postgresql:// URL")
        return value

    @field_validator("content_dir")
    @classmethod
    def _content(cls, value: Path) -> Path:
        path = value if value.is_absolute() else (Path.cwd() / value)
        if not (path / "event.yaml").is_file():
            raise ValueError(f"no content pack at {value} (event.yaml not found)")
        return path

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, value: str | None) -> str | None:
        if not value:
            return None
        value = value.strip()
        needs = "Telegram sends webhooks only to https:// URLs on port 80, 88, 443 or 8443"
        try:
            parts = urlsplit(value)
            port = parts.port
        except ValueError:
            raise ValueError(f"is not a URL ({needs})") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or re.search(r"\s", value):
            raise ValueError(f"must be an https:// URL ({needs})")
        if parts.hostname in LOCAL_HOSTS:
            return value  # a Bot API emulator on this machine (tests, the sandbox) takes any port, http too
        if parts.scheme != "https":
            raise ValueError(f"must start with https:// ({needs}; http:// works only with a local emulator)")
        if (port or 443) not in WEBHOOK_PORTS:
            raise ValueError(f"has port {port}: {needs} (PORT, where the server listens behind a proxy, may be any)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not SECRET_RE.match(value):
            raise ValueError("may only contain A-Z, a-z, 0-9, _ and - (1-256 characters)")
        return value

    @field_validator("operator_chat_id", "liaison_group_chat_id", mode="before")
    @classmethod
    def _operator_chat(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
            if not re.fullmatch(r"-?\d{1,20}", value):
                raise ValueError(f"'{value}' is not a Telegram chat id (a number, negative for a group)")
        return value

    @field_validator("organiser_ids", mode="before")
    @classmethod
    def _ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            for part in parts:
                if not part.isdigit():
                    raise ValueError(f"'{part}' is not a Telegram user id")
            return [int(p) for p in parts]
        if isinstance(value, int):
            return [value]
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def webhook_path(self) -> str:
        return "/telegram/webhook"


def load_settings(**overrides: object) -> Settings:
    """Read the settings; on a wrong value raise :class:`SettingsError` with one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{field.upper()}: {message}") from None
