"""Outreach list import (R21): mapping, validation, de-duplication by blind index, bad rows reported, invitations."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select, text
from typer.testing import CliRunner

from bot.cli.contacts import Invitation, import_rows, read_rows, write_rejects
from bot.cli.main import app
from bot.domain.outreach import ContactRow, map_columns, validate
from scheduler.clock import ManualClock
from storage.db import Database
from storage.models import Channel, Contact, InvitationState, OutboxMessage
from storage.repositories import events, people
from tests.bot_fixtures import make_services, settings_for_tests

NOW = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)
CSV = """Nom;Courriel;Organisation;Pays;Langue
Awa Diallo;awa@example.org;Réseau Sahel;SN;fr
Awa again;AWA@Example.org ;Réseau Sahel;Senegal;fr
Bilal;not-an-email;Migrants United;JO;ar
Chen Li;chen@example.cn;Harbour Aid;China;zh
Dana;dana@example.net;;Atlantis;en
Eve;eve@example.com;Eve Org;KE;xx
Farid;farid@example.org;Already Here;MA;ar
Gina;;Gina Org;IT;en
Hana;hana@example.org;Old Contact;JP;en
"""


def test_columns_map_by_common_names_in_six_languages_and_by_override() -> None:
    assert map_columns(["Nom", "Courriel", "Pays"]) == {"email": "Courriel", "name": "Nom", "country": "Pays"}
    assert map_columns(["الاسم", "البريد الإلكتروني"]) == {"email": "البريد الإلكتروني", "name": "الاسم"}
    assert map_columns(["姓名", "邮箱", "组织"])["organisation"] == "组织"
    assert map_columns(["Contact point", "Addr"], {"email": "Addr"}) == {"email": "Addr"}
    with pytest.raises(ValueError, match="no column"):
        map_columns(["A"], {"email": "B"})


def test_validation_names_every_problem_without_values() -> None:
    mapping = {"email": "e", "country": "c", "language": "l"}
    bad = validate(2, {"e": "nope", "c": "Atlantis", "l": "xx"}, mapping)
    assert not hasattr(bad, "email_key")
    assert bad.problems == (  # type: ignore[union-attr]
        "email: not a valid address", "language: not one of en, ar, zh, fr, ru, es",
    )  # fmt: skip
    good = validate(3, {"e": " Ana@Example.ORG ", "c": "Kenya", "l": "ES"}, mapping)
    assert getattr(good, "email_key", None) == "ana@example.org" and getattr(good, "country", None) == "KE"


@pytest.mark.parametrize(
    ("typed", "language", "code"),
    [
        ("Sénégal", "fr", "SN"),
        ("مصر", "ar", "EG"),
        ("中国", "zh", "CN"),
        ("Russia", "en", "RU"),
        ("USA", "", "US"),
    ],
)
def test_countries_are_understood_as_onboarding_understands_them(
    typed: str, language: str, code: str
) -> None:
    row = validate(
        2,
        {"e": "ana@example.org", "c": typed, "l": language},
        {"email": "e", "country": "c", "language": "l"},
    )
    assert isinstance(row, ContactRow) and row.country == code and row.warnings == ()


def test_an_unrecognised_country_keeps_the_row_without_a_country_and_warns() -> None:
    for typed in ("Atlantis", "Korea"):  # none, and two equally good
        row = validate(2, {"e": "ana@example.org", "c": typed}, {"email": "e", "country": "c"})
        assert isinstance(row, ContactRow) and row.country is None and row.email == "ana@example.org"
        assert row.warnings == (
            "country: not recognised (no country, or several, match it); imported without a country",
        )
        assert typed not in " ".join(row.warnings)


async def test_import_with_duplicates_and_bad_rows_gives_the_expected_report(
    database: Database, tmp_path: Path
) -> None:
    services = make_services(settings_for_tests(tmp_path), database, ManualClock(NOW))
    keyring = database.keyring
    async with database.session() as session:
        farid = await people.create(session, now=NOW, language="ar")
        await people.add_address(
            session, keyring, farid, Channel.EMAIL, "Farid@example.org", now=NOW, verified=True
        )
        await events.create(
            session, region="africa", kind="consultation", titles={"en": "Regional consultation", "fr": "Consultation régionale"},
            starts_at=NOW + timedelta(days=60), now=NOW, code="AFR26",
        )  # fmt: skip
    path = tmp_path / "sahel.csv"
    path.write_text(CSV, encoding="utf-8")
    headers, rows, total = read_rows(path)
    earlier = make_services(settings_for_tests(tmp_path), database, ManualClock(NOW - timedelta(days=3)))
    old = tmp_path / "old.csv"
    old.write_text("email,name\nhana@example.org,Hana\n", encoding="utf-8")
    _h, old_rows, _n = read_rows(old)
    await import_rows(earlier, old_rows, map_columns(["email", "name"]), source="earlier list")

    report = await import_rows(
        services, rows, map_columns(headers), source="Sahel network",
        invitation=Invitation("AFR26", "liaison_test_bot"),
    )  # fmt: skip
    assert total == 9 and report.rows == 9
    assert report.imported == 3 and report.invited == 3  # Awa, Chen, and Dana without a country
    assert report.duplicate_in_file == [3]
    assert report.duplicate_contact == [10]  # Hana, from the earlier list
    assert report.already_person == [8]  # Farid uses Liaison already
    assert [(b.line, b.problems) for b in report.bad] == [
        (4, ("email: not a valid address",)),
        (7, ("language: not one of en, ar, zh, fr, ru, es",)),
        (9, ("email: missing",)),
    ]
    assert [line for line, _warning in report.warnings] == [6]
    summary = "\n".join(report.lines())
    assert (
        "bad rows: 3" in summary and "imported with a warning: 1" in summary and "line 6: country" in summary
    )
    assert "awa@" not in summary.lower() and "Atlantis" not in summary

    rejects = tmp_path / "rejects.csv"
    write_rejects(rejects, headers, report.bad)
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600
    rejected = rejects.read_text(encoding="utf-8")
    assert (
        "Bilal" in rejected and "email: missing" in rejected and rejected.count("\n") == 4
    )  # kept for fixing

    async with database.session() as session:
        found = (await session.scalars(select(Contact).where(Contact.source == "Sahel network"))).all()
        outbox = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at))).all()
        awa = next(c for c in found if c.email == "awa@example.org")
    assert {c.name for c in found} == {"Awa Diallo", "Chen Li", "Dana"}
    assert next(c for c in found if c.name == "Dana").country is None
    assert (
        awa.invitation == InvitationState.QUEUED.value
        and awa.invited_event == "AFR26"
        and awa.language == "fr"
    )
    assert len(outbox) == 3 and all(m.channel == "email" for m in outbox)
    bodies = sorted(m.body or "" for m in outbox)
    assert any(
        "https://t.me/liaison_test_bot?start=ev_AFR26" in b and "Consultation régionale" in b for b in bodies
    )
    assert any(
        "https://t.me/liaison_test_bot?start=ev_AFR26" in b and "Regional consultation" in b for b in bodies
    )
    # Sealed at rest: neither the email nor the name is in the stored bytes.
    async with database.session() as session:
        raw = (await session.execute(text("SELECT email, name FROM contacts"))).all()
    stored = b"".join(bytes(value) for row in raw for value in row if value is not None)
    assert stored and b"awa@example.org" not in stored and b"Awa Diallo" not in stored


def test_the_cli_previews_imports_xlsx_and_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIAISON_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LIAISON_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Full name", "E-mail", "Organization"])
    sheet.append(["Omar", "omar@example.org", "Desert Aid"])
    sheet.append(["Omar twice", "omar@example.org", "Desert Aid"])
    sheet.append(["No mail", "", "Somewhere"])
    path = tmp_path / "list.xlsx"
    book.save(path)
    declined = runner.invoke(app, ["contacts", "import", str(path), "--source", "ECE list"], input="n\n")
    assert (
        declined.exit_code == 1
        and "E-mail" in declined.output
        and "Import with this mapping?" in declined.output
    )
    result = runner.invoke(app, ["contacts", "import", str(path), "--source", "ECE list", "--yes"])
    assert result.exit_code == 0, result.output
    assert "imported: 1" in result.output and "duplicates within the file: 1 (lines 3)" in result.output
    assert "line 4: email: missing" in result.output
    assert (tmp_path / "list.xlsx.rejected.csv").exists()
    again = runner.invoke(app, ["contacts", "import", str(path), "--source", "ECE list", "--yes"])
    assert "imported: 0" in again.output and "already in the contacts: 1 (lines 2)" in again.output
