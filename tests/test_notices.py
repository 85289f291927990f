"""The notices service: the one rule for who can be reached, on which channel, in which language."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from bot.application.broadcasts import CHANNEL_LABELS, COUNT_LINES
from bot.i18n import Translation, Translator
from scheduler import channels
from scheduler.notices import (
    Address,
    Notice,
    Notices,
    Reach,
    Recipient,
    Text,
    delivery_for,
    recipients,
    route,
)
from storage.db import Database
from storage.models import Channel, ChannelAddress, OutboxMessage
from storage.repositories import people

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
TELEGRAM = Address(uuid.uuid4(), "telegram", usable=True)
EMAIL = Address(uuid.uuid4(), "email", usable=True)


def test_every_channel_has_its_words_for_staff() -> None:
    """A channel added to `scheduler.channels` fails here until staff can choose it and read its
    preview line (in the chat and the browser: one table for both)."""
    assert set(CHANNEL_LABELS) == set(channels.CHOICES)
    assert set(COUNT_LINES) == set(channels.ALL)


def person(*addresses: Address, order: tuple[str, ...] = ("telegram", "email")) -> Recipient:
    return Recipient(uuid.uuid4(), "fr", "Europe/Paris", addresses, channel_order=order)


def test_one_address_in_the_persons_order_with_fallback_both_ways() -> None:
    assert route(person(TELEGRAM, EMAIL)) == [TELEGRAM]
    blocked = Address(TELEGRAM.id, "telegram", usable=False)
    assert route(person(blocked, EMAIL)) == [EMAIL]  # Telegram cannot reach them: their email
    bounced = Address(EMAIL.id, "email", usable=False)
    assert route(person(TELEGRAM, bounced, order=("email", "telegram"))) == [TELEGRAM]  # and the reverse
    assert route(person(TELEGRAM, EMAIL, order=("email", "telegram"))) == [EMAIL]
    assert route(person(blocked, bounced)) == []
    assert route(person(TELEGRAM, EMAIL), Reach.EACH) == [TELEGRAM, EMAIL]
    assert route(person(blocked, EMAIL), channels=("telegram",)) == []  # chat only: no email fallback


def test_what_a_channel_cannot_carry_is_left_out() -> None:
    text = Text("Body", subject="Subject", html="<p>Body</p>", attachment=("a.ics", b"x", "text/calendar"))
    chat = delivery_for(TELEGRAM.id, "telegram", text, key="k:telegram")
    assert (chat.subject, chat.html, chat.attachment) == (None, None, None) and chat.body == "Body"
    mail = delivery_for(EMAIL.id, "email", text, key="k:email")
    assert (mail.subject, mail.html, mail.attachment) == ("Subject", "<p>Body</p>", text.attachment)


async def _someone(db: Database, *, email_verified: bool, telegram_blocked: bool) -> uuid.UUID:
    n = uuid.uuid4().int % 10**8
    async with db.session() as session:
        who = await people.create(session, now=NOW, language="ru", time_zone="Asia/Almaty")
        chat = await people.add_address(
            session, db.keyring, who, Channel.TELEGRAM, str(n), now=NOW, verified=True
        )
        await people.add_address(
            session, db.keyring, who, Channel.EMAIL, f"aigul{n}@example.org", now=NOW, verified=email_verified
        )
        if telegram_blocked:
            await people.mark_unreachable(session, chat, now=NOW, reason="blocked")
        return who.id


async def test_the_rule_is_the_same_in_sql_and_in_python(database: Database) -> None:
    await _someone(database, email_verified=False, telegram_blocked=False)
    await _someone(database, email_verified=True, telegram_blocked=True)
    async with database.session() as session:
        rows = list(await session.scalars(select(ChannelAddress)))
        in_sql = set(await session.scalars(select(ChannelAddress.id).where(ChannelAddress.usable)))
    in_python = {row.id for row in rows if row.usable}
    assert in_sql == in_python
    assert {(row.channel, row.id in in_sql) for row in rows} == {
        ("telegram", True), ("email", False), ("telegram", False), ("email", True),
    }  # fmt: skip


async def test_send_renders_in_the_persons_language_and_says_which_channel(database: Database) -> None:
    blocked = await _someone(database, email_verified=True, telegram_blocked=True)
    fine = await _someone(database, email_verified=True, telegram_blocked=False)

    def render(t: Translation, zone: str | None) -> Text:
        return Text(t._("Send /registrations to see all your registrations."), subject=f"zone {zone}")

    async with database.session() as session:
        found = await recipients(session, [blocked, fine, uuid.uuid4()])
        assert set(found) == {blocked, fine}  # an unknown (or erased) person is nobody to tell
        routed = await Notices(Translator()).send(
            session, [Notice(f"t:{who}", found[who], render) for who in (blocked, fine)], now=NOW
        )
    assert [r.channels for r in routed] == [("email",), ("telegram",)]
    async with database.session() as session:
        rows = {row.idempotency_key: row for row in await session.scalars(select(OutboxMessage))}
    mail, chat = rows[f"t:{blocked}:email"], rows[f"t:{fine}:telegram"]
    assert mail.body is not None and "/registrations" in mail.body and "Отправьте" in mail.body
    assert mail.subject == "zone Asia/Almaty" and chat.subject is None
    assert chat.body == mail.body  # the chat gets the same Russian text, without the subject
