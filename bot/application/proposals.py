"""Share your event (R23): an organisation proposes, staff approve (perhaps with a new title) or
decline with a reason; an approved proposal becomes an event of its region, marked as a community
event, published like any other (`events.publish`) and so in the regional calendar feed and the
digests. The proposer hears the decision in their language through the notices service.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.application import Refused
from bot.application import events as event_service
from bot.i18n import Translation
from scheduler.notices import Notice, Notices, Render, Routed, Text, recipient
from storage.models import EventKind, EventProposal, Person, ProposalStatus
from storage.repositories import audit, profiles, proposals
from storage.repositories.audit import staff_actor

RATE_WINDOW = timedelta(days=7)
RATE_LIMIT = 3  # proposals per person per week: enough for an organisation, too few to flood staff
KINDS = ("meeting", "workshop", "webinar", "other")
MAX_TITLE = 200
MAX_REASON = 500


class ProposalRefused(Refused):
    """`reason` is one of: not_onboarded, too_many, past, gone, decided, empty."""


@dataclass(frozen=True)
class NewProposal:
    title: str
    kind: str
    starts_at: datetime
    time_zone: str
    region: str
    link: str | None
    languages: list[str]
    language: str


async def may_propose(session: AsyncSession, person: Person | None, *, now: datetime) -> None:
    """Refuse (not_onboarded, too_many) a person who may not share an event now; the chat asks this
    before its first question, and `propose` again when the proposal is sent."""
    if person is None or not profiles.is_onboarded(person):
        raise ProposalRefused("not_onboarded")
    if await proposals.count_since(session, person.id, now - RATE_WINDOW) >= RATE_LIMIT:
        raise ProposalRefused("too_many")


async def propose(
    session: AsyncSession, person_id: uuid.UUID, new: NewProposal, *, now: datetime
) -> EventProposal:
    await may_propose(session, await profiles.get(session, person_id), now=now)
    if new.starts_at <= now:
        raise ProposalRefused("past")
    if new.kind not in KINDS or not new.title.strip():
        raise ProposalRefused("empty")
    return await proposals.add(
        session,
        EventProposal(
            id=uuid.uuid4(),
            person_id=person_id,
            title=new.title.strip()[:MAX_TITLE],
            kind=new.kind,
            starts_at=new.starts_at,
            time_zone=new.time_zone,
            region=new.region,
            link=new.link,
            languages=list(new.languages),
            language=new.language,
            status=ProposalStatus.PENDING.value,
            created_at=now,
        ),
    )


async def _pending(session: AsyncSession, proposal_id: uuid.UUID) -> EventProposal:
    found = await proposals.get(session, proposal_id)
    if found is None:
        raise ProposalRefused("gone")
    if found.status != ProposalStatus.PENDING.value:
        raise ProposalRefused("decided")
    return found


async def edit_title(
    session: AsyncSession, proposal_id: uuid.UUID, title: str, *, staff_id: uuid.UUID, now: datetime
) -> None:
    if not title.strip():
        raise ProposalRefused("empty")
    found = await _pending(session, proposal_id)
    found.title = title.strip()[:MAX_TITLE]
    await audit.staff_action(
        session, staff_id, "proposal.edit", subject_type="event_proposal", subject_id=found.id, now=now
    )


async def _tell(
    session: AsyncSession, notices: Notices, found: EventProposal, render: Render, *, now: datetime
) -> Routed | None:
    proposer = await recipient(session, found.person_id)
    if proposer is None:
        return None
    [routed] = await notices.send(session, [Notice(f"proposal:{found.id}", proposer, render)], now=now)
    return routed


async def approve(
    session: AsyncSession, notices: Notices, proposal_id: uuid.UUID, *, staff_id: uuid.UUID, now: datetime
) -> event_service.Published:
    found = await _pending(session, proposal_id)
    published = await event_service.publish(
        session,
        event_service.NewEvent(
            region=found.region,
            kind=EventKind.OTHER.value,  # community events take no registrations here
            titles={found.language: found.title},
            starts_at=found.starts_at,
            time_zone=found.time_zone,
            view_link=found.link,
        ),
        actor=staff_actor(staff_id),
        now=now,
    )
    await proposals.mark_community(session, published.event.id, found.person_id, found.kind, found.languages)
    found.status, found.decided_at, found.event_id = ProposalStatus.APPROVED.value, now, published.event.id
    await audit.staff_action(
        session, staff_id, "proposal.approve", subject_type="event_proposal", subject_id=found.id, now=now
    )
    title = found.title

    def render(t: Translation, _zone: str | None) -> Text:
        return Text(
            t._("Your event {title} is now in the regional calendar as a community event.").format(
                title=title
            ),
            subject=t._("Your event was approved"),
        )

    await _tell(session, notices, found, render, now=now)
    return published


async def decline(
    session: AsyncSession,
    notices: Notices,
    proposal_id: uuid.UUID,
    reason: str,
    *,
    staff_id: uuid.UUID,
    now: datetime,
) -> Routed | None:
    if not reason.strip():
        raise ProposalRefused("empty")
    found = await _pending(session, proposal_id)
    found.status, found.decided_at, found.reason = (
        ProposalStatus.DECLINED.value,
        now,
        reason.strip()[:MAX_REASON],
    )
    await audit.staff_action(
        session, staff_id, "proposal.decline", subject_type="event_proposal", subject_id=found.id, now=now
    )
    title, why = found.title, found.reason

    def render(t: Translation, _zone: str | None) -> Text:
        return Text(
            t._("Your event {title} was not added to the calendar. The office writes: {reason}").format(
                title=title, reason=why
            ),
            subject=t._("Your event was not added"),
        )

    return await _tell(session, notices, found, render, now=now)
