"""The console's first page: events, soonest first, with their places and a link to their registrations."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.application import registrations as decisions
from bot.web.console import ALL_STAFF, CASE_READERS, Visit, WebConsole
from bot.web.labels import category
from storage.repositories import events, registrations

RECENT = timedelta(days=30)  # events that ended lately are still reviewed and exported


def routes(console: WebConsole) -> list[web.RouteDef]:
    async def listing(request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        now = console.services.clock()
        rows = []
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
                    }
                )
        return console.render(
            t,
            "events.html",
            title=t._("Events"),
            visit=visit,
            current="/web",
            events=rows,
            can_review=visit.role in CASE_READERS,
        )

    return [web.get("/web", console.page(ALL_STAFF, listing))]
