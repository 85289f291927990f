"""Apply a balanced selection to an event: the selected are accepted, the rest waitlisted.

The CLI (`liaison select EVENT`) calls this after staff confirm the preview; a staff chat
or web console would call the same function. Each change goes through
`registrations.set_status`, which records it and tells the person in their language.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from storage.models.registrations import RegistrationStatus
from storage.repositories import registrations

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


async def apply_selection(
    session: AsyncSession,
    decisions: Mapping[uuid.UUID, Decision],
    *,
    now: datetime,
    translator: Translator | None = None,
) -> Applied:
    """Record each registration's decision and queue its notice (through `set_status`)."""
    for registration_id, decision in decisions.items():
        status, reason_key = OUTCOMES[decision]
        await registrations.set_status(
            session, registration_id, status, reason_key=reason_key, now=now, translator=translator
        )
    chosen = list(decisions.values())
    return Applied(accepted=chosen.count(Decision.ACCEPT), waitlisted=chosen.count(Decision.WAITLIST))
