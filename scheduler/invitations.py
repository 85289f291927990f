"""Invitations to register (R8): sent to the region's subscribers when a consultation or a formal
review meeting is published, at least six weeks before it.

`publish` runs in the transaction that creates the event (from the CLI or the staff chat): it
records when the invitations will go out (at once, or when registration opens) and whether
that is less than six weeks before the meeting; the caller tells the staff member at once,
and the record stays for `liaison calendar invitations`. The clock then queues the
invitations when they are due, each with a deep link into the bot
(`https://t.me/<bot>?start=ev_<code>`), and warns liaison staff and administrators in their
chats of a late one. The bot's username comes from the database, where the bot process
writes it at start-up, so the CLI needs no Telegram access.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.criteria import criteria_lines, deadline_line
from bot.i18n import Translation, Translator
from scheduler.calendar_texts import deep_link, join, kind_label
from scheduler.clocks import ClockJob
from scheduler.notices import CASE_HANDLERS, Notice, Text, delivery_for, staff_recipients
from scheduler.outbox import Delivery, enqueue
from storage.models import Event, EventKind, EventStatus, InvitationRecord
from storage.repositories import calendar

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

NOTICE = timedelta(weeks=6)
INVITED_KINDS = frozenset({EventKind.CONSULTATION.value, EventKind.REVIEW_MEETING.value})


def send_time(published_at: datetime, registration_opens_at: datetime | None) -> datetime:
    """Invitations go out when the event is published, or when registration opens if that is later."""
    if registration_opens_at is None:
        return published_at
    return max(published_at, registration_opens_at)


def lead_days(send_at: datetime, starts_at: datetime) -> int:
    return max(0, (starts_at - send_at) // timedelta(days=1))


def is_late(send_at: datetime, starts_at: datetime) -> bool:
    """Less than six weeks between the invitations and the meeting (R8)."""
    return starts_at - send_at < NOTICE


async def publish(session: AsyncSession, event: Event, *, now: datetime) -> InvitationRecord | None:
    """Record the invitations of a newly published consultation or review meeting; None for other kinds."""
    if event.kind not in INVITED_KINDS:
        return None
    existing = await calendar.invitation(session, event.id)
    if existing is not None:
        return existing
    send_at = send_time(now, event.registration_opens_at)
    record = InvitationRecord(
        event_id=event.id,
        published_at=now,
        send_at=send_at,
        lead_days=lead_days(send_at, event.starts_at),
        late=is_late(send_at, event.starts_at),
        planned_at=None,
        invited=0,
        staff_warned_at=None,
    )
    await calendar.add_invitation(session, record)
    if record.late:
        log.warning(
            "event %s: invitations go out %d days before it (less than six weeks)",
            event.code,
            record.lead_days,
        )
    return record


def invitation_text(t: Translation, event: Event, time_zone: str | None, link: str) -> tuple[str, str]:
    title = event.title(t.language)
    body = join(
        [
            t._("You are invited to register for {kind}: {title}, {when}.").format(
                kind=kind_label(t, event.kind), title=title, when=t.datetime(event.starts_at, time_zone)
            ),
            *criteria_lines(event, t),  # R8: the criteria reach people with the invitation
            deadline_line(event, t, time_zone),
            t._("Register here: {link}").format(link=link),
        ]
    )
    return t._("Invitation to register: {title}").format(title=title), body


def late_warning(t: Translation, event: Event, days: int) -> str:
    return t.ngettext(
        "Invitations for {code} go out {days} day before the meeting: less than six weeks.",
        "Invitations for {code} go out {days} days before the meeting: less than six weeks.",
        days,
    ).format(code=event.code, days=days)


async def _invite(
    session: AsyncSession, translator: Translator, event: Event, bot_username: str, *, now: datetime
) -> int:
    link = deep_link(bot_username, event.code)
    assert link is not None
    texts: dict[tuple[str | None, str | None], tuple[str, str]] = {}
    deliveries: list[Delivery] = []
    for subscriber in await calendar.subscribers(session, [event.region]):
        key = (subscriber.language, subscriber.time_zone)
        if key not in texts:
            texts[key] = invitation_text(
                translator.get(subscriber.language), event, subscriber.time_zone, link
            )
        subject, body = texts[key]
        for address_id, channel in subscriber.addresses:
            deliveries.append(
                delivery_for(
                    address_id,
                    channel,
                    Text(body, subject=subject),
                    key=f"inv:{event.id.hex}:{address_id.hex}",
                )
            )
    queued = 0
    for start in range(0, len(deliveries), 5000):
        queued += await enqueue(session, deliveries[start : start + 5000], now=now)
    return queued


async def _warn_staff(
    session: AsyncSession, services: Services, record: InvitationRecord, event: Event, *, now: datetime
) -> int:
    """A content-free warning to every liaison staff member and administrator, in their chat."""

    def render(t: Translation, _zone: str | None) -> Text:
        return Text(late_warning(t, event, record.lead_days))

    notices = [
        Notice(f"inv-late:{event.id.hex}:{member_id.hex}", person, render)
        for member_id, person in await staff_recipients(session, services.keyring, CASE_HANDLERS, now=now)
    ]
    record.staff_warned_at = now
    routed = await services.notices.send(session, notices, now=now)
    return sum(1 for r in routed if r.reached)


async def plan_invitations(services: Services) -> int:
    """One tick: warn staff of late invitations, and queue the invitations that are due."""
    now = services.clock()
    queued = 0
    async with services.db.session() as session:
        for record in await calendar.unwarned_late_invitations(session):
            event = await session.get(Event, record.event_id)
            if event is not None:
                await _warn_staff(session, services, record, event, now=now)
    async with services.db.session() as session:
        bot_username = await calendar.setting(session, calendar.BOT_USERNAME)
        due = await calendar.unplanned_invitations(session, due_by=now)
    if due and not bot_username:
        log.warning("invitations wait for the bot to start once (its username makes the links)")
        return 0
    for record in due:
        async with services.db.session() as session:
            event = await session.get(Event, record.event_id)
            fresh = await calendar.invitation(session, record.event_id)
            if event is None or fresh is None or fresh.planned_at is not None:
                continue
            invited = 0
            if event.status != EventStatus.CANCELLED and event.starts_at > now:
                assert bot_username is not None
                invited = await _invite(session, services.translator, event, bot_username, now=now)
            fresh.planned_at, fresh.invited = now, invited
            queued += invited
            log.info("event %s: %d invitations queued", event.code, invited)
    return queued


CLOCK = ClockJob(
    id="calendar-invitations", every=timedelta(minutes=5), run=plan_invitations, first=timedelta(seconds=25)
)
