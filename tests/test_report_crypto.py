"""Report keys and the reports repository: only staff (or the offline recovery key) can read a case."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from nacl.public import PrivateKey
from sqlalchemy import select, text

from storage.crypto.keyring import Keyring
from storage.crypto.report_keys import (
    TEST_MEMLIMIT,
    TEST_OPSLIMIT,
    KdfLimits,
    ReportCryptoError,
    StaffKeyMaterial,
    StaffKeyVault,
    check_passphrase,
    contains_receipt,
    content_aad,
    decrypt_content,
    derive_receipt_keys,
    encrypt_content,
    new_receipt,
    new_recovery_key,
    normalise_receipt,
    open_case_secret,
    parse_recovery_key,
    unlock_private_key,
)
from storage.db import Database
from storage.models import (
    AuditEntry,
    CaseKey,
    CaseStatus,
    ReportCase,
    ReportEvidence,
    ReportKind,
    ReportMessage,
    StaffReportKey,
    StaffRole,
)
from storage.repositories import audit, reports, staff

FAST = KdfLimits(TEST_OPSLIMIT, TEST_MEMLIMIT)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CANARY = "Zebrafinch-Quokka-7731"
PASSPHRASE = "correct horse battery staple"


def content(anonymous: bool, *, danger: bool = False, evidence: bool = False) -> reports.ReportContent:
    files = (
        (reports.EvidenceFile("ev.jpg", "image/jpeg", b"\xff\xd8" + CANARY.encode() * 10),)
        if evidence
        else ()
    )
    return reports.ReportContent(
        kind=ReportKind.REPRISAL,
        what=f"Officials threatened {CANARY} after the consultation",
        when="last Tuesday",
        where="Ruritania",
        who="our coordinator",
        danger=danger,
        anonymous=anonymous,
        evidence=files,
    )


async def add_staff(db: Database, telegram_id: int, *, role: StaffRole = StaffRole.LIAISON) -> uuid.UUID:
    async with db.session() as session:
        member = await staff.add(session, db.keyring, telegram_id, role, now=NOW)
        return member.id


async def add_reader(
    db: Database, telegram_id: int, passphrase: str = PASSPHRASE
) -> tuple[uuid.UUID, PrivateKey]:
    member_id = await add_staff(db, telegram_id)
    async with db.session() as session:
        private = await reports.create_staff_key(session, member_id, passphrase, FAST, now=NOW)
    return member_id, private


# --- pure crypto ---------------------------------------------------------------------------


def test_receipts_are_24_digits_in_groups_and_are_recognised() -> None:
    receipt = new_receipt()
    groups = receipt.split(" ")
    assert len(groups) == 6 and all(len(g) == 4 and g.isdigit() for g in groups)
    assert normalise_receipt(receipt.replace(" ", "-")) == receipt.replace(" ", "")
    arabic = receipt.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert normalise_receipt(arabic) == receipt.replace(" ", "")
    assert contains_receipt(f"my code is {receipt} please")
    assert contains_receipt(arabic)
    assert not contains_receipt("1234 5678")  # a short number of another dialog
    assert not contains_receipt("+44 7700 900123")
    assert normalise_receipt("1234 5678 9012") is None


def test_receipt_keys_are_deterministic_and_peppered() -> None:
    digits = normalise_receipt(new_receipt())
    assert digits is not None
    first = derive_receipt_keys(digits, b"p" * 32, FAST)
    again = derive_receipt_keys(digits, b"p" * 32, FAST)
    other_pepper = derive_receipt_keys(digits, b"q" * 32, FAST)
    assert first.lookup == again.lookup and first.public == again.public
    assert first.lookup != other_pepper.lookup and first.public != other_pepper.public
    assert first.lookup != first.public


def test_staff_private_key_opens_only_with_its_passphrase() -> None:
    from storage.crypto.report_keys import new_staff_key

    private, material = new_staff_key(PASSPHRASE, FAST)
    assert unlock_private_key(material, PASSPHRASE).encode() == private.encode()
    with pytest.raises(ReportCryptoError):
        unlock_private_key(material, PASSPHRASE + "!")
    tampered = StaffKeyMaterial(
        material.public_key,
        material.encrypted_private[:-1] + b"\x00",
        material.salt,
        material.opslimit,
        material.memlimit,
    )
    with pytest.raises(ReportCryptoError):
        unlock_private_key(tampered, PASSPHRASE)
    assert check_passphrase("short") == "too_short"
    assert check_passphrase("aaaaaaaaaaaaaaaa") == "too_simple"
    assert check_passphrase(PASSPHRASE) is None


def test_content_is_bound_to_its_case_and_row() -> None:
    case = PrivateKey.generate()
    case_id, row_id = uuid.uuid4(), uuid.uuid4()
    encrypted = encrypt_content(b"secret", content_aad(case_id, "message", row_id), bytes(case.public_key))
    assert (
        decrypt_content(encrypted.body, encrypted.key_for_case, content_aad(case_id, "message", row_id), case)
        == b"secret"
    )
    with pytest.raises(ReportCryptoError):
        decrypt_content(
            encrypted.body, encrypted.key_for_case, content_aad(case_id, "message", uuid.uuid4()), case
        )
    with pytest.raises(ReportCryptoError):
        decrypt_content(
            encrypted.body,
            encrypted.key_for_case,
            content_aad(case_id, "message", row_id),
            PrivateKey.generate(),
        )


def test_recovery_key_text_round_trips() -> None:
    text_key, public = new_recovery_key()
    assert text_key.startswith("LRK-")
    assert bytes(parse_recovery_key(text_key).public_key) == public
    assert bytes(parse_recovery_key(text_key.replace("-", " ").lower()).public_key) == public
    with pytest.raises(ReportCryptoError):
        parse_recovery_key("LRK-1234")


def test_vault_forgets_keys_when_they_expire() -> None:
    vault = StaffKeyVault()
    staff_id = uuid.uuid4()
    private = PrivateKey.generate()
    vault.put(staff_id, private, until=NOW + timedelta(minutes=30))
    assert vault.get(staff_id, now=NOW + timedelta(minutes=29)) is private
    assert vault.get(staff_id, now=NOW + timedelta(minutes=30)) is None
    assert vault.get(staff_id, now=NOW) is None  # gone for good, not just hidden
    vault.put(staff_id, private, until=NOW + timedelta(minutes=30))
    assert vault.lock(staff_id) and vault.get(staff_id, now=NOW) is None
    assert "PrivateKey" not in repr(vault)


def test_case_state_machine() -> None:
    assert reports.can_move(CaseStatus.NEW, CaseStatus.ACKNOWLEDGED)
    assert reports.can_move(CaseStatus.CLOSED, CaseStatus.IN_PROGRESS)
    assert not reports.can_move(CaseStatus.CLOSED, CaseStatus.NEW)
    assert not reports.can_move(CaseStatus.NEW, CaseStatus.AWAITING_REPORTER)
    assert reports.format_reference(2026, 42) == "C-2026-0042"
    assert reports.purge_due(NOW, NOW + timedelta(days=30), timedelta(days=30))
    assert not reports.purge_due(None, NOW + timedelta(days=300), timedelta(days=30))


# --- repository ----------------------------------------------------------------------------


async def test_no_readers_means_no_report_is_stored(database: Database) -> None:
    with pytest.raises(reports.NoReadersError):
        async with database.session() as session:
            await reports.submit(session, database.keyring, content(True), now=NOW, receipt_limits=FAST)
    async with database.session() as session:
        assert (await session.scalars(select(ReportCase))).all() == []


async def test_identified_report_round_trip_with_evidence_and_audit(database: Database) -> None:
    member_id, private = await add_reader(database, 1001)
    async with database.session() as session:
        submitted = await reports.submit(
            session, database.keyring, content(False, danger=True, evidence=True),
            now=NOW, receipt_limits=FAST, person_id=None,
        )  # fmt: skip
    assert submitted.reference == "C-2026-0001" and submitted.urgent and submitted.receipt is None
    async with database.session() as session:
        second = await reports.submit(session, database.keyring, content(False), now=NOW, receipt_limits=FAST)
    assert second.reference == "C-2026-0002"
    async with database.session() as session:
        opened = await reports.open_case(session, submitted.case_id, member_id, private, now=NOW)
        listing = await reports.open_cases(session)
    assert CANARY in str(opened.report["what"]) and opened.report["danger"] is True
    assert opened.kind is ReportKind.REPRISAL and opened.urgent
    assert [e.filename for e in opened.evidence] == ["ev.jpg"]
    assert [c.reference for c in listing] == ["C-2026-0001", "C-2026-0002"]  # urgent first
    async with database.session() as session:
        file = await reports.evidence_content(session, opened.evidence[0].id, member_id, private, now=NOW)
        entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
        assert await audit.verify(session) == []
    assert CANARY.encode() in file.content
    actions = [(e.action, e.subject_id) for e in entries]
    assert ("report.open", str(submitted.case_id)) in actions
    assert all(CANARY not in str(vars(e)) for e in entries)


async def test_anonymous_case_keeps_no_account_and_follows_up_by_receipt(database: Database) -> None:
    member_id, private = await add_reader(database, 1002)
    async with database.session() as session:
        submitted = await reports.submit(
            session, database.keyring, content(True), now=NOW, receipt_limits=FAST
        )
    assert submitted.receipt is not None
    async with database.session() as session:
        row = await session.get(ReportCase, submitted.case_id)
        assert row is not None and row.person_id is None and row.receipt_lookup is not None
        assert submitted.receipt.replace(" ", "").encode() not in row.receipt_lookup
        await reports.add_staff_message(session, submitted.case_id, member_id, "Are you safe now?", now=NOW)
        await reports.add_staff_message(
            session, submitted.case_id, member_id, "internal only", now=NOW, internal=True
        )

    async with database.session() as session:
        found = await reports.find_by_receipt(session, database.keyring, submitted.receipt, limits=FAST)
        assert found is not None
        case, keys = found
        view = await reports.reporter_view(session, case, keys)
        wrong = await reports.find_by_receipt(session, database.keyring, new_receipt(), limits=FAST)
        malformed = await reports.find_by_receipt(session, database.keyring, "12", limits=FAST)
        await reports.add_reporter_message(session, case.id, f"More: {CANARY} again", now=NOW)
    assert view.reference == submitted.reference and view.status is CaseStatus.NEW
    assert [m.text for m in view.staff_messages] == ["Are you safe now?"]
    assert wrong is None and malformed is None

    async with database.session() as session:
        opened = await reports.open_case(session, submitted.case_id, member_id, private, now=NOW)
    assert [e.text for e in opened.entries] == ["Are you safe now?", "internal only", f"More: {CANARY} again"]


async def test_staff_reply_to_identified_reporter_is_relayed(database: Database) -> None:
    from storage.repositories import people

    member_id, _ = await add_reader(database, 1003)
    async with database.session() as session:
        person = await people.create(session, now=NOW)
        submitted = await reports.submit(
            session, database.keyring, content(False), now=NOW, receipt_limits=FAST, person_id=person.id
        )
        reply = await reports.add_staff_message(session, submitted.case_id, member_id, "We hear you", now=NOW)
        note = await reports.add_staff_message(
            session, submitted.case_id, member_id, "n", now=NOW, internal=True
        )
    assert reply.relay_to_person_id == person.id and note.relay_to_person_id is None


async def test_database_plus_server_keys_open_nothing(database: Database, keyring: Keyring) -> None:
    member_id, _ = await add_reader(database, 1004)
    async with database.session() as session:
        anonymous = await reports.submit(
            session, keyring, content(True, evidence=True), now=NOW, receipt_limits=FAST
        )
        await reports.submit(session, keyring, content(False, danger=True), now=NOW, receipt_limits=FAST)
        await reports.add_staff_message(session, anonymous.case_id, member_id, f"reply {CANARY}", now=NOW)

    # The attacker has every byte of every report table, and the server's keyring.
    async with database.session() as session:
        blobs: list[bytes] = []
        for model in (ReportCase, ReportMessage, ReportEvidence, CaseKey, StaffReportKey):
            for row in (await session.scalars(select(model))).all():
                blobs += [v for v in vars(row).values() if isinstance(v, bytes)]
        sealed_secrets = [k.sealed_secret for k in (await session.scalars(select(CaseKey))).all()]
        staff_row = (await session.scalars(select(StaffReportKey))).one()
    assert blobs and all(CANARY.encode() not in blob for blob in blobs)

    # Every key the server holds, tried as a reader's private key, opens no case secret.
    pepper = reports.pepper_for(keyring)
    server_secrets = [pepper, keyring.blind_index("report:receipt-pepper/v1", "pepper")]
    server_secrets += [key.secret for key in keyring._keys]
    for secret in server_secrets:
        for sealed in sealed_secrets:
            with pytest.raises(ReportCryptoError):
                open_case_secret(sealed, PrivateKey(secret))
    # Nor is any blob an AES envelope of the keyring (it is not encrypted with it at all).
    for blob in blobs:
        with pytest.raises(Exception):  # noqa: B017 - any failure is the point
            keyring.open(blob, b"")
    # The staff key does not open with a guess, and does with the passphrase (so this test can fail).
    material = StaffKeyMaterial(
        staff_row.public_key,
        staff_row.encrypted_private,
        staff_row.salt,
        staff_row.opslimit,
        staff_row.memlimit,
    )
    for guess in ("", "password", "liaison", PASSPHRASE.upper()):
        with pytest.raises(ReportCryptoError):
            unlock_private_key(material, guess)
    async with database.session() as session:
        assert await reports.unlock(session, member_id, "wrong passphrase!") is None
        unlocked = await reports.unlock(session, member_id, PASSPHRASE)
        assert unlocked is not None
        opened = await reports.open_case(session, anonymous.case_id, member_id, unlocked, now=NOW)
    assert CANARY in str(opened.report["what"])


async def test_new_staff_see_old_cases_only_after_a_grant(database: Database) -> None:
    first_id, first_private = await add_reader(database, 2001)
    async with database.session() as session:
        old = await reports.submit(session, database.keyring, content(True), now=NOW, receipt_limits=FAST)
    second_id, second_private = await add_reader(database, 2002, "another long passphrase")
    async with database.session() as session:
        with pytest.raises(reports.NoCaseKeyError):
            await reports.open_case(session, old.case_id, second_id, second_private, now=NOW)
    async with database.session() as session:
        granted = await reports.grant_cases(session, first_id, first_private, now=NOW)
        again = await reports.grant_cases(session, first_id, first_private, now=NOW)
    assert (granted.cases, granted.keys) == (1, 1) and again.cases == 0
    async with database.session() as session:
        opened = await reports.open_case(session, old.case_id, second_id, second_private, now=NOW)
    assert CANARY in str(opened.report["what"])
    # New cases are sealed to both at once.
    async with database.session() as session:
        new = await reports.submit(session, database.keyring, content(False), now=NOW, receipt_limits=FAST)
        await reports.open_case(session, new.case_id, second_id, second_private, now=NOW)


async def test_recovery_key_restores_access_when_every_passphrase_is_lost(database: Database) -> None:
    recovery_text, recovery_public = new_recovery_key()
    async with database.session() as session:
        await reports.add_recovery_key(session, recovery_public, now=NOW)
    lost_id, _ = await add_reader(database, 3001)
    async with database.session() as session:
        case = await reports.submit(session, database.keyring, content(True), now=NOW, receipt_limits=FAST)
    # The only reader leaves; a new one starts with no access.
    async with database.session() as session:
        await staff.remove(session, database.keyring, 3001, now=NOW)
        assert await reports.revoke_removed_staff(session) == 1
        assert await session.scalar(select(CaseKey).where(CaseKey.staff_key_id.is_not(None))) is None
    new_id, new_private = await add_reader(database, 3002, "a brand new passphrase")
    async with database.session() as session:
        restored = await reports.recover_for_staff(
            session, parse_recovery_key(recovery_text), new_id, now=NOW
        )
    assert restored.cases == 1
    async with database.session() as session:
        opened = await reports.open_case(session, case.case_id, new_id, new_private, now=NOW)
    assert CANARY in str(opened.report["what"])
    assert lost_id != new_id


async def test_purge_shreds_closed_cases_after_retention(database: Database) -> None:
    member_id, _ = await add_reader(database, 4001)
    async with database.session() as session:
        closed = await reports.submit(
            session, database.keyring, content(True, evidence=True), now=NOW, receipt_limits=FAST
        )
        kept = await reports.submit(session, database.keyring, content(False), now=NOW, receipt_limits=FAST)
        await reports.set_status(
            session, closed.case_id, CaseStatus.CLOSED, now=NOW, actor=f"staff:{member_id}"
        )
        with pytest.raises(ValueError):
            await reports.set_status(session, kept.case_id, CaseStatus.AWAITING_REPORTER, now=NOW, actor="x")
    async with database.session() as session:
        assert (
            await reports.purge_closed(session, now=NOW + timedelta(days=29), retention=timedelta(days=30))
            == []
        )
        purged = await reports.purge_closed(
            session, now=NOW + timedelta(days=30), retention=timedelta(days=30)
        )
    assert purged == [closed.case_id]
    async with database.session() as session:
        for model in (CaseKey, ReportMessage, ReportEvidence):
            rows = (await session.scalars(select(model).where(model.case_id == closed.case_id))).all()
            assert rows == []
        assert await session.get(ReportCase, closed.case_id) is None
        assert await session.get(ReportCase, kept.case_id) is not None
        assert (
            await reports.find_by_receipt(session, database.keyring, closed.receipt or "", limits=FAST)
            is None
        )
        count = await session.scalar(text("SELECT count(*) FROM report_case_keys"))
    assert count == 1  # the kept case's single reader copy
