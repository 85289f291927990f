"""Community events (R23) as calendars and digests show them: marked, with the organisation's
public name only while its "public listing" consent is in force (looked up at each use, so a
withdrawn consent takes the name off the next digest and feed)."""

from __future__ import annotations

import uuid
from collections.abc import Collection

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
    found: dict[uuid.UUID, str | None] = {}
    for event_id, row in (await proposals.community(session, event_ids)).items():
        name = None
        if row.organiser_id is not None:
            consent = (await people.consents_in_force(session, row.organiser_id)).get(
                ConsentPurpose.PUBLIC_LISTING.value
            )
            person = await session.get(Person, row.organiser_id)
            if consent is not None and consent.granted and person is not None and person.erased_at is None:
                name = person.organisation or None
        found[event_id] = name
    return found


def mark(t: Translation, organisation: str | None) -> str:
    if organisation:
        return t._("Community event shared by {organisation}.").format(organisation=organisation)
    return t._("Community event.")
