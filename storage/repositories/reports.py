"""Report cases: submitting, following up with a receipt, staff keys, opening, replying, purging.

Content is encrypted to the case's public key; only the case secret opens it, and the
case secret exists only sealed to staff keys and recovery keys (see
`storage.crypto.report_keys`). Functions that read content take an unlocked private key.
Argon2id runs in a worker thread so the event loop keeps answering other people.
Nothing here logs content or puts it in an exception.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from nacl.public import PrivateKey
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto.keyring import Keyring
from storage.crypto.report_keys import (
    CaseKeys,
    KdfLimits,
    ReceiptKeys,
    ReportCryptoError,
    StaffKeyMaterial,
    content_aad,
    decrypt_content,
    derive_receipt_keys,
    encrypt_content,
    new_receipt,
    new_staff_key,
    normalise_receipt,
    open_case_secret,
    protect_private_key,
    receipt_pepper,
    seal_case_secret,
    unlock_private_key,
)
from storage.models import (
    CaseKey,
    CaseStatus,
    MessageAuthor,
    RecoveryKey,
    ReportCase,
    ReportEvidence,
    ReportKind,
    ReportMessage,
    StaffMember,
    StaffReportKey,
    StaffRole,
)
from storage.repositories import audit
from storage.repositories.audit import staff_actor

# Roles whose members hold report keys; task team members review submissions, not reports.
READER_ROLES = (StaffRole.LIAISON.value, StaffRole.ADMINISTRATOR.value)
REPORT_PURPOSE = "report"
MESSAGE_PURPOSE = "message"
EVIDENCE_META_PURPOSE = "evidence-meta"
EVIDENCE_PURPOSE = "evidence"


class NoReadersError(Exception):
    """No staff key and no recovery key exists: a report stored now could never be read."""


class CaseNotFoundError(Exception):
    """No case with this id (it may have been purged)."""


class NoCaseKeyError(Exception):
    """This staff member holds no key for the case; an unlocked colleague must grant it."""


# --- plain data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceFile:
    filename: str
    mime_type: str
    content: bytes = field(repr=False)
    caption: str = field(default="", repr=False)  # sealed with the file, in its encrypted metadata


@dataclass(frozen=True)
class ReportContent:
    """What a reporter told us. Held in memory until they confirm, then only encrypted."""

    kind: ReportKind
    what: str = field(repr=False)
    when: str = field(repr=False)
    where: str = field(repr=False)
    who: str = field(repr=False)
    danger: bool
    anonymous: bool
    evidence: tuple[EvidenceFile, ...] = field(default=(), repr=False)

    def body(self) -> bytes:
        return json.dumps(
            {
                "what": self.what,
                "when": self.when,
                "where": self.where,
                "who": self.who,
                "danger": self.danger,
            },
            ensure_ascii=False,
        ).encode("utf-8")


@dataclass(frozen=True)
class Submitted:
    case_id: uuid.UUID
    reference: str
    urgent: bool
    receipt: str | None = field(default=None, repr=False)  # shown once to an anonymous reporter


@dataclass(frozen=True)
class CaseEntry:
    id: uuid.UUID
    author: MessageAuthor
    created_at: datetime
    text: str = field(repr=False)


@dataclass(frozen=True)
class EvidenceEntry:
    id: uuid.UUID
    filename: str
    mime_type: str
    size: int


@dataclass(frozen=True)
class OpenedCase:
    """A case as a staff member sees it after an explicit, audited open."""

    id: uuid.UUID
    reference: str
    kind: ReportKind
    urgent: bool
    status: CaseStatus
    anonymous: bool
    created_at: datetime
    report: dict[str, object] = field(repr=False)
    entries: list[CaseEntry] = field(repr=False)
    evidence: list[EvidenceEntry]


@dataclass(frozen=True)
class ReporterView:
    """What an anonymous reporter sees at /followup: status and staff messages, never the report."""

    case_id: uuid.UUID
    reference: str
    status: CaseStatus
    staff_messages: list[CaseEntry] = field(repr=False)


@dataclass(frozen=True)
class StaffReply:
    message_id: uuid.UUID
    # Identified cases: whom to relay the text to in chat (through the outbox); None for anonymous ones.
    relay_to_person_id: uuid.UUID | None


@dataclass(frozen=True)
class CaseSummary:
    id: uuid.UUID
    reference: str
    kind: ReportKind
    urgent: bool
    status: CaseStatus
    anonymous: bool
    created_at: datetime


# --- the case state machine ----------------------------------------------------------------

TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: frozenset({CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS, CaseStatus.CLOSED}),
    CaseStatus.ACKNOWLEDGED: frozenset(
        {CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_REPORTER, CaseStatus.CLOSED}
    ),
    CaseStatus.IN_PROGRESS: frozenset({CaseStatus.AWAITING_REPORTER, CaseStatus.CLOSED}),
    CaseStatus.AWAITING_REPORTER: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset({CaseStatus.IN_PROGRESS}),
}


def can_move(current: CaseStatus, target: CaseStatus) -> bool:
    """Whether a case may go from `current` to `target` (a closed case may only be reopened)."""
    return target in TRANSITIONS[current]


def report_message_id(case_id: uuid.UUID) -> uuid.UUID:
    """The id of a case's first message, the report itself (so it is told apart without a marker)."""
    return uuid.uuid5(case_id, "report")


def format_reference(year: int, sequence: int) -> str:
    return f"C-{year}-{sequence:04d}"


def purge_due(closed_at: datetime | None, now: datetime, retention: timedelta) -> bool:
    """A closed case is purged once `retention` has passed since it was closed."""
    return closed_at is not None and now - closed_at >= retention


# --- readers and keys ----------------------------------------------------------------------


def pepper_for(keyring: Keyring) -> bytes:
    """The receipt pepper: derived from the server's blind-index key, never stored."""
    return receipt_pepper(keyring.blind_index("report:receipt-pepper/v1", "pepper"))


async def reader_keys(session: AsyncSession) -> list[StaffReportKey]:
    """Key pairs of active staff allowed to read reports."""
    rows = await session.scalars(
        select(StaffReportKey)
        .join(StaffMember, StaffMember.id == StaffReportKey.staff_member_id)
        .where(StaffMember.removed_at.is_(None), StaffMember.role.in_(READER_ROLES))
        .order_by(StaffReportKey.created_at)
    )
    return list(rows)


async def recovery_keys(session: AsyncSession) -> list[RecoveryKey]:
    rows = await session.scalars(select(RecoveryKey).where(RecoveryKey.retired_at.is_(None)))
    return list(rows)


async def has_readers(session: AsyncSession) -> bool:
    return bool(await reader_keys(session)) or bool(await recovery_keys(session))


async def staff_key(session: AsyncSession, staff_member_id: uuid.UUID) -> StaffReportKey | None:
    return await session.scalar(
        select(StaffReportKey).where(StaffReportKey.staff_member_id == staff_member_id)
    )


def _material(row: StaffReportKey) -> StaffKeyMaterial:
    return StaffKeyMaterial(row.public_key, row.encrypted_private, row.salt, row.opslimit, row.memlimit)


async def create_staff_key(
    session: AsyncSession, staff_member_id: uuid.UUID, passphrase: str, limits: KdfLimits, *, now: datetime
) -> PrivateKey:
    """A first key pair for a staff member. They see existing cases only once a colleague grants them."""
    private, material = await asyncio.to_thread(new_staff_key, passphrase, limits)
    session.add(
        StaffReportKey(
            id=uuid.uuid4(),
            staff_member_id=staff_member_id,
            public_key=material.public_key,
            encrypted_private=material.encrypted_private,
            salt=material.salt,
            opslimit=material.opslimit,
            memlimit=material.memlimit,
            created_at=now,
            updated_at=now,
        )
    )
    await session.flush()
    await audit.append(
        session, at=now, actor=staff_actor(staff_member_id), action="report.key_created",
        subject_type="staff_member", subject_id=str(staff_member_id),
    )  # fmt: skip
    return private


async def change_passphrase(
    session: AsyncSession,
    row: StaffReportKey,
    private: PrivateKey,
    passphrase: str,
    limits: KdfLimits,
    *,
    now: datetime,
) -> None:
    """Re-encrypt an unlocked private key under a new passphrase (the key pair stays the same)."""
    if bytes(private.public_key) != row.public_key:
        raise ReportCryptoError("this unlocked key is not the stored one")
    material = await asyncio.to_thread(protect_private_key, private, passphrase, limits)
    row.encrypted_private, row.salt = material.encrypted_private, material.salt
    row.opslimit, row.memlimit, row.updated_at = material.opslimit, material.memlimit, now


async def unlock(session: AsyncSession, staff_member_id: uuid.UUID, passphrase: str) -> PrivateKey | None:
    """The staff member's private key, or None when the passphrase is wrong or they have no key."""
    row = await staff_key(session, staff_member_id)
    if row is None:
        return None
    try:
        return await asyncio.to_thread(unlock_private_key, _material(row), passphrase)
    except ReportCryptoError:
        return None


async def add_recovery_key(session: AsyncSession, public_key: bytes, *, now: datetime) -> RecoveryKey:
    row = RecoveryKey(id=uuid.uuid4(), public_key=public_key, created_at=now)
    session.add(row)
    await session.flush()
    return row


async def _seal_to_readers(session: AsyncSession, case_id: uuid.UUID, secret: bytes, now: datetime) -> None:
    readers = await reader_keys(session)
    recoveries = await recovery_keys(session)
    if not readers and not recoveries:
        raise NoReadersError("no staff report key and no recovery key exists")
    for reader in readers:
        session.add(
            CaseKey(
                id=uuid.uuid4(), case_id=case_id, staff_key_id=reader.id,
                sealed_secret=seal_case_secret(secret, reader.public_key), created_at=now,
            )
        )  # fmt: skip
    for recovery in recoveries:
        session.add(
            CaseKey(
                id=uuid.uuid4(), case_id=case_id, recovery_key_id=recovery.id,
                sealed_secret=seal_case_secret(secret, recovery.public_key), created_at=now,
            )
        )  # fmt: skip


# --- submitting ----------------------------------------------------------------------------


async def _next_sequence(session: AsyncSession, year: int) -> int:
    highest = await session.scalar(select(func.max(ReportCase.sequence)).where(ReportCase.year == year))
    return (highest or 0) + 1


async def submit(
    session: AsyncSession,
    keyring: Keyring,
    content: ReportContent,
    *,
    now: datetime,
    receipt_limits: KdfLimits,
    person_id: uuid.UUID | None = None,
) -> Submitted:
    """Store a confirmed report, encrypted for its readers. Anonymous reports get a receipt."""
    if content.anonymous and person_id is not None:
        raise ValueError("an anonymous report must not be linked to a person")
    keys = CaseKeys.generate()
    receipt: str | None = None
    receipt_keys: ReceiptKeys | None = None
    if content.anonymous:
        receipt = new_receipt()
        digits = normalise_receipt(receipt)
        assert digits is not None
        receipt_keys = await asyncio.to_thread(
            derive_receipt_keys, digits, pepper_for(keyring), receipt_limits
        )
    case = ReportCase(
        id=uuid.uuid4(),
        kind=content.kind.value,
        urgent=content.danger,
        status=CaseStatus.NEW.value,
        anonymous=content.anonymous,
        person_id=person_id,
        public_key=keys.public,
        receipt_lookup=receipt_keys.lookup if receipt_keys else None,
        receipt_opslimit=receipt_limits.opslimit if receipt_keys else None,
        receipt_memlimit=receipt_limits.memlimit if receipt_keys else None,
        reporter_public_key=receipt_keys.public if receipt_keys else None,
        created_at=now,
        updated_at=now,
    )
    # The next number of the year. Two concurrent submits may pick the same one; the unique
    # constraint then fails one transaction, and the caller retries it in a new unit of work.
    case.year = now.year
    case.sequence = await _next_sequence(session, now.year)
    case.reference = format_reference(case.year, case.sequence)
    session.add(case)
    await session.flush()
    await _seal_to_readers(session, case.id, keys.secret, now)
    message_id = report_message_id(case.id)
    encrypted = encrypt_content(content.body(), content_aad(case.id, REPORT_PURPOSE, message_id), keys.public)
    session.add(
        ReportMessage(
            id=message_id, case_id=case.id, author=MessageAuthor.REPORTER.value, created_at=now,
            body=encrypted.body, key_for_case=encrypted.key_for_case,
        )
    )  # fmt: skip
    for item in content.evidence:
        _add_evidence(session, case, item, now)
    await session.flush()
    return Submitted(case.id, case.reference, case.urgent, receipt)


def _add_evidence(session: AsyncSession, case: ReportCase, item: EvidenceFile, now: datetime) -> None:
    evidence_id = uuid.uuid4()
    meta = json.dumps(
        {
            "filename": item.filename,
            "mime_type": item.mime_type,
            "size": len(item.content),
            "caption": item.caption,
        },
        ensure_ascii=False,
    )
    # One content key for name and bytes: encrypt the bytes, then the name under the same sealed key.
    encrypted = encrypt_content(
        item.content, content_aad(case.id, EVIDENCE_PURPOSE, evidence_id), case.public_key
    )
    meta_encrypted = _encrypt_with_same_key(
        meta.encode(), content_aad(case.id, EVIDENCE_META_PURPOSE, evidence_id), case.public_key
    )
    session.add(
        ReportEvidence(
            id=evidence_id, case_id=case.id, created_at=now, meta=meta_encrypted,
            body=encrypted.body, key_for_case=encrypted.key_for_case,
        )
    )  # fmt: skip


def _encrypt_with_same_key(plaintext: bytes, aad: bytes, case_public: bytes) -> bytes:
    """A self-contained encrypted blob: sealed key length, sealed key, body."""
    encrypted = encrypt_content(plaintext, aad, case_public)
    return len(encrypted.key_for_case).to_bytes(2, "big") + encrypted.key_for_case + encrypted.body


def _decrypt_blob(blob: bytes, aad: bytes, private: PrivateKey) -> bytes:
    size = int.from_bytes(blob[:2], "big")
    return decrypt_content(blob[2 + size :], blob[2 : 2 + size], aad, private)


# --- anonymous follow-up -------------------------------------------------------------------


async def find_by_receipt(
    session: AsyncSession, keyring: Keyring, receipt: str, *, limits: KdfLimits
) -> tuple[ReportCase, ReceiptKeys] | None:
    """The case a receipt belongs to, with the reporter's keys; None for a wrong code or a purged case.

    The same slow derivation runs whether or not a case exists, so the answer and its
    timing say nothing about which codes are real. Cases created under other Argon2id
    costs (after a settings change) are tried too; the set of costs is global, not per case.
    """
    digits = normalise_receipt(receipt)
    well_formed = digits is not None
    # A malformed code still pays the cost, so it takes as long as a wrong one.
    digits = digits or "0" * 24
    costs = {limits}
    rows = await session.execute(
        select(ReportCase.receipt_opslimit, ReportCase.receipt_memlimit)
        .where(ReportCase.receipt_lookup.is_not(None))
        .distinct()
    )
    costs |= {KdfLimits(ops, mem) for ops, mem in rows if ops is not None and mem is not None}
    pepper = pepper_for(keyring)
    found: tuple[ReportCase, ReceiptKeys] | None = None
    for cost in sorted(costs, key=lambda c: (c.opslimit, c.memlimit)):
        keys = await asyncio.to_thread(derive_receipt_keys, digits, pepper, cost)
        case = await session.scalar(select(ReportCase).where(ReportCase.receipt_lookup == keys.lookup))
        if case is not None and found is None and well_formed:
            found = (case, keys)
    return found


def _entry(row: ReportMessage, text: bytes) -> CaseEntry:
    return CaseEntry(row.id, MessageAuthor(row.author), row.created_at, text.decode("utf-8"))


async def _messages(session: AsyncSession, case_id: uuid.UUID) -> list[ReportMessage]:
    rows = await session.scalars(
        select(ReportMessage).where(ReportMessage.case_id == case_id).order_by(ReportMessage.created_at)
    )
    return list(rows)


async def reporter_view(session: AsyncSession, case: ReportCase, keys: ReceiptKeys) -> ReporterView:
    """Status and the staff messages sealed to this reporter. The report itself is not readable here."""
    entries = []
    for row in await _messages(session, case.id):
        if row.author != MessageAuthor.STAFF.value or row.key_for_reporter is None:
            continue
        text = decrypt_content(
            row.body, row.key_for_reporter, content_aad(case.id, MESSAGE_PURPOSE, row.id), keys.private
        )
        entries.append(_entry(row, text))
    return ReporterView(case.id, case.reference, CaseStatus(case.status), entries)


async def add_reporter_message(
    session: AsyncSession, case_id: uuid.UUID, text: str, *, now: datetime
) -> uuid.UUID:
    """More information from the reporter, encrypted to the case (the server cannot read it back)."""
    case = await session.get(ReportCase, case_id)
    if case is None:
        raise CaseNotFoundError("no such case")
    message_id = uuid.uuid4()
    encrypted = encrypt_content(
        text.encode("utf-8"), content_aad(case.id, MESSAGE_PURPOSE, message_id), case.public_key
    )
    session.add(
        ReportMessage(
            id=message_id, case_id=case.id, author=MessageAuthor.REPORTER.value, created_at=now,
            body=encrypted.body, key_for_case=encrypted.key_for_case,
        )
    )  # fmt: skip
    if case.status == CaseStatus.AWAITING_REPORTER.value:
        case.status = CaseStatus.IN_PROGRESS.value
    case.updated_at = now
    await session.flush()
    return message_id


async def add_reporter_evidence(
    session: AsyncSession, case_id: uuid.UUID, item: EvidenceFile, *, now: datetime
) -> None:
    case = await session.get(ReportCase, case_id)
    if case is None:
        raise CaseNotFoundError("no such case")
    _add_evidence(session, case, item, now)
    case.updated_at = now
    await session.flush()


# --- staff: opening, replying, granting ----------------------------------------------------


async def case_private_key(
    session: AsyncSession, case_id: uuid.UUID, staff_member_id: uuid.UUID, staff_private: PrivateKey
) -> PrivateKey:
    """The case private key through this staff member's sealed copy."""
    sealed = await session.scalar(
        select(CaseKey.sealed_secret)
        .join(StaffReportKey, StaffReportKey.id == CaseKey.staff_key_id)
        .where(CaseKey.case_id == case_id, StaffReportKey.staff_member_id == staff_member_id)
    )
    if sealed is None:
        if await session.get(ReportCase, case_id) is None:
            raise CaseNotFoundError("no such case")
        raise NoCaseKeyError("no key for this case; ask an unlocked colleague to run /grantcases")
    return open_case_secret(sealed, staff_private)


async def open_case(
    session: AsyncSession,
    case_id: uuid.UUID,
    staff_member_id: uuid.UUID,
    staff_private: PrivateKey,
    *,
    now: datetime,
) -> OpenedCase:
    """Decrypt a case for a staff member; the read is written to the audit log (ids only)."""
    case = await session.get(ReportCase, case_id)
    if case is None:
        raise CaseNotFoundError("no such case")
    private = await case_private_key(session, case_id, staff_member_id, staff_private)
    report: dict[str, object] = {}
    entries: list[CaseEntry] = []
    report_id = report_message_id(case_id)
    for row in await _messages(session, case_id):
        purpose = REPORT_PURPOSE if row.id == report_id else MESSAGE_PURPOSE
        text = decrypt_content(row.body, row.key_for_case, content_aad(case_id, purpose, row.id), private)
        if row.id == report_id:
            report = json.loads(text)
        else:
            entries.append(_entry(row, text))
    evidence = []
    for item in await session.scalars(
        select(ReportEvidence).where(ReportEvidence.case_id == case_id).order_by(ReportEvidence.created_at)
    ):
        meta = json.loads(
            _decrypt_blob(item.meta, content_aad(case_id, EVIDENCE_META_PURPOSE, item.id), private)
        )
        evidence.append(
            EvidenceEntry(item.id, str(meta["filename"]), str(meta["mime_type"]), int(meta["size"]))
        )
    await audit.append(
        session, at=now, actor=staff_actor(staff_member_id), action="report.open",
        subject_type="report_case", subject_id=str(case_id),
    )  # fmt: skip
    return OpenedCase(
        case.id, case.reference, ReportKind(case.kind), case.urgent, CaseStatus(case.status),
        case.anonymous, case.created_at, report, entries, evidence,
    )  # fmt: skip


async def evidence_content(
    session: AsyncSession,
    evidence_id: uuid.UUID,
    staff_member_id: uuid.UUID,
    staff_private: PrivateKey,
    *,
    now: datetime,
) -> EvidenceFile:
    """The bytes of one evidence file, decrypted for a staff member (audited)."""
    item = await session.get(ReportEvidence, evidence_id)
    if item is None:
        raise CaseNotFoundError("no such evidence")
    private = await case_private_key(session, item.case_id, staff_member_id, staff_private)
    meta = json.loads(
        _decrypt_blob(item.meta, content_aad(item.case_id, EVIDENCE_META_PURPOSE, item.id), private)
    )
    content = decrypt_content(
        item.body, item.key_for_case, content_aad(item.case_id, EVIDENCE_PURPOSE, item.id), private
    )
    await audit.append(
        session, at=now, actor=staff_actor(staff_member_id), action="report.evidence_open",
        subject_type="report_evidence", subject_id=str(evidence_id),
    )  # fmt: skip
    return EvidenceFile(str(meta["filename"]), str(meta["mime_type"]), content, str(meta.get("caption", "")))


async def add_staff_message(
    session: AsyncSession,
    case_id: uuid.UUID,
    staff_member_id: uuid.UUID,
    text: str,
    *,
    now: datetime,
    internal: bool = False,
) -> StaffReply:
    """A staff reply (or internal note). For anonymous cases the reply is also sealed to the
    receipt-derived key and held for /followup; for identified cases the caller relays the
    text to `relay_to_person_id` through the outbox."""
    case = await session.get(ReportCase, case_id)
    if case is None:
        raise CaseNotFoundError("no such case")
    message_id = uuid.uuid4()
    to_reporter = not internal and case.anonymous
    encrypted = encrypt_content(
        text.encode("utf-8"),
        content_aad(case.id, MESSAGE_PURPOSE, message_id),
        case.public_key,
        case.reporter_public_key if to_reporter else None,
    )
    session.add(
        ReportMessage(
            id=message_id, case_id=case.id,
            author=(MessageAuthor.NOTE if internal else MessageAuthor.STAFF).value,
            staff_member_id=staff_member_id, created_at=now, body=encrypted.body,
            key_for_case=encrypted.key_for_case, key_for_reporter=encrypted.key_for_reporter,
        )
    )  # fmt: skip
    case.updated_at = now
    await session.flush()
    await audit.append(
        session, at=now, actor=staff_actor(staff_member_id),
        action="report.note" if internal else "report.reply",
        subject_type="report_case", subject_id=str(case_id),
    )  # fmt: skip
    relay = case.person_id if not internal and not case.anonymous else None
    return StaffReply(message_id, relay)


async def set_status(
    session: AsyncSession, case_id: uuid.UUID, status: CaseStatus, *, now: datetime, actor: str
) -> None:
    case = await session.get(ReportCase, case_id)
    if case is None:
        raise CaseNotFoundError("no such case")
    current = CaseStatus(case.status)
    if not can_move(current, status):
        raise ValueError(f"a case cannot go from {current.value} to {status.value}")
    case.status, case.updated_at = status.value, now
    case.closed_at = now if status is CaseStatus.CLOSED else None
    await audit.append(
        session, at=now, actor=actor, action=f"report.status.{status.value}",
        subject_type="report_case", subject_id=str(case_id),
    )  # fmt: skip


async def open_cases(session: AsyncSession) -> list[CaseSummary]:
    """Cases not closed, urgent first, then oldest first. No content."""
    rows = await session.scalars(
        select(ReportCase)
        .where(ReportCase.status != CaseStatus.CLOSED.value)
        .order_by(ReportCase.urgent.desc(), ReportCase.created_at)
    )
    return [
        CaseSummary(
            r.id, r.reference, ReportKind(r.kind), r.urgent, CaseStatus(r.status), r.anonymous, r.created_at
        )
        for r in rows
    ]


@dataclass(frozen=True)
class GrantResult:
    cases: int  # cases newly shared
    keys: int  # sealed copies written


async def grant_cases(
    session: AsyncSession, staff_member_id: uuid.UUID, staff_private: PrivateKey, *, now: datetime
) -> GrantResult:
    """Re-seal every case this unlocked staff member can open to every reader key that lacks it."""
    readers = await reader_keys(session)
    own = await session.execute(
        select(CaseKey.case_id, CaseKey.sealed_secret)
        .join(StaffReportKey, StaffReportKey.id == CaseKey.staff_key_id)
        .where(StaffReportKey.staff_member_id == staff_member_id)
    )
    cases = keys = 0
    for case_id, sealed in own.all():
        held = set(
            await session.scalars(
                select(CaseKey.staff_key_id).where(
                    CaseKey.case_id == case_id, CaseKey.staff_key_id.is_not(None)
                )
            )
        )
        missing = [reader for reader in readers if reader.id not in held]
        if not missing:
            continue
        secret = bytes(open_case_secret(sealed, staff_private))
        for reader in missing:
            session.add(
                CaseKey(
                    id=uuid.uuid4(), case_id=case_id, staff_key_id=reader.id,
                    sealed_secret=seal_case_secret(secret, reader.public_key), created_at=now,
                )
            )  # fmt: skip
            keys += 1
        cases += 1
    if cases:
        await audit.append(
            session, at=now, actor=staff_actor(staff_member_id), action="report.grant",
            subject_type="staff_member", subject_id=str(staff_member_id),
        )  # fmt: skip
    return GrantResult(cases, keys)


async def recover_for_staff(
    session: AsyncSession, recovery_private: PrivateKey, staff_member_id: uuid.UUID, *, now: datetime
) -> GrantResult:
    """With the offline recovery key, re-seal every case sealed to it to one staff member's key."""
    target = await staff_key(session, staff_member_id)
    if target is None:
        raise NoCaseKeyError("this staff member has no report key yet; they must run /setpassphrase first")
    recovery = await session.scalar(
        select(RecoveryKey).where(RecoveryKey.public_key == bytes(recovery_private.public_key))
    )
    if recovery is None:
        raise ReportCryptoError("this recovery key is not known to this database")
    held = set(await session.scalars(select(CaseKey.case_id).where(CaseKey.staff_key_id == target.id)))
    rows = await session.execute(
        select(CaseKey.case_id, CaseKey.sealed_secret).where(CaseKey.recovery_key_id == recovery.id)
    )
    cases = 0
    for case_id, sealed in rows.all():
        if case_id in held:
            continue
        secret = bytes(open_case_secret(sealed, recovery_private))
        session.add(
            CaseKey(
                id=uuid.uuid4(), case_id=case_id, staff_key_id=target.id,
                sealed_secret=seal_case_secret(secret, target.public_key), created_at=now,
            )
        )  # fmt: skip
        cases += 1
    await audit.append(
        session, at=now, actor="recovery", action="report.recover",
        subject_type="staff_member", subject_id=str(staff_member_id),
    )  # fmt: skip
    return GrantResult(cases, cases)


# --- purging (crypto-shredding) ------------------------------------------------------------


async def purge_case(session: AsyncSession, case_id: uuid.UUID) -> None:
    """Destroy a case: first every sealed copy of its secret, then its content and its row."""
    await session.execute(delete(CaseKey).where(CaseKey.case_id == case_id))
    await session.execute(delete(ReportEvidence).where(ReportEvidence.case_id == case_id))
    await session.execute(delete(ReportMessage).where(ReportMessage.case_id == case_id))
    await session.execute(delete(ReportCase).where(ReportCase.id == case_id))


async def purge_closed(session: AsyncSession, *, now: datetime, retention: timedelta) -> list[uuid.UUID]:
    """Purge every case closed at least `retention` ago; returns their ids (for a content-free log)."""
    due = list(
        await session.scalars(
            select(ReportCase.id).where(
                ReportCase.status == CaseStatus.CLOSED.value, ReportCase.closed_at <= now - retention
            )
        )
    )
    for case_id in due:
        await purge_case(session, case_id)
        await audit.append(
            session, at=now, actor="system", action="report.purge",
            subject_type="report_case", subject_id=str(case_id),
        )  # fmt: skip
    return due


async def revoke_removed_staff(session: AsyncSession) -> int:
    """Delete the report keys (and so every sealed case copy) of staff who were removed or lost the role."""
    rows = await session.scalars(
        select(StaffReportKey)
        .join(StaffMember, StaffMember.id == StaffReportKey.staff_member_id)
        .where((StaffMember.removed_at.is_not(None)) | (StaffMember.role.not_in(READER_ROLES)))
    )
    revoked = 0
    for row in list(rows):
        await session.execute(delete(CaseKey).where(CaseKey.staff_key_id == row.id))
        await session.delete(row)
        revoked += 1
    return revoked
