"""/submissions: the task team's queue of written submissions (R7).

One submission at a time, oldest first, with the minimal assessment (length, and a flag
when a word from a short list per language appears; see `bot.domain.assessment`). The
task team publishes it unedited, or returns it with a reason the author reads in their
language. Reading and every decision are audited.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, InputFile, Update

from bot.application import submissions as submission_decisions
from bot.application.submissions import RETURN_REASONS
from bot.domain.assessment import MAX_LENGTH, MIN_LENGTH, assess
from bot.handlers.staff.access import TASK_TEAM, StaffButton, StaffCommand, StaffUser, button, unshort
from bot.i18n import N_
from bot.services import Context, services, translation
from storage.models import Submission, SubmissionStatus
from storage.repositories import submission_review, submissions
from storage.repositories.audit import staff_actor

log = logging.getLogger(__name__)

PREVIEW = 3000


async def _send(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup, protect_content=True)


async def _answer(update: Update, text: str | None = None) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text)


async def show_next(
    update: Update, context: Context, member: StaffUser, after: Submission | None = None
) -> None:
    t = translation(update, context)
    svc = services(context)
    now = svc.clock()
    async with svc.db.session() as session:
        waiting = await submission_review.queue_size(session)
        item = await submission_review.next_received(session, after=after.created_at if after else None)
        if item is not None:
            await submission_review.read(session, item, actor=staff_actor(member.id), now=now)
    if item is None:
        await _send(update, context, t._("No submissions wait for review."))
        return
    result = assess(item.body, has_document=item.has_document)
    lines = [
        t.ngettext(
            "{count} submission waits for review.", "{count} submissions wait for review.", waiting
        ).format(count=waiting),
        "",
        t._("Submission {reference}: {title}").format(reference=item.reference, title=item.title),
        t.ngettext(
            "Length: {length} character (expected {low} to {high}).",
            "Length: {length} characters (expected {low} to {high}).",
            result.length,
        ).format(length=result.length, low=MIN_LENGTH, high=MAX_LENGTH),
    ]
    if result.too_short:
        lines.append("⚠ " + t._("Too short."))
    if result.too_long:
        lines.append("⚠ " + t._("Too long."))
    if result.improper_words:
        lines.append(
            "⚠ "
            + t._("Possibly improper words: {words}. The check is minimal; read it yourself.").format(
                words=", ".join(result.improper_words)
            )
        )
    if not item.publish_consent:
        lines.append(t._("The author did not agree to publication."))
    if item.has_document:
        lines.append(t._("Sent as a document."))
    if item.body:
        excerpt = item.body if len(item.body) <= PREVIEW else item.body[:PREVIEW] + "…"
        lines += ["", excerpt]
    rows = []
    if item.has_document:
        rows.append([button(t._("Get the document"), "sub", "doc", item.id)])
    if item.publish_consent:
        rows.append([button(t._("Publish unedited"), "sub", "pub", item.id)])
    rows.append(
        [
            button(t._("Return with a reason"), "sub", "ret", item.id),
            button(t._("Skip"), "sub", "skip", item.id),
        ]
    )
    await _send(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


async def queue(update: Update, context: Context, member: StaffUser, _args: list[str]) -> None:
    await show_next(update, context, member)


async def _item(update: Update, context: Context, parts: list[str]) -> Submission | None:
    item_id = unshort(parts[0]) if parts else None
    if item_id is None:
        return None
    svc = services(context)
    async with svc.db.session() as session:
        found = await session.get(Submission, item_id)
    if found is None or found.status != SubmissionStatus.RECEIVED:
        await _answer(update, translation(update, context)._("This submission was decided already."))
        return None
    return found


async def skip(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    found = await _item(update, context, parts)
    if found is not None:
        await _answer(update)
        await show_next(update, context, member, after=found)


async def document(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    found = await _item(update, context, parts)
    if found is None:
        return
    svc = services(context)
    async with svc.db.session() as session:
        file = await submissions.document_of(session, found.id)
    await _answer(update)
    if file is not None and update.effective_chat is not None:
        await context.bot.send_document(
            update.effective_chat.id, InputFile(file.content, filename=file.filename), protect_content=True
        )


async def publish(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    found = await _item(update, context, parts)
    if found is None:
        return
    svc = services(context)
    try:
        async with svc.db.session() as session:
            await submission_review.publish(session, found.id, actor=staff_actor(member.id), now=svc.clock())
    except submission_review.NotReviewable:
        await _answer(update, t._("This submission cannot be published."))
        return
    log.info("staff member %s published submission %s", member.id, found.id)
    await _answer(update, t._("Published."))
    await show_next(update, context, member)


async def choose_reason(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    found = await _item(update, context, parts)
    if found is None:
        return
    rows = [[button(t._(label), "sub", "retr", found.id, key)] for key, label in RETURN_REASONS.items()]
    await _answer(update)
    await _send(update, context, t._("Which reason will the author read?"), InlineKeyboardMarkup(rows))


async def return_it(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    if len(parts) < 2 or parts[1] not in RETURN_REASONS:
        await _answer(update, t._("This button no longer works."))
        return
    found = await _item(update, context, parts)
    if found is None:
        return
    svc = services(context)
    try:
        async with svc.db.session() as session:
            await submission_decisions.return_submission(
                session, svc.notices, found.id, parts[1], actor=staff_actor(member.id), now=svc.clock()
            )
    except submission_review.NotReviewable:
        await _answer(update, t._("This submission was decided already."))
        return
    await _answer(update, t._("Returned. The author is told in their language."))
    await show_next(update, context, member)


COMMANDS = (StaffCommand("submissions", TASK_TEAM, queue, N_("Review written submissions")),)
BUTTONS = (
    StaffButton("sub:skip", TASK_TEAM, skip),
    StaffButton("sub:doc", TASK_TEAM, document),
    StaffButton("sub:pub", TASK_TEAM, publish),
    StaffButton("sub:ret", TASK_TEAM, choose_reason),
    StaffButton("sub:retr", TASK_TEAM, return_it),
)
