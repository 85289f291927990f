"""The weekly regional digest (R11, R13): on Monday at 09:00 in each recipient's own time zone.

Subscribers whose "updates" consent is in force get one short message listing the coming
four weeks' events of the regions they follow (and global ones), each time in their zone.
A week with nothing coming sends nothing (R16). The clock ticks every 15 minutes and plans
only the time zones whose Monday 09:00 has come in the last twelve hours; idempotency keys
per address and local ISO week make repeated ticks and restarts send nothing twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.i18n import Translation, zone_or_utc
from scheduler import community
from scheduler.calendar_texts import GLOBAL_REGION, join, region_label
from scheduler.clocks import ClockJob
from scheduler.notices import Text, delivery_for
from scheduler.outbox import Delivery, enqueue
from storage.models import Event
from storage.repositories import calendar

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

WEEKDAY = 0  # Monday
HOUR = time(9, 0)
WINDOW = timedelta(hours=12)  # a digest missed by an outage still goes out within this
HORIZON = timedelta(days=28)
MAX_EVENTS = 12


def digest_due(now: datetime, time_zone: str | None) -> str | None:
    """The local ISO week ("2026-W05") whose digest is due now in `time_zone`, or None."""
    zone = zone_or_utc(time_zone)
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=(local.weekday() - WEEKDAY) % 7)
    moment = datetime.combine(monday, HOUR, tzinfo=zone).astimezone(UTC)
    if not moment <= now < moment + WINDOW:
        return None
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def relevant(events: Sequence[Event], regions: frozenset[str]) -> list[Event]:
    """Events of the followed regions and global ones; following "global" means every region."""
    if GLOBAL_REGION in regions:
        return list(events)
    return [event for event in events if event.region in regions or event.region == GLOBAL_REGION]


def digest_text(
    t: Translation,
    events: Sequence[Event],
    time_zone: str | None,
    community_events: Mapping[uuid.UUID, str | None] | None = None,
) -> tuple[str, str]:
    """`community_events` maps the events organisations shared to their public name (or None)."""
    shared = community_events or {}
    lines: list[str | None] = [t._("Events in the coming four weeks:")]
    for event in events[:MAX_EVENTS]:
        lines.append(
            t._("{when}: {title} — {region}").format(
                when=t.datetime(event.starts_at, time_zone),
                title=event.title(t.language),
                region=region_label(t, event.region),
            )
        )
        if event.id in shared:
            lines.append(community.mark(t, shared[event.id]))
    lines.append(t._("Details and registration: /events"))
    return t._("Your weekly calendar"), join(lines)


async def plan_digests(services: Services) -> int:
    """One tick: queue the digests of every time zone where Monday 09:00 has just come."""
    now = services.clock()
    async with services.db.session() as session:
        zones = await calendar.subscriber_time_zones(session)
        weeks = {zone: week for zone in zones if (week := digest_due(now, zone)) is not None}
        if not weeks:
            return 0
        recipients = await calendar.subscribers(session, None, time_zones=list(weeks))
        events = await calendar.in_regions(session, None, since=now, until=now + HORIZON)
        shared = await community.labels(session, [event.id for event in events])
        texts: dict[tuple[str | None, str | None, frozenset[str]], tuple[str, str] | None] = {}
        deliveries: list[Delivery] = []
        for person in recipients:
            key = (person.language, person.time_zone, person.regions)
            if key not in texts:
                chosen = relevant(events, person.regions)
                texts[key] = (
                    digest_text(services.translator.get(person.language), chosen, person.time_zone, shared)
                    if chosen
                    else None
                )
            text = texts[key]
            if text is None:
                continue
            week = weeks[person.time_zone]
            for address_id, channel in person.addresses:
                deliveries.append(
                    delivery_for(
                        address_id,
                        channel,
                        Text(text[1], subject=text[0]),
                        key=f"digest:{week}:{address_id.hex}",
                    )
                )
        queued = 0
        for start in range(0, len(deliveries), 5000):
            queued += await enqueue(session, deliveries[start : start + 5000], now=now)
    if queued:
        log.info("digests: %d queued in %d time zones", queued, len(weeks))
    return queued


CLOCK = ClockJob(
    id="calendar-digests", every=timedelta(minutes=15), run=plan_digests, first=timedelta(seconds=40)
)
