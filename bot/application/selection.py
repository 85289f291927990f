"""Apply a balanced selection to an event: the selected are accepted, the rest waitlisted.

The CLI (`liaison select EVENT`) calls this after staff confirm the preview; a staff chat
or web console would call the same function. Each change is a registration decision
(`bot.application.registrations.decide`): the capacity rule, the person's notice in their
language and the audit entry are the same as for a decision made one by one.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.application import registrations
from scheduler.notices import Notices
from storage.models.registrations import RegistrationStatus

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.i18n import Translator


class Decision(StrEnum):
    ACCEPT = "accept"
    WAITLIST = "waitlist"


# The status and the reason each decision records; a waitlisting says it was for balance.
OUTCOMES: dict[Decision, tuple[str, str | None]] = {
    Decision.ACCEPT: (RegistrationStatus.ACCEPTED.value, None),
    Decision.WAITLIST: (RegistrationStatus.WAITLISTED.value, "balance"),
}


@dataclass(frozen=True)
class Applied:
    accepted: int
    waitlisted: int
    refused: int = 0  # accepting would have exceeded the event's places: left as they were


async def apply_selection(
    session: AsyncSession,
    decisions: Mapping[uuid.UUID, Decision],
    *,
    now: datetime,
    translator: Translator | None = None,
    actor: str = "cli",
) -> Applied:
    """Record each registration's decision and queue its notice, as one-by-one review would."""
    from bot.i18n import Translator as Catalogs

    notices = Notices(translator or Catalogs())
    done = {Decision.ACCEPT: 0, Decision.WAITLIST: 0}
    refused = 0
    for registration_id, decision in decisions.items():
        status, reason_key = OUTCOMES[decision]
        try:
            await registrations.decide(
                session, notices, registration_id, status, reason_key=reason_key, actor=actor, now=now
            )
        except registrations.DecisionRefused:
            refused += 1
            continue
        done[decision] += 1
    return Applied(accepted=done[Decision.ACCEPT], waitlisted=done[Decision.WAITLIST], refused=refused)
