"""Staff broadcasts: who is in the audience, which language version each gets, and queueing it.

Eligibility and version choice are plain functions over plain data. A broadcast stores each
language version once (`outbox_templates`); its outbox rows point at their template, so
queueing 100,000 recipients is one batched insert with nothing sealed per row.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reference.countries import Region, regions_of
from bot.settings import LANGUAGES
from scheduler import channels
from scheduler.outbox import new_row_ids, wake_on_commit
from storage.models import (
    Broadcast,
    BroadcastState,
    ChannelAddress,
    Consent,
    ConsentPurpose,
    OutboxState,
    OutboxTemplate,
    Person,
    Subscription,
)
from storage.repositories import outbox as repository

MAX_BODY = 4000  # Telegram's 4096 less room for its own counting of entities
MAX_SUBJECT = 120
CHANNELS = channels.ALL
CHANNEL_CHOICES = channels.CHOICES
REGISTERED = ("pending", "accepted", "waitlisted")


@dataclass(frozen=True)
class Audience:
    """Who receives a broadcast. Empty filters mean everyone who agreed to updates."""

    regions: tuple[str, ...] = ()
    stakeholder_types: tuple[str, ...] = ()
    channels: tuple[str, ...] = CHANNELS
    event_code: str | None = None  # the event's registrants instead of update subscribers

    def to_json(self) -> str:
        return json.dumps(
            {
                "regions": list(self.regions),
                "stakeholder_types": list(self.stakeholder_types),
                "channels": list(self.channels),
                "event_code": self.event_code,
            },
            sort_keys=True,
        )


@dataclass(frozen=True)
class Candidate:
    """One address of one person, with what eligibility looks at."""

    address_id: uuid.UUID
    channel: str
    language: str | None
    country: str | None
    stakeholder_type: str | None
    subscribed_regions: frozenset[str] = frozenset()
    wants_updates: bool = False
    registered: bool = False
    usable: bool = True  # `ChannelAddress.usable`: reachable, and verified where the kind needs it
    erased: bool = False


def eligible(candidate: Candidate, audience: Audience) -> bool:
    if candidate.erased or not candidate.usable or candidate.channel not in audience.channels:
        return False
    if audience.event_code is not None:
        # Registrants hear about the event they registered for, without a separate opt-in.
        return candidate.registered
    if not candidate.wants_updates:
        return False
    wanted_regions = set(audience.regions) - {Region.GLOBAL.value}
    if wanted_regions:
        own = {region.value for region in regions_of(candidate.country)} if candidate.country else set()
        if not wanted_regions & (own | candidate.subscribed_regions):
            return False
    return not (audience.stakeholder_types and candidate.stakeholder_type not in audience.stakeholder_types)


def version_for(language: str | None, available: Iterable[str], default: str) -> str:
    """The language version a person gets: theirs if written, else the default, else any."""
    versions = list(available)
    if language in versions:
        return str(language)
    return default if default in versions else versions[0]


@dataclass(frozen=True)
class Recipient:
    address_id: uuid.UUID
    channel: str
    language: str | None


@dataclass(frozen=True)
class Version:
    body: str
    subject: str | None = None


def check_version(text: str) -> str | None:
    """Why a version's text is refused ("empty", "too_long"), or None."""
    if not text.strip():
        return "empty"
    if len(text) > MAX_BODY:
        return "too_long"
    return None


def subject_of(body: str) -> str:
    """The email subject: the first line of the text, shortened."""
    first = body.strip().splitlines()[0].strip() if body.strip() else ""
    return first if len(first) <= MAX_SUBJECT else first[: MAX_SUBJECT - 1].rstrip() + "…"


@dataclass
class Preview:
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (version language, channel)
    fallback: int = 0  # recipients whose language has no version

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def preview(recipients: Sequence[Recipient], languages: Iterable[str], default: str) -> Preview:
    available = list(languages)
    result = Preview()
    for recipient in recipients:
        chosen = version_for(recipient.language, available, default)
        result.counts[(chosen, recipient.channel)] += 1
        if chosen != recipient.language:
            result.fallback += 1
    return result


async def candidates(session: AsyncSession, audience: Audience) -> list[Candidate]:
    """Every address with what eligibility needs, in a few queries."""
    addresses = (
        await session.execute(
            select(
                ChannelAddress.id,
                ChannelAddress.channel,
                ChannelAddress.person_id,
                ChannelAddress.usable.label("usable"),
                Person.language,
                Person.country,
                Person.stakeholder_type,
                Person.erased_at,
            ).join(Person, Person.id == ChannelAddress.person_id)
        )
    ).all()
    consent: dict[uuid.UUID, bool] = {}
    rows = await session.execute(
        select(Consent.person_id, Consent.granted)
        .where(Consent.purpose == ConsentPurpose.UPDATES.value)
        .order_by(Consent.recorded_at, Consent.id)
    )
    for person_id, granted in rows:
        consent[person_id] = granted
    regions: dict[uuid.UUID, set[str]] = {}
    for person_id, value in await session.execute(
        select(Subscription.person_id, Subscription.value).where(Subscription.kind == "region")
    ):
        regions.setdefault(person_id, set()).add(value)
    registered: set[uuid.UUID] = set()
    if audience.event_code is not None:
        registered = await _registrants(session, audience.event_code)
    return [
        Candidate(
            address_id=row.id,
            channel=row.channel,
            language=row.language,
            country=row.country,
            stakeholder_type=row.stakeholder_type,
            subscribed_regions=frozenset(regions.get(row.person_id, ())),
            wants_updates=consent.get(row.person_id, False),
            registered=row.person_id in registered,
            usable=bool(row.usable),
            erased=row.erased_at is not None,
        )
        for row in addresses
    ]


async def _registrants(session: AsyncSession, event_code: str) -> set[uuid.UUID]:
    from storage.models import Event, Registration

    event_id = await session.scalar(select(Event.id).where(Event.code == event_code))
    if event_id is None:
        return set()
    rows = await session.scalars(
        select(Registration.person_id).where(
            Registration.event_id == event_id,
            Registration.status.in_(REGISTERED),
            Registration.person_id.is_not(None),
        )
    )
    return {person_id for person_id in rows if person_id is not None}


async def select_recipients(session: AsyncSession, audience: Audience) -> list[Recipient]:
    return [
        Recipient(c.address_id, c.channel, c.language)
        for c in await candidates(session, audience)
        if eligible(c, audience)
    ]


async def create(
    session: AsyncSession,
    *,
    audience: Audience,
    versions: Mapping[str, Version],
    recipients: Sequence[Recipient],
    default_language: str,
    now: datetime,
    created_by: uuid.UUID | None = None,
    retry_unknown: bool = False,
) -> Broadcast:
    """Store the broadcast and its versions, and queue one row per recipient."""
    if not versions or any(language not in LANGUAGES for language in versions):
        raise ValueError("a broadcast needs versions in known languages")
    broadcast = Broadcast(
        id=uuid.uuid4(),
        created_at=now,
        created_by=created_by,
        state=BroadcastState.SENDING.value,
        retry_unknown=retry_unknown,
        audience=audience.to_json(),
        total=len(recipients),
    )
    session.add(broadcast)
    templates: dict[str, uuid.UUID] = {}
    for language, version in versions.items():
        template = OutboxTemplate(
            id=uuid.uuid4(),
            broadcast_id=broadcast.id,
            language=language,
            body=version.body,
            subject=version.subject or subject_of(version.body),
        )
        session.add(template)
        templates[language] = template.id
    await session.flush()
    count = len(recipients)
    key_prefix = f"broadcast:{broadcast.id}:"
    # Column by column, as the repository hands them to the driver; the content is in the templates.
    columns: dict[str, Sequence[object]] = {
        "id": new_row_ids(count),
        "idempotency_key": [key_prefix + str(recipient.address_id) for recipient in recipients],
        "address_id": [recipient.address_id for recipient in recipients],
        "channel": [recipient.channel for recipient in recipients],
        "state": [OutboxState.QUEUED.value] * count,
        "send_after": [now] * count,
        "created_at": [now] * count,
        "broadcast_id": [broadcast.id] * count,
        "template_id": [
            templates[version_for(recipient.language, versions, default_language)] for recipient in recipients
        ],
        "body": [None] * count,
        "subject": [None] * count,
        "html": [None] * count,
        "attachment": [None] * count,
        "protect_content": [False] * count,
        "attempts": [0] * count,
        "unknown_outcomes": [0] * count,
    }
    await repository.insert_columns(session, columns, fresh_keys=True)
    wake_on_commit(session)
    return broadcast


async def finish_if_done(
    session: AsyncSession, broadcast: Broadcast, *, now: datetime
) -> repository.BroadcastProgress:
    progress = await repository.broadcast_progress(session, broadcast.id)
    if progress.done and broadcast.state == BroadcastState.SENDING.value:
        broadcast.state = BroadcastState.FINISHED.value
        broadcast.finished_at = now
    return progress


async def find(session: AsyncSession, broadcast_id: uuid.UUID) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)
