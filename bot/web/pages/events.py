"""The console's first page: events, soonest first, with their places and a link to their registrations."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web
from babel.dates import format_skeleton

from bot.application import registrations as decisions
from bot.domain.staff_roles import ALL_STAFF, CASE_READERS
from bot.i18n import zone_or_utc
from bot.web.console import Visit, WebConsole
from bot.web.labels import category
from storage.repositories import events, registrations

RECENT = timedelta(days=30)  # events that ended lately are still reviewed and exported


def month_of(language: str, moment: datetime, time_zone: str | None) -> str:
    """The month and year of `moment` in the staff member's language and zone ("December 2026")."""
    return str(format_skeleton("yMMMM", moment, tzinfo=zone_or_utc(time_zone), locale=language))


def routes(console: WebConsole) -> list[web.RouteDef]:
    async def listing(request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        now = console.services.clock()
        rows: list[dict[str, object]] = []
        async with console.services.db.session() as session:
            for event in await events.all_events(session, since=now - RECENT):
                counts = await registrations.counts(session, event.id)
                rows.append(
                    {
                        "id": event.id,
                        "code": event.code,
                        "title": event.title(t.language),
                        "kind": category(t, "event_kind", event.kind),
                        "starts": t.datetime(event.starts_at, visit.time_zone),
                        "region": category(t, "region", event.region),
                        "capacity": event.capacity,
                        "taken": (await decisions.seats(session, event)).taken,
                        "pending": sum(n for (_kind, status), n in counts.items() if status == "pending"),
                        "month": month_of(t.language, event.starts_at, visit.time_zone),
                    }
                )
        # A calendar by month, in the staff member's time zone, soonest first.
        months: dict[str, list[dict[str, object]]] = {}
        for row in rows:
            months.setdefault(str(row["month"]), []).append(row)
        return console.render(
            t,
            "events.html",
            title=t._("Events"),
            visit=visit,
            current="/web",
            months=list(months.items()),
            can_review=visit.role in CASE_READERS,
        )

    return [web.get("/web", console.page(ALL_STAFF, listing))]
