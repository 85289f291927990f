"""The README's data commands as staff run them, on a fresh install.

`liaison contacts import`, `liaison submissions export` and `liaison reports recovery-key
generate|restore`, `reports purge|status`: each with its happy path and one bad input that
fails with one clear line and a non-zero exit. One migrated data directory for the module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.services import Services
from storage.crypto.report_keys import TEST_MEMLIMIT, TEST_OPSLIMIT, KdfLimits
from storage.models import Contact, OutboxMessage, ReportKind, StaffRole
from storage.repositories import people, reports, staff, submission_review, submissions
from tests.cli_fixtures import fails_with_one_line, fresh_install, run_cli, with_services

FAST = KdfLimits(TEST_OPSLIMIT, TEST_MEMLIMIT)


@pytest.fixture(scope="module", autouse=True)
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("install")
    with fresh_install(home) as data:
        assert run_cli(["migrate"]).code == 0
        yield data


# --- contacts ---

CONTACTS = """Nom;Courriel;Pays;Langue
Awa;awa@example.org;Sénégal;fr
Mona;mona@example.org;مصر;ar
Li;li@example.cn;中国;zh
Ivan;ivan@example.ru;Russia;ru
Kim;kim@example.org;Korea;en
Nobody;not-an-email;Kenya;en
"""


def test_contacts_import_understands_country_names_in_every_language(installed: Path) -> None:
    add_event = run_cli(
        ["events", "add", "--kind", "consultation", "--region", "global", "--code", "INV1",
         "--title", "en=Global consultation", "--title", "fr=Consultation mondiale",
         "--starts", "2099-06-10T09:00", "--time-zone", "UTC"]
    )  # fmt: skip
    assert add_event.code == 0, add_event.err
    path = installed.parent / "network.csv"
    path.write_text(CONTACTS, encoding="utf-8")
    result = run_cli(
        ["contacts", "import", str(path), "--source", "Regional network", "--invite", "INV1", "--bot", "liaison_bot"],
        input="y\n",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "Import with this mapping?" in result.out
    assert "imported: 5" in result.out and "invitations queued: 5" in result.out
    assert "bad rows: 1" in result.out and "line 7: email: not a valid address" in result.out
    assert "imported with a warning: 1" in result.out and "line 6: country: not recognised" in result.out
    assert "Korea" not in result.out and "kim@" not in result.out  # lines and problems, never values

    async def stored(services: Services) -> tuple[dict[str, str | None], int]:
        async with services.db.session() as session:
            found = {c.email: c.country for c in await session.scalars(select(Contact))}
            queued = len((await session.scalars(select(OutboxMessage))).all())
        return found, queued

    countries, queued = with_services(stored)
    assert countries == {
        "awa@example.org": "SN", "mona@example.org": "EG", "li@example.cn": "CN",
        "ivan@example.ru": "RU", "kim@example.org": None,
    }  # fmt: skip
    assert queued == 5
    assert (installed.parent / "network.csv.rejected.csv").is_file()

    no_email = installed.parent / "no-email.csv"
    no_email.write_text("Name,Phone\nAwa,123\n", encoding="utf-8")
    fails_with_one_line(
        run_cli(["contacts", "import", str(no_email), "--source", "x", "--yes"]),
        "no column for email",
        "--map",
    )


# --- submissions ---


def test_submissions_export_writes_the_published_set(installed: Path) -> None:
    async def publish_one(services: Services) -> str:
        now = datetime.now(UTC)
        async with services.db.session() as session:
            author = await people.create(session, now=now, language="fr")
            submission = await submissions.create(
                session, person=author, title="Accès à l’information au Sahel", body="Texte " * 40,
                document=None, language="fr", publish_consent=True, disclaimer_version="d1", now=now,
            )  # fmt: skip
            await submission_review.publish(session, submission.id, actor="cli", now=now)
            return submission.reference

    reference = with_services(publish_one)
    directory = installed.parent / "published"
    result = run_cli(["submissions", "export", str(directory)])
    assert result.code == 0, result.err
    assert result.out.startswith("1 published submissions written to")
    assert "Accès à l’information au Sahel" in (directory / "submissions.html").read_text(encoding="utf-8")
    table = (directory / "submissions.csv").read_text(encoding="utf-8")
    assert table.count(reference) == 1  # after the disclaimer lines, one row per published submission

    a_file = installed.parent / "a-file"
    a_file.write_text("", encoding="utf-8")
    fails_with_one_line(run_cli(["submissions", "export", str(a_file)]), "is a file")


# --- reports ---


def test_reports_recovery_key_status_restore_and_purge() -> None:
    assert re.search(r"ok\s+reports\s+sandbox; before going live: no liaison staff", run_cli(["doctor"]).out)
    before = run_cli(["reports", "status"])
    assert before.code == 0 and "recovery keys: 0" in before.out
    assert "no one can read reports yet" in before.out

    generated = run_cli(["reports", "recovery-key", "generate"])
    assert generated.code == 0, generated.err
    key = next(line.strip() for line in generated.out.splitlines() if re.fullmatch(r"\s+\S{20,}", line))
    assert "recovery keys: 1" in run_cli(["reports", "status"]).out

    async def a_case_and_a_new_reader(services: Services) -> None:
        now = datetime.now(UTC)
        async with services.db.session() as session:
            await reports.submit(
                session, services.keyring,
                reports.ReportContent(
                    kind=ReportKind.REPRISAL, what="Threatened after the consultation", when="Tuesday",
                    where="Ruritania", who="our coordinator", danger=False, anonymous=True, evidence=(),
                ),
                now=now - timedelta(days=400), receipt_limits=FAST,
            )  # fmt: skip
            member = await staff.add(session, services.keyring, 7070, StaffRole.LIAISON, now=now)
            await reports.create_staff_key(session, member.id, "a long new passphrase", FAST, now=now)

    with_services(a_case_and_a_new_reader)
    status = run_cli(["reports", "status"])
    assert "cases: 1 open, 0 closed; staff keys: 1; recovery keys: 1" in status.out

    restored = run_cli(["reports", "recovery-key", "restore", "--staff", "7070"], input=f"{key}\n")
    assert restored.code == 0, restored.err
    assert "1 case(s) re-sealed to the staff member" in restored.out
    doctor = run_cli(["doctor"])
    assert doctor.code == 0 and "warn" not in doctor.out
    assert re.search(r"ok\s+reports\s+1 staff to alert, 1 staff report keys, 1 recovery keys", doctor.out)
    purged = run_cli(["reports", "purge"])
    assert purged.code == 0 and re.fullmatch(r"purged \d+ closed case\(s\)\n", purged.out)

    fails_with_one_line(
        run_cli(["reports", "recovery-key", "restore", "--staff", "7070"], input="not-a-key\n"),
        "not a recovery key",
    )
    fails_with_one_line(
        run_cli(["reports", "recovery-key", "restore", "--staff", "9999"], input=f"{key}\n"),
        "no active staff member",
    )
    fails_with_one_line(run_cli(["reports", "purge", "--now"]), "No such option")
    fails_with_one_line(run_cli(["reports", "recovery-key", "generate", "--print"]), "No such option")
    fails_with_one_line(run_cli(["reports", "status", "extra"]), "unexpected extra argument")
