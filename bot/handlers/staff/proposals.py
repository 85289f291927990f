"""/proposals: events organisations shared (R23), for liaison staff and administrators to approve,
retitle, or decline with a reason the organisation reads. One proposal at a time, oldest first;
each action is one call of `bot.application.proposals`."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update

from bot.application import proposals as sharing
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
from bot.i18n import N_, Translation, language_name
from bot.services import Context, services, translation
from scheduler.calendar_texts import region_label
from scheduler.community import KIND_LABELS
from storage.models import EventProposal, ProposalStatus
from storage.repositories import proposals

log = logging.getLogger(__name__)

ANSWER_TIME = timedelta(minutes=15)


async def _send(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup, protect_content=True)


async def _answer(update: Update, text: str | None = None) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text)


def _card(t: Translation, item: EventProposal, waiting: int) -> str:
    return "\n".join(
        [
            t.ngettext(
                "{count} shared event waits for review.", "{count} shared events wait for review.", waiting
            ).format(count=waiting),
            "",
            item.title,
            t._(KIND_LABELS.get(item.kind, KIND_LABELS["other"])),
            t.datetime(item.starts_at, item.time_zone),
            region_label(t, item.region),
            item.link or t._("No link"),
            ", ".join(language_name(code) for code in item.languages),
        ]
    )


async def show_next(update: Update, context: Context, after: EventProposal | None = None) -> None:
    t = translation(update, context)
    svc = services(context)
    async with svc.db.session() as session:
        waiting = await proposals.pending_count(session)
        item = await proposals.next_pending(session, after=after.created_at if after else None)
    if item is None:
        await _send(update, context, t._("No shared events wait for review."))
        return
    rows = [
        [
            button(t._("Approve"), "prop", "ok", item.id),
            button(t._("Edit the title"), "prop", "edit", item.id),
        ],
        [
            button(t._("Decline with a reason"), "prop", "no", item.id),
            button(t._("Skip"), "prop", "skip", item.id),
        ],
    ]
    await _send(update, context, _card(t, item, waiting), InlineKeyboardMarkup(rows))


async def queue(update: Update, context: Context, member: StaffUser, _args: list[str]) -> None:
    await show_next(update, context)


def _reason(t: Translation, reason: str) -> str:
    if reason == "decided":
        return t._("This shared event was decided already.")
    if reason == "empty":
        return t._("Please answer in a few words, or send /cancel to stop.")
    return t._("This button no longer works.")


async def _item(update: Update, context: Context, parts: list[str]) -> EventProposal | None:
    found_id = unshort(parts[0]) if parts else None
    svc = services(context)
    async with svc.db.session() as session:
        found = None if found_id is None else await proposals.get(session, found_id)
    if found is None or found.status != ProposalStatus.PENDING.value:
        await _answer(update, _reason(translation(update, context), "decided"))
        return None
    return found


async def skip(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    found = await _item(update, context, parts)
    if found is not None:
        await _answer(update)
        await show_next(update, context, after=found)


async def approve(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    found = await _item(update, context, parts)
    if found is None:
        return
    svc = services(context)
    try:
        async with svc.db.session() as session:
            published = await sharing.approve(
                session, svc.notices, found.id, staff_id=member.id, now=svc.clock()
            )
            code = published.event.code
    except ValueError as refused:  # a ProposalRefused, or the event service refusing to publish it
        log.info("proposal %s not approved: %s", found.id, type(refused).__name__)
        await _answer(
            update, _reason(t, refused.reason if isinstance(refused, sharing.ProposalRefused) else "")
        )
        return
    await _answer(update)
    await _send(
        update, context, t._("Approved: it is in the regional calendar as event {code}.").format(code=code)
    )
    await show_next(update, context)


async def _wait(
    update: Update, context: Context, member: StaffUser, parts: list[str], kind: str
) -> EventProposal | None:
    found = await _item(update, context, parts)
    if found is None:
        return None
    handler = typed_title if kind == "title" else typed_reason
    limit = sharing.MAX_TITLE if kind == "title" else sharing.MAX_REASON
    expect_text(
        context,
        member,
        Pending(
            f"prop:{kind}", CASE_READERS, handler, found.id, services(context).clock() + ANSWER_TIME, limit
        ),
    )
    await _answer(update)
    return found


async def ask_title(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    if await _wait(update, context, member, parts, "title") is not None:
        t = translation(update, context)
        await _send(update, context, t._("Send the new title, or /cancel."))


async def ask_reason(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    if await _wait(update, context, member, parts, "reason") is not None:
        t = translation(update, context)
        await _send(
            update,
            context,
            t._("Why is it declined? The organisation reads exactly what you write. Or /cancel."),
        )


async def typed_title(
    update: Update, context: Context, member: StaffUser, waiting: Pending, text: str
) -> None:
    t = translation(update, context)
    svc = services(context)
    try:
        async with svc.db.session() as session:
            await sharing.edit_title(session, waiting.target, text, staff_id=member.id, now=svc.clock())
    except sharing.ProposalRefused as refused:
        await _send(update, context, _reason(t, refused.reason))
        return
    await show_next(update, context)


async def typed_reason(
    update: Update, context: Context, member: StaffUser, waiting: Pending, text: str
) -> None:
    t = translation(update, context)
    svc = services(context)
    try:
        async with svc.db.session() as session:
            await sharing.decline(
                session, svc.notices, waiting.target, text, staff_id=member.id, now=svc.clock()
            )
    except sharing.ProposalRefused as refused:
        await _send(update, context, _reason(t, refused.reason))
        return
    await _send(update, context, t._("Declined. The organisation is told your reason."))
    await show_next(update, context)


COMMANDS = (StaffCommand("proposals", CASE_READERS, queue, N_("Review events that organisations shared")),)
BUTTONS = (
    StaffButton("prop:ok", CASE_READERS, approve),
    StaffButton("prop:edit", CASE_READERS, ask_title),
    StaffButton("prop:no", CASE_READERS, ask_reason),
    StaffButton("prop:skip", CASE_READERS, skip),
)
