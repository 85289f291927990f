"""`liaison doctor`: what is wrong with this installation, one line per check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiosmtplib
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from telegram import Bot
from telegram.error import InvalidToken, TelegramError

from bot.bootstrap import keyring_from
from bot.settings import Settings, SmtpSecurity
from storage.crypto.keyring import CryptoError
from storage.db import Database, KeyMismatchError
from storage.migrate import alembic_config


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str


async def check_database(settings: Settings) -> Finding:
    try:
        keyring = keyring_from(settings, create=False)
    except CryptoError as exc:
        return Finding("keys", False, str(exc))
    db = Database(settings.resolved_database_url, keyring)
    try:
        async with db.engine.connect() as connection:
            current = await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
        head = ScriptDirectory.from_config(alembic_config(db.url)).get_current_head()
        if current != head:
            return Finding(
                "database", False, f"schema is at {current or 'nothing'}, not {head}: run `liaison migrate`"
            )
        await db.verify_keys(now=None, record=False)
        return Finding("database", True, f"{db.engine.dialect.name}, schema at {head}, keys fit")
    except KeyMismatchError as exc:
        return Finding("database", False, str(exc))
    except Exception as exc:  # any driver error: name it, without the URL (it may hold a password)
        return Finding("database", False, f"cannot use the database: {type(exc).__name__}")
    finally:
        await db.dispose()


async def check_smtp(settings: Settings) -> Finding:
    if not settings.smtp_host:
        return Finding("smtp", True, "not configured (LIAISON_SMTP_HOST unset): email is off")
    client = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        timeout=settings.smtp_timeout,
        use_tls=settings.smtp_security is SmtpSecurity.TLS,
        start_tls=settings.smtp_security is SmtpSecurity.STARTTLS,
    )
    try:
        await client.connect()
        if settings.smtp_username and settings.smtp_password:
            await client.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        await client.quit()
        return Finding("smtp", True, f"{settings.smtp_host}:{settings.smtp_port} answers")
    except (aiosmtplib.SMTPException, OSError) as exc:
        return Finding("smtp", False, f"{settings.smtp_host}:{settings.smtp_port}: {type(exc).__name__}")


async def check_bot_token(settings: Settings) -> Finding:
    if settings.bot_token is None:
        return Finding("telegram", True, "no TELEGRAM_BOT_TOKEN: `liaison run` starts the local sandbox")
    bot = Bot(settings.bot_token.get_secret_value(), base_url=settings.bot_api_url)
    try:
        async with bot:
            me = await bot.get_me()
        return Finding("telegram", True, f"token works for @{me.username}")
    except InvalidToken:
        return Finding(
            "telegram", False, "TELEGRAM_BOT_TOKEN was rejected by Telegram; get one from @BotFather"
        )
    except TelegramError as exc:
        return Finding("telegram", False, f"cannot reach the Bot API: {type(exc).__name__}")


async def check_webhook(settings: Settings) -> Finding:
    """Webhook mode refuses to start without a strong secret; say so before `run` does."""
    from bot.webhook_secret import secret_problem

    if not settings.webhook_url:
        return Finding("webhook", True, "not configured (LIAISON_WEBHOOK_URL unset): long polling")
    problem = secret_problem(settings.webhook_secret.get_secret_value() if settings.webhook_secret else None)
    if problem is not None:
        return Finding("webhook", False, problem)
    return Finding("webhook", True, "secret set, long and random enough")


CHECKS: tuple[Callable[[Settings], Awaitable[Finding]], ...] = (
    check_database,
    check_smtp,
    check_bot_token,
    check_webhook,
)


async def diagnose(settings: Settings) -> list[Finding]:
    return [await check(settings) for check in CHECKS]
