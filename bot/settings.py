"""Configuration from `LIAISON_*` environment variables and an optional `.env` file."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LANGUAGES = ("en", "ar", "zh", "fr", "ru", "es")


class SmtpSecurity(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class DemoAnswer(StrEnum):
    YES = "yes"
    NO = "no"


class ConfigError(Exception):
    """A configuration value is wrong or missing; the message names the variable and what it expects."""


class Settings(BaseSettings):
    """Everything Liaison reads from its environment. Secrets are `SecretStr` so they never print."""

    model_config = SettingsConfigDict(
        env_prefix="LIAISON_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "LIAISON_BOT_TOKEN")
    )
    bot_api_url: str = "https://api.telegram.org/bot"
    bot_file_url: str = "https://api.telegram.org/file/bot"

    data_dir: Path = Path(".data")
    database_url: str | None = None
    data_keys: SecretStr | None = None
    index_key: SecretStr | None = None
    key_file: Path | None = None

    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: Annotated[int, Field(ge=1, le=65535)] = 8443

    http_host: str = "127.0.0.1"
    http_port: Annotated[int, Field(ge=0, le=65535)] = 8080
    public_base_url: str = "http://127.0.0.1:8080"

    smtp_host: str | None = None
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: SmtpSecurity = SmtpSecurity.STARTTLS
    smtp_timeout: Annotated[float, Field(gt=0)] = 30.0
    email_from: str = "Liaison <liaison@localhost>"

    staff_chat_id: int | None = None
    default_language: str = "en"
    telegram_rate: Annotated[float, Field(gt=0, le=1000)] = 25.0
    # People whose updates are handled at the same moment; more wait their turn (answered late, not
    # failed). The database pool is sized from it, so a handler never waits for a connection.
    updates_at_once: Annotated[int, Field(ge=1, le=128)] = 32
    log_level: str = "INFO"
    # The sandbox's offer of demo data on a first start, answered without asking (LIAISON_DEMO=yes|no).
    demo: DemoAnswer | None = None

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith(("postgresql://", "postgres://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("a sqlite+aiosqlite:/// or postgresql+asyncpg:// URL")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'liaison.db'}"

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file or self.data_dir / "keys.json"

    @property
    def sandbox_mode(self) -> bool:
        """Without a bot token Liaison runs against the local fake Bot API server."""
        return self.bot_token is None


def _describe(error: dict[str, object]) -> str:
    location = error.get("loc") or ()
    field = str(location[0]) if isinstance(location, tuple) and location else "?"
    variable = "TELEGRAM_BOT_TOKEN" if field == "bot_token" else f"LIAISON_{field.upper()}"
    # pydantic's message says what was expected; the input itself is left out because it may be a secret.
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{variable}: {message}"


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation failures into one clear line per variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [_describe(dict(error)) for error in exc.errors(include_input=False)]
        raise ConfigError("configuration error: " + "; ".join(lines)) from None
