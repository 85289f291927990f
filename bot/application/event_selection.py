"""The pool of a balanced selection from an event's registrations, and confirming its outcome.

The pool is the event's eligible requests of one kind that still wait for a decision (pending,
or waitlisted from an earlier round); confirming accepts the selected and waitlists the rest
through `apply_selection`. Shared by `liaison select EVENT` and the web console's selection page.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.application.selection import Decision, apply_selection
from bot.domain.eligibility import FLOOR_QUESTIONS
from bot.selection.lottery import Selection
from bot.selection.pool import Applicant, Pool, PoolError
from storage.models.registrations import UNKNOWN_CATEGORY, Registration, RegistrationKind, RegistrationStatus
from storage.repositories import audit

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.i18n import Translator
    from storage.models.events import Event
    from storage.models.profiles import BalanceData

EVENT_FEATURES = ("stakeholder_type", "subregion", "country", "gender", "age_group", "migrant_led")
UNKNOWN = UNKNOWN_CATEGORY  # a feature nobody gave: a group of its own

_BATCH = 500  # people whose balance answers one query reads (well under SQLite's bound parameters)

WAITING = (RegistrationStatus.PENDING.value, RegistrationStatus.WAITLISTED.value)
"""Requests a selection decides: not yet decided, or waitlisted by an earlier round."""


@dataclass(frozen=True)
class Candidate:
    """An eligible registration waiting for a decision, and the balance values of the person behind it."""

    registration_id: uuid.UUID
    reference: str
    kind: str
    status: str  # when the pool was drawn; a registration that changed since is left alone
    values: dict[str, str]


def eligible(registration: Registration) -> bool:
    """Waiting for a decision, and for a floor intervention all three criteria of R5 (a) answered yes."""
    if registration.status not in WAITING:
        return False
    if registration.kind == RegistrationKind.FLOOR:
        return all(getattr(registration, question) is True for question in FLOOR_QUESTIONS)
    return True


def candidate(registration: Registration, balance: BalanceData | None) -> Candidate:
    values = {
        "stakeholder_type": registration.stakeholder_type,
        "subregion": registration.subregion,
        "country": registration.country,
        "gender": balance.gender if balance else None,
        "age_group": balance.age_group if balance else None,
        "migrant_led": balance.migrant_led if balance else None,
    }
    return Candidate(
        registration_id=registration.id,
        reference=registration.reference,
        kind=registration.kind,
        status=registration.status,
        values={k: (v or UNKNOWN) for k, v in values.items()},
    )


def pool_of(candidates: Sequence[Candidate]) -> Pool:
    return Pool(
        applicants=tuple(Applicant(id=c.reference, features=c.values) for c in candidates),
        features=EVENT_FEATURES,
    )


async def load_candidates(
    session: AsyncSession, code: str, kind: str | None
) -> tuple[Event, list[Candidate]]:
    """The event with `code` and its eligible requests of `kind` that wait for a decision."""
    from sqlalchemy import select

    from storage.models.profiles import BalanceData
    from storage.repositories import events, registrations

    event = await events.by_code(session, code)
    if event is None:
        raise PoolError(f"no event has the code {code.strip()!r}; `liaison events list` shows the codes")
    if kind is not None and kind not in set(RegistrationKind):
        raise PoolError(f"--kind must be one of {', '.join(RegistrationKind)}")
    waiting = [r for r in await registrations.for_event(session, event.id) if eligible(r)]
    kinds = sorted({r.kind for r in waiting})
    if kind is None and len(kinds) > 1:
        raise PoolError(
            f"the event has requests of several kinds waiting ({', '.join(kinds)}): choose one with --kind"
        )
    chosen = [r for r in waiting if kind is None or r.kind == kind]
    # One query per batch of people, not one per registration.
    person_ids = [r.person_id for r in chosen if r.person_id is not None]
    balances: dict[uuid.UUID, BalanceData] = {}
    for start in range(0, len(person_ids), _BATCH):
        rows = await session.scalars(
            select(BalanceData).where(BalanceData.person_id.in_(person_ids[start : start + _BATCH]))
        )
        balances.update((row.person_id, row) for row in rows)
    found = [candidate(r, balances.get(r.person_id) if r.person_id is not None else None) for r in chosen]
    return event, found


def decisions_for(
    candidates: Sequence[Candidate], selection: Selection, current: dict[uuid.UUID, str | None]
) -> tuple[dict[uuid.UUID, Decision], int]:
    """What to record for each candidate, and how many changed since the preview (left alone).

    The selected are accepted; the others are waitlisted, except those already waitlisted,
    who stay as they are and are not told a second time.
    """
    chosen = set(selection.panel)
    decisions: dict[uuid.UUID, Decision] = {}
    skipped = 0
    for c in candidates:
        if current.get(c.registration_id) != c.status:
            skipped += 1
        elif c.reference in chosen:
            decisions[c.registration_id] = Decision.ACCEPT
        elif c.status != RegistrationStatus.WAITLISTED:
            decisions[c.registration_id] = Decision.WAITLIST
    return decisions, skipped


async def confirm(
    session: AsyncSession,
    candidates: Sequence[Candidate],
    selection: Selection,
    *,
    now: datetime,
    translator: Translator | None,
    event_id: uuid.UUID,
    algorithm: str,
    actor: str = "cli",
) -> tuple[int, int, int, int]:
    """Accept the selected, waitlist the rest (reason: balance), each person told, and record the
    draw (method and seed) in the audit log: the CLI and the browser console both confirm here.

    Returns (accepted, waitlisted, skipped, full): registrations that changed since the preview
    (withdrawn, reviewed) are left alone and counted as skipped; those the event had no place
    left for (the same capacity rule as one-by-one review) stay as they were, counted as full.
    """
    current: dict[uuid.UUID, str | None] = {}
    for c in candidates:
        registration = await session.get(Registration, c.registration_id)
        current[c.registration_id] = registration.status if registration is not None else None
    decisions, skipped = decisions_for(candidates, selection, current)
    applied = await apply_selection(session, decisions, now=now, translator=translator, actor=actor)
    await audit.append(
        session, at=now, actor=actor, action=f"selection.{algorithm}",
        subject_type="event", subject_id=f"{event_id} seed={selection.seed}",
    )  # fmt: skip
    return applied.accepted, applied.waitlisted, skipped, applied.refused
