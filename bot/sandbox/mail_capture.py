"""Email for the sandbox: a real SMTP server on loopback that keeps what the bot sends and shows it.

`liaison run` without a token starts it when no SMTP server is configured and points the email
sender at it, so the email step of onboarding works: the code is printed in the terminal and each
message is saved as a .eml file under the data directory.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from itertools import count
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
_LINK = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class CapturedMail:
    """One message the bot sent: who to, its subject, what a person would act on, where it is saved."""

    recipients: tuple[str, ...]
    subject: str
    codes: tuple[str, ...]
    links: tuple[str, ...]
    saved_to: Path


def summary(mail: CapturedMail) -> str:
    """One line for the terminal: recipient, subject, then any code and links in the body."""
    parts = [f"(email to {', '.join(mail.recipients)}: {mail.subject!r}"]
    if mail.codes:
        parts.append(f"code {', '.join(mail.codes)}")
    if mail.links:
        parts.append(f"links {' '.join(mail.links)}")
    parts.append(f"saved as {mail.saved_to})")
    return "; ".join(parts)


class _Keeper:
    """aiosmtpd's handler: parses each message, saves it, and hands a summary to `on_mail`."""

    def __init__(self, folder: Path, on_mail: Callable[[CapturedMail], None]) -> None:
        self.folder = folder
        self.on_mail = on_mail
        self._numbers = count(1)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode()
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        body = parsed.get_body(preferencelist=("plain", "html"))
        text = str(body.get_content()) if body is not None else ""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        saved = self.folder / f"mail-{next(self._numbers):04d}.eml"
        saved.write_bytes(content)
        self.on_mail(
            CapturedMail(
                recipients=tuple(str(r) for r in envelope.rcpt_tos),
                subject=str(parsed.get("Subject", "")),
                codes=tuple(dict.fromkeys(_CODE.findall(text))),
                links=tuple(dict.fromkeys(link.rstrip(".,)") for link in _LINK.findall(text))),
                saved_to=saved,
            )
        )
        return "250 OK"


class MailCapture:
    """The loopback SMTP server, run on this process's event loop (no thread)."""

    def __init__(self, folder: Path, on_mail: Callable[[CapturedMail], None]) -> None:
        self._keeper = _Keeper(folder, on_mail)
        self._server: asyncio.Server | None = None
        self.host = "127.0.0.1"
        self.port = 0

    def set_listener(self, on_mail: Callable[[CapturedMail], None]) -> None:
        """Whom to tell about each message (the terminal, once it is running)."""
        self._keeper.on_mail = on_mail

    async def start(self) -> None:
        # aiosmtpd logs every SMTP command at INFO; the sandbox log needs only its warnings.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self._keeper, hostname="liaison-sandbox"), self.host, 0
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
