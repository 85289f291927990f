"""The email sender against a real SMTP server on loopback, and the one-click unsubscribe endpoint."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from sqlalchemy import select

from bot.i18n import Translator
from scheduler import links
from scheduler.http import UNSUBSCRIBE_PURPOSE, DeliveryHttp, LinkHooks
from scheduler.metrics import DeliveryMetrics
from scheduler.outbox import Delivery, enqueue
from scheduler.senders.email import render_body
from storage.db import Database
from storage.models import Broadcast, Channel, ChannelAddress, OutboxMessage, Person
from storage.repositories import people
from tests.smtp_fixtures import SmtpServer
from tests.test_senders_telegram import all_final, eventually, rows_by_key
from tests.worker_process import add_recipients, app_settings, fast_settings, running_workers


async def test_multipart_with_one_click_unsubscribe(
    sqlite_database: Database, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    db = sqlite_database
    (address,) = await add_recipients(db, ["amina@example.org"], channel=Channel.EMAIL, language="ar")
    async with db.session() as session:
        entry = await session.get(ChannelAddress, address)
        assert entry is not None
        person = await session.get(Person, entry.person_id)
        assert person is not None
        await people.record_consent(
            session, person, "updates", granted=True, text_version="v1", now=datetime.now(UTC)
        )
        await enqueue(
            session,
            [
                Delivery(
                    "mail:1",
                    address,
                    "مرحبا\n\nسطر ثان <b>",
                    subject="موعد الإحاطة",
                    attachment=("briefing.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar"),
                ),
                Delivery("mail:later", address, "Later news", broadcast_id=None),
            ],
            now=datetime.now(UTC),
        )
    settings = app_settings(tmp_path, smtp=smtp_server, email_from="Liaison <liaison@example.org>")
    async with running_workers(db, settings=settings, delivery=fast_settings()):
        received = await smtp_server.sink.wait_for(2)
    mail = next(item for item in received if "مرحبا" in item.text)
    message = mail.message
    assert mail.recipients == ["amina@example.org"]
    assert str(message["Subject"]) == "موعد الإحاطة"
    assert message["Message-ID"].endswith("@example.org>") and message["Date"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html_part = message.get_body(preferencelist=("html",))
    assert (
        html_part is not None
        and "&lt;b&gt;" in html_part.get_content()
        and 'dir="rtl"' not in html_part.get_content()
    )
    attachments = list(message.iter_attachments())
    assert [part.get_filename() for part in attachments] == ["briefing.ics"]
    url = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"]).group(1)  # type: ignore[union-attr]
    assert "amina" not in url and "example.org" not in url.split("?")[1]
    token = url.split("t=", 1)[1]
    assert links.verify(db.keyring, UNSUBSCRIBE_PURPOSE, token) == address
    assert links.verify(db.keyring, UNSUBSCRIBE_PURPOSE, token[:-2] + "AA") is None

    # The endpoint: GET shows a button and changes nothing; POST (what mail clients send) unsubscribes.
    http = DeliveryHttp(
        db=db,
        translator=Translator(),
        metrics=DeliveryMetrics(),
        clock=lambda: datetime.now(UTC),
        hooks=LinkHooks(),
    )
    await http.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as client:
            async with client.get(f"{http.address}/unsubscribe?t={token}") as page:
                assert page.status == 200 and "<form" in await page.text()
            async with db.session() as session:
                assert (await people.consents_in_force(session, person.id))["updates"].granted
            async with client.post(
                f"{http.address}/unsubscribe?t={token}", data={"List-Unsubscribe": "One-Click"}
            ) as done:
                assert done.status == 200
                assert 'lang="ar"' in await done.text()
            async with client.post(f"{http.address}/unsubscribe?t=forged") as forged:
                assert forged.status == 404
            async with client.get(f"{http.address}/healthz") as health:
                assert (await health.json())["status"] == "ok"
            async with client.get(f"{http.address}/metrics") as metrics:
                assert 'liaison_outbox_rows{channel="email",state="sent"} 2.0' in await metrics.text()
    finally:
        await http.stop()
    async with db.session() as session:
        assert not (await people.consents_in_force(session, person.id))["updates"].granted


async def test_smtp_4xx_retried_5xx_bounced_and_drops_reopened(
    database: Database, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    addresses = ["a@example.org", "b@example.org", "c@example.org", "d@example.org"]
    ids = await add_recipients(database, addresses, channel=Channel.EMAIL)
    now = datetime.now(UTC)
    sink = smtp_server.sink
    settings = app_settings(tmp_path, smtp=smtp_server)

    # One at a time, so each injected reply meets a known message.
    async def send_one(key: str, index: int) -> None:
        async with database.session() as session:
            await enqueue(session, [Delivery(key, ids[index], f"Body {key}")], now=now)
        await eventually(lambda: all_final(database))

    async with running_workers(database, settings=settings, delivery=fast_settings(email_connections=2)):
        sink.fail_next = ["421 4.3.0 try later", "450 4.2.1 mailbox busy"]
        await send_one("four", 0)
        sink.fail_next = ["550 5.1.1 no such user"]
        await send_one("five", 1)
        sink.drop_next = 1
        await send_one("drop", 2)
        await send_one("plain", 3)
    rows = await rows_by_key(database)
    async with database.session() as session:
        bounced = await session.get(ChannelAddress, ids[1])
        reasons = [row.unreachable_reason for row in await session.scalars(select(ChannelAddress))]
    assert rows["four"].state == "sent" and rows["four"].attempts == 3
    assert rows["five"].state == "failed" and rows["five"].last_error == "bounced"
    assert bounced is not None and bounced.unreachable_reason == "bounced"
    assert reasons.count("bounced") == 1
    # Dropped during DATA: the outcome is unknown. Outside broadcasts unknowns are retried (by
    # default), later and counted, not at once on a new connection within the same attempt.
    assert rows["drop"].state == "sent" and rows["drop"].attempts == 2
    assert rows["drop"].unknown_outcomes == 1
    recipients = [item.recipients[0] for item in sink.received]
    assert sorted(recipients) == ["a@example.org", "c@example.org", "d@example.org"]
    assert all(row.body is None for row in rows.values() if row.state == "sent")
    await database.engine.dispose()


async def test_connection_lost_after_data_is_unknown_and_not_resent(
    database: Database, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """The server kept the message but the connection dropped before its answer: no second copy."""
    ids = await add_recipients(database, [f"p{n}@example.org" for n in range(5)], channel=Channel.EMAIL)
    now = datetime.now(UTC)
    broadcast_id = uuid.uuid4()
    sink = smtp_server.sink
    sink.drop_after_accept = 5
    metrics = DeliveryMetrics()
    async with database.session() as session:
        # A broadcast leaves unknowns alone unless it says otherwise (the default).
        session.add(Broadcast(id=broadcast_id, created_at=now, state="sending", audience="{}", total=5))
        await session.flush()
        await enqueue(
            session,
            [Delivery(f"lost:{n}", ids[n], f"Body {n}", broadcast_id=broadcast_id) for n in range(5)],
            now=now,
        )
    settings = app_settings(tmp_path, smtp=smtp_server)
    async with running_workers(
        database, settings=settings, delivery=fast_settings(email_connections=2), metrics=metrics
    ):
        await eventually(lambda: all_final(database))
        await asyncio.sleep(0.5)  # room for a wrong second copy to arrive
    rows = await rows_by_key(database)
    assert {row.state for row in rows.values()} == {"unknown"}
    assert all(
        row.unknown_outcomes == 1 and row.last_error == "smtp_lost_after_data" for row in rows.values()
    )
    recipients = sorted(item.recipients[0] for item in sink.received)
    assert recipients == sorted(f"p{n}@example.org" for n in range(5))  # each once
    assert metrics.unknown.labels("email")._value.get() == 5


def test_rendering_is_done_once_per_template() -> None:
    rendered = render_body(
        sender="Liaison <l@example.org>",
        subject="Réunion",
        text="Bonjour",
        html=None,
        attachment=None,
        language="fr",
    )
    assert b"Subject: =?utf-8?" in rendered.headers and b"multipart/alternative" in rendered.headers
    assert b'lang="fr"' in rendered.body or b'lang=3D"fr"' in rendered.body
    assert OutboxMessage.__tablename__ == "outbox"
