"""/report: the confidential intake dialog (R17-R19).

Short steps, /cancel anywhere, nothing stored until the person confirms. The draft lives
only in this process's memory (`ReportDrafts` in `bot_data`, which is not persisted), and
the conversation itself is not persisted either: the database-backed PTB persistence is
sealed with the server's keys, and a report must never be readable with those alone. A
restart mid-report loses the draft; the person is told to start again. After confirming,
the report exists only encrypted to the staff (see `storage.repositories.reports`).

The bot's messages about a report never repeat what the person wrote, and are sent with
`protect_content`. The flow never asks for a phone number.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.application import case_alerts
from bot.domain import evidence
from bot.domain.visible_text import visible_length
from bot.handlers.panic import begin_trail, clear_keyboard, say
from bot.i18n import N_, Translation
from bot.services import Context, services, translation
from bot.state_first import DurableConversation
from storage.models import Channel, ReportKind
from storage.repositories import people
from storage.repositories import reports as repo

log = logging.getLogger(__name__)

DRAFTS_KEY = "report_drafts"
KIND, WHAT, WHEN, WHERE, WHERE_PICK, WHO, DANGER, EVIDENCE, CONTACT, CONFIRM = range(10)
MAX_WHAT = 3000
MAX_WHEN = 200
MAX_WHERE = 100
MAX_WHO = 500
MIN_TEXT = 2
PREFIX = "rp:"

KIND_LABELS: dict[ReportKind, str] = {
    ReportKind.REPRISAL: N_("A threat or reprisal for taking part"),
    ReportKind.INFORMATION: N_("A problem getting information"),
    ReportKind.PARTICIPATION: N_("A problem taking part"),
    ReportKind.OTHER: N_("Other feedback"),
}


@dataclass
class Draft:
    """A report being written. Memory only; gone on confirm, cancel, timeout, /panic or restart."""

    kind: ReportKind | None = None
    what: str = field(default="", repr=False)
    when: str = field(default="", repr=False)
    where: str = field(default="", repr=False)
    who: str = field(default="", repr=False)
    danger: bool = False
    evidence: list[repo.EvidenceFile] = field(default_factory=list, repr=False)
    anonymous: bool = True

    def content(self) -> repo.ReportContent:
        assert self.kind is not None
        anonymous = self.anonymous
        return repo.ReportContent(
            kind=self.kind, what=self.what, when=self.when, where=self.where, who=self.who,
            danger=self.danger, anonymous=anonymous, evidence=tuple(self.evidence),
        )  # fmt: skip


def drafts(context: Context) -> dict[int, Draft]:
    found = context.bot_data.get(DRAFTS_KEY)
    if not isinstance(found, dict):
        found = context.bot_data[DRAFTS_KEY] = {}
    return cast(dict[int, Draft], found)


def clean_text(text: str | None, limit: int) -> tuple[str | None, str | None]:
    """(value, problem): trimmed text within limits, or why not ("empty", "too_long").

    Direction marks, zero-width and filler characters do not count: a text made only of them
    looks empty and is refused. They stay in the value, where a word may need them."""
    value = (text or "").strip()
    if visible_length(value) < MIN_TEXT:
        return None, "empty"
    if len(value) > limit:
        return None, "too_long"
    return value, None


def _buttons(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=PREFIX + data) for label, data in row] for row in rows]
    )


def _draft(update: Update, context: Context) -> Draft | None:
    assert update.effective_user is not None
    return drafts(context).get(update.effective_user.id)


async def _lost(update: Update, context: Context) -> int:
    """The draft is gone (restart, /panic, timeout): say so and end."""
    t = translation(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    await say(update, context, t._("This report is no longer open. Send /report to start again."))
    return ConversationHandler.END


async def too_long(update: Update, context: Context, limit: int) -> None:
    t = translation(update, context)
    await say(
        update,
        context,
        t.ngettext(
            "Please keep it shorter: at most {limit} character.",
            "Please keep it shorter: at most {limit} characters.",
            limit,
        ).format(limit=limit),
    )


# --- the order of steps ---------------------------------------------------------------------
# A threat or reprisal report asks about immediate danger first, so emergency guidance comes
# before anything else; the other kinds ask it after "who is affected".


def _danger_first(draft: Draft) -> bool:
    return draft.kind is ReportKind.REPRISAL


def next_step(step: int, draft: Draft) -> int:
    """The step after `step` (WHERE_PICK is entered only when a country matched)."""
    first = _danger_first(draft)
    return {
        KIND: DANGER if first else WHAT,
        DANGER: WHAT if first else EVIDENCE,
        WHAT: WHEN,
        WHEN: WHERE,
        WHERE: WHO,
        WHERE_PICK: WHO,
        WHO: EVIDENCE if first else DANGER,
        EVIDENCE: CONTACT,
        CONTACT: CONFIRM,
    }[step]


def previous_step(step: int, draft: Draft) -> int:
    """Where "◀ Back" leads from `step`."""
    first = _danger_first(draft)
    return {
        DANGER: KIND if first else WHO,
        WHAT: DANGER if first else KIND,
        WHEN: WHAT,
        WHERE: WHEN,
        WHERE_PICK: WHERE,
        WHO: WHERE,
        EVIDENCE: WHO if first else DANGER,
        CONTACT: EVIDENCE,
        CONFIRM: CONTACT,
    }[step]


_TYPED = {WHAT: "what", WHEN: "when", WHERE: "where", WHO: "who"}


def _back_row(t: Translation, step: int, draft: Draft) -> list[tuple[str, str]]:
    """◀ Back, and for a typed step answered before, a button to keep that answer."""
    row = [(t._("◀ Back"), f"b:{step}")]
    if step in _TYPED and getattr(draft, _TYPED[step]):
        row.append((t._("Keep my earlier answer"), f"keep:{step}"))
    return row


async def ask(update: Update, context: Context, step: int) -> int:
    """Ask the question of `step` (with ◀ Back) and return it as the new state."""
    draft = _draft(update, context)
    if draft is None:
        return await _lost(update, context)
    t = translation(update, context)
    back = _back_row(t, step, draft)
    if step == KIND:
        rows = [[(t._(label), kind.value)] for kind, label in KIND_LABELS.items()]
        await say(update, context, t._("What do you want to report?"), reply_markup=_buttons(rows))
    elif step == WHAT:
        text = t.ngettext(
            "What happened? Write it in your own words, in up to {limit} character.",
            "What happened? Write it in your own words, in up to {limit} characters.",
            MAX_WHAT,
        )
        await say(update, context, text.format(limit=MAX_WHAT), reply_markup=_buttons([back]))
    elif step == WHEN:
        text = t._("When did it happen? A date or a rough time is enough.")
        await say(update, context, text, reply_markup=_buttons([back]))
    elif step == WHERE:
        text = t._("In which country did it happen? Type its name.")
        await say(update, context, text, reply_markup=_buttons([back]))
    elif step == WHO:
        text = t._("Who is affected? For example: me, my organisation, a colleague. Names are not needed.")
        await say(update, context, text, reply_markup=_buttons([back]))
    elif step == DANGER:
        answers = [(t._("Yes, someone is"), "d:yes"), (t._("No, nobody is"), "d:no")]
        await say(
            update, context, t._("Is anyone in immediate danger?"), reply_markup=_buttons([answers, back])
        )
    elif step == EVIDENCE:
        settings = services(context).reports
        text = t.ngettext(
            "You can send photos or documents as evidence: up to {count} file, {size} MB each. "
            "Press Done when you have finished, or if you have none.",
            "You can send photos or documents as evidence: up to {count} files, {size} MB each. "
            "Press Done when you have finished, or if you have none.",
            settings.evidence_max_files,
        ).format(count=settings.evidence_max_files, size=settings.evidence_max_bytes // (1024 * 1024))
        await say(update, context, text, reply_markup=_buttons([[(t._("Done"), "e:done")], back]))
    elif step == CONTACT:
        text = t._(
            "How may we contact you? If you choose this chat, your report is linked to your Telegram "
            "account and our replies come here. If you stay anonymous, we keep nothing about your "
            "account and you get a receipt code to read our replies with /followup."
        )
        rows = [[(t._("Reply to me in this chat"), "k:chat")], [(t._("Stay anonymous"), "k:anon")], back]
        await say(update, context, text, reply_markup=_buttons(rows))
    elif step == CONFIRM:
        files = t.ngettext(
            "Your report is ready, with {count} file.",
            "Your report is ready, with {count} files.",
            len(draft.evidence),
        ).format(count=len(draft.evidence))
        rows = [[(t._("Send"), "s:send"), (t._("Discard"), "s:discard")], back]
        await say(update, context, files + "\n" + t._("Send it now?"), reply_markup=_buttons(rows))
    return step


async def _pressed(update: Update, context: Context) -> Draft | None:
    """A button of this dialog was pressed: answer it, take its keyboard away, give the draft;
    None, with the press left for `_lost` to answer, when the draft is gone."""
    query = update.callback_query
    assert query is not None
    draft = _draft(update, context)
    if draft is not None:  # when it is gone, `_lost` answers the press (a press is answered once)
        await query.answer()
        await query.edit_message_reply_markup(None)
    return draft


async def _step_button(update: Update, context: Context, tag: str, where: Callable[[int, Draft], int]) -> int:
    """A ◀ Back or Keep button (data `<tag><step>`): ask the step `where` gives from that step."""
    query = update.callback_query
    assert query is not None and query.data is not None
    draft = await _pressed(update, context)
    if draft is None:
        return await _lost(update, context)
    step = int(query.data.removeprefix(PREFIX + tag))
    return await ask(update, context, where(step, draft))


async def go_back(update: Update, context: Context) -> int:
    """◀ Back: the previous question again; everything typed so far stays in the draft."""
    return await _step_button(update, context, "b:", previous_step)


async def keep_answer(update: Update, context: Context) -> int:
    """Keep what was typed at this step before going back, and go on."""
    return await _step_button(update, context, "keep:", next_step)


# --- steps ---------------------------------------------------------------------------------


async def start(update: Update, context: Context) -> int:
    t = translation(update, context)
    assert update.effective_user is not None and update.effective_chat is not None
    if update.effective_chat.type != "private":
        await update.effective_chat.send_message(t._("Please send /report to me in a private chat."))
        return ConversationHandler.END
    svc = services(context)
    async with svc.db.session() as session:
        ready = await repo.has_readers(session)
    begin_trail(update, context)
    if not ready:
        log.warning("a report was refused: no staff report key and no recovery key exists")
        await say(update, context, t._("Confidential reporting is not set up yet. Please try again later."))
        return ConversationHandler.END
    drafts(context)[update.effective_user.id] = Draft()
    await say(
        update,
        context,
        t._(
            "This is confidential. Only liaison staff can read what you send. Nothing is saved until "
            "you confirm at the end. Send /cancel to stop, or /panic to clear this chat at once."
        ),
    )
    return await ask(update, context, KIND)


async def choose_kind(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    draft = _draft(update, context)
    if draft is None:
        return await _lost(update, context)
    try:
        draft.kind = ReportKind(query.data.removeprefix(PREFIX))
    except ValueError:
        await query.answer()
        return KIND
    await query.answer()
    await query.edit_message_reply_markup(None)
    return await ask(update, context, next_step(KIND, draft))


async def _typed_answer(update: Update, context: Context, limit: int, step: int) -> tuple[Draft, str] | int:
    """The draft and the cleaned answer; or, when the draft is gone or the answer is unusable,
    the state to return (the person has been told what to do)."""
    draft = _draft(update, context)
    if draft is None:
        return await _lost(update, context)
    assert update.effective_message is not None
    value, problem = clean_text(update.effective_message.text, limit)
    if value is None:
        if problem == "too_long":
            await too_long(update, context, limit)
        else:
            await _ask_text(update, context)
        return step
    return draft, value


async def got_what(update: Update, context: Context) -> int:
    answer = await _typed_answer(update, context, MAX_WHAT, WHAT)
    if isinstance(answer, int):
        return answer
    draft, value = answer
    draft.what = value
    return await ask(update, context, next_step(WHAT, draft))


async def got_when(update: Update, context: Context) -> int:
    answer = await _typed_answer(update, context, MAX_WHEN, WHEN)
    if isinstance(answer, int):
        return answer
    draft, value = answer
    draft.when = value
    return await ask(update, context, next_step(WHEN, draft))


def _country_matches(query: str, language: str) -> list[tuple[str, str]]:
    """(code, name) of countries matching what was typed; empty when the country list is unavailable."""
    try:
        from bot.reference import countries
    except ImportError:  # the country reference is optional here: free text is accepted instead
        return []
    return [
        (code, countries.country_name(code, language)) for code in countries.search(query, language, limit=6)
    ]


async def got_where(update: Update, context: Context) -> int:
    answer = await _typed_answer(update, context, MAX_WHERE, WHERE)
    if isinstance(answer, int):
        return answer
    draft, value = answer
    t = translation(update, context)
    draft.where = value
    matches = _country_matches(value, t.language)
    if not matches:
        return await ask(update, context, next_step(WHERE, draft))
    rows = [[(name, "c:" + code)] for code, name in matches]
    rows.append([(t._("Keep what I typed"), "c:-")])
    rows.append(_back_row(t, WHERE_PICK, draft))
    await say(update, context, t._("Which of these do you mean?"), reply_markup=_buttons(rows))
    return WHERE_PICK


async def pick_where(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    draft = _draft(update, context)
    if draft is None:
        return await _lost(update, context)
    await query.answer()
    code = query.data.removeprefix(PREFIX + "c:")
    if code != "-":
        from bot.reference import countries

        draft.where = f"{countries.country_name(code, 'en')} ({code})"
    await query.edit_message_reply_markup(None)
    return await ask(update, context, next_step(WHERE_PICK, draft))


async def got_who(update: Update, context: Context) -> int:
    answer = await _typed_answer(update, context, MAX_WHO, WHO)
    if isinstance(answer, int):
        return answer
    draft, value = answer
    draft.who = value
    return await ask(update, context, next_step(WHO, draft))


async def got_danger(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    draft = await _pressed(update, context)
    if draft is None:
        return await _lost(update, context)
    draft.danger = query.data.endswith(":yes")
    t = translation(update, context)
    if draft.danger:  # at once, before any other question
        await say(
            update,
            context,
            t._(
                "If someone is in danger right now, contact local emergency services or a person you "
                "trust nearby first. We read urgent reports first, but we cannot send help ourselves."
            ),
        )
    return await ask(update, context, next_step(DANGER, draft))


def _attachment(message: Message) -> tuple[Any, str | None] | None:
    """The file of a message and the name the sender gave it, or None when it carries none."""
    if message.photo:
        return message.photo[-1], None
    for item in (message.document, message.audio, message.video):
        if item is not None:
            return item, item.file_name
    if message.voice is not None:
        return message.voice, None
    return None


async def _refuse_type(update: Update, context: Context) -> int:
    t = translation(update, context)
    await say(
        update,
        context,
        t._(
            "I cannot take this kind of file. I accept photos (JPEG, PNG, WebP), PDF, Word (DOCX) and "
            "OpenDocument (ODT) documents, voice recordings (OGG, MP3, M4A) and MP4 videos."
        ),
    )
    return EVIDENCE


async def _too_big(update: Update, context: Context) -> int:
    t = translation(update, context)
    size = services(context).reports.evidence_max_bytes // (1024 * 1024)
    await say(update, context, t._("This file is too big. The limit is {size} MB.").format(size=size))
    return EVIDENCE


async def got_evidence(update: Update, context: Context) -> int:
    draft = _draft(update, context)
    if draft is None:
        return await _lost(update, context)
    message = update.effective_message
    assert message is not None
    t = translation(update, context)
    settings = services(context).reports
    if len(draft.evidence) >= settings.evidence_max_files:
        await say(update, context, t._("That is as many files as I can take. Press Done to go on."))
        return EVIDENCE
    found = _attachment(message)
    if found is None:
        return await _refuse_type(update, context)
    attachment, claimed_name = found
    if (attachment.file_size or 0) > settings.evidence_max_bytes:
        return await _too_big(update, context)
    try:
        telegram_file = await attachment.get_file()
        content = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("evidence could not be fetched: %s", type(exc).__name__)
        await say(update, context, t._("I could not receive this file. Please send it again."))
        return EVIDENCE
    if len(content) > settings.evidence_max_bytes:
        return await _too_big(update, context)
    # The bytes decide what a file is; the name and MIME type the client sent are only claims.
    kind = evidence.sniff(content)
    if kind is None:
        log.info("evidence refused: its bytes are not of an accepted type")
        return await _refuse_type(update, context)
    try:
        content = evidence.strip_metadata(content, kind)
    except evidence.UnreadableImageError as exc:
        log.info("evidence refused: the image does not decode (%s)", type(exc).__name__)
        return await _refuse_type(update, context)
    if len(content) > settings.evidence_max_bytes:
        return await _too_big(update, context)
    # Every caption is kept, however short or long (Telegram bounds its length: 1,024 characters,
    # 4,096 with Premium); one made only of invisible characters is no caption.
    caption = (message.caption or "").strip()
    if not visible_length(caption):
        caption = ""
    # Only the bytes (and the caption) are kept, encrypted on confirm; the Telegram file id never is.
    draft.evidence.append(
        repo.EvidenceFile(
            evidence.safe_filename(claimed_name, kind),
            evidence.FORMATS[kind].mime_type,
            content,
            caption,
        )
    )
    await say(
        update,
        context,
        t._("File received ({count} of {limit}). Send another, or press Done.").format(
            count=len(draft.evidence), limit=settings.evidence_max_files
        ),
        reply_markup=_buttons([[(t._("Done"), "e:done")]]),
    )
    return EVIDENCE


async def evidence_done(update: Update, context: Context) -> int:
    draft = await _pressed(update, context)
    if draft is None:
        return await _lost(update, context)
    return await ask(update, context, next_step(EVIDENCE, draft))


async def got_contact(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    draft = await _pressed(update, context)
    if draft is None:
        return await _lost(update, context)
    draft.anonymous = query.data.endswith(":anon")
    return await ask(update, context, next_step(CONTACT, draft))


async def confirm(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user is not None
    user_id = update.effective_user.id
    draft = await _pressed(update, context)
    if draft is None:
        return await _lost(update, context)
    if query.data.endswith(":discard"):
        return await _discard(update, context)
    anonymous = draft.anonymous
    svc = services(context)
    t = translation(update, context)
    content = draft.content()
    submitted: repo.Submitted | None = None
    for attempt in range(3):  # a reference taken by a concurrent report makes the unit of work retry
        try:
            async with svc.db.session() as session:
                person_id = None if anonymous else await _person_id(session, svc, user_id, t.language)
                submitted = await repo.submit(
                    session, svc.keyring, content, now=svc.clock(),
                    receipt_limits=svc.reports.receipt_limits, person_id=person_id,
                )  # fmt: skip
                # In the same transaction: a stored case is never left without its alert.
                await queue_case_alert(session, context, submitted.reference, urgent=submitted.urgent)
            break
        except repo.NoReadersError:
            await say(
                update, context, t._("Confidential reporting is not set up yet. Please try again later.")
            )
            return ConversationHandler.END
        except IntegrityError:
            if attempt == 2:
                raise
    assert submitted is not None
    drafts(context).pop(user_id, None)
    log.info(
        "report case %s submitted (anonymous=%s, urgent=%s)", submitted.case_id, anonymous, submitted.urgent
    )
    if submitted.receipt is None:
        await say(
            update,
            context,
            t._("Thank you. We received your report as case {reference}. We will reply in this chat.").format(
                reference=submitted.reference
            ),
        )
    else:
        await say(
            update,
            context,
            t._("Thank you. We received your report as case {reference}.").format(
                reference=submitted.reference
            ),
        )
        await say(
            update,
            context,
            t._(
                "Your receipt code, shown only this once:\n{receipt}\nWrite it down somewhere safe, away "
                "from this phone if you can. Send /followup with it to read our replies. Anyone with this "
                "code can read them."
            ).format(receipt=submitted.receipt),
        )
    await say(
        update,
        context,
        t._("To leave no trace on this phone, you can clear this conversation now."),
        reply_markup=clear_keyboard(t),
    )
    return ConversationHandler.END


async def _person_id(session: Any, svc: Any, user_id: int, language: str) -> Any:
    """The person behind this Telegram account, created (with no name) if they are new."""
    person = await people.find_by_telegram(session, svc.keyring, user_id)
    if person is None:
        person = await people.create(session, now=svc.clock(), language=language)
        await people.add_address(
            session, svc.keyring, person, Channel.TELEGRAM, str(user_id), now=svc.clock(), verified=True
        )
    return person.id


async def queue_case_alert(
    session: AsyncSession, context: Context, reference: str, *, urgent: bool, update: bool = False
) -> None:
    """Queue the content-free alert to every case handler (and the staff group) in `session`."""
    svc = services(context)
    await case_alerts.alert(
        session, svc.notices, svc.keyring, reference, urgent=urgent, update=update,
        staff_chat_id=svc.settings.staff_chat_id, group_language=svc.settings.default_language,
        now=svc.clock(),
    )  # fmt: skip


async def alert_staff(context: Context, reference: str, *, urgent: bool, update_only: bool = False) -> None:
    """The alert in a transaction of its own (new information added at /followup)."""
    async with services(context).db.session() as session:
        await queue_case_alert(session, context, reference, urgent=urgent, update=update_only)


async def _discard(update: Update, context: Context) -> int:
    assert update.effective_user is not None
    drafts(context).pop(update.effective_user.id, None)
    t = translation(update, context)
    await say(
        update,
        context,
        t._("Your report was discarded. Nothing was saved."),
        reply_markup=clear_keyboard(t),
    )
    return ConversationHandler.END


async def cancel(update: Update, context: Context) -> int:
    return await _discard(update, context)


async def timed_out(update: object, context: Context) -> None:
    if isinstance(update, Update) and update.effective_user is not None:
        drafts(context).pop(update.effective_user.id, None)


async def _ask_text(update: Update, context: Context) -> None:
    t = translation(update, context)
    await say(update, context, t._("Please answer in a few words, or send /cancel to stop."))


async def _use_buttons(update: Update, context: Context) -> None:
    t = translation(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
        return
    await say(update, context, t._("Please use the buttons above, or send /cancel to stop."))


async def text_needed(update: Update, context: Context) -> object:
    if _draft(update, context) is None:
        return await _lost(update, context)
    await _ask_text(update, context)
    return None


async def buttons_needed(update: Update, context: Context) -> object:
    if _draft(update, context) is None:
        return await _lost(update, context)
    await _use_buttons(update, context)
    return None


async def in_the_middle(update: Update, context: Context) -> object:
    t = translation(update, context)
    await say(update, context, t._("You are in the middle of a report. Send /cancel to stop it first."))
    return None


def conversation(draft_minutes: int) -> ConversationHandler:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    not_command = ~filters.COMMAND
    other_text = MessageHandler(not_command, text_needed)
    other_button = MessageHandler(not_command, buttons_needed)
    stray_press = CallbackQueryHandler(buttons_needed, pattern=f"^{PREFIX}")
    back: CallbackQueryHandler[Any, object] = CallbackQueryHandler(go_back, pattern=f"^{PREFIX}b:[0-9]+$")
    keep: CallbackQueryHandler[Any, object] = CallbackQueryHandler(
        keep_answer, pattern=f"^{PREFIX}keep:[0-9]+$"
    )
    files = filters.PHOTO | filters.Document.ALL | filters.VOICE | filters.AUDIO | filters.VIDEO
    return DurableConversation(
        entry_points=[CommandHandler("report", start, filters.ChatType.PRIVATE)],
        states={
            KIND: [CallbackQueryHandler(choose_kind, pattern=f"^{PREFIX}[a-z]+$"), other_button, stray_press],
            WHAT: [MessageHandler(text, got_what), back, keep, other_text, stray_press],
            WHEN: [MessageHandler(text, got_when), back, keep, other_text, stray_press],
            WHERE: [MessageHandler(text, got_where), back, keep, other_text, stray_press],
            WHERE_PICK: [
                CallbackQueryHandler(pick_where, pattern=f"^{PREFIX}c:"),
                MessageHandler(text, got_where),
                back,
                other_button,
            ],
            WHO: [MessageHandler(text, got_who), back, keep, other_text, stray_press],
            DANGER: [CallbackQueryHandler(got_danger, pattern=f"^{PREFIX}d:"), back, other_button],
            EVIDENCE: [
                MessageHandler(files, got_evidence),
                CallbackQueryHandler(evidence_done, pattern=f"^{PREFIX}e:done$"),
                back,
                other_button,
            ],
            CONTACT: [CallbackQueryHandler(got_contact, pattern=f"^{PREFIX}k:"), back, other_button],
            CONFIRM: [CallbackQueryHandler(confirm, pattern=f"^{PREFIX}s:"), back, other_button],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CommandHandler("report", start, filters.ChatType.PRIVATE),
            MessageHandler(filters.COMMAND, in_the_middle),
        ],
        conversation_timeout=timedelta(minutes=draft_minutes),
        name="report",
        persistent=False,
        allow_reentry=True,
    )


def install(app: Application) -> None:  # type: ignore[type-arg]
    from bot.services import SERVICES_KEY

    app.add_handler(conversation(app.bot_data[SERVICES_KEY].reports.draft_minutes))
