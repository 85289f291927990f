"""Channel senders: each turns one opened outbox row into one attempt and reports its `Outcome`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

from scheduler.outbox import Outcome


@dataclass(frozen=True)
class Message:
    """One outbox row, opened: what a sender needs and nothing else."""

    row_id: uuid.UUID
    address_id: uuid.UUID
    address: str = field(repr=False)
    body: str = field(repr=False)
    subject: str | None = field(default=None, repr=False)
    html: str | None = field(default=None, repr=False)
    attachment: tuple[str, bytes, str] | None = field(default=None, repr=False)
    protect_content: bool = False
    language: str | None = None
    # Rows that share this key share their content (a broadcast template), so it is rendered once.
    render_key: uuid.UUID | None = None


class Sender(Protocol):
    channel: str
    concurrency: int

    async def start(self) -> None: ...

    async def ready(self, message: Message, deadline: float | None = None) -> float | None:
        """Wait for this message's turn (rate limits); nothing has been sent when it returns.

        None: send now. A number: the turn comes only that many seconds from now, past the
        `deadline` (a `time.monotonic()` moment, the end of the row's lease); hand the row back.
        """

    async def send(self, message: Message) -> Outcome: ...

    async def close(self) -> None: ...
