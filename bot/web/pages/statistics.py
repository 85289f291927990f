"""Statistics (R22): registrations per region by status, and per event by each balance dimension,
as tables with bars and the chat's PNG chart. Counts only: no names, nothing to audit."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

from aiohttp import web

from bot.domain.registration_texts import STATUS_LABELS
from bot.domain.staff_roles import CASE_READERS
from bot.domain.statistics import CHART_DIMENSIONS, ordered, render_chart
from bot.web.console import Visit, WebConsole
from bot.web.labels import category
from bot.web.pages.registrations import FILTER_LABELS
from storage.models import Event
from storage.repositories import review


def _event_id(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info["event_id"])
    except ValueError:
        raise web.HTTPNotFound() from None


def routes(console: WebConsole) -> list[web.RouteDef]:
    async def overview(request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        async with console.services.db.session() as session:
            rows = await review.stat_rows(session)
        by_region: dict[str, Counter[str]] = {}
        for row in rows:
            by_region.setdefault(row.region, Counter())[row.status] += 1
        statuses = list(STATUS_LABELS)
        return console.render(
            t,
            "statistics.html",
            title=t._("Statistics"),
            visit=visit,
            current="/web/stats",
            headers=[t._(STATUS_LABELS[s]) for s in statuses],
            regions=[
                (category(t, "region", region), [counts[s] for s in statuses])
                for region, counts in sorted(by_region.items())
            ],
        )

    async def of_event(request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        async with console.services.db.session() as session:
            event = await session.get(Event, _event_id(request))
            if event is None:
                raise web.HTTPNotFound()
            rows = await review.stat_rows(session, event_id=event.id)
        tables = []
        for dimension in CHART_DIMENSIONS:
            counts = ordered(review.tally(rows, dimension))
            most = max((n for _v, n in counts), default=1)
            tables.append(
                (t._(FILTER_LABELS[dimension]), [(category(t, dimension, v), n, most) for v, n in counts])
            )
        return console.render(
            t,
            "event_statistics.html",
            title=t._("Statistics: {event}").format(event=event.title(t.language)),
            visit=visit,
            event=event,
            total=t.ngettext("{count} registration.", "{count} registrations.", len(rows)).format(
                count=len(rows)
            ),
            tables=tables,
            has_rows=bool(rows),
        )

    async def chart(request: web.Request, visit: Visit) -> web.StreamResponse:
        async with console.services.db.session() as session:
            event = await session.get(Event, _event_id(request))
            if event is None:
                raise web.HTTPNotFound()
            rows = await review.stat_rows(session, event_id=event.id)
        tallies = [(d, review.tally(rows, d)) for d in CHART_DIMENSIONS]
        # Matplotlib takes a moment: off the event loop.
        png = await asyncio.to_thread(render_chart, event.code, tallies)
        return web.Response(body=png, content_type="image/png")

    return [
        web.get("/web/stats", console.page(CASE_READERS, overview)),
        web.get("/web/events/{event_id}/stats", console.page(CASE_READERS, of_event)),
        web.get("/web/events/{event_id}/stats.png", console.page(CASE_READERS, chart)),
    ]
