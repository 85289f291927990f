"""The daily audit checkpoint: the head of the audit chain sent to each administrator.

A copy of the head outside the database is what catches someone who holds the server's
keys and rewrites the chain consistently, or cuts its newest entries. Each administrator
gets it once a day in their private chat, protected; `liaison audit verify --checkpoint
COUNT:HASH` checks the log against any copy kept.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.i18n import Translation
from scheduler.clocks import ClockJob
from scheduler.notices import Notice, Text, staff_recipients
from storage.models import Channel, StaffRole
from storage.repositories import audit

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

CHAT_ONLY = (Channel.TELEGRAM.value,)


async def send_checkpoints(services: Services) -> int:
    """One tick: queue today's checkpoint for every administrator (once a day each, by key)."""
    now = services.clock()
    day = now.date().isoformat()
    async with services.db.session() as session:
        point = await audit.checkpoint(session)
        admins = await staff_recipients(session, services.keyring, (StaffRole.ADMINISTRATOR.value,), now=now)

        def render(t: Translation, _zone: str | None) -> Text:
            return Text(
                t._(
                    "Audit log checkpoint for {date}: {checkpoint}\n"
                    "Keep this message. It lets you check later that the log was not changed."
                ).format(date=day, checkpoint=str(point))
            )

        notices = [
            Notice(
                f"audit-checkpoint:{day}:{admin_id}", admin, render, channels=CHAT_ONLY, protect_content=True
            )
            for admin_id, admin in admins
        ]
        routed = await services.notices.send(session, notices, now=now)
    queued = sum(1 for r in routed if r.reached)
    log.info("audit checkpoint: %d entries, queued for %d administrators", point.count, queued)
    return queued


CLOCK = ClockJob(
    id="audit-checkpoint", every=timedelta(hours=1), run=send_checkpoints, first=timedelta(minutes=2)
)
