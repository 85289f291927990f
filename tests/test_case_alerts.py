"""Urgent reports alert staff at once (R20), with nothing optional configured: every liaison staff
member and administrator in their private chat, in their language, content-free, through the outbox."""

from __future__ import annotations

import re

from sqlalchemy import select

from storage.models import OutboxMessage, StaffRole
from storage.repositories import profiles
from tests.report_fixtures import ReportWorld, expect, file_report, report_world, report_world_without_group

__all__ = ["report_world", "report_world_without_group"]


async def _speaks(world: ReportWorld, telegram_id: int, language: str) -> None:
    async with world.services.db.session() as session:
        person = await profiles.ensure_person(
            session, world.services.keyring, telegram_id, now=world.services.clock(), language=language
        )
        person.language = language


async def test_urgent_report_alerts_every_case_handler_without_a_staff_group(
    report_world_without_group: ReportWorld,
) -> None:
    world = report_world_without_group
    assert world.services.settings.staff_chat_id is None
    liaison = world.person("Sara")
    admin = world.person("Élodie", language_code="fr")
    task_team = world.person("Tomas")
    await world.reader(liaison.id)
    await world.reader(admin.id, role=StaffRole.ADMINISTRATOR)
    await world.reader(task_team.id, role=StaffRole.TASK_TEAM)
    await _speaks(world, admin.id, "fr")

    reporter = world.person("Amina")
    done = await file_report(
        reporter,
        kind="A threat or reprisal",
        what="Secret-Canary-771 was threatened",
        anonymous=True,
        danger=True,
    )
    found = re.search(r"C-\d{4}-\d{4}", done[0].content)
    assert found is not None
    reference = found.group(0)

    english = await expect(liaison, reference, timeout=10)
    assert english.content == f"New urgent case {reference}." and english.protect_content
    french = await expect(admin, reference, timeout=10)
    assert french.content == f"Nouveau dossier urgent {reference}." and french.protect_content
    # Task-team members do not triage reports; they are not told.
    assert not [m for m in world.sandbox.chat(task_team.id).bot_messages if reference in m.content]
    # Content-free, and queued through the outbox (sent rows, with their bodies dropped).
    for message in (english, french):
        assert "Secret-Canary" not in message.content
    async with world.services.db.session() as session:
        keys = list(await session.scalars(select(OutboxMessage.idempotency_key)))
    assert len([k for k in keys if k.startswith(f"case-alert:{reference}:new:")]) == 2


async def test_the_staff_group_is_alerted_through_the_outbox_too(report_world: ReportWorld) -> None:
    liaison = report_world.person("Sara")
    await report_world.reader(liaison.id)
    reporter = report_world.person("Omar")
    done = await file_report(reporter, kind="Other feedback", what="A note", anonymous=False)
    found = re.search(r"C-\d{4}-\d{4}", done[0].content)
    assert found is not None
    reference = found.group(0)
    mine = await expect(liaison, reference, timeout=10)
    assert mine.content == f"New case {reference}."
    await report_world.staff_chat_has(f"New case {reference}.")
    async with report_world.services.db.session() as session:
        keys = list(await session.scalars(select(OutboxMessage.idempotency_key)))
    assert f"case-alert:{reference}:new:group:telegram" in keys
