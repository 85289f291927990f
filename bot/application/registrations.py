"""Registration decisions (R9): accept, waitlist, decline, withdraw, and the promotion they cause.

One rule each, for every entry point: the staff chat's /review, `liaison events review`,
`liaison select` and a person's own withdrawal all come here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import eligibility
from bot.domain.registration_texts import REASONS, status_notice
from bot.i18n import Translation
from scheduler.notices import Notice, Notices, Routed, Text, recipient
from storage.models import Event, Registration, RegistrationStatus
from storage.repositories import audit, registrations


class Refusal(StrEnum):
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"  # e.g. a withdrawn registration cannot be reviewed
    UNKNOWN_REASON = "unknown_reason"
    FULL = "full"  # every place is taken


class DecisionRefused(ValueError):
    """A decision that may not be made; the message names no person."""

    def __init__(self, refusal: Refusal, message: str) -> None:
        super().__init__(message)
        self.refusal = refusal


@dataclass(frozen=True)
class Decision:
    registration: Registration
    changed: bool  # False: it already had this status and reason, and nobody was told again
    told: Routed | None  # how the person was told (None when nothing changed or they were erased)
    promoted: Decision | None = None  # a waiting registration that took the place this one freed


@dataclass(frozen=True)
class Seats:
    taken: int
    capacity: int | None

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.taken >= self.capacity


async def seats(session: AsyncSession, event: Event) -> Seats:
    """The event's places: how many are taken against its capacity."""
    return Seats(await registrations.seats_taken(session, event.id, eligibility.SEATED_KINDS), event.capacity)


async def decide(
    session: AsyncSession,
    notices: Notices,
    registration_id: uuid.UUID,
    status: str,
    *,
    reason_key: str | None,
    actor: str,
    now: datetime,
) -> Decision:
    """Staff review: set the status, tell the person in their language, audit it; promote if a place freed."""
    registration = await session.get(Registration, registration_id)
    if registration is None:
        raise DecisionRefused(Refusal.NOT_FOUND, "no registration has that reference")
    if not eligibility.can_review(registration.status, status):
        raise DecisionRefused(
            Refusal.NOT_ALLOWED,
            f"a {registration.status} registration cannot become {status}; "
            "staff may choose accepted, waitlisted, declined or pending",
        )
    if reason_key is not None and reason_key not in REASONS:
        raise DecisionRefused(
            Refusal.UNKNOWN_REASON, f"unknown reason {reason_key!r}; one of {', '.join(REASONS)}"
        )
    if registration.status == status and registration.reason_key == reason_key:
        return Decision(registration, changed=False, told=None)
    event = await session.get(Event, registration.event_id)
    assert event is not None
    seat_wanted = (
        status == RegistrationStatus.ACCEPTED
        and registration.status != RegistrationStatus.ACCEPTED
        and eligibility.takes_seat(registration.kind)
    )
    if seat_wanted and (await seats(session, event)).full:
        raise DecisionRefused(
            Refusal.FULL, "the event is full: put this registration on the waiting list instead"
        )
    freed = registration.status == RegistrationStatus.ACCEPTED and eligibility.takes_seat(registration.kind)
    await registrations.write_status(session, registration, status, reason_key=reason_key, now=now)
    await audit.append(
        session, at=now, actor=actor, action=f"registration.{status}",
        subject_type="registration", subject_id=str(registration.id),
    )  # fmt: skip
    told = await _tell(session, notices, registration, event, now=now)
    promoted = None
    if freed and status != RegistrationStatus.ACCEPTED:
        promoted = await promote(session, notices, event, now=now)
    return Decision(registration, changed=True, told=told, promoted=promoted)


async def withdraw(
    session: AsyncSession, notices: Notices, registration: Registration, *, now: datetime
) -> Decision | None:
    """The person withdraws; a place they held goes to the longest-waiting person. None: not live."""
    if not eligibility.can_withdraw(registration.status):
        return None
    freed = registration.status == RegistrationStatus.ACCEPTED and eligibility.takes_seat(registration.kind)
    await registrations.withdraw(session, registration, now=now)
    promoted = None
    if freed:
        event = await session.get(Event, registration.event_id)
        assert event is not None
        promoted = await promote(session, notices, event, now=now)
    return Decision(registration, changed=True, told=None, promoted=promoted)


async def promote(session: AsyncSession, notices: Notices, event: Event, *, now: datetime) -> Decision | None:
    """Give a free place to the longest-waiting registration that can take it, and tell them."""
    if event.capacity is None or (await seats(session, event)).full:
        return None
    waiting = await registrations.longest_waiting(session, event.id, eligibility.SEATED_KINDS)
    if waiting is None:
        return None
    return await decide(
        session,
        notices,
        waiting.id,
        RegistrationStatus.ACCEPTED.value,
        reason_key=None,
        actor="system:waitlist",
        now=now,
    )


async def _tell(
    session: AsyncSession, notices: Notices, registration: Registration, event: Event, *, now: datetime
) -> Routed | None:
    person = await recipient(session, registration.person_id)
    if person is None:
        return None  # erased: nobody to tell

    def render(t: Translation, time_zone: str | None) -> Text:
        notice = status_notice(
            t,
            status=registration.status,
            reason_key=registration.reason_key,
            reference=registration.reference,
            kind=registration.kind,
            event=event,
            time_zone=time_zone,
        )
        return Text(notice.body, subject=notice.subject)

    key = f"reg-status:{registration.id}:{registration.status}:{registration.status_changes}"
    [routed] = await notices.send(session, [Notice(key, person, render)], now=now)
    return routed
