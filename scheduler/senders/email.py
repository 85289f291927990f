"""Sending outbox rows by email over a small pool of persistent SMTP connections (aiosmtplib).

Building a stdlib `EmailMessage` is slow (about half a millisecond), so the parts that are
the same for every recipient of a template (From, Subject, MIME structure, text and HTML)
are rendered to bytes once; each recipient gets only To, Date, Message-ID and the one-click
List-Unsubscribe headers prepended. aiosmtplib does not pipeline, so the pool's connections
are the concurrency. A connection found dropped before the message was handed over (an
idle connection the server closed, a drop during MAIL or RCPT) is reopened and the same
message sent on it. A drop or timeout once DATA began is `unknown`: the server may have
taken the message, so it is treated like a Telegram read timeout (counted; sent again only
where unknowns are retried, and then later, with backoff). 4xx replies are retried later
with backoff; 5xx replies mark the address bounced.
"""

from __future__ import annotations

import asyncio
import html as html_lib
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, parseaddr

import aiosmtplib
from aiosmtplib import (
    SMTPException,
    SMTPRecipientRefused,
    SMTPResponseException,
    SMTPServerDisconnected,
    SMTPTimeoutError,
)

from bot.settings import Settings, SmtpSecurity
from scheduler.outbox import Outcome, OutcomeKind
from scheduler.senders import Message

LOGGER = logging.getLogger(__name__)
_RENDER_CACHE = 256


@dataclass(frozen=True)
class RenderedBody:
    """The recipient-independent part of an email: its header lines (CRLF-terminated) and body."""

    headers: bytes
    body: bytes


def derived_html(text: str, language: str | None) -> str:
    """A plain HTML rendering of a text body: escaped, paragraphs kept, right-to-left for Arabic."""
    paragraphs = [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]
    inner = "\n".join(f"<p>{html_lib.escape(part).replace(chr(10), '<br>')}</p>" for part in paragraphs)
    lang = f' lang="{html_lib.escape(language)}"' if language else ""
    direction = ' dir="rtl"' if language == "ar" else ""
    return f"<!doctype html>\n<html{lang}{direction}><body>\n{inner}\n</body></html>\n"


def render_body(
    *,
    sender: str,
    subject: str | None,
    text: str,
    html: str | None,
    attachment: tuple[str, bytes, str] | None,
    language: str | None,
) -> RenderedBody:
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = sender
    message["Subject"] = subject or ""
    message["MIME-Version"] = "1.0"
    if language:
        message["Content-Language"] = language
    message.set_content(text)
    message.add_alternative(html or derived_html(text, language), subtype="html")
    if attachment is not None:
        filename, content, mime = attachment
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(
            content, maintype=maintype, subtype=subtype or "octet-stream", filename=filename
        )
    raw = message.as_bytes(policy=SMTP_POLICY)
    head, _, body = raw.partition(b"\r\n\r\n")
    return RenderedBody(head + b"\r\n", body)


def _header(name: str, value: str) -> bytes:
    if value.isascii() and "\r" not in value and "\n" not in value and len(value) < 900:
        return f"{name}: {value}\r\n".encode("ascii")
    folded: str = SMTP_POLICY.header_factory(name, value).fold(policy=SMTP_POLICY)
    return folded.encode("ascii", "surrogateescape")


def assemble(
    rendered: RenderedBody, *, to: str, message_id: str, date: str, unsubscribe_url: str | None
) -> bytes:
    """The full message bytes for one recipient."""
    parts = [
        _header("To", to),
        _header("Date", date),
        _header("Message-ID", message_id),
    ]
    if unsubscribe_url:
        parts.append(_header("List-Unsubscribe", f"<{unsubscribe_url}>"))
        parts.append(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
    parts.append(rendered.headers)
    parts.append(b"\r\n")
    parts.append(rendered.body)
    return b"".join(parts)


def _domain(address: str) -> str:
    _name, email = parseaddr(address)
    return email.rpartition("@")[2] or "localhost"


class SmtpPool:
    """Up to `size` open SMTP connections, reused across messages and reopened when they drop."""

    def __init__(self, settings: Settings, size: int) -> None:
        self._settings = settings
        self._size = size
        self._idle: list[aiosmtplib.SMTP] = []
        self._created = 0
        self._available = asyncio.Condition()

    def _new(self) -> aiosmtplib.SMTP:
        settings = self._settings
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            use_tls=settings.smtp_security is SmtpSecurity.TLS,
            start_tls=settings.smtp_security is SmtpSecurity.STARTTLS,
            timeout=settings.smtp_timeout,
        )

    async def acquire(self) -> aiosmtplib.SMTP:
        async with self._available:
            while not self._idle and self._created >= self._size:
                await self._available.wait()
            if self._idle:
                return self._idle.pop()
            self._created += 1
            return self._new()

    async def release(self, connection: aiosmtplib.SMTP) -> None:
        async with self._available:
            self._idle.append(connection)
            self._available.notify()

    async def close(self) -> None:
        async with self._available:
            idle, self._idle = self._idle, []
        for connection in idle:
            await _quit(connection)


async def _quit(connection: aiosmtplib.SMTP) -> None:
    if not connection.is_connected:
        return
    try:
        await connection.quit()
    except (SMTPException, OSError):
        connection.close()


class EmailSender:
    channel = "email"

    def __init__(
        self,
        settings: Settings,
        *,
        connections: int,
        unsubscribe_url: Callable[[Message], str | None],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.concurrency = connections
        self.pool = SmtpPool(settings, connections)
        self._unsubscribe_url = unsubscribe_url
        self._clock = clock
        self._domain = _domain(settings.email_from)
        self._envelope_from = parseaddr(settings.email_from)[1] or settings.email_from
        self._rendered: OrderedDict[object, RenderedBody] = OrderedDict()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        await self.pool.close()

    async def ready(self, message: Message, deadline: float | None = None) -> float | None:
        return None

    def render(self, message: Message) -> RenderedBody:
        key = message.render_key
        if key is not None and key in self._rendered:
            self._rendered.move_to_end(key)
            return self._rendered[key]
        rendered = render_body(
            sender=self.settings.email_from,
            subject=message.subject,
            text=message.body,
            html=message.html,
            attachment=message.attachment,
            language=message.language,
        )
        if key is not None:
            self._rendered[key] = rendered
            if len(self._rendered) > _RENDER_CACHE:
                self._rendered.popitem(last=False)
        return rendered

    def message_bytes(self, message: Message) -> bytes:
        return assemble(
            self.render(message),
            to=message.address,
            # Stable across retries, so a receiver can recognise a message it already has.
            message_id=f"<{message.row_id.hex}@{self._domain}>",
            date=format_datetime(self._clock()),
            unsubscribe_url=self._unsubscribe_url(message),
        )

    async def send(self, message: Message) -> Outcome:
        if "\r" in message.address or "\n" in message.address or "@" not in message.address:
            return Outcome(OutcomeKind.PERMANENT, "bad_address")
        data = self.message_bytes(message)
        for attempt in (1, 2):
            connection = await self.pool.acquire()
            data_began = False
            try:
                if not connection.is_connected:
                    await connection.connect()
                await self._envelope(connection, message.address)
                data_began = True
                await connection.data(data)
            except SMTPRecipientRefused as refused:
                return _by_code(refused.code)
            except (SMTPServerDisconnected, SMTPTimeoutError) as error:
                connection.close()
                if data_began:
                    # The message may have been taken: as unknown as a Telegram read timeout.
                    return Outcome(OutcomeKind.UNKNOWN, "smtp_lost_after_data")
                if attempt == 1 and isinstance(error, SMTPServerDisconnected):
                    continue  # nothing was handed over: reopen and send the same message
                return Outcome(OutcomeKind.TRANSIENT, "smtp_disconnected")
            except SMTPResponseException as refusal:
                if refusal.code == 421 or not connection.is_connected:
                    connection.close()  # 421: the server is closing this connection
                return _by_code(refusal.code)
            except (SMTPException, OSError) as error:
                connection.close()
                if data_began and isinstance(error, ConnectionError):
                    return Outcome(OutcomeKind.UNKNOWN, "smtp_lost_after_data")
                if attempt == 1 and isinstance(error, ConnectionError):
                    continue
                return Outcome(OutcomeKind.TRANSIENT, "smtp_" + type(error).__name__[:40].lower())
            finally:
                await self.pool.release(connection)
            return Outcome(OutcomeKind.SENT)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _envelope(self, connection: aiosmtplib.SMTP, recipient: str) -> None:
        """MAIL and RCPT: nothing of the message has left when this returns or fails."""
        try:
            await connection.mail(self._envelope_from)
            await connection.rcpt(recipient)
        except SMTPResponseException as refusal:
            if connection.is_connected and refusal.code != 421:
                try:
                    await connection.rset()  # clear the half-made envelope for the next message
                except (SMTPException, OSError):
                    connection.close()
            raise


def _by_code(code: int) -> Outcome:
    if 500 <= code < 600:
        return Outcome(OutcomeKind.UNREACHABLE, "bounced")
    return Outcome(OutcomeKind.TRANSIENT, f"smtp_{code}")
