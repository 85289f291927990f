"""`liaison doctor`: what is wrong with this installation, one line per check, saying why in words.

Each check gives "ok", "warn" (something optional is not set up; the rest works) or "BAD"
(something that must work does not). Messages never carry a URL, a password or a token:
they name the setting to look at and what the error means.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from enum import StrEnum

import aiosmtplib
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut

from bot.bootstrap import keyring_from
from bot.settings import Settings, SmtpSecurity
from storage.crypto.keyring import CryptoError
from storage.db import Database, KeyMismatchError
from storage.migrate import schema_state


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    BAD = "BAD"


@dataclass(frozen=True)
class Finding:
    check: str
    level: Level
    detail: str

    @property
    def ok(self) -> bool:
        """Not a failure: warnings are about optional things and do not fail the doctor."""
        return self.level is not Level.BAD


def _causes(exc: BaseException) -> list[BaseException]:
    """The error and what it wraps (SQLAlchemy's `orig`, then each `__cause__`), outermost first."""
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in found and len(found) < 8:
        found.append(current)
        current = getattr(current, "orig", None) or current.__cause__
    return found


def database_problem(exc: BaseException) -> str:
    """Why the database could not be used, in words, from the errors' classes (never their text: it may hold the URL)."""
    from sqlalchemy.exc import ArgumentError

    causes = _causes(exc)
    names = {type(cause).__name__ for cause in causes}
    innermost = type(causes[-1]).__name__
    if isinstance(exc, ArgumentError):
        return "LIAISON_DATABASE_URL is not a database URL Liaison understands (sqlite+aiosqlite:/// or postgresql+asyncpg://)"
    if names & {"InvalidPasswordError", "InvalidAuthorizationSpecificationError"}:
        return "the database server refused the user name or password in LIAISON_DATABASE_URL"
    if "InvalidCatalogNameError" in names:
        return "the database named in LIAISON_DATABASE_URL does not exist on the server: create it"
    if any(isinstance(cause, OSError) for cause in causes):
        return (
            f"the database server does not answer ({innermost}): check LIAISON_DATABASE_URL and that it runs"
        )
    if "OperationalError" in names:
        return (
            "the database cannot be opened (OperationalError): check that LIAISON_DATA_DIR or the file "
            "in LIAISON_DATABASE_URL is writable, or that the server runs"
        )
    return (
        f"the database could not be used ({innermost}): check LIAISON_DATABASE_URL and that the database runs"
    )


async def check_database(settings: Settings) -> Finding:
    try:
        keyring = keyring_from(settings, create=False)
    except CryptoError as exc:
        return Finding("keys", Level.BAD, str(exc))
    db: Database | None = None
    try:
        db = Database(settings.resolved_database_url, keyring)
        state = await schema_state(db.engine, db.url)
        if not state.up_to_date:
            return Finding("database", Level.BAD, state.explain())
        await db.verify_keys(now=None, record=False)
        return Finding(
            "database",
            Level.OK,
            f"{db.engine.dialect.name}, schema up to date ({len(state.heads)} migration branches), keys fit",
        )
    except KeyMismatchError as exc:
        return Finding("database", Level.BAD, str(exc))
    except Exception as exc:  # any driver error: say what it means, without the URL (it may hold a password)
        return Finding("database", Level.BAD, database_problem(exc))
    finally:
        if db is not None:
            await db.dispose()


def smtp_problem(exc: BaseException, settings: Settings) -> str:
    """Why the SMTP server could not be used, in words."""
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return "the server refused LIAISON_SMTP_USERNAME / LIAISON_SMTP_PASSWORD"
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return f"the server did not answer within {settings.smtp_timeout:g} s"
    if isinstance(exc, ssl.SSLError) or "TLS" in type(exc).__name__:
        return (
            "the TLS handshake failed: check LIAISON_SMTP_SECURITY "
            "(tls for port 465, starttls for 587, none for a local relay)"
        )
    if isinstance(exc, aiosmtplib.SMTPConnectError | ConnectionError | OSError):
        return "nothing answers there: check LIAISON_SMTP_HOST and LIAISON_SMTP_PORT"
    return f"the server answered with an error ({type(exc).__name__}): check the SMTP settings"


async def check_smtp(settings: Settings) -> Finding:
    if not settings.smtp_host:
        return Finding("smtp", Level.OK, "not configured (LIAISON_SMTP_HOST unset): email is off")
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
        return Finding("smtp", Level.OK, f"{settings.smtp_host}:{settings.smtp_port} answers")
    except (aiosmtplib.SMTPException, OSError) as exc:
        return Finding(
            "smtp", Level.BAD, f"{settings.smtp_host}:{settings.smtp_port}: {smtp_problem(exc, settings)}"
        )


async def check_bot_token(settings: Settings) -> Finding:
    if settings.bot_token is None:
        return Finding("telegram", Level.OK, "no TELEGRAM_BOT_TOKEN: `liaison run` starts the local sandbox")
    bot = Bot(settings.bot_token.get_secret_value(), base_url=settings.bot_api_url)
    try:
        async with bot:
            me = await bot.get_me()
        return Finding("telegram", Level.OK, f"token works for @{me.username}")
    except InvalidToken:
        return Finding(
            "telegram", Level.BAD, "TELEGRAM_BOT_TOKEN was rejected by Telegram; get one from @BotFather"
        )
    except TimedOut:
        return Finding("telegram", Level.BAD, "the Bot API did not answer in time: check the network")
    except NetworkError:
        return Finding(
            "telegram", Level.BAD, "cannot reach the Bot API (network error): check the network and proxy"
        )
    except TelegramError as exc:
        return Finding(
            "telegram",
            Level.BAD,
            f"the Bot API answered with an error ({type(exc).__name__}): try again later",
        )


async def check_report_readers(settings: Settings) -> Finding:
    """Whether an urgent report reaches someone and can be read: liaison staff, their keys, a recovery key.

    A warning, not a failure: a new install has none of these until staff are added. In the
    sandbox (no bot token) nobody real can report yet, so the same facts are told as "ok" advice.
    """
    from sqlalchemy import func, select

    from scheduler.notices import CASE_HANDLERS  # the roles an urgent report alerts
    from storage.models import RecoveryKey, StaffMember, StaffReportKey

    db = Database(settings.resolved_database_url, keyring_from(settings, create=False))
    try:
        async with db.session() as session:
            alerted = await session.scalar(
                select(func.count())
                .select_from(StaffMember)
                .where(
                    StaffMember.removed_at.is_(None),
                    StaffMember.role.in_(CASE_HANDLERS),
                )
            )
            keys = await session.scalar(select(func.count()).select_from(StaffReportKey))
            recovery = await session.scalar(
                select(func.count()).select_from(RecoveryKey).where(RecoveryKey.retired_at.is_(None))
            )
    finally:
        await db.dispose()
    missing = []
    if not alerted:
        missing.append(
            "no liaison staff or administrator to alert of urgent reports "
            "(`liaison staff add TELEGRAM_ID --role liaison`)"
        )
    if not keys:
        missing.append("no staff member can read reports yet (staff send /setpassphrase to the bot)")
    if not recovery:
        missing.append("no recovery key (`liaison reports recovery-key generate`, kept offline)")
    if missing and settings.bot_token is None:
        return Finding("reports", Level.OK, "sandbox; before going live: " + "; ".join(missing))
    if missing:
        return Finding("reports", Level.WARN, "; ".join(missing))
    return Finding(
        "reports", Level.OK, f"{alerted} staff to alert, {keys} staff report keys, {recovery} recovery keys"
    )


async def check_webhook(settings: Settings) -> Finding:
    """Webhook mode refuses to start without a strong secret; say so before `run` does."""
    from bot.webhook_secret import webhook_problem

    if not settings.webhook_url:
        return Finding("webhook", Level.OK, "not configured (LIAISON_WEBHOOK_URL unset): long polling")
    problem = webhook_problem(settings)
    if problem is not None:
        return Finding("webhook", Level.BAD, problem)
    return Finding("webhook", Level.OK, "secret set, long and random enough")


async def diagnose(settings: Settings) -> list[Finding]:
    """Every check, in order; the report readers only when the database itself is usable."""
    database = await check_database(settings)
    found = [database]
    if database.level is Level.OK:
        found.append(await check_report_readers(settings))
    found += [await check_smtp(settings), await check_bot_token(settings), await check_webhook(settings)]
    return found
