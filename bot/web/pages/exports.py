"""Participant lists of an event (R22) as CSV (UTF-8 with a BOM, so spreadsheet programs read every
script) or XLSX, in the staff member's language. The rows are `review.participants` and the file
is `bot.application.participant_exports`, as for `liaison stats export`: names, organisations and
emails only with the person's consent to share them, and the read is audited.
"""

from __future__ import annotations

import uuid

from aiohttp import web

from bot.application.participant_exports import FORMATS
from bot.domain.staff_roles import CASE_READERS
from bot.web.console import Visit, WebConsole
from storage.models import Event, RegistrationStatus
from storage.repositories import review

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
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
        file_format = request.match_info["format"]
        name = f"{code}-{status or 'all'}.{file_format}"
        return web.Response(
            body=FORMATS[file_format](rows, visit.t),
            headers={
                "Content-Type": CONTENT_TYPES[file_format],
                "Content-Disposition": f'attachment; filename="{name}"',
            },
        )

    return [
        web.get("/web/events/{event_id}/participants.{format:csv|xlsx}", console.page(CASE_READERS, export))
    ]
