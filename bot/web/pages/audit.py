"""The audit log (administrators): search the newest entries, and verify the hash chain.

The log holds ids only, never personal data; reading it is recorded, as with `liaison audit`.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from bot.domain.staff_roles import ADMINISTRATORS
from bot.web.console import Visit, WebConsole
from storage.models import AuditEntry
from storage.repositories import audit

SHOWN = 200
FIELDS = ("actor", "action", "subject")


def routes(console: WebConsole) -> list[web.RouteDef]:
    async def search(request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        wanted = {name: request.query.get(name, "").strip()[:64] for name in FIELDS}
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(SHOWN)
        if wanted["actor"]:
            query = query.where(AuditEntry.actor.contains(wanted["actor"], autoescape=True))
        if wanted["action"]:
            query = query.where(AuditEntry.action.contains(wanted["action"], autoescape=True))
        if wanted["subject"]:
            query = query.where(AuditEntry.subject_id.contains(wanted["subject"], autoescape=True))
        verified = None
        async with console.services.db.session() as session:
            entries = list(await session.scalars(query))
            if request.query.get("verify"):
                verified = await audit.verify(session)
            # As with `liaison audit`: reading the log is itself recorded.
            await audit.append(
                session, at=console.services.clock(), actor=visit.actor, action="audit.read",
                subject_type="audit_log", subject_id=str(len(entries)),
            )  # fmt: skip
        rows = [
            {
                "id": entry.id,
                "at": t.datetime(entry.at, visit.time_zone),
                "actor": entry.actor,
                "action": entry.action,
                "subject": f"{entry.subject_type} {entry.subject_id}",
            }
            for entry in entries
        ]
        return console.render(
            t,
            "audit.html",
            title=t._("Audit log"),
            visit=visit,
            current="/web/audit",
            wanted=wanted,
            rows=rows,
            verified=verified,
        )

    return [web.get("/web/audit", console.page(ADMINISTRATORS, search))]
