"""Events organisations shared (R23) in the browser: the chat's /proposals at a desk.

The list is the chat's queue, pending proposals oldest first; a proposal's page shows what the
chat's card shows and offers its actions, each one call of `bot.application.proposals`: approve
(the event joins its region's calendar as a community event), edit the title (then approve),
or decline with a reason the organisation reads in its language. Like the chat, the page shows
no proposer and no organisation name: staff decide on the event, and the name appears only in
the calendar, while the organisation's public-listing consent is in force. Times are in the
staff member's zone (with the city, so never ambiguous); the audit is the application's.
"""

from __future__ import annotations

import logging
import uuid

from aiohttp import web

from bot.application import proposals as sharing
from bot.application.events import EventRefused
from bot.domain.staff_roles import CASE_READERS
from bot.i18n import Translation, language_name
from bot.web.console import Visit, WebConsole, parse_id
from scheduler.calendar_texts import region_label
from scheduler.community import KIND_LABELS
from storage.models import EventProposal, ProposalStatus
from storage.repositories import proposals

log = logging.getLogger(__name__)

LISTED = 50


def _kind(t: Translation, item: EventProposal) -> str:
    return t._(KIND_LABELS.get(item.kind, KIND_LABELS["other"]))


def _refused(t: Translation, reason: str) -> str:
    if reason == "empty":
        return t._("Write something first.")
    return t._("This shared event was decided already.")  # decided (or gone) meanwhile


def routes(console: WebConsole) -> list[web.RouteDef]:
    async def listing(request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        async with console.services.db.session() as session:
            waiting = await proposals.pending_count(session)
            found = await proposals.pending(session, limit=LISTED)
        return console.render(
            t,
            "proposals.html",
            title=t._("Proposals"),
            visit=visit,
            current="/web/proposals",
            waiting=t.ngettext(
                "{count} shared event waits for review.", "{count} shared events wait for review.", waiting
            ).format(count=waiting)
            if waiting
            else t._("No shared events wait for review."),
            items=[
                {
                    "id": item.id,
                    "title": item.title,
                    "language": item.language,
                    "kind": _kind(t, item),
                    "at": t.datetime(item.starts_at, visit.time_zone),
                    "region": region_label(t, item.region),
                }
                for item in found
            ],
        )

    async def show(request: web.Request, visit: Visit, notice: str = "") -> web.StreamResponse:
        t = visit.t
        proposal_id = parse_id(request.match_info["proposal_id"])
        async with console.services.db.session() as session:
            item = await proposals.get(session, proposal_id) if proposal_id else None
        if item is None:
            raise web.HTTPNotFound()
        pending = item.status == ProposalStatus.PENDING.value
        return console.render(
            t,
            "proposal.html",
            title=item.title,
            visit=visit,
            current="/web/proposals",
            notice=notice or ("" if pending else t._("This shared event was decided already.")),
            item=item,
            pending=pending,
            details=[
                _kind(t, item),
                t.datetime(item.starts_at, visit.time_zone),
                region_label(t, item.region),
                item.link or t._("No link"),
                ", ".join(language_name(code) for code in item.languages),
            ],
            max_title=sharing.MAX_TITLE,
            max_reason=sharing.MAX_REASON,
        )

    async def act(request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        svc = console.services
        proposal_id = parse_id(request.match_info["proposal_id"]) or uuid.UUID(int=0)
        action = request.match_info["action"]
        form = await request.post()
        text = str(form.get("text", ""))
        staff_id, now = visit.staff_member_id, svc.clock()
        try:
            async with svc.db.session() as session:
                if action == "approve":
                    published = await sharing.approve(
                        session, svc.notices, proposal_id, staff_id=staff_id, now=now
                    )
                    notice = t._("Approved: it is in the regional calendar as event {code}.").format(
                        code=published.event.code
                    )
                elif action == "title":
                    await sharing.edit_title(session, proposal_id, text, staff_id=staff_id, now=now)
                    notice = t._("Saved.")
                else:
                    await sharing.decline(session, svc.notices, proposal_id, text, staff_id=staff_id, now=now)
                    notice = t._("Declined. The organisation is told your reason.")
        except sharing.ProposalRefused as refused:
            notice = _refused(t, refused.reason)
        except EventRefused:  # the event service would not publish it: its start has passed meanwhile
            log.info("proposal %s not approved: its event was refused", proposal_id)
            notice = t._("That start time has passed.")
        return await show(request, visit, notice)

    return [
        web.get("/web/proposals", console.page(CASE_READERS, listing)),
        web.get("/web/proposals/{proposal_id}", console.page(CASE_READERS, show)),
        web.post(
            "/web/proposals/{proposal_id}/{action:approve|title|decline}", console.page(CASE_READERS, act)
        ),
    ]
