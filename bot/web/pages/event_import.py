"""Events from a YAML or CSV file (R22), with a check before anything applies: the file is read and
every entry checked as `liaison events create|update FILE` does (`bot.application.event_specs`),
the staff member sees what each entry will do, then applies them one by one (`apply_spec`, so the
application service, invitations and change notices are the CLI's).

The checked entries wait in this process's memory for 15 minutes; the upload is read in memory,
never written to disk.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField
from sqlalchemy import select

from bot.domain.staff_roles import CASE_READERS
from bot.web.console import Visit, WebConsole
from bot.web.labels import category
from storage.models import Event
from storage.repositories import events

DRAFT_LIFETIME = timedelta(minutes=15)
MAX_FILE = 512 * 1024
SUFFIXES = (".yaml", ".yml", ".csv")


@dataclass(frozen=True)
class Draft:
    staff_member_id: uuid.UUID
    specs: tuple[Any, ...]
    expires_at: datetime


def _read(data: bytes, suffix: str) -> list[Any]:
    from bot.application.event_specs import parse_specs

    return parse_specs(data.decode("utf-8"), suffix)


def routes(console: WebConsole) -> list[web.RouteDef]:
    drafts: dict[str, Draft] = {}

    def page(
        visit: Visit, *, status: int = 200, problems: list[str] | None = None, **values: Any
    ) -> web.Response:
        t = visit.t
        return console.render(
            t,
            "event_import.html",
            title=t._("Import events from a file"),
            visit=visit,
            status=status,
            problems=problems or [],
            checked=values or None,
        )

    async def show(request: web.Request, visit: Visit) -> web.StreamResponse:
        return page(visit)

    async def check(request: web.Request, visit: Visit) -> web.StreamResponse:
        from bot.application.event_specs import SpecError

        t = visit.t
        form = await request.post()
        upload = form.get("file")
        suffix = Path(upload.filename or "").suffix.lower() if isinstance(upload, FileField) else ""
        if not isinstance(upload, FileField) or suffix not in SUFFIXES:
            return page(visit, status=422, problems=[t._("Choose a .yaml, .yml or .csv file.")])
        data = upload.file.read(MAX_FILE + 1)
        if len(data) > MAX_FILE:
            return page(
                visit, status=422, problems=[t._("The file is too large: split it into smaller lists.")]
            )
        try:
            specs = await asyncio.to_thread(_read, data, suffix)
        except (SpecError, ValueError, UnicodeDecodeError) as error:
            # The detail is the CLI's own message (English, naming the entry and the field).
            return page(
                visit,
                status=422,
                problems=[t._("The file has a problem; nothing was applied. Details (in English):")],
                detail=str(error)[:300],
            )
        rows = []
        codes = {events.normalise_code(spec.code) for spec in specs if spec.code}
        async with console.services.db.session() as session:
            # One query for every entry's current event, not one per entry.
            known = {
                event.code: event
                for event in await session.scalars(select(Event).where(Event.code.in_(codes)))
            }
            for spec in specs:
                existing = known.get(events.normalise_code(spec.code)) if spec.code else None
                if spec.cancel:
                    action = t._("cancel")
                elif existing is None:
                    action = t._("create")
                else:
                    action = t._("change")
                title = (
                    spec.titles.get(t.language)
                    or spec.titles.get("en")
                    or next(iter(spec.titles.values()), "")
                )
                if not title and existing is not None:
                    title = existing.title(t.language)
                rows.append(
                    (
                        spec.code or "—",
                        action,
                        title,
                        t.datetime(spec.starts, spec.time_zone) if spec.starts else "—",
                        category(t, "region", spec.region) if spec.region else "—",
                    )
                )
        now = console.services.clock()
        for key in [key for key, draft in drafts.items() if draft.expires_at <= now]:
            drafts.pop(key, None)
        key = secrets.token_urlsafe(16)
        drafts[key] = Draft(visit.staff_member_id, tuple(specs), now + DRAFT_LIFETIME)
        return page(visit, draft=key, rows=rows)

    async def apply(request: web.Request, visit: Visit) -> web.StreamResponse:
        from bot.application.event_specs import SpecError, apply_spec

        t = visit.t
        form = await request.post()
        draft = drafts.pop(str(form.get("draft", "")), None)
        if (
            draft is None
            or draft.staff_member_id != visit.staff_member_id
            or draft.expires_at <= console.services.clock()
        ):
            return page(visit, status=409, problems=[t._("This check expired; upload the file again.")])
        applied, refused = 0, []
        for number, spec in enumerate(draft.specs, start=1):
            try:
                await apply_spec(console.services, spec, actor=visit.actor)
                applied += 1
            except (SpecError, ValueError):
                refused.append(spec.code or str(number))
        done = [
            t._("Applied: {applied}. Not applied: {refused}.").format(applied=applied, refused=len(refused))
        ]
        if refused:
            done.append(
                t._("Not applied (check them in the list of events): {codes}").format(
                    codes=", ".join(refused)
                )
            )
        return page(visit, done=done)

    return [
        web.get("/web/events/import", console.page(CASE_READERS, show)),
        web.post("/web/events/import", console.page(CASE_READERS, check)),
        web.post("/web/events/import/apply", console.page(CASE_READERS, apply)),
    ]
