"""Broadcasts (R13, R22): compose per language, choose the audience, preview the counts per
language and channel, send, follow the progress, cancel.

The audience, the version each person gets and the queueing are `scheduler.broadcasts`, as
for the chat's /broadcast and `liaison broadcast send`; cancelling is the outbox's
`cancel_broadcast` under the delivery engine's progress lock, as in the chat.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy import select

from bot.application import broadcasts as broadcast_service
from bot.application.broadcasts import CHANNEL_LABELS, SENDERS, preview_text, progress_text
from bot.i18n import Translation, language_name
from bot.reference.countries import REGION_LABELS, Region
from bot.reference.stakeholders import LABELS as TYPE_LABELS
from bot.settings import LANGUAGES
from bot.web.console import Visit, WebConsole, parse_id
from scheduler import broadcasts
from storage.models import Broadcast, BroadcastState, Event, StaffRole

BROADCASTERS = frozenset(StaffRole(role) for role in SENDERS)
FIELDS = ("who", "region", "kind", "event", "channel")


def _draft(
    t: Translation, form: MultiDictProxy[Any]
) -> tuple[dict[str, str], broadcasts.Audience | None, list[str]]:
    """The versions and the audience the form describes, and what is wrong with them."""
    versions: dict[str, str] = {}
    problems: list[str] = []
    for code in LANGUAGES:
        text = str(form.get(f"text_{code}", "")).strip()
        if not text:
            continue
        if broadcasts.check_version(text) == "too_long":
            problems.append(
                t.ngettext(
                    "That is too long: at most {limit} character. Please send a shorter text.",
                    "That is too long: at most {limit} characters. Please send a shorter text.",
                    broadcasts.MAX_BODY,
                ).format(limit=broadcasts.MAX_BODY)
            )
        versions[code] = text
    if not versions:
        problems.append(t._("Write the message in at least one language."))
    chosen = {name: str(form.get(name, "")) for name in FIELDS}
    regions = {r.value for r in Region}
    kinds = {k.value for k in TYPE_LABELS}
    if chosen["channel"] not in broadcasts.CHANNEL_CHOICES or chosen["region"] not in regions | {""}:
        problems.append(t._("Choose who should receive it."))
        return versions, None, problems
    channels = broadcasts.CHANNEL_CHOICES[chosen["channel"]]
    if chosen["who"] == "event":
        if not chosen["event"]:
            problems.append(t._("Choose who should receive it."))
            return versions, None, problems
        return versions, broadcasts.Audience((), (), channels, chosen["event"][:16]), problems
    region = () if chosen["region"] in ("", Region.GLOBAL.value) else (chosen["region"],)
    kind = (chosen["kind"],) if chosen["kind"] in kinds else ()
    return versions, broadcasts.Audience(region, kind, channels, None), problems


def routes(console: WebConsole) -> list[web.RouteDef]:
    async def compose_page(
        visit: Visit, form: MultiDictProxy[Any] | None, problems: list[str], status: int = 200
    ) -> web.Response:
        t = visit.t
        svc = console.services
        async with svc.db.session() as session:
            upcoming = list(
                await session.scalars(
                    select(Event).where(Event.starts_at >= svc.clock()).order_by(Event.starts_at).limit(50)
                )
            )
            recent = list(
                await session.scalars(select(Broadcast).order_by(Broadcast.created_at.desc()).limit(10))
            )
        values = {name: str(form.get(name, "")) for name in FIELDS} if form is not None else {}
        texts = {code: str(form.get(f"text_{code}", "")) for code in LANGUAGES} if form is not None else {}
        return console.render(
            t,
            "broadcasts.html",
            title=t._("Broadcasts"),
            visit=visit,
            current="/web/broadcasts",
            status=status,
            problems=problems,
            values=values,
            languages=[(code, language_name(code), texts.get(code, "")) for code in LANGUAGES],
            regions=[(region.value, t._(label)) for region, label in REGION_LABELS.items()],
            kinds=[(kind.value, t._(label)) for kind, label in TYPE_LABELS.items()],
            events=[(event.code, event.title(t.language)) for event in upcoming],
            channels=[(value, t._(label)) for value, label in CHANNEL_LABELS.items()],
            recent=[
                {
                    "id": item.id,
                    "at": t.datetime(item.created_at, visit.time_zone),
                    "total": item.total,
                    "state": _state(t, item.state),
                }
                for item in recent
            ],
        )

    async def compose(request: web.Request, visit: Visit) -> web.StreamResponse:
        return await compose_page(visit, None, [])

    async def preview(request: web.Request, visit: Visit) -> web.StreamResponse:
        """The first post shows who gets what; the confirmed one (`send=yes`) queues it."""
        t = visit.t
        svc = console.services
        form = await request.post()
        versions, audience, problems = _draft(t, form)
        if problems or audience is None:
            return await compose_page(visit, form, problems, status=422)
        async with svc.db.session() as session:
            recipients = await broadcasts.select_recipients(session, audience)
        result = broadcasts.preview(recipients, versions, svc.settings.default_language)
        if result.total == 0:
            return await compose_page(
                visit, form, [t._("Nobody matches this audience. Choose another one.")], 422
            )
        if form.get("send") != "yes":
            return console.render(
                t,
                "broadcast_preview.html",
                title=t._("Broadcasts"),
                visit=visit,
                current="/web/broadcasts",
                lines=preview_text(t, result).splitlines(),
                versions=[(code, language_name(code), text) for code, text in versions.items()],
                hidden=[(key, str(value)) for key, value in form.items() if key != "csrf"],
            )
        async with svc.db.session() as session:
            recipients = await broadcasts.select_recipients(session, audience)
            created = await broadcast_service.send(
                session,
                audience=audience,
                versions=versions,
                recipients=recipients,
                default_language=svc.settings.default_language,
                now=svc.clock(),
                actor=visit.actor,
                created_by=visit.staff_member_id,
            )
        return web.Response(status=303, headers={"Location": f"/web/broadcasts/{created.id}"})

    async def progress_page(request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        svc = console.services
        broadcast_id = parse_id(request.match_info["broadcast_id"])
        async with svc.db.session() as session:
            found = await session.get(Broadcast, broadcast_id) if broadcast_id else None
            if found is None:
                raise web.HTTPNotFound()
            progress = await broadcasts.finish_if_done(session, found, now=svc.clock())
            state = found.state
        running = state == BroadcastState.SENDING.value
        # htmx asks for the progress part alone every two seconds while the broadcast runs.
        part = request.query.get("part") == "progress"
        return console.render(
            t,
            "broadcast_progress.html" if part else "broadcast.html",
            title=t._("Broadcasts"),
            visit=visit,
            current="/web/broadcasts",
            broadcast_id=broadcast_id,
            lines=progress_text(t, progress, None, state=state).splitlines(),
            running=running,
        )

    async def cancel(request: web.Request, visit: Visit) -> web.StreamResponse:
        svc = console.services
        broadcast_id = parse_id(request.match_info["broadcast_id"])
        if broadcast_id is None:
            raise web.HTTPNotFound()
        engine = console.engine
        async with engine.progress_edits:
            async with svc.db.session() as session:
                await broadcast_service.cancel(session, broadcast_id, now=svc.clock(), actor=visit.actor)
            engine.cancelled(broadcast_id)
        return web.Response(status=303, headers={"Location": f"/web/broadcasts/{broadcast_id}"})

    return [
        web.get("/web/broadcasts", console.page(BROADCASTERS, compose)),
        web.post("/web/broadcasts", console.page(BROADCASTERS, preview)),
        web.get("/web/broadcasts/{broadcast_id}", console.page(BROADCASTERS, progress_page)),
        web.post("/web/broadcasts/{broadcast_id}/cancel", console.page(BROADCASTERS, cancel)),
    ]


def _state(t: Translation, state: str) -> str:
    if state == BroadcastState.CANCELLED.value:
        return t._("Broadcast cancelled.")
    if state == BroadcastState.SENDING.value:
        return t._("Sending the broadcast…")
    return t._("Broadcast finished.")
