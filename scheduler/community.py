"""Community events (R23) as calendars and digests show them: marked, with the organisation's
public name only while its "public listing" consent is in force (looked up at each use, so a
withdrawn consent takes the name off the next digest and feed)."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translation
from storage.models import ConsentPurpose, Person
from storage.repositories import people, proposals

KIND_LABELS: dict[str, str] = {
    "meeting": N_("Meeting"),
    "workshop": N_("Workshop"),
    "webinar": N_("Webinar"),
    "other": N_("Event"),
}


async def labels(session: AsyncSession, event_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """For each community event among `event_ids`: its organisation's public name, or None."""
    rows = await proposals.community(session, event_ids)
    organiser_ids = {row.organiser_id for row in rows.values() if row.organiser_id is not None}
    if not organiser_ids:
        return dict.fromkeys(rows)
    # One query for all organisers and one per organisation, not two per event: a digest lists many.
    organisers = list(
        await session.scalars(
            select(Person).where(Person.id.in_(list(organiser_ids)), Person.erased_at.is_(None))
        )
    )
    names: dict[uuid.UUID, str] = {}
    for person in organisers:
        if not person.organisation:
            continue
        consent = (await people.consents_in_force(session, person.id)).get(
            ConsentPurpose.PUBLIC_LISTING.value
        )
        if consent is not None and consent.granted:
            names[person.id] = person.organisation
    return {
        event_id: names.get(row.organiser_id) if row.organiser_id is not None else None
        for event_id, row in rows.items()
    }


def mark(t: Translation, organisation: str | None) -> str:
    if organisation:
        return t._("Community event shared by {organisation}.").format(organisation=organisation)
    return t._("Community event.")
