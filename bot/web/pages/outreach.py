"""Outreach lists (R21): upload a CSV or XLSX, see how its columns map to our fields, which rows are
bad and which repeat, then import. Reading, mapping, validation, de-duplication, the invitations
to an event and the audit entry are those of `liaison contacts import [--invite CODE --bot NAME]`
(`bot.application.contact_import`, `bot.domain.outreach`); the bot's username for the invitation link is the one
the running bot recorded at start-up (`storage.repositories.calendar.BOT_USERNAME`).

The checked rows wait in this process's memory for 15 minutes between the check and the
import; the uploaded file is read in memory, never written to disk.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from aiohttp import web
from aiohttp.web_request import FileField

from bot.domain.outreach import FIELDS, BadRow, map_columns, validate
from bot.domain.staff_roles import CASE_READERS
from bot.i18n import N_
from bot.web.console import Visit, WebConsole

DRAFT_LIFETIME = timedelta(minutes=15)
MAX_UPLOAD = 4 * 1024 * 1024
MAX_SOURCE = 120
INVITABLE_EVENTS = 50  # the soonest events not over and not cancelled, offered for invitations
FIELD_LABELS = {
    "email": N_("Email"),
    "name": N_("Name"),
    "organisation": N_("Organisation"),
    "country": N_("Country"),
    "language": N_("Language"),
}


@dataclass(frozen=True)
class Draft:
    staff_member_id: uuid.UUID
    rows: tuple[dict[str, str], ...]
    mapping: dict[str, str]
    expires_at: datetime
    summary: dict[str, object]  # what the check showed, shown again beside a problem with the import


def _read(data: bytes, suffix: str) -> tuple[list[str], list[dict[str, str]]]:
    from bot.application.contact_import import parse_rows

    headers, rows, _count = parse_rows(data, suffix)
    return headers, list(rows)


def routes(console: WebConsole) -> list[web.RouteDef]:
    drafts: dict[str, Draft] = {}

    async def page(
        visit: Visit,
        *,
        status: int = 200,
        problems: list[str] | None = None,
        summary: dict[str, object] | None = None,
        **values: object,
    ) -> web.Response:
        from storage.repositories import events

        t = visit.t
        async with console.services.db.session() as session:
            found = await events.upcoming(session, now=console.services.clock(), limit=INVITABLE_EVENTS)
        return console.render(
            t,
            "outreach.html",
            title=t._("Outreach lists"),
            visit=visit,
            current="/web/contacts",
            status=status,
            problems=problems or [],
            checked={**(summary or {}), **values} or None,
            invitable=[(event.code, event.title(t.language)) for event in found],
        )

    async def show(request: web.Request, visit: Visit) -> web.StreamResponse:
        return await page(visit)

    async def check(request: web.Request, visit: Visit) -> web.StreamResponse:
        from bot.application.contact_import import ImportFileError

        t = visit.t
        form = await request.post()
        upload = form.get("file")
        suffix = Path(upload.filename or "").suffix.lower() if isinstance(upload, FileField) else ""
        if not isinstance(upload, FileField) or suffix not in (".csv", ".xlsx"):
            return await page(visit, status=422, problems=[t._("Choose a .csv or .xlsx file.")])
        data = upload.file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            return await page(
                visit, status=422, problems=[t._("The file is too large: split it into smaller lists.")]
            )
        try:
            headers, rows = await asyncio.to_thread(_read, data, suffix)
        except (ImportFileError, ValueError, OSError, KeyError):
            return await page(visit, status=422, problems=[t._("The file could not be read as a list.")])
        mapping = map_columns(headers)
        if "email" not in mapping:
            return await page(visit, status=422, problems=[t._("The file has no email column.")])
        bad: list[BadRow] = []
        seen: set[str] = set()
        repeated: list[int] = []
        unplaced: list[int] = []  # imported, but their country matched none (or several)
        for line, raw in enumerate(rows, start=2):
            checked = validate(line, raw, mapping)
            if isinstance(checked, BadRow):
                bad.append(checked)
            elif checked.email_key in seen:
                repeated.append(line)
            else:
                seen.add(checked.email_key)
                if checked.warnings:
                    unplaced.append(line)
        now = console.services.clock()
        for key in [key for key, draft in drafts.items() if draft.expires_at <= now]:
            drafts.pop(key, None)
        key = secrets.token_urlsafe(16)
        summary: dict[str, object] = dict(
            mapping=[(t._(FIELD_LABELS[name]), mapping.get(name)) for name in FIELDS],
            rows=len(rows),
            good=len(seen),
            bad=[
                (
                    row.line,
                    ", ".join(
                        t._(FIELD_LABELS.get(p.split(":", 1)[0], p.split(":", 1)[0])) for p in row.problems
                    ),
                )
                for row in bad[:200]
            ],
            repeated=", ".join(str(n) for n in repeated[:50]),
            unplaced=", ".join(str(n) for n in unplaced[:50]),
        )
        drafts[key] = Draft(visit.staff_member_id, tuple(rows), mapping, now + DRAFT_LIFETIME, summary)
        return await page(visit, draft=key, summary=summary)

    async def do_import(request: web.Request, visit: Visit) -> web.StreamResponse:
        from bot.application.contact_import import BOT_USERNAME, ImportFileError, Invitation, import_rows
        from storage.repositories import calendar

        t = visit.t
        svc = console.services
        form = await request.post()
        source = " ".join(str(form.get("source", "")).split())[:MAX_SOURCE]
        invite = str(form.get("invite", "")).strip()
        key = str(form.get("draft", ""))
        draft = drafts.get(key)
        if draft is None or draft.staff_member_id != visit.staff_member_id or draft.expires_at <= svc.clock():
            return await page(visit, status=409, problems=[t._("This check expired; upload the file again.")])
        if not source:
            return await page(
                visit,
                status=422,
                problems=[t._("Say where the list comes from.")],
                draft=key,
                summary=draft.summary,
            )
        invitation = None
        if invite:
            async with svc.db.session() as session:
                username = await calendar.setting(session, calendar.BOT_USERNAME)
            if not (username and BOT_USERNAME.match(username)):
                return await page(
                    visit,
                    status=422,
                    problems=[t._("The bot's username is not known yet: start the bot, then try again.")],
                    draft=key,
                    summary=draft.summary,
                )
            invitation = Invitation(invite, username)
        if drafts.pop(key, None) is None:
            return await page(visit, status=409, problems=[t._("This check expired; upload the file again.")])
        try:
            report = await import_rows(
                svc, iter(draft.rows), draft.mapping, source=source, invitation=invitation, actor=visit.actor
            )
        except ImportFileError:  # the event is looked up before any row is stored
            drafts[key] = draft
            return await page(
                visit,
                status=422,
                problems=[t._("No event has that code; choose one from the list.")],
                draft=key,
                summary=draft.summary,
            )
        done = [
            t._(
                "Imported: {imported}. Already in the contacts: {known}. Already using Liaison: {people}."
            ).format(
                imported=report.imported,
                known=len(report.duplicate_contact),
                people=len(report.already_person),
            ),
            t._("Not imported: {bad} bad rows, {repeated} repeated within the file.").format(
                bad=len(report.bad), repeated=len(report.duplicate_in_file)
            ),
        ]
        if invitation is not None:
            done.append(
                t.ngettext(
                    "{count} invitation to {code} queued, by email in each contact's language.",
                    "{count} invitations to {code} queued, by email in each contact's language.",
                    report.invited,
                ).format(count=report.invited, code=invitation.event_code)
            )
        return await page(visit, done=done)

    return [
        web.get("/web/contacts", console.page(CASE_READERS, show)),
        web.post("/web/contacts", console.page(CASE_READERS, check)),
        web.post("/web/contacts/import", console.page(CASE_READERS, do_import)),
    ]
