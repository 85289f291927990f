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
from bot.i18n import Translation
from scheduler.clocks import ClockJob
from scheduler.notices import CASE_HANDLERS, Notice, Text, staff_recipients
from storage.models import StaffRole
from storage.repositories import triage
from storage.repositories.triage import ClockRow

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


def alert_text(t: Translation, reference: str, urgent: bool, waited: timedelta) -> str:
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
        admins = await staff_recipients(session, services.keyring, (StaffRole.ADMINISTRATOR.value,), now=now)
        if not admins:
            # An office without an administrator still hears of a case nobody took up.
            admins = await staff_recipients(session, services.keyring, CASE_HANDLERS, now=now)
        notices: list[Notice] = []
        for row in due:
            waited = now - row.created_at

            def render(
                t: Translation, _zone: str | None, row: ClockRow = row, waited: timedelta = waited
            ) -> Text:
                return Text(alert_text(t, row.reference, row.urgent, waited))

            notices.extend(
                Notice(f"escalate:{row.case_id}:{admin_id}", admin, render, protect_content=True)
                for admin_id, admin in admins
            )
            await triage.mark_escalated(session, row.case_id, now=now)
            escalated += 1
        await services.notices.send(session, notices, now=now)
    log.info("escalation: %d cases escalated to %d staff members", escalated, len(admins))
    if not admins:
        log.warning(
            "escalation: no staff member to alert; add one with `liaison staff add ID --role administrator`"
        )
    return escalated


CLOCK = ClockJob(id="case-escalation", every=timedelta(minutes=5), run=escalate, first=timedelta(seconds=30))
