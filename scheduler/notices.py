"""Notices: the one place that decides who can be reached, on which channel, in which language.

Every message to one person or a few (a registration decision, a case reply, an email code, an
alert to staff) is a `Notice`: a key, a recipient and a way to render the text in a language.
`Notices.send` picks the address by the one rule — `ChannelAddress.usable`, tried in the
person's channel order, so a person whom Telegram cannot reach gets their verified email and
the reverse — renders each text once per language and zone, and queues it through the outbox
in the caller's transaction. It says which channel each notice went by.

Planners that write to thousands at once (reminders, digests, invitations, change notices,
broadcasts) select usable addresses in SQL with the same hybrid rule and build their rows with
`delivery_for`, so what a channel can carry is decided here too.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translation, Translator
from scheduler.channels import DEFAULT_ORDER, form, preferred
from scheduler.outbox import Delivery, enqueue
from storage.crypto.keyring import Keyring
from storage.models import ChannelAddress, Person, StaffMember, StaffRole
from storage.repositories import people, profiles, staff

log = logging.getLogger(__name__)


class Reach(StrEnum):
    FIRST = "first"  # one address: the first usable one in the person's channel order
    EACH = "each"  # every usable address (reminders: chat and email both)


@dataclass(frozen=True)
class Address:
    id: uuid.UUID
    channel: str
    usable: bool


@dataclass(frozen=True)
class Recipient:
    """A person as notices see them: language, zone and addresses; no sealed values."""

    person_id: uuid.UUID
    language: str | None
    time_zone: str | None
    addresses: tuple[Address, ...]
    channel_order: tuple[str, ...] = DEFAULT_ORDER
    each: bool = False  # the person chose "both": a notice that needs one address goes to every usable one

    @classmethod
    def of(
        cls, person: Person, addresses: Sequence[ChannelAddress], channel_choice: str | None = None
    ) -> Recipient:
        order, each = preferred(channel_choice)
        return cls(
            person.id, person.language, person.time_zone, tuple(_address(a) for a in addresses), order, each
        )


def _address(row: ChannelAddress) -> Address:
    return Address(row.id, row.channel, bool(row.usable))


@dataclass(frozen=True)
class Text:
    """A whole message in one language; the parts a channel cannot carry are dropped per address."""

    body: str
    subject: str | None = None
    html: str | None = None
    attachment: tuple[str, bytes, str] | None = None


# (the recipient's translation, their time zone) -> the text
Render = Callable[[Translation, str | None], Text]


@dataclass(frozen=True)
class Notice:
    key: str  # unique per message and recipient; the channel is appended per address
    recipient: Recipient
    render: Render
    reach: Reach = Reach.FIRST
    channels: Collection[str] | None = None  # only these kinds of address (a case reply: Telegram)
    send_after: datetime | None = None
    protect_content: bool = False
    to: uuid.UUID | None = None  # exactly this address, usable or not (an email code to verify it)


@dataclass(frozen=True)
class Routed:
    """Where a notice went: the channels it was queued on (none: nobody could be reached)."""

    key: str
    person_id: uuid.UUID
    channels: tuple[str, ...]

    @property
    def reached(self) -> bool:
        return bool(self.channels)


def route(
    recipient: Recipient, reach: Reach = Reach.FIRST, channels: Collection[str] | None = None
) -> list[Address]:
    """The addresses a notice goes to: usable ones, in the person's channel order."""
    order = [c for c in recipient.channel_order if channels is None or c in channels]
    usable = [a for a in recipient.addresses if a.usable and a.channel in order]
    usable.sort(key=lambda a: order.index(a.channel))
    if reach is Reach.EACH or recipient.each:
        return usable
    return usable[:1]


def delivery_for(
    address_id: uuid.UUID,
    channel: str,
    text: Text,
    *,
    key: str,
    send_after: datetime | None = None,
    protect_content: bool = False,
) -> Delivery:
    """The outbox row for one address; what its channel cannot carry (a subject on Telegram) is left out."""
    shape = form(channel)
    return Delivery(
        idempotency_key=key,
        address_id=address_id,
        body=text.body,
        subject=text.subject if shape.subject else None,
        html=text.html if shape.html else None,
        attachment=text.attachment if shape.attachment else None,
        send_after=send_after,
        protect_content=protect_content,
        channel=channel,
    )


class Notices:
    """Routes, renders and queues notices; one per process, in `Services`."""

    def __init__(self, translator: Translator) -> None:
        self.translator = translator

    async def send(self, session: AsyncSession, notices: Sequence[Notice], *, now: datetime) -> list[Routed]:
        """Queue each notice in the caller's transaction; nothing is sent before it commits."""
        texts: dict[tuple[int, str | None, str | None], Text] = {}
        deliveries: list[Delivery] = []
        routed: list[Routed] = []
        for notice in notices:
            recipient = notice.recipient
            if notice.to is not None:
                targets = [a for a in recipient.addresses if a.id == notice.to]
            else:
                targets = route(recipient, notice.reach, notice.channels)
            if not targets:
                log.info("notice %s: no usable address", notice.key.split(":", 1)[0])
                routed.append(Routed(notice.key, recipient.person_id, ()))
                continue
            cache_key = (id(notice.render), recipient.language, recipient.time_zone)
            text = texts.get(cache_key)
            if text is None:
                text = notice.render(self.translator.get(recipient.language), recipient.time_zone)
                texts[cache_key] = text
            for address in targets:
                deliveries.append(
                    delivery_for(
                        address.id,
                        address.channel,
                        text,
                        key=f"{notice.key}:{address.channel}",
                        send_after=notice.send_after,
                        protect_content=notice.protect_content,
                    )
                )
            routed.append(Routed(notice.key, recipient.person_id, tuple(a.channel for a in targets)))
        await enqueue(session, deliveries, now=now)
        return routed


async def recipients(session: AsyncSession, person_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Recipient]:
    """The people of `person_ids` who can still be written to (erased people are left out), each in
    the channel order of their profile."""
    living = await people.living(session, person_ids)
    choices = await profiles.all_preferences(session, [person.id for person, _ in living])
    return {
        person.id: Recipient.of(person, rows, choices[person.id].channels if person.id in choices else None)
        for person, rows in living
    }


async def recipient(session: AsyncSession, person_id: uuid.UUID | None) -> Recipient | None:
    if person_id is None:
        return None
    return (await recipients(session, [person_id])).get(person_id)


# Who hears of a new case, an escalation or a late invitation: everyone who triages reports.
CASE_HANDLERS = (StaffRole.ADMINISTRATOR.value, StaffRole.LIAISON.value)


async def staff_member_recipient(
    session: AsyncSession, keyring: Keyring, member_id: uuid.UUID, *, now: datetime
) -> Recipient | None:
    """One active staff member as a recipient (their private chat), or None if removed."""
    member = await session.get(StaffMember, member_id)
    if member is None or member.removed_at is not None:
        return None
    person = await profiles.ensure_person(session, keyring, int(member.telegram_id), now=now, language=None)
    return await recipient(session, person.id)


async def staff_recipients(
    session: AsyncSession, keyring: Keyring, roles: Collection[str], *, now: datetime
) -> list[tuple[uuid.UUID, Recipient]]:
    """(staff member id, recipient) for each active staff member with one of `roles`.

    Staff are reached in their private chat with the bot, in the language they chose there.
    """
    members: dict[uuid.UUID, uuid.UUID] = {}
    for member in await staff.list_active(session):
        if member.role in roles:
            person = await profiles.ensure_person(
                session, keyring, int(member.telegram_id), now=now, language=None
            )
            members[member.id] = person.id
    reachable = await recipients(session, set(members.values()))
    return [(member_id, reachable[pid]) for member_id, pid in members.items() if pid in reachable]
