"""Times shown to staff are in the zone of their own person profile, else in UTC, said as such."""

from __future__ import annotations

import re

from scheduler.clock import system_clock
from storage.repositories import profiles
from tests.report_fixtures import PASSPHRASE, ReportWorld, expect, file_report, report_world

__all__ = ["report_world"]


async def test_case_and_unlock_times_are_in_the_staff_members_zone(report_world: ReportWorld) -> None:
    reporter = report_world.person("Omar")
    keiko = report_world.person("Keiko")
    await report_world.reader(keiko.id)
    utc_only = report_world.person("Uma")
    await report_world.reader(utc_only.id)
    db = report_world.services.db
    async with db.session() as session:
        person = await profiles.ensure_person(
            session, db.keyring, keiko.id, now=system_clock(), language="en"
        )
        person.time_zone = "Asia/Tokyo"
    done = await file_report(
        reporter, kind="A threat or reprisal", what="They took our badges", anonymous=False
    )
    reference = re.search(r"C-\d{4}-\d{4}", done[0].content)
    assert reference is not None

    await keiko.send("/unlock")
    await expect(keiko, "Send your passphrase")
    await keiko.send(PASSPHRASE)
    unlocked = await expect(keiko, "Unlocked until")
    assert "(Tokyo, GMT+09:00)" in unlocked.content
    await keiko.send("/cases")
    await keiko.next_reply()
    await keiko.press(f"Open {reference.group(0)}")
    opened = await expect(keiko, "They took our badges")
    received = next(line for line in opened.content.split("\n") if line.startswith("Received "))
    assert received.endswith("(Tokyo, GMT+09:00).")

    await utc_only.send("/unlock")
    await expect(utc_only, "Send your passphrase")
    await utc_only.send(PASSPHRASE)
    assert "(UTC)" in (await expect(utc_only, "Unlocked until")).content
