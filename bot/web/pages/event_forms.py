"""Events (R11, R14, R22): create one, move it, cancel it, each with a confirmation first.

The work is `bot.application.events.publish` and `.change`, the functions the chat's /event and
`liaison events create|update|cancel` call: invitations, change notices to everyone concerned
in their language, and the audit entry happen there. The form checks are the chat's too
(`bot.domain.event_input`: `parse_zone`, `parse_local_moment`, `parse_capacity`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from aiohttp import web
from multidict import MultiDictProxy

from bot.application import events as event_service
from bot.domain.event_input import (
    KINDS,
    MAX_TITLE,
    REGIONS,
    parse_capacity,
    parse_local_moment,
    parse_zone,
)
from bot.domain.staff_roles import CASE_READERS
from bot.i18n import Translation, zone_or_utc
from bot.web.console import Visit, WebConsole, parse_id
from scheduler import change_notices
from scheduler.calendar_texts import kind_label, region_label
from storage.models import Event, EventStatus
from storage.repositories import events


def _local_input(moment: datetime, time_zone: str) -> str:
    """The value of a datetime-local field: the event's wall-clock time in its own zone."""
    return moment.astimezone(zone_or_utc(time_zone)).strftime("%Y-%m-%dT%H:%M")


def _moment(
    t: Translation, form: MultiDictProxy[str], problems: list[str], now: datetime
) -> tuple[datetime, str] | None:
    zone = parse_zone(form.get("zone", ""))
    if zone is None:
        problems.append(t._("Enter a time zone such as Africa/Nairobi or UTC."))
        return None
    moment = parse_local_moment(form.get("starts", ""), zone)
    if moment is None:
        problems.append(t._("Enter the start as a date and a time."))
        return None
    if moment <= now:
        problems.append(t._("That start time has passed."))
        return None
    return moment, zone


def routes(console: WebConsole) -> list[web.RouteDef]:
    def status_label(t: Translation, event: Event) -> str:
        return {
            EventStatus.SCHEDULED.value: t._("scheduled"),
            EventStatus.RESCHEDULED.value: t._("rescheduled"),
            EventStatus.CANCELLED.value: t._("cancelled"),
        }.get(event.status, event.status)

    def new_form(
        visit: Visit, values: dict[str, str], problems: list[str], status: int = 200
    ) -> web.Response:
        t = visit.t
        return console.render(
            t,
            "event_new.html",
            title=t._("New event"),
            visit=visit,
            values=values,
            problems=problems,
            kinds=[(kind, kind_label(t, kind)) for kind in KINDS],
            regions=[(region, region_label(t, region)) for region in REGIONS],
            status=status,
        )

    async def blank(request: web.Request, visit: Visit) -> web.StreamResponse:
        return new_form(visit, {"zone": visit.time_zone or "UTC"}, [])

    async def create(request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        svc = console.services
        now = svc.clock()
        form = await request.post()
        values = {
            name: str(form.get(name, ""))
            for name in ("kind", "region", "title", "zone", "starts", "capacity")
        }
        problems: list[str] = []
        title = " ".join(values["title"].split())
        if not title:
            problems.append(t._("Enter a title."))
        elif len(title) > MAX_TITLE:
            problems.append(
                t.ngettext(
                    "A title has at most {limit} character. Please send a shorter one.",
                    "A title has at most {limit} characters. Please send a shorter one.",
                    MAX_TITLE,
                ).format(limit=MAX_TITLE)
            )
        if values["kind"] not in KINDS or values["region"] not in REGIONS:
            problems.append(t._("Choose a kind and a region."))
        capacity = None
        if values["capacity"].strip():
            capacity = parse_capacity(values["capacity"])
            if capacity is None:
                problems.append(t._("Places: a whole number from 1, or empty for no limit."))
        when = _moment(t, form, problems, now)  # type: ignore[arg-type]
        if problems or when is None:
            return new_form(visit, values, problems, status=422)
        starts_at, zone = when
        new = event_service.NewEvent(
            region=values["region"],
            kind=values["kind"],
            titles={t.language: title},
            starts_at=starts_at,
            time_zone=zone,
            capacity=capacity,
        )
        try:
            async with svc.db.session() as session:
                published = await event_service.publish(session, new, actor=visit.actor, now=now)
                event_id, code = published.event.id, published.event.code
        except event_service.EventRefused:
            return new_form(visit, values, [t._("That start time has passed.")], status=422)
        return await page_of(visit, event_id, notice=t._("Event {code} is created.").format(code=code))

    async def page_of(
        visit: Visit, event_id: uuid.UUID | None, *, notice: str = "", confirm: dict[str, str] | None = None
    ) -> web.StreamResponse:
        t = visit.t
        async with console.services.db.session() as session:
            event = await events.get(session, event_id) if event_id else None
        if event is None:
            raise web.HTTPNotFound()
        return console.render(
            t,
            "event.html",
            title=t._("Event {code}: {title}").format(code=event.code, title=event.title(t.language)),
            visit=visit,
            event=event,
            facts=[
                t._("Kind: {kind}").format(kind=kind_label(t, event.kind)),
                t._("Region: {region}").format(region=region_label(t, event.region)),
                t._("Starts: {when}").format(when=t.datetime(event.starts_at, event.time_zone)),
                t._("Status: {status}").format(status=status_label(t, event)),
                t._("Places: {count}").format(count=event.capacity)
                if event.capacity
                else t._("Places: no limit"),
            ],
            cancelled=event.status == EventStatus.CANCELLED.value,
            starts_value=_local_input(event.starts_at, event.time_zone),
            notice=notice,
            confirm=confirm,
        )

    async def show(request: web.Request, visit: Visit) -> web.StreamResponse:
        return await page_of(visit, parse_id(request.match_info["event_id"]))

    async def edit(request: web.Request, visit: Visit) -> web.StreamResponse:
        """Move or cancel: the first post shows what will happen; the confirmed one does it."""
        t = visit.t
        svc = console.services
        now = svc.clock()
        event_id = parse_id(request.match_info["event_id"])
        action = request.match_info["action"]
        form = await request.post()
        async with svc.db.session() as session:
            event = await events.get(session, event_id) if event_id else None
        if event is None:
            raise web.HTTPNotFound()
        if event.status == EventStatus.CANCELLED.value:
            return await page_of(
                visit, event.id, notice=t._("This event is cancelled; create a new one instead.")
            )
        title = event.title(t.language)
        if action == "move":
            problems: list[str] = []
            when = _moment(t, form, problems, now)  # type: ignore[arg-type]
            if when is None:
                return await page_of(visit, event.id, notice=" ".join(problems))
            starts_at, zone = when
            edit_of = change_notices.EventEdit(starts_at=starts_at, time_zone=zone)
            question = t._("Move {code} ({title}) from {old} to {new}? Everyone registered is told.").format(
                code=event.code,
                title=title,
                old=t.datetime(event.starts_at, event.time_zone),
                new=t.datetime(starts_at, zone),
            )
            fields = {"starts": str(form.get("starts", "")), "zone": zone}
        else:
            edit_of = change_notices.EventEdit(cancel=True)
            question = t._(
                "Cancel {code} ({title})? Everyone registered and the region's subscribers are told."
            ).format(code=event.code, title=title)
            fields = {}
        if form.get("confirm") != "yes":
            # The notice a registrant will read, rendered on a copy of the event that is never saved.
            before = change_notices.Snapshot.of(event)
            try:
                change_notices.apply_edit(event, edit_of, now=now)
            except ValueError:
                return await page_of(
                    visit,
                    event.id,
                    notice=t._(
                        "That change does not fit the event (for example it would end before it starts). Nothing was changed."
                    ),
                )
            preview = change_notices.notice_text(t, event, before, visit.time_zone, registered="participant")
            return await page_of(
                visit,
                event.id,
                confirm={"action": action, "question": question, "fields": fields, "preview": preview},  # type: ignore[dict-item]
            )
        try:
            async with svc.db.session() as session:
                found = await events.get(session, event.id)
                assert found is not None
                result = await event_service.change(
                    session, svc.translator, found, edit_of, actor=visit.actor, now=now
                )
        except ValueError:
            return await page_of(
                visit,
                event.id,
                notice=t._(
                    "That change does not fit the event (for example it would end before it starts). Nothing was changed."
                ),
            )
        if not result.changes:
            notice = t._("Nothing changed: {code} already had that.").format(code=event.code)
        else:
            notice = t.ngettext(
                "Saved: {code} is now version {version}. {count} notice is queued.",
                "Saved: {code} is now version {version}. {count} notices are queued.",
                result.notices,
            ).format(code=event.code, version=result.version, count=result.notices)
        return await page_of(visit, event.id, notice=notice)

    return [
        web.get("/web/events/new", console.page(CASE_READERS, blank)),
        web.post("/web/events/new", console.page(CASE_READERS, create)),
        web.get("/web/events/{event_id}", console.page(CASE_READERS, show)),
        web.post("/web/events/{event_id}/{action:move|cancel}", console.page(CASE_READERS, edit)),
    ]
