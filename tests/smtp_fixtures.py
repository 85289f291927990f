"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives and can be told to fail."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return "" if part is None else str(part.get_content())


@dataclass
class SmtpSink:
    """The handler: stores messages; `fail_next` makes the next DATA answers fail with given replies."""

    received: list[ReceivedMail] = field(default_factory=list)
    fail_next: list[str] = field(default_factory=list)
    drop_next: int = 0
    # Keep the next message(s), then drop the connection before answering: the sender cannot
    # know the message arrived (the outcome is unknown).
    drop_after_accept: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.drop_next > 0:
            self.drop_next -= 1
            # The connection's transport is the server protocol's (aiosmtpd's Session has none).
            assert server.transport is not None
            server.transport.close()
            return "421 closing"
        if self.fail_next:
            return self.fail_next.pop(0)
        content = envelope.original_content or b""
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(
            ReceivedMail(str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos], parsed)
        )
        if self.drop_after_accept > 0:
            self.drop_after_accept -= 1
            assert server.transport is not None
            server.transport.close()
            return "421 closing"
        return "250 OK"

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        async def reached() -> None:
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(reached(), timeout)
        return self.received


@dataclass
class SmtpServer:
    host: str
    port: int
    sink: SmtpSink
    controller: Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def smtp_server() -> AsyncIterator[SmtpServer]:
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    # aiosmtpd runs its own loop in a thread; the sink's Event must belong to ours, so bridge it.
    loop = asyncio.get_running_loop()
    original = sink.handle_DATA

    async def bridged(server: SMTP, session: Session, envelope: Envelope) -> str:
        answer = await original(server, session, envelope)
        loop.call_soon_threadsafe(sink.arrived.set)
        return answer

    sink.handle_DATA = bridged  # type: ignore[method-assign]
    controller.start()
    try:
        yield SmtpServer(controller.hostname, controller.port, sink, controller)
    finally:
        controller.stop()
