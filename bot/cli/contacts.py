"""`liaison contacts import FILE.csv|FILE.xlsx --source NAME`: outreach lists from network members (R21).

It shows how the file's columns map to our fields (with the first row's values, for the
desk to check), asks before importing, validates every row, de-duplicates by the blind
index of the email against the file itself, existing contacts and people who already
use Liaison, and reports every bad row by line and problem (and every row imported with a
warning, such as a country it could not recognise); bad rows are also written
to `<FILE>.rejected.csv` with a `problem` column, to fix and import again. With
`--invite EVENT_CODE --bot USERNAME`, new contacts get an email invitation (in their
language) with the deep link `https://t.me/<bot>?start=ev_<code>`, through the outbox.
"""

from __future__ import annotations

import asyncio
import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.domain.outreach import FIELDS, REQUIRED, BadRow, ContactRow, map_columns, validate

if TYPE_CHECKING:
    from bot.services import Services

contacts_app = typer.Typer(no_args_is_help=True, help="Outreach contacts: import lists, invite.")
BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")


class ImportFileError(ValueError):
    """The file cannot be read as a contact list (the message says why, with no personal data)."""


def read_rows(path: Path) -> tuple[list[str], Iterator[dict[str, str]], int]:
    """Headers, the rows as dicts, and how many rows there are. CSV (UTF-8, with or without BOM) or XLSX."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = path.read_text(encoding="utf-8-sig")
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(text.splitlines(), dialect=dialect)
        rows = list(reader)
        return [h for h in (reader.fieldnames or []) if h], iter(rows), len(rows)
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
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


def write_rejects(path: Path, headers: list[str], bad: list[BadRow]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["line", *headers, "problem"], extrasaction="ignore")
        writer.writeheader()
        for row in bad:
            writer.writerow({"line": row.line, **row.original, "problem": "; ".join(row.problems)})


def _overrides(pairs: list[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        name, sep, header = pair.partition("=")
        if not sep or name.strip() not in FIELDS:
            raise typer.BadParameter(f"--map takes FIELD=Column with FIELD one of {', '.join(FIELDS)}")
        found[name.strip()] = header.strip()
    return found


@contacts_app.command("import")
def import_command(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A .csv or .xlsx file")
    ],
    source: Annotated[str, typer.Option(help="Where the list comes from, e.g. 'ESCAP network, May 2026'")],
    map_: Annotated[
        list[str] | None, typer.Option("--map", help="FIELD=Column, when a header is not recognised")
    ] = None,
    invite: Annotated[
        str | None, typer.Option(help="Invite new contacts to the event with this code")
    ] = None,
    bot: Annotated[str | None, typer.Option(help="The bot's username, for the invitation link")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Import without asking after the preview")] = False,
) -> None:
    """Import an outreach list: preview the column mapping, validate, de-duplicate, report, invite."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from bot.bootstrap import open_services
    from bot.cli.main import _settings

    source = source.strip()
    if not 1 <= len(source) <= 64:
        raise typer.BadParameter("--source takes 1 to 64 characters")
    if invite and not (bot and BOT_USERNAME.match(bot.removeprefix("@"))):
        raise typer.BadParameter("--invite needs --bot USERNAME (the bot's Telegram username)")
    try:
        headers, rows, total = read_rows(file)
        mapping = map_columns(headers, _overrides(map_ or []))
    except (ImportFileError, ValueError, UnicodeDecodeError) as exc:
        typer.echo(f"cannot read {file.name}: {exc}", err=True)
        raise typer.Exit(1) from None
    console = Console()
    first = next(iter(read_rows(file)[1]), {})
    table = Table(title=f"{file.name}: {total} rows")
    table.add_column("our field")
    table.add_column("column in the file")
    table.add_column("first row")
    for wanted in FIELDS:
        header = mapping.get(wanted)
        table.add_row(wanted, header or "(none)", (first.get(header, "") if header else "")[:40])
    console.print(table)
    unmapped = [h for h in headers if h not in mapping.values()]
    if unmapped:
        console.print(f"columns not used: {', '.join(unmapped)}")
    missing = [f for f in REQUIRED if f not in mapping]
    if missing:
        typer.echo(f"no column for {', '.join(missing)}: name it with --map email=<Column>", err=True)
        raise typer.Exit(1)
    if not yes and not typer.confirm("Import with this mapping?"):
        raise typer.Exit(1)
    settings = _settings()
    invitation = Invitation(invite, bot.removeprefix("@")) if invite and bot else None

    async def run() -> ImportReport:
        services = await open_services(settings)
        try:
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("importing", total=total)
                return await import_rows(
                    services, rows, mapping, source=source, invitation=invitation,
                    advance=lambda n: progress.advance(task, n),
                )  # fmt: skip
        finally:
            await services.db.dispose()

    try:
        report = asyncio.run(run())
    except ImportFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    for text in report.lines():
        typer.echo(text)
    if report.bad:
        rejects = file.with_name(file.name + ".rejected.csv")
        write_rejects(rejects, headers, report.bad)
        typer.echo(f"bad rows written to {rejects}: fix them and import that file again")
