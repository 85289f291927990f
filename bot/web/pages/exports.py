"""Participant lists of an event (R22) as CSV (UTF-8 with a BOM, so spreadsheet programs read every
script) or XLSX. The rows are `review.participants`, as for `liaison stats export`: names,
organisations and emails only where the person's consent to share them is in force, and the
export is audited.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import fields

from aiohttp import web

from bot.domain.staff_roles import CASE_READERS
from bot.web.console import Visit, WebConsole
from storage.models import Event, RegistrationStatus
from storage.repositories import review
from storage.repositories.review import Participant

COLUMNS = tuple(field.name for field in fields(Participant))
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str | None) -> str:
    """A value a spreadsheet shows as text: one starting like a formula gets a leading apostrophe."""
    text = value or ""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def as_csv(rows: list[Participant]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows([_cell(getattr(row, column)) for column in COLUMNS] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(rows: list[Participant]) -> bytes:
    from openpyxl import Workbook  # heavy: loaded when someone exports

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "participants"
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([_cell(getattr(row, column)) for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FORMATS = {
    "csv": ("text/csv; charset=utf-8", as_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", as_xlsx),
}


def routes(console: WebConsole) -> list[web.RouteDef]:
    async def export(request: web.Request, visit: Visit) -> web.StreamResponse:
        try:
            event_id = uuid.UUID(request.match_info["event_id"])
        except ValueError:
            raise web.HTTPNotFound() from None
        status = request.query.get("status", "")
        statuses = (status,) if status in {s.value for s in RegistrationStatus} else None
        svc = console.services
        async with svc.db.session() as session:
            event = await session.get(Event, event_id)
            if event is None:
                raise web.HTTPNotFound()
            rows = await review.participants(
                session, event.id, actor=visit.actor, now=svc.clock(), statuses=statuses
            )
            code = event.code
        content_type, render = FORMATS[request.match_info["format"]]
        name = f"{code}-{status or 'all'}.{request.match_info['format']}"
        return web.Response(
            body=render(rows),
            headers={"Content-Type": content_type, "Content-Disposition": f'attachment; filename="{name}"'},
        )

    return [
        web.get("/web/events/{event_id}/participants.{format:csv|xlsx}", console.page(CASE_READERS, export))
    ]
