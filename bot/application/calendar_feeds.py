"""A region's public calendar feed: the same file from `liaison calendar export` and from
GET /calendar/<region>.ics."""

from __future__ import annotations

from datetime import datetime

from bot.domain.criteria import calendar_note
from bot.services import Services
from scheduler import community, ics
from scheduler.calendar_texts import deep_link, region_label
from storage.repositories import calendar


async def region_feed(
    services: Services, region: str, language: str, *, since: datetime
) -> tuple[bytes, int]:
    """A region's feed and how many events it holds."""
    async with services.db.session() as session:
        found = await calendar.in_regions(
            session, None if region == "global" else [region], since=since, include_cancelled=True
        )
        username = await calendar.setting(session, calendar.BOT_USERNAME)
        shared = await community.labels(session, [event.id for event in found])
    t = services.translator.get(language)
    links = {event.code: link for event in found if (link := deep_link(username, event.code))}
    # Criteria in advance (R8), and the mark of events organisations shared (R23).
    notes = {
        event.code: note
        for event in found
        if (
            note := "\n".join(
                part
                for part in (
                    community.mark(t, shared[event.id]) if event.id in shared else None,
                    calendar_note(event, t, event.time_zone),
                )
                if part
            )
        )
    }
    name = t._("Liaison calendar: {region}").format(region=region_label(t, region))
    return ics.region_feed(found, language, name=name, link_of=links, note_of=notes), len(found)
