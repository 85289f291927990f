"""/inbox: questions people sent the office, for liaison staff and administrators.

One question at a time: unanswered first, then by region, language and age (`/inbox africa`,
`/inbox ar` narrow it). Staff reply in their own words or with a ready answer in the person's
language, assign it to themselves, close it, or turn the answer into an FAQ entry. Every
action is one call of `bot.application.inbox`, which a web console can call the same way.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial

from telegram import InlineKeyboardMarkup, Update

from bot.application import inbox as asking
from bot.handlers.staff.access import (
    CASE_READERS,
    Pending,
    StaffButton,
    StaffCommand,
    StaffUser,
    button,
    expect_text,
    unshort,
)
from bot.handlers.staff.local_time import staff_time_zone
from bot.i18n import N_
from bot.reference.countries import Region
from bot.services import Context, services, translation
from bot.settings import LANGUAGES
from storage.repositories import inbox
from storage.repositories.inbox import InboxFilter

log = logging.getLogger(__name__)

ANY = "-"
ANSWER_TIME = timedelta(minutes=15)


def _filter_of(args: list[str]) -> InboxFilter | None:
    region = language = None
    for arg in args:
        word = arg.strip().lower()
        if word in {r.value for r in Region}:
            region = word
        elif word in LANGUAGES:
            language = word
        else:
            return None
    return InboxFilter(region, language)


def _filter_parts(chosen: InboxFilter) -> tuple[str, str]:
    return chosen.region or ANY, chosen.language or ANY


def _filter_from(parts: list[str]) -> InboxFilter:
    region, language = [*parts, ANY, ANY][:2]
    return InboxFilter(None if region == ANY else region, None if language == ANY else language)


async def _send(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup, protect_content=True)


async def _answer(update: Update, text: str | None = None) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text)


async def show(update: Update, context: Context, member: StaffUser, chosen: InboxFilter, offset: int) -> None:
    t = translation(update, context)
    svc = services(context)
    async with svc.db.session() as session:
        waiting = await inbox.inbox_size(session, chosen)
        found = await inbox.inbox(session, chosen, limit=offset + 1)
        # Past the end of the list, Next starts again from the top.
        question = found[offset] if len(found) > offset else (found[0] if found else None)
        offset = offset if len(found) > offset else 0
        replies = (
            [] if question is None else (await inbox.replies(session, [question.id])).get(question.id, [])
        )
        texts = [reply.body for reply in replies]
    if question is None:
        await _send(update, context, t._("No questions wait for an answer."))
        return
    log.info("staff member %s opened question %s", member.id, question.id)
    region, language = _filter_parts(chosen)
    rows = [
        [
            button(t._("Reply"), "inb", "rep", question.id),
            button(t._("Ready answers"), "inb", "can", question.id),
        ],
        [
            button(t._("Assign to me"), "inb", "mine", question.id),
            button(t._("Close"), "inb", "cls", question.id),
        ],
    ]
    if texts:
        rows.append([button(t._("Make the answer an FAQ entry"), "inb", "faq", question.id)])
    rows.append([button(t._("Next"), "inb", "next", str(offset + 1), region, language)])
    heading = t.ngettext(
        "{count} question waits for an answer.", "{count} questions wait for an answer.", waiting
    ).format(count=waiting)
    described = asking.describe(t, member.id, question, texts, await staff_time_zone(update, context))
    await _send(update, context, f"{heading}\n\n{described}", InlineKeyboardMarkup(rows))


async def inbox_command(update: Update, context: Context, member: StaffUser, args: list[str]) -> None:
    chosen = _filter_of(args)
    if chosen is None:
        t = translation(update, context)
        await _send(
            update,
            context,
            t._("Use /inbox, or narrow it with a region ({regions}) or a language ({languages}).").format(
                regions=", ".join(r.value for r in Region), languages=", ".join(LANGUAGES)
            ),
        )
        return
    await show(update, context, member, chosen, 0)


async def next_question(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    offset = int(parts[0]) if parts and parts[0].isdigit() else 0
    await _answer(update)
    await show(update, context, member, _filter_from(parts[1:]), offset)


def _question_id(parts: list[str]) -> uuid.UUID | None:
    return unshort(parts[0]) if parts else None


async def ask_reply(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    question_id = _question_id(parts)
    if question_id is None:
        await _answer(update, t._("This button no longer works."))
        return
    svc = services(context)
    expect_text(
        context,
        member,
        Pending(
            "inbox-reply", CASE_READERS, typed_reply, question_id, svc.clock() + ANSWER_TIME, asking.MAX_REPLY
        ),
    )
    await _answer(update)
    await _send(
        update, context, t._("Write the answer; the person reads exactly what you write. Or /cancel.")
    )


async def typed_reply(
    update: Update, context: Context, member: StaffUser, waiting: Pending, text: str
) -> None:
    t = translation(update, context)
    svc = services(context)
    try:
        async with svc.db.session() as session:
            routed = await asking.reply(
                session, svc.notices, waiting.target, text, staff_id=member.id, now=svc.clock()
            )
    except asking.InboxRefused as refused:
        await _send(update, context, asking.refusal(t, refused.reason))
        return
    await _send(update, context, asking.delivery_note(t, routed))


async def choose_canned(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    question_id = _question_id(parts)
    if question_id is None:
        await _answer(update, t._("This button no longer works."))
        return
    lines = [t._("Which ready answer? The person reads it in the language they asked in.")]
    rows = []
    for number, (key, text) in enumerate(asking.CANNED.items(), start=1):
        lines.append(f"{number}. {t._(text)}")
        rows.append([button(str(number), "inb", "cand", question_id, key)])
    await _answer(update)
    await _send(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


async def send_canned(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    question_id = _question_id(parts)
    if question_id is None or len(parts) < 2:
        await _answer(update, t._("This button no longer works."))
        return
    svc = services(context)
    try:
        async with svc.db.session() as session:
            routed = await asking.canned(
                session,
                svc.notices,
                svc.translator,
                question_id,
                parts[1],
                staff_id=member.id,
                now=svc.clock(),
            )
    except asking.InboxRefused as refused:
        await _answer(update, asking.refusal(t, refused.reason))
        return
    await _answer(update)
    await _send(update, context, asking.delivery_note(t, routed))


async def _act(
    update: Update, context: Context, parts: list[str], action: Callable[..., Awaitable[object]], done: str
) -> None:
    """Run one inbox action on the pressed question; a refusal is answered in words."""
    t = translation(update, context)
    question_id = _question_id(parts)
    svc = services(context)
    try:
        if question_id is None:
            raise asking.InboxRefused("unknown")
        async with svc.db.session() as session:
            await action(session, question_id, now=svc.clock())
    except asking.InboxRefused as refused:
        await _answer(update, asking.refusal(t, refused.reason))
        return
    await _answer(update, t._(done))


async def assign_to_me(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    await _act(update, context, parts, partial(asking.assign, staff_id=member.id), N_("Assigned to you."))


async def close_question(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    await _act(update, context, parts, partial(asking.close, staff_id=member.id), N_("Closed."))


async def ask_faq_wording(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    question_id = _question_id(parts)
    if question_id is None:
        await _answer(update, t._("This button no longer works."))
        return
    svc = services(context)
    expect_text(
        context,
        member,
        Pending(
            "inbox-faq",
            CASE_READERS,
            typed_faq,
            question_id,
            svc.clock() + ANSWER_TIME,
            asking.MAX_FAQ_QUESTION,
        ),
    )
    await _answer(update)
    await _send(
        update,
        context,
        t._(
            "Write the question as the FAQ should show it, in the language it was asked in. "
            "The person's own words stay private. Or /cancel."
        ),
    )


async def typed_faq(update: Update, context: Context, member: StaffUser, waiting: Pending, text: str) -> None:
    t = translation(update, context)
    svc = services(context)
    try:
        async with svc.db.session() as session:
            await asking.promote(session, waiting.target, text, staff_id=member.id, now=svc.clock())
    except asking.InboxRefused as refused:
        await _send(update, context, asking.refusal(t, refused.reason))
        return
    await _send(update, context, t._("Added to the FAQ. People see it in /faq and before they ask."))


COMMANDS = (
    StaffCommand("inbox", CASE_READERS, inbox_command, N_("Answer questions people sent the office")),
)
BUTTONS = (
    StaffButton("inb:next", CASE_READERS, next_question),
    StaffButton("inb:rep", CASE_READERS, ask_reply),
    StaffButton("inb:can", CASE_READERS, choose_canned),
    StaffButton("inb:cand", CASE_READERS, send_canned),
    StaffButton("inb:mine", CASE_READERS, assign_to_me),
    StaffButton("inb:cls", CASE_READERS, close_question),
    StaffButton("inb:faq", CASE_READERS, ask_faq_wording),
)
