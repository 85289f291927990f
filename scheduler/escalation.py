"""The escalation clock (R20): unacknowledged cases past their deadline alert the administrators.

The alert names the case reference and how long it has waited; never its content, the
reporter, or anything else. It goes through the outbox to each administrator's private
chat, in their language, protected. A case escalates once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.domain.escalation import CaseClock, EscalationRules, escalation_due
from scheduler.clocks import ClockJob
from scheduler.outbox import Delivery, enqueue
from storage.models import Channel, StaffRole
from storage.repositories import people, profiles, staff, triage

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


def alert_text(
    services: Services, language: str | None, reference: str, urgent: bool, waited: timedelta
) -> str:
    t = services.translator.get(language or services.settings.default_language)
    hours = max(1, int(waited.total_seconds() // 3600))
    if urgent:
        text = t.ngettext(
            "Urgent case {reference} has waited {hours} hour without an acknowledgement. Send /cases.",
            "Urgent case {reference} has waited {hours} hours without an acknowledgement. Send /cases.",
            hours,
        )
    else:
        text = t.ngettext(
            "Case {reference} has waited {hours} hour without an acknowledgement. Send /cases.",
            "Case {reference} has waited {hours} hours without an acknowledgement. Send /cases.",
            hours,
        )
    return text.format(reference=reference, hours=hours)


async def escalate(services: Services, rules: EscalationRules | None = None) -> int:
    """One tick: escalate every case past its deadline; returns how many were escalated."""
    rules = rules or EscalationRules.from_env()
    now: datetime = services.clock()
    escalated = 0
    async with services.db.session() as session:
        due = [
            row
            for row in await triage.unacknowledged(session)
            if escalation_due(CaseClock(row.urgent, row.created_at, False, row.escalated_at), now, rules)
        ]
        if not due:
            return 0
        admins = [m for m in await staff.list_active(session) if m.role == StaffRole.ADMINISTRATOR.value]
        deliveries: list[Delivery] = []
        for admin in admins:
            # An administrator is reached like anyone else: through their chat's address row.
            person = await profiles.ensure_person(
                session, services.keyring, int(admin.telegram_id), now=now, language=None
            )
            address = await people.find_address(
                session, services.keyring, Channel.TELEGRAM, admin.telegram_id
            )
            if address is None:
                continue
            for row in due:
                deliveries.append(
                    Delivery(
                        idempotency_key=f"escalate:{row.case_id}:{admin.id}",
                        address_id=address.id,
                        body=alert_text(
                            services, person.language, row.reference, row.urgent, now - row.created_at
                        ),
                        protect_content=True,
                    )
                )
        for row in due:
            await triage.mark_escalated(session, row.case_id, now=now)
            escalated += 1
        await enqueue(session, deliveries, now=now)
    log.info("escalation: %d cases escalated to %d administrators", escalated, len(admins))
    if not admins:
        log.warning(
            "escalation: no administrator to alert; add one with `liaison staff add ID --role administrator`"
        )
    return escalated


CLOCK = ClockJob(id="case-escalation", every=timedelta(minutes=5), run=escalate, first=timedelta(seconds=30))
