"""The README's event commands as staff run them at the desk, on a fresh install.

`liaison events add|create|update|cancel|list|registrations|review`, `liaison calendar
export|invitations`, `liaison stats export`, `liaison select` (from an event's registrations
and from a CSV pool) and `liaison broadcast send|status|cancel`: each with its happy path and
one bad input that fails with one clear line and a non-zero exit. Registrations are made
through storage, as the chat would make them. One migrated data directory for the module.
"""

from __future__ import annotations

import csv
import random
import re
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.selection.synthetic import generated_pool, write_csv
from bot.services import Services
from storage.models import Channel, OutboxMessage
from storage.repositories import events, people, profiles, registrations
from tests.cli_fixtures import fails_with_one_line, fresh_install, run_cli, with_services

SOON = datetime.now(UTC) + timedelta(days=20)  # inside the six weeks of R8: invitations are late


@pytest.fixture(scope="module", autouse=True)
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("install")
    with fresh_install(home) as data:
        assert run_cli(["migrate"]).code == 0
        yield data


def register(code: str, count: int, *, seed: int = 1, kind: str = "participant") -> list[str]:
    """`count` people with a Telegram chat and balance answers register for `code`; their references."""
    rng = random.Random(seed)

    async def work(services: Services) -> list[str]:
        now = datetime.now(UTC)
        references = []
        async with services.db.session() as session:
            event = await events.by_code(session, code)
            assert event is not None
            for _ in range(count):
                person = await people.create(session, now=now, language=rng.choice(["en", "fr", "ar"]))
                await people.add_address(
                    session, services.keyring, person, Channel.TELEGRAM,
                    str(rng.randrange(10**8, 10**9)), now=now, verified=True,
                )  # fmt: skip
                await profiles.set_balance(
                    session, person.id, "gender", rng.choice(["woman", "man"]), now=now
                )
                done = await registrations.register(
                    session, event=event, person=person, kind=kind, slot="attend",
                    categories=registrations.Categories(
                        rng.choice(["ngo", "diaspora", "academia"]), rng.choice(["KE", "NG", "SN"]),
                        rng.choice(["014", "011"]), "africa",
                    ),
                    now=now,
                )  # fmt: skip
                references.append(done.registration.reference)
        return references

    return with_services(work)


def statuses(code: str) -> dict[str, str]:
    async def work(services: Services) -> dict[str, str]:
        async with services.db.session() as session:
            event = await events.by_code(session, code)
            assert event is not None
            return {r.reference: r.status for r in await registrations.for_event(session, event.id)}

    return with_services(work)


def notices() -> int:
    async def work(services: Services) -> int:
        async with services.db.session() as session:
            return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)

    return with_services(work)


def add_event(code: str, *, capacity: int | None = None, kind: str = "consultation") -> None:
    args = [
        "events", "add", "--kind", kind, "--region", "africa", "--code", code,
        "--title", f"en=Consultation {code}", "--title", f"fr=Consultation {code} (fr)",
        "--starts", (SOON + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"), "--time-zone", "Africa/Nairobi",
    ]  # fmt: skip
    result = run_cli([*args, *(["--capacity", str(capacity)] if capacity else [])])
    assert result.code == 0, result.err
    if kind == "consultation":  # invited to, and inside the six weeks of R8: the late warning is printed
        assert "invitations go out" in result.out, result.out
        assert f"WARNING: that is less than six weeks before {code.upper()}" in result.out, result.out


# --- events ---


def test_events_add_list_registrations_review() -> None:
    result = run_cli(
        [
            "events", "add", "--kind", "briefing", "--region", "global", "--code", "brf1",
            "--title", "en=Monthly briefing", "--starts", "2099-03-10T14:00", "--time-zone", "Europe/Zurich",
        ]
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "event BRF1 added" in result.out and "start=ev_BRF1" in result.out
    (reference,) = register("BRF1", 1)

    listed = run_cli(["events", "list"])
    assert listed.code == 0 and re.search(r"BRF1\s+2099-03-10 13:00Z\s+briefing", listed.out)
    assert "pending 1" in listed.out
    shown = run_cli(["events", "registrations", "brf1"])
    assert shown.code == 0 and reference in shown.out and "participant" in shown.out
    reviewed = run_cli(["events", "review", reference, "accepted"])
    assert reviewed.code == 0, reviewed.err
    assert statuses("BRF1") == {reference: "accepted"}

    fails_with_one_line(
        run_cli(["events", "add", "--kind", "party", "--region", "africa", "--title", "en=X",
                 "--starts", "2099-01-01T10:00", "--time-zone", "UTC"]),
        "--kind is one of",
    )  # fmt: skip
    fails_with_one_line(run_cli(["events", "list", "--past"]), "No such option", "--help")
    fails_with_one_line(run_cli(["events", "registrations", "NOPE"]), "no event has that code")
    fails_with_one_line(run_cli(["events", "review", "R-2000-0001", "accepted"]), "no registration")


def test_events_create_from_a_file_update_and_cancel(installed: Path) -> None:
    starts = SOON.strftime("%Y-%m-%dT%H:%M")
    path = installed.parent / "events.yaml"
    path.write_text(
        f"- code: FILE1\n  kind: consultation\n  region: africa\n  title: {{en: From a file, fr: D'un fichier}}\n"
        f"  starts: {starts}\n  time_zone: Africa/Dakar\n  reminders: 7d,1d\n"
        f"- code: FILE2\n  kind: briefing\n  region: global\n  title: {{en: Second}}\n"
        f"  starts: 2099-05-01T10:00\n  time_zone: UTC\n",
        encoding="utf-8",
    )
    created = run_cli(["events", "create", "--file", str(path)])
    assert created.code == 0, created.err
    assert "event FILE1 created" in created.out and "event FILE2 created" in created.out
    # FILE1 is less than six weeks away: the late invitation warning is recorded (R8).
    assert "WARNING" in created.err and "FILE1" in created.err

    moved = run_cli(["events", "update", "FILE2", "--starts", "2099-05-01T11:00"])
    assert moved.code == 0 and "event FILE2 is now version 2 (starts_at)" in moved.out
    cancelled = run_cli(["events", "cancel", "FILE2"])
    assert cancelled.code == 0 and "event FILE2 is now version 3 (status)" in cancelled.out
    assert re.search(r"FILE2 .* cancelled", run_cli(["events", "list", "--all"]).out)

    broken = installed.parent / "broken.yaml"
    broken.write_text("- code: BAD1\n  kind: nope\n  region: africa\n", encoding="utf-8")
    fails_with_one_line(run_cli(["events", "create", "--file", str(broken)]), "event 1", "kind")
    assert "BAD1" not in run_cli(["events", "list", "--all"]).out  # nothing applied
    fails_with_one_line(run_cli(["events", "update", "NOPE", "--starts", "2099-05-01T11:00"]), "no event")
    fails_with_one_line(run_cli(["events", "cancel", "NOPE"]), "no event NOPE")


# --- calendar ---


def test_calendar_export_and_invitations(installed: Path) -> None:
    created = run_cli(
        ["events", "create", "--kind", "consultation", "--region", "africa", "--code", "CAL1",
         "--title", "en=Consultation CAL1", "--title", "fr=Consultation CAL1 (fr)",
         "--starts", SOON.strftime("%Y-%m-%dT%H:%M"), "--time-zone", "Africa/Nairobi"]
    )  # fmt: skip
    assert created.code == 0, created.err
    output = installed.parent / "africa.ics"
    exported = run_cli(
        ["calendar", "export", "--region", "africa", "--output", str(output), "--language", "fr"]
    )
    assert exported.code == 0, exported.err
    text = output.read_text(encoding="utf-8")
    assert "BEGIN:VCALENDAR" in text and "Consultation CAL1 (fr)" in text
    to_stdout = run_cli(["calendar", "export", "--region", "africa"])
    assert to_stdout.code == 0 and "Consultation CAL1" in to_stdout.out
    late = run_cli(["calendar", "invitations"])
    assert late.code == 0 and "CAL1" in late.out

    fails_with_one_line(run_cli(["calendar", "export", "--region", "mars"]), "--region is one of")
    fails_with_one_line(run_cli(["calendar", "invitations", "--all"]), "No such option")


# --- stats ---


def test_stats_export(installed: Path) -> None:
    add_event("STA1")
    register("STA1", 3, seed=3)
    output = installed.parent / "participants.csv"
    exported = run_cli(["stats", "export", "STA1", str(output), "--status", "pending"])
    assert exported.code == 0, exported.err
    assert exported.out.startswith("3 registrations written to")
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert len(rows) == 3
    assert stat.S_IMODE(output.stat().st_mode) == 0o600  # names and addresses: the owner only
    assert run_cli(["stats", "export", "STA1", str(installed.parent / "p.xlsx")]).code == 0
    assert stat.S_IMODE((installed.parent / "p.xlsx").stat().st_mode) == 0o600

    fails_with_one_line(
        run_cli(["stats", "export", "STA1", str(installed.parent / "p.txt")]), ".csv or .xlsx"
    )
    fails_with_one_line(run_cli(["stats", "export", "NOPE", str(output)]), "no event has the code")


# --- select ---


def test_select_from_an_event_accepts_waitlists_and_tells_everyone(installed: Path) -> None:
    add_event("SEL1", capacity=4)
    references = register("SEL1", 12, seed=5)
    before = notices()
    report = installed.parent / "report.json"
    result = run_cli(
        ["select", "SEL1", "--seats", "4", "--quota", "gender:woman:2:2", "--seed", "2026",
         "--report-json", str(report)],
        input="y\n",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "# Selection report: 4 of 12 applicants" in result.out
    assert "Accept these 4 and waitlist the other 8? Each person will be told." in result.out
    assert "4 accepted, 8 waitlisted; each will be told in their language." in result.out
    found = statuses("SEL1")
    assert sorted(found) == sorted(references)
    assert sorted(found.values()).count("accepted") == 4 and sorted(found.values()).count("waitlisted") == 8
    assert notices() == before + 12  # each person told once, in their language
    assert report.is_file()

    # The event is full now: a second round accepts nobody beyond capacity (the rule of /review too).
    full = run_cli(["select", "SEL1", "--seats", "2", "--no-default-quotas", "--seed", "1", "--yes"])
    assert full.code == 0, full.err
    assert (
        "0 accepted, 0 waitlisted" in full.out
        and "2 could not be accepted: the event has no place left" in full.out
    )
    assert notices() == before + 12

    # With two more places: the waitlisted are candidates again; those not chosen are not told twice.
    assert run_cli(["events", "update", "SEL1", "--capacity", "6"]).code == 0
    again = run_cli(["select", "SEL1", "--seats", "2", "--no-default-quotas", "--seed", "1", "--yes"])
    assert again.code == 0, again.err
    assert "2 accepted, 0 waitlisted" in again.out
    assert notices() == before + 14
    assert list(statuses("SEL1").values()).count("accepted") == 6


def test_select_bad_inputs_fail_clearly() -> None:
    fails_with_one_line(run_cli(["select", "NOPE", "--seats", "2", "--yes"]), "no event has the code 'NOPE'")
    add_event("SEL2")
    register("SEL2", 6, seed=9)
    impossible = run_cli(["select", "SEL2", "--seats", "3", "--quota", "gender:woman:4:5", "--yes"])
    assert impossible.code == 1 and "Traceback" not in impossible.err
    assert impossible.error_lines[0].startswith("The quotas cannot all be met.")
    assert "gender=woman [4..5]" in impossible.err
    assert set(statuses("SEL2").values()) == {"pending"}  # nothing changed
    fails_with_one_line(run_cli(["select", "--seats", "3"]), "give either an EVENT or --pool")


def test_select_from_a_csv_pool(installed: Path) -> None:
    pool = installed.parent / "pool.csv"
    write_csv(generated_pool(40, seed=4), pool)
    out = installed.parent / "outcome.csv"
    result = run_cli(
        ["select", "--pool", str(pool), "--seats", "8", "--seed", "3", "--out", str(out), "--yes"]
    )
    assert result.code == 0, result.err
    decisions = [row["decision"] for row in csv.DictReader(out.open(encoding="utf-8"))]
    assert decisions.count("accepted") == 8 and len(decisions) == 40

    fails_with_one_line(
        run_cli(["select", "--pool", str(installed / "none.csv"), "--seats", "8"]), "no such pool file"
    )


# --- broadcast ---


def test_broadcast_send_status_cancel() -> None:
    add_event("BRO1")
    register("BRO1", 2, seed=11)
    sent = run_cli(
        ["broadcast", "send", "--text", "en=The venue changed", "--text", "fr=Le lieu a changé",
         "--event", "BRO1", "--channel", "telegram", "--no-follow"],
        input="y\n",
    )  # fmt: skip
    assert sent.code == 0, sent.err
    assert "Recipients: 2" in sent.out and "Send it?" in sent.out
    found = re.search(r"Broadcast ([0-9a-f-]{36}) queued", sent.out)
    assert found is not None
    status = run_cli(["broadcast", "status", found.group(1)])
    assert status.code == 0 and "0 sent" in status.out and "2 left, of 2" in status.out
    cancelled = run_cli(["broadcast", "cancel", found.group(1)])
    assert cancelled.code == 0 and cancelled.out.strip() == "2 messages cancelled"
    assert "2 cancelled, 0 left" in run_cli(["broadcast", "status", found.group(1)]).out

    fails_with_one_line(run_cli(["broadcast", "send", "--text", "xx=Hello", "--yes"]), "LANG one of")
    unknown = "00000000-0000-0000-0000-000000000000"
    fails_with_one_line(run_cli(["broadcast", "status", unknown]), "no broadcast with this id")
    fails_with_one_line(run_cli(["broadcast", "cancel", unknown]), "no broadcast with this id")
