"""Questions to the office in the browser (R13): the chat's /inbox at a desk.

The list is the inbox's order (unanswered first, then region, language and age), narrowed by
region and language; a question's page shows it as the chat does and offers the same actions,
each one call of `bot.application.inbox`: reply in your own words or with a ready answer in the
person's language (through the notices service: chat, else email), assign it to yourself,
close it, or turn the answer into an FAQ entry.
"""

from __future__ import annotations

import logging
import uuid

from aiohttp import web

from bot.application import inbox as asking
from bot.domain.staff_roles import CASE_READERS
from bot.i18n import Translation, language_name
from bot.reference.countries import Region
from bot.settings import LANGUAGES
from bot.web.console import Visit, WebConsole, parse_id
from scheduler.calendar_texts import region_label
from storage.models import Question
from storage.repositories import inbox
from storage.repositories.inbox import InboxFilter

log = logging.getLogger(__name__)

LISTED = 50


def _chosen(request: web.Request) -> InboxFilter:
    region = request.query.get("region", "")
    language = request.query.get("language", "")
    return InboxFilter(
        region if region in {r.value for r in Region} else None,
        language if language in LANGUAGES else None,
    )


def _who(t: Translation, visit: Visit, question: Question) -> str:
    if question.assigned_to is None:
        return t._("nobody")
    return t._("you") if question.assigned_to == visit.staff_member_id else t._("another staff member")


def _refused(t: Translation, reason: str) -> str:
    if reason == "empty":
        return t._("Write something first.")
    if reason == "too_long":
        return t.ngettext(
            "That is too long: at most {limit} character. Please send a shorter text.",
            "That is too long: at most {limit} characters. Please send a shorter text.",
            asking.MAX_REPLY,
        ).format(limit=asking.MAX_REPLY)
    return asking.refusal(t, reason)


def routes(console: WebConsole) -> list[web.RouteDef]:
    async def listing(request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        chosen = _chosen(request)
        async with console.services.db.session() as session:
            waiting = await inbox.inbox_size(session, chosen)
            found = await inbox.inbox(session, chosen, limit=LISTED)
        return console.render(
            t,
            "inbox.html",
            title=t._("Inbox"),
            visit=visit,
            current="/web/inbox",
            waiting=t.ngettext(
                "{count} question waits for an answer.", "{count} questions wait for an answer.", waiting
            ).format(count=waiting),
            chosen=chosen,
            regions=[(region.value, region_label(t, region.value)) for region in Region],
            languages=[(code, language_name(code)) for code in LANGUAGES],
            items=[
                {
                    "id": question.id,
                    "reference": question.reference,
                    "at": t.datetime(question.created_at, visit.time_zone),
                    "region": t._("no region")
                    if question.region is None
                    else region_label(t, question.region),
                    "language": language_name(question.language),
                    "status": t._(asking.STATUS_LABELS[question.status]),
                    "who": _who(t, visit, question),
                }
                for question in found
            ],
        )

    async def show(request: web.Request, visit: Visit, notice: str = "") -> web.StreamResponse:
        t = visit.t
        question_id = parse_id(request.match_info["question_id"])
        async with console.services.db.session() as session:
            question = await inbox.get_question(session, question_id) if question_id else None
            if question is None:
                raise web.HTTPNotFound()
            replies = (await inbox.replies(session, [question.id])).get(question.id, [])
        log.info("staff member %s opened question %s in the browser", visit.staff_member_id, question.id)
        # The chat's own wording: its first line is the page's heading, its second the details.
        heading, meta = asking.describe(
            t, visit.staff_member_id, question, [reply.body for reply in replies], visit.time_zone
        ).split("\n")[:2]
        return console.render(
            t,
            "question.html",
            title=heading,
            visit=visit,
            current="/web/inbox",
            notice=notice,
            meta=meta,
            question=question,
            answers=[t._("Answer sent: {text}").format(text=reply.body) for reply in replies],
            canned=[(key, t._(text)) for key, text in asking.CANNED.items()],
            max_reply=asking.MAX_REPLY,
            max_faq=asking.MAX_FAQ_QUESTION,
        )

    async def act(request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        svc = console.services
        question_id = parse_id(request.match_info["question_id"]) or uuid.UUID(int=0)
        action = request.match_info["action"]
        form = await request.post()
        text = str(form.get("text", ""))
        staff_id, now = visit.staff_member_id, svc.clock()
        try:
            async with svc.db.session() as session:
                if action == "reply":
                    routed = await asking.reply(
                        session, svc.notices, question_id, text, staff_id=staff_id, now=now
                    )
                    notice = asking.delivery_note(t, routed)
                elif action == "canned":
                    key = str(form.get("key", ""))
                    routed = await asking.canned(
                        session, svc.notices, svc.translator, question_id, key, staff_id=staff_id, now=now
                    )
                    notice = asking.delivery_note(t, routed)
                elif action == "assign":
                    await asking.assign(session, question_id, staff_id=staff_id, now=now)
                    notice = t._("Assigned to you.")
                elif action == "close":
                    await asking.close(session, question_id, staff_id=staff_id, now=now)
                    notice = t._("Closed.")
                else:
                    await asking.promote(
                        session, question_id, text[: asking.MAX_FAQ_QUESTION], staff_id=staff_id, now=now
                    )
                    notice = t._("Added to the FAQ. People see it in /faq and before they ask.")
        except asking.InboxRefused as refused:
            notice = _refused(t, refused.reason)
        return await show(request, visit, notice)

    return [
        web.get("/web/inbox", console.page(CASE_READERS, listing)),
        web.get("/web/inbox/{question_id}", console.page(CASE_READERS, show)),
        web.post(
            "/web/inbox/{question_id}/{action:reply|canned|assign|close|faq}", console.page(CASE_READERS, act)
        ),
    ]
