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

from scheduler.clocks import ClockJob
from scheduler.outbox import Delivery, enqueue
from storage.models import Channel, StaffRole
from storage.repositories import audit, people, profiles, staff

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


async def send_checkpoints(services: Services) -> int:
    """One tick: queue today's checkpoint for every administrator (once a day each, by key)."""
    now = services.clock()
    day = now.date().isoformat()
    deliveries: list[Delivery] = []
    async with services.db.session() as session:
        point = await audit.checkpoint(session)
        admins = [m for m in await staff.list_active(session) if m.role == StaffRole.ADMINISTRATOR.value]
        for admin in admins:
            person = await profiles.ensure_person(
                session, services.keyring, int(admin.telegram_id), now=now, language=None
            )
            address = await people.find_address(
                session, services.keyring, Channel.TELEGRAM, admin.telegram_id
            )
            if address is None:
                continue
            t = services.translator.get(person.language or services.settings.default_language)
            deliveries.append(
                Delivery(
                    idempotency_key=f"audit-checkpoint:{day}:{admin.id}",
                    address_id=address.id,
                    body=t._(
                        "Audit log checkpoint for {date}: {checkpoint}\n"
                        "Keep this message. It lets you check later that the log was not changed."
                    ).format(date=day, checkpoint=str(point)),
                    protect_content=True,
                )
            )
        await enqueue(session, deliveries, now=now)
    log.info("audit checkpoint: %d entries, queued for %d administrators", point.count, len(deliveries))
    return len(deliveries)


CLOCK = ClockJob(
    id="audit-checkpoint", every=timedelta(hours=1), run=send_checkpoints, first=timedelta(minutes=2)
)
