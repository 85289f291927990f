"""Ask the office: a message outside any dialog, or /ask, offers to send it to the liaison office.

Before anything is kept, a message that looks like a threat or reprisal is pointed to /report,
and FAQ entries that may answer it are offered. The draft waits in this process's memory only
(never in the database) until the person taps Send; /ask also shows the person's thread.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.application import inbox as asking
from bot.handlers.events import find_person, person_translation
from bot.i18n import Translation
from bot.reference.languages import language_label
from bot.services import Context, services
from storage.models import FaqEntry, Question, QuestionReply
from storage.repositories import inbox, profiles

PREFIX = "ask:"
SEND, DROP, ANSWERED, ANYWAY = "ask:send", "ask:drop", "ask:faq_ok", "ask:anyway"
FAQ_PREFIX = "faq:"
DRAFTS_KEY = "ask_drafts"
DRAFT_LIFETIME = timedelta(minutes=30)
THREAD_LENGTH = 5


@dataclass
class Draft:
    text: str
    language: str
    expires_at: datetime
    message_id: int | None = None  # the offer whose buttons may send it; an older offer's cannot


def _drafts(context: Context) -> dict[int, Draft]:
    found = context.bot_data.get(DRAFTS_KEY)
    if not isinstance(found, dict):
        found = context.bot_data[DRAFTS_KEY] = {}
    return cast(dict[int, Draft], found)


def _user(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def _chat(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


def _buttons(*rows: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)] for label, data in rows])


async def _translation(update: Update, context: Context) -> Translation:
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
    return person_translation(update, context, person)


async def intake(update: Update, context: Context, text: str) -> None:
    """A question typed outside any dialog: point to /report, offer the FAQ, or offer to send it."""
    svc = services(context)
    t = await _translation(update, context)
    text = text.strip()
    if len(text) > asking.MAX_QUESTION:
        await context.bot.send_message(
            _chat(update),
            t.ngettext(
                "That is too long: at most {limit} character. Please send a shorter question.",
                "That is too long: at most {limit} characters. Please send a shorter question.",
                asking.MAX_QUESTION,
            ).format(limit=asking.MAX_QUESTION),
        )
        return
    async with svc.db.session() as session:
        found = await asking.offer(session, text)
    now = svc.clock()
    drafts = _drafts(context)
    for user, old in list(drafts.items()):  # forget offers nobody answered
        if old.expires_at < now:
            del drafts[user]
    draft = drafts[_user(update)] = Draft(text, t.language, now + DRAFT_LIFETIME)
    if found.reprisal:
        sent = await context.bot.send_message(
            _chat(update),
            t._(
                "This sounds like a threat or a reprisal. Please use /report instead: reports are "
                "encrypted and only a few authorised staff read them. I have not kept your message."
            ),
            reply_markup=_buttons(
                (t._("Send it to the office anyway"), ANYWAY), (t._("No, thank you"), DROP)
            ),
        )
        draft.message_id = sent.message_id
        return
    if found.matches:
        blocks = [t._("This may answer your question:")]
        blocks += [_entry_text(entry, t, "\n") for entry in found.matches]
        blocks.append(t._("Did this answer it?"))
        sent = await context.bot.send_message(
            _chat(update),
            "\n\n".join(blocks),
            reply_markup=_buttons(
                (t._("Yes, thank you"), ANSWERED), (t._("No, send it to the office"), SEND)
            ),
        )
        draft.message_id = sent.message_id
        return
    sent = await context.bot.send_message(
        _chat(update),
        t._("Send this to the office?"),
        reply_markup=_buttons((t._("Send"), SEND), (t._("No, thank you"), DROP)),
    )
    draft.message_id = sent.message_id


def _take_draft(update: Update, context: Context) -> Draft | None:
    """The draft this offer's buttons belong to, once; None when it expired or a newer offer replaced it."""
    query = update.callback_query
    pressed_on = query.message.message_id if query is not None and query.message is not None else None
    drafts = _drafts(context)
    draft = drafts.get(_user(update))
    if draft is None or draft.message_id != pressed_on:
        return None
    del drafts[_user(update)]
    if services(context).clock() > draft.expires_at:
        return None
    return draft


async def _finish(update: Update, text: str) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(text)


async def send_pressed(update: Update, context: Context) -> None:
    svc = services(context)
    t = await _translation(update, context)
    draft = _take_draft(update, context)
    if draft is None:
        await _finish(update, t._("I no longer have that message. Please send it again."))
        return
    now = svc.clock()
    async with svc.db.session() as session:
        person = await profiles.ensure_person(
            session, svc.keyring, _user(update), now=now, language=t.language
        )
        question = await asking.ask(
            session, svc.notices, svc.keyring, person.id, draft.text, language=draft.language, now=now
        )
        reference = question.reference
    await _finish(
        update,
        t._(
            "Sent to the liaison office as {reference}. The answer will come here. "
            "See your questions with /ask."
        ).format(reference=reference),
    )


async def drop_pressed(update: Update, context: Context) -> None:
    t = await _translation(update, context)
    _take_draft(update, context)
    await _finish(update, t._("Not sent. Nothing was kept."))


async def answered_pressed(update: Update, context: Context) -> None:
    t = await _translation(update, context)
    _take_draft(update, context)
    await _finish(update, t._("Glad it helped. Nothing was sent or kept."))


def thread_lines(
    t: Translation, questions: list[Question], replies: dict[uuid.UUID, list[QuestionReply]]
) -> list[str]:
    lines: list[str] = []
    for question in questions:
        # Layout only (reference · status, then the question): the words are translated labels.
        lines.append(f"{question.reference} · {t._(asking.STATUS_LABELS[question.status])}\n{question.body}")
        for reply in replies.get(question.id, []):
            lines.append(t._("Answer: {text}").format(text=reply.body))
    return lines


async def ask_command(update: Update, context: Context) -> None:
    """/ask: the person's thread; /ask <question>: the same as typing the question."""
    if context.args:
        await intake(update, context, " ".join(context.args))
        return
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        questions = [] if person is None else await inbox.thread(session, person.id, limit=THREAD_LENGTH)
        replies = await inbox.replies(session, [q.id for q in questions])
    t = person_translation(update, context, person)
    if questions:
        blocks = [t._("Your questions to the office:"), *thread_lines(t, questions, replies)]
    else:
        blocks = [t._("You have not asked the office anything yet.")]
    blocks.append(t._("Write your question in one message and I will offer to send it to the office."))
    await context.bot.send_message(_chat(update), "\n\n".join(blocks))


async def faq_command(update: Update, context: Context) -> None:
    svc = services(context)
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        entries = await inbox.faq(session)
    t = person_translation(update, context, person)
    if not entries:
        await context.bot.send_message(_chat(update), t._("There are no questions in the FAQ yet."))
        return
    lines = [t._("Questions people often ask. Tap a number to read the answer:")]
    buttons = []
    for number, entry in enumerate(entries, start=1):
        lines.append(f"{number}. {asking.question_of(entry, t.language)}")
        buttons.append(InlineKeyboardButton(str(number), callback_data=f"{FAQ_PREFIX}{entry.id.hex}"))
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    lines.append(t._("Not there? Ask the office with /ask."))
    await context.bot.send_message(_chat(update), "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


async def faq_entry_pressed(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    svc = services(context)
    t = await _translation(update, context)
    try:
        entry_id = uuid.UUID(hex=(query.data or "").removeprefix(FAQ_PREFIX))
    except ValueError:
        entry_id = None
    async with svc.db.session() as session:
        entry = None if entry_id is None else await inbox.faq_entry(session, entry_id)
    await query.answer()
    if entry is None:
        await context.bot.send_message(_chat(update), t._("That entry is no longer in the FAQ."))
        return
    await context.bot.send_message(_chat(update), _entry_text(entry, t, "\n\n"))


def _entry_text(entry: FaqEntry, t: Translation, gap: str) -> str:
    """An FAQ entry in the reader's language, or in the one it has, saying so."""
    text = f"{asking.question_of(entry, t.language)}{gap}{asking.answer_of(entry, t.language)}"
    shown = asking.shown_language(entry, t.language)
    if shown == t.language:
        return text
    note = t._("This answer is only in one language for now: {language}.")
    return f"{text}\n{note.format(language=language_label(shown, t.language))}"


def install(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("ask", ask_command, filters.ChatType.PRIVATE))
    app.add_handler(CommandHandler("faq", faq_command, filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(send_pressed, pattern=f"^({SEND}|{ANYWAY})$"))
    app.add_handler(CallbackQueryHandler(drop_pressed, pattern=f"^{DROP}$"))
    app.add_handler(CallbackQueryHandler(answered_pressed, pattern=f"^{ANSWERED}$"))
    app.add_handler(CallbackQueryHandler(faq_entry_pressed, pattern=f"^{FAQ_PREFIX}[0-9a-f]{{32}}$"))
