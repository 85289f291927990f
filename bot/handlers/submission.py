"""/submit: a written submission (R7) — title, language, consent to publish unedited, then the text or a file.

The consent comes before the content, so a document goes straight from Telegram into the
database (sealed) and never sits in the persisted draft. Only PDF, DOCX and ODT files up to
5 MB are taken, judged by their bytes; the Telegram file id is not kept. Stored with status
"received" for the task team's minimal assessment (length, proper language).
"""

from __future__ import annotations

from telegram import Document, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.application.submission_exports import DISCLAIMER
from bot.domain import documents
from bot.handlers.answered import mark_answered, refuse_stale_press
from bot.handlers.dialog_kit import BACK, DialogKit
from bot.handlers.events import chat_id, find_person, is_onboarded, person_translation
from bot.i18n import language_name
from bot.reference import validation
from bot.services import Context, services
from bot.settings import LANGUAGES
from bot.state_first import DurableConversation, heading_to
from storage.repositories import submissions

NAME = "submission"
DRAFT_KEY = "submission"
PREFIX = "sub"
TITLE, LANGUAGE, PUBLISH, CONTENT = "title", "language", "publish", "content"
KEEP = "keep"
MAX_SHOWN_TITLE = 40  # of a kept title on its button
END = ConversationHandler.END

TITLE_RULE = validation.TextRule(min_length=5, max_length=200, allow_urls=True)
TEXT_RULE = validation.TextRule(min_length=100, max_length=4000, allow_urls=True)
MAX_FILENAME = 120
DISCLAIMER_VERSION = "d1"
OTHER_LANGUAGE = "other"


KIT = DialogKit(DRAFT_KEY, PREFIX)
draft = KIT.draft
_t = KIT.translation
_button = KIT.button


async def _send(update: Update, context: Context, text: str, rows: list[list[InlineKeyboardButton]]) -> None:
    await context.bot.send_message(
        chat_id(update), text, reply_markup=InlineKeyboardMarkup(rows) if rows else None
    )


def _value(update: Update, step: str) -> str | None:
    query = update.callback_query
    assert query is not None and query.data is not None
    prefix = f"{PREFIX}:{step}:"
    return query.data.removeprefix(prefix) if query.data.startswith(prefix) else None


# --- steps ---


async def start(update: Update, context: Context) -> object:
    async with services(context).db.session() as session:
        person = await find_person(session, update, context)
    t = person_translation(update, context, person)
    d = draft(context)
    d.clear()
    if not is_onboarded(person):
        await _send(
            update,
            context,
            t._("To send a written submission, please set up your profile first: send /start."),
            [],
        )
        return END
    d["ui"] = t.language
    return await _ask_title(update, context)


async def _ask_title(update: Update, context: Context) -> object:
    """The first question; after ◀ Back, the title typed before is offered to keep."""
    t = _t(update, context)
    d = draft(context)
    d["step"] = TITLE
    heading_to(TITLE)
    rows = []
    if d.get("title"):
        shown = d["title"] if len(d["title"]) <= MAX_SHOWN_TITLE else d["title"][: MAX_SHOWN_TITLE - 1] + "…"
        rows.append([_button(t._("Keep “{title}”").format(title=shown), KEEP, TITLE)])
    await _send(
        update,
        context,
        t.ngettext(
            "You can send a written input on how the Global Compact for Migration is being implemented. "
            "What is its title? Up to {max} character.",
            "You can send a written input on how the Global Compact for Migration is being implemented. "
            "What is its title? Up to {max} characters.",
            TITLE_RULE.max_length,
        ).format(max=TITLE_RULE.max_length),
        rows,
    )
    return TITLE


async def keep_pressed(update: Update, context: Context) -> object:
    """The title typed before is kept: on to the next question."""
    d = draft(context)
    if _value(update, KEEP) != TITLE or not d.get("title"):
        return await stale_press(update, context)
    await mark_answered(update, d["title"])
    return await _ask_language(update, context)


async def back_pressed(update: Update, context: Context) -> object:
    """One step back; what was typed and chosen stays in the draft and is offered again."""
    t = _t(update, context)
    target = _value(update, BACK)
    asks = {TITLE: _ask_title, LANGUAGE: _ask_language, PUBLISH: _ask_publish}
    if target not in asks or not draft(context).get("ui"):
        return await stale_press(update, context)
    await mark_answered(update, t._("◀ Back"))
    return await asks[target](update, context)


async def title_typed(update: Update, context: Context) -> object:
    t = _t(update, context)
    message = update.effective_message
    assert message is not None and message.text is not None
    title = validation.clean(message.text)
    problem = validation.check_text(title, TITLE_RULE)
    if problem is not None:
        await _send(update, context, validation.explain(problem, t, TITLE_RULE), [])
        return TITLE
    d = draft(context)
    d["title"] = title
    return await _ask_language(update, context)


async def _ask_language(update: Update, context: Context) -> object:
    t = _t(update, context)
    draft(context)["step"] = LANGUAGE
    heading_to(LANGUAGE)
    buttons = [_button(language_name(code), LANGUAGE, code) for code in LANGUAGES]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button(t._("Another language"), LANGUAGE, OTHER_LANGUAGE)])
    rows.append([KIT.back(t, TITLE)])
    await _send(update, context, t._("In which language is your submission written?"), rows)
    return LANGUAGE


async def language_pressed(update: Update, context: Context) -> object:
    t = _t(update, context)
    value = _value(update, LANGUAGE)
    if value not in (*LANGUAGES, OTHER_LANGUAGE):
        return await stale_press(update, context)
    await mark_answered(update, t._("Another language") if value == OTHER_LANGUAGE else language_name(value))
    draft(context)["language"] = value
    return await _ask_publish(update, context)


async def _ask_publish(update: Update, context: Context) -> object:
    t = _t(update, context)
    d = draft(context)
    d["step"] = PUBLISH
    heading_to(PUBLISH)
    text = (
        t._("Submissions are published on the regional review page as you send them. They carry this note:")
        + "\n\n«"
        + t._(DISCLAIMER)
        + "»\n\n"
        + t._("Do you agree that your submission is published unedited, with this note?")
    )
    rows = [
        [_button(t._("Yes, publish it"), PUBLISH, "yes")],
        [_button(t._("No, do not publish it"), PUBLISH, "no")],
        [KIT.back(t, LANGUAGE)],
    ]
    await _send(update, context, text, rows)
    return PUBLISH


async def publish_pressed(update: Update, context: Context) -> object:
    t = _t(update, context)
    value = _value(update, PUBLISH)
    if value not in ("yes", "no"):
        return await stale_press(update, context)
    d = draft(context)
    if value == "no":
        heading_to(END)
        d.clear()
        await mark_answered(update, t._("No, do not publish it"))
        await _send(
            update,
            context,
            t._(
                "Submissions are collected to be published, so I cannot take it without your agreement. Nothing was kept."
            ),
            [],
        )
        return END
    await mark_answered(update, t._("Yes, publish it"))
    d["consent"] = DISCLAIMER_VERSION
    d["step"] = CONTENT
    heading_to(CONTENT)
    await _send(
        update,
        context,
        t.ngettext(
            "Now send your submission: type the text ({min} to {max} character), or send it as a PDF, DOCX "
            "or ODT file of up to {megabytes} MB.",
            "Now send your submission: type the text ({min} to {max} characters), or send it as a PDF, DOCX "
            "or ODT file of up to {megabytes} MB.",
            TEXT_RULE.max_length,
        ).format(
            min=TEXT_RULE.min_length,
            max=TEXT_RULE.max_length,
            megabytes=documents.MAX_DOCUMENT_BYTES // (1024 * 1024),
        ),
        [[KIT.back(t, PUBLISH)]],
    )
    return CONTENT


async def text_sent(update: Update, context: Context) -> object:
    t = _t(update, context)
    message = update.effective_message
    assert message is not None and message.text is not None
    # Published unedited: the text is kept as typed, line breaks included; only its ends are trimmed.
    text = message.text.replace("\r\n", "\n").strip()
    problem = validation.check_text(text.replace("\n", " ").replace("\t", " "), TEXT_RULE)
    if problem is not None:
        await _send(update, context, validation.explain(problem, t, TEXT_RULE), [])
        return CONTENT
    return await _store(update, context, body=text, document=None)


async def document_sent(update: Update, context: Context) -> object:
    t = _t(update, context)
    message = update.effective_message
    assert message is not None and message.document is not None
    attachment: Document = message.document
    too_big = t._("That file is too big: the limit is {megabytes} MB. Please send a smaller file.").format(
        megabytes=documents.MAX_DOCUMENT_BYTES // (1024 * 1024)
    )
    if (attachment.file_size or 0) > documents.MAX_DOCUMENT_BYTES:
        await _send(update, context, too_big, [])
        return CONTENT
    try:
        telegram_file = await attachment.get_file()
        content = bytes(await telegram_file.download_as_bytearray())
    except TelegramError:
        await _send(update, context, t._("I could not fetch that file. Please send it again."), [])
        return CONTENT
    if len(content) > documents.MAX_DOCUMENT_BYTES:
        await _send(update, context, too_big, [])
        return CONTENT
    file_type = documents.sniff(content)
    if file_type is None:
        await _send(
            update,
            context,
            t._(
                "I can only take PDF, DOCX or ODT files, and this file is none of them. Please send one of those."
            ),
            [],
        )
        return CONTENT
    filename = validation.clean(attachment.file_name or "")[:MAX_FILENAME] or f"submission.{file_type.value}"
    document = submissions.Document(filename=filename, file_type=file_type.value, content=content)
    return await _store(update, context, body=None, document=document)


async def _store(
    update: Update, context: Context, *, body: str | None, document: submissions.Document | None
) -> object:
    svc = services(context)
    t = _t(update, context)
    d = draft(context)
    if not all(d.get(key) for key in ("title", "language", "consent")):
        # The draft is gone (erased with /forget, say) while the dialog was open.
        d.clear()
        heading_to(END)
        await _send(update, context, t._("That submission was stopped. Send /submit to start again."), [])
        return END
    async with svc.db.session() as session:
        person = await find_person(session, update, context)
        if not is_onboarded(person):
            d.clear()
            heading_to(END)
            await _send(
                update,
                context,
                t._("To send a written submission, please set up your profile first: send /start."),
                [],
            )
            return END
        assert person is not None
        submission = await submissions.create(
            session,
            person=person,
            title=d["title"],
            body=body,
            document=document,
            language=d["language"],
            publish_consent=True,
            disclaimer_version=d["consent"],
            now=svc.clock(),
        )
        reference = submission.reference
    d.clear()
    heading_to(END)
    await _send(
        update,
        context,
        t._(
            "Thank you. Your submission is received; its reference is {reference}. The task team checks only "
            "its length and language before it is published."
        ).format(reference=reference),
        [],
    )
    return END


# --- the unexpected ---


async def cancel(update: Update, context: Context) -> object:
    t = _t(update, context)
    draft(context).clear()
    heading_to(END)
    await _send(update, context, t._("Stopped. Nothing was kept."), [])
    return END


async def unexpected(update: Update, context: Context) -> object:
    t = _t(update, context)
    step = draft(context).get("step", TITLE)
    if step == CONTENT:
        text = t._("Please type your text, or send a PDF, DOCX or ODT file.")
    elif step == TITLE:
        text = t._("I can only read text here. Please type your answer.")
    else:
        text = t._("Please answer with one of the buttons above, or send /cancel to stop.")
    await _send(update, context, text, [])
    return step


async def in_the_middle(update: Update, context: Context) -> object:
    t = _t(update, context)
    await _send(
        update,
        context,
        t._("You are in the middle of a submission. Answer the question above, or send /cancel to stop."),
        [],
    )
    return None


async def stale_press(update: Update, context: Context) -> object:
    await refuse_stale_press(update, _t(update, context))
    return None


def conversation() -> ConversationHandler:  # type: ignore[type-arg]
    typed = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
    other_commands = filters.COMMAND & ~filters.Regex(r"^/(help|cancel)\b")
    return DurableConversation(
        entry_points=[CommandHandler("submit", start, filters.ChatType.PRIVATE)],
        states={
            TITLE: [
                MessageHandler(typed, title_typed),
                CallbackQueryHandler(keep_pressed, pattern=f"^{PREFIX}:{KEEP}:"),
            ],
            LANGUAGE: [
                CallbackQueryHandler(language_pressed, pattern=f"^{PREFIX}:{LANGUAGE}:"),
                CallbackQueryHandler(back_pressed, pattern=f"^{PREFIX}:{BACK}:"),
            ],
            PUBLISH: [
                CallbackQueryHandler(publish_pressed, pattern=f"^{PREFIX}:{PUBLISH}:"),
                CallbackQueryHandler(back_pressed, pattern=f"^{PREFIX}:{BACK}:"),
            ],
            CONTENT: [
                MessageHandler(typed, text_sent),
                MessageHandler(filters.UpdateType.MESSAGE & filters.Document.ALL, document_sent),
                CallbackQueryHandler(back_pressed, pattern=f"^{PREFIX}:{BACK}:"),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CallbackQueryHandler(stale_press, pattern=f"^{PREFIX}:"),
            MessageHandler(filters.UpdateType.MESSAGE & other_commands, in_the_middle),
            MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND, unexpected),
        ],
        allow_reentry=True,
        name=NAME,
        persistent=True,
    )


def install(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(conversation())
    app.add_handler(CallbackQueryHandler(stale_press, pattern=f"^{PREFIX}:"))
