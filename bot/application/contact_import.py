"""Outreach lists from a file (R21): read a .csv or .xlsx list, validate and de-duplicate every row,
store the contacts and queue their invitations. Shared by `liaison contacts import` and the web
console's outreach page."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.domain.outreach import BadRow, ContactRow, validate

if TYPE_CHECKING:
    from bot.services import Services

BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")


class ImportFileError(ValueError):
    """The file cannot be read as a contact list (the message says why, with no personal data)."""


def read_rows(path: Path) -> tuple[list[str], Iterator[dict[str, str]], int]:
    """Headers, the rows as dicts, and how many rows there are. CSV (UTF-8, with or without BOM) or XLSX."""
    return parse_rows(path.read_bytes(), path.suffix)


def parse_rows(data: bytes, suffix: str) -> tuple[list[str], Iterator[dict[str, str]], int]:
    """As `read_rows`, from the bytes of a file whose name ends in `suffix` (.csv or .xlsx)."""
    suffix = suffix.lower()
    if suffix == ".csv":
        text = data.decode("utf-8-sig")
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(text.splitlines(), dialect=dialect)
        rows = list(reader)
        return [h for h in (reader.fieldnames or []) if h], iter(rows), len(rows)
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.active
        if sheet is None:
            raise ImportFileError("the workbook has no sheet")
        values = list(sheet.iter_rows(values_only=True))
        workbook.close()
        if not values:
            raise ImportFileError("the sheet is empty")
        headers = ["" if v is None else str(v).strip() for v in values[0]]
        rows = [
            {h: "" if v is None else str(v) for h, v in zip(headers, row, strict=False) if h}
            for row in values[1:]
            if any(v not in (None, "") for v in row)
        ]
        return [h for h in headers if h], iter(rows), len(rows)
    raise ImportFileError("the file must be .csv or .xlsx")


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    duplicate_in_file: list[int] = field(default_factory=list)  # line numbers
    duplicate_contact: list[int] = field(default_factory=list)
    already_person: list[int] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)  # (line, what was left out); imported
    invited: int = 0

    def lines(self) -> list[str]:
        found = [
            f"rows read: {self.rows}",
            f"imported: {self.imported}",
            f"duplicates within the file: {len(self.duplicate_in_file)}{_at(self.duplicate_in_file)}",
            f"already in the contacts: {len(self.duplicate_contact)}{_at(self.duplicate_contact)}",
            f"already using Liaison: {len(self.already_person)}{_at(self.already_person)}",
            f"bad rows: {len(self.bad)}",
        ]
        found += [f"  line {row.line}: {'; '.join(row.problems)}" for row in self.bad]
        if self.warnings:
            found.append(f"imported with a warning: {len(self.warnings)}")
            found += [f"  line {line}: {warning}" for line, warning in self.warnings]
        if self.invited:
            found.append(f"invitations queued: {self.invited}")
        return found


def _at(lines: list[int]) -> str:
    if not lines:
        return ""
    shown = ", ".join(str(n) for n in lines[:20])
    return f" (lines {shown}{', …' if len(lines) > 20 else ''})"


@dataclass(frozen=True)
class Invitation:
    event_code: str
    bot_username: str


async def import_rows(
    services: Services,
    rows: Iterator[dict[str, str]],
    mapping: dict[str, str],
    *,
    source: str,
    invitation: Invitation | None = None,
    advance: Callable[[int], None] = lambda _n: None,
    batch: int = 200,
    actor: str = "cli",
) -> ImportReport:
    """Validate, de-duplicate and store the rows; queue invitations. Commits every `batch` rows."""
    from storage.repositories import audit, contacts

    report = ImportReport()
    seen: set[str] = set()
    keyring = services.keyring
    now = services.clock()
    event = await _event(services, invitation.event_code) if invitation else None
    pending: list[ContactRow] = []

    async def flush() -> None:
        async with services.db.session() as session:
            for row in pending:
                if await contacts.find(session, keyring, row.email_key) is not None:
                    report.duplicate_contact.append(row.line)
                    continue
                if await contacts.is_person(session, keyring, row.email):
                    report.already_person.append(row.line)
                    continue
                contact = await contacts.add(
                    session, keyring, email=row.email, normalised_email=row.email_key, name=row.name,
                    organisation=row.organisation, country=row.country, language=row.language,
                    source=source, now=now,
                )  # fmt: skip
                report.imported += 1
                report.warnings += [(row.line, warning) for warning in row.warnings]
                if invitation is not None and event is not None:
                    await _invite(services, session, contact, event, invitation)
                    report.invited += 1
        pending.clear()

    line = 1
    for raw in rows:
        line += 1
        report.rows += 1
        checked = validate(line, raw, mapping)
        if isinstance(checked, BadRow):
            report.bad.append(checked)
        elif checked.email_key in seen:
            report.duplicate_in_file.append(line)
        else:
            seen.add(checked.email_key)
            pending.append(checked)
        if len(pending) >= batch:
            await flush()
        advance(1)
    await flush()
    async with services.db.session() as session:
        await audit.append(
            session, at=now, actor=actor, action="contacts.import", subject_type="contact_source",
            subject_id=f"{source[:40]}:{report.imported}",
        )  # fmt: skip
    return report


async def _event(services: Services, code: str) -> object:
    from storage.repositories import events

    async with services.db.session() as session:
        found = await events.by_code(session, code)
    if found is None:
        raise ImportFileError(f"no event has the code {code!r}")
    return found


async def _invite(
    services: Services, session: object, contact: object, event: object, invitation: Invitation
) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    from scheduler.notices import Text, delivery_for
    from scheduler.outbox import enqueue
    from storage.models import Channel, Contact, Event
    from storage.repositories import contacts

    assert isinstance(session, AsyncSession) and isinstance(contact, Contact) and isinstance(event, Event)
    now = services.clock()
    language = contact.language or services.settings.default_language
    t = services.translator.get(language)
    link = f"https://t.me/{invitation.bot_username}?start=ev_{event.code}"
    title = event.title(language)
    body = t._(
        "You are invited to register for {event}. Register in Telegram with this link: {link}\n"
        "A member of our regional network shared your address with us. If you do not want to hear from us, "
        "ignore this message."
    ).format(event=title, link=link)
    address_id = await contacts.address_for(session, services.keyring, contact, now=now, language=language)
    text = Text(body, subject=t._("Invitation: {event}").format(event=title))
    await enqueue(
        session,
        [delivery_for(address_id, Channel.EMAIL.value, text, key=f"invite:{contact.id}:{event.code}")],
        now=now,
    )
    await contacts.mark_invited(session, contact, event.code, now=now)
