"""The sandbox Bot API server, exercised through the real python-telegram-bot stack over HTTP."""

import asyncio
import io
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.sandbox import ManualClock, SandboxPerson, SandboxServer, run_terminal_chat
from tests import sandbox_fixtures
from tests.sandbox_fixtures import make_bot, running, sandbox_application_builder

# The shared fixtures, used here by name as pytest does; a conftest importing them too is harmless.
sandbox = sandbox_fixtures.sandbox
person = sandbox_fixtures.person

Context = ContextTypes.DEFAULT_TYPE
LANGUAGES = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("English", callback_data="lang:en"),
            InlineKeyboardButton("العربية", callback_data="lang:ar"),
        ]
    ]
)


# --- a small bot to talk to ---


async def start(update: Update, context: Context) -> None:
    assert update.message is not None
    await update.message.reply_text(f"Welcome! args={context.args}", reply_markup=LANGUAGES)


async def choose_language(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer(f"Saved {query.data}")
    await query.edit_message_text(f"Language: {query.data.removeprefix('lang:')}")


async def ask_yes_no(update: Update, context: Context) -> None:
    assert update.message is not None
    keyboard = ReplyKeyboardMarkup([[KeyboardButton("Yes"), KeyboardButton("No")]], one_time_keyboard=True)
    await update.message.reply_text("Do you agree?", reply_markup=keyboard)


async def on_document(update: Update, context: Context) -> None:
    assert update.message is not None and update.message.document is not None
    telegram_file = await update.message.document.get_file()
    content = bytes(await telegram_file.download_as_bytearray())
    context.bot_data["received"] = content
    await update.message.reply_text(f"Got {update.message.document.file_name}: {len(content)} bytes")


async def echo(update: Update, context: Context) -> None:
    assert update.message is not None and update.message.text is not None
    if update.message.text == "Yes":
        await update.message.reply_text("Thanks.", reply_markup=ReplyKeyboardRemove())
        return
    await update.message.reply_text(update.message.text)


async def two_replies(update: Update, context: Context) -> None:
    assert update.message is not None
    await update.message.reply_text("First.")
    await update.message.reply_text("Second.")


@pytest.fixture
async def echo_bot(sandbox: SandboxServer) -> AsyncIterator[Any]:
    application = sandbox_application_builder(sandbox).build()
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("agree", ask_yes_no))
    application.add_handler(CommandHandler("two", two_replies))
    application.add_handler(CallbackQueryHandler(choose_language, pattern="^lang:"))
    application.add_handler(MessageHandler(filters.Document.ALL, on_document))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with running(application):
        yield application


@pytest.fixture
async def bot(sandbox: SandboxServer) -> AsyncIterator[Bot]:
    async with make_bot(sandbox, read_timeout=0.5) as telegram_bot:
        yield telegram_bot


# --- conversations through an Application that polls the sandbox ---


async def test_echo_conversation(echo_bot: Any, person: SandboxPerson) -> None:
    await person.send("hello")
    assert (await person.next_reply()).text == "hello"
    await person.send("second line")
    reply = await person.next_reply()
    assert reply.text == "second line"
    assert reply.from_bot
    assert [message.content for message in person.messages()] == [
        "hello",
        "hello",
        "second line",
        "second line",
    ]


async def test_start_payload_arrives_as_command_args(echo_bot: Any, person: SandboxPerson) -> None:
    await person.send("/start ev_ABC")
    reply = await person.next_reply()
    assert reply.text == "Welcome! args=['ev_ABC']"
    assert person.visible_buttons() == ["English", "العربية"]


async def test_inline_button_press_round_trip(
    echo_bot: Any, sandbox: SandboxServer, person: SandboxPerson
) -> None:
    await person.send("/start")
    welcome = await person.next_reply()
    await person.press("العربية")
    answer = await person.callback_answer()
    assert answer.answer_text == "Saved lang:ar"
    await person.wait_until(lambda: welcome.edits == 1, what="the welcome to be edited")
    assert person.last_message().text == "Language: ar"
    assert person.last_message() is welcome
    assert person.visible_buttons() == []  # editing without reply_markup removes the keyboard
    assert [call.method for call in sandbox.calls if call.method != "getUpdates"][-2:] == [
        "answerCallbackQuery",
        "editMessageText",
    ]


async def test_press_of_a_missing_button_lists_the_visible_ones(echo_bot: Any, person: SandboxPerson) -> None:
    await person.send("/start")
    await person.next_reply()
    with pytest.raises(AssertionError, match="English"):
        await person.press("Français")
    await person.press("Engl")  # part of exactly one label
    assert (await person.callback_answer()).answer_text == "Saved lang:en"


async def test_reply_keyboard_press_sends_the_label(echo_bot: Any, person: SandboxPerson) -> None:
    await person.send("/agree")
    assert (await person.next_reply()).text == "Do you agree?"
    assert person.visible_buttons() == ["Yes", "No"]
    await person.press("Yes")
    assert (await person.next_reply()).text == "Thanks."
    assert person.visible_buttons() == []
    assert [message.content for message in person.messages()][-2:] == ["Yes", "Thanks."]


async def test_replies_until_quiet_collects_every_reply(echo_bot: Any, person: SandboxPerson) -> None:
    await person.send("/two")
    replies = await person.replies_until_quiet()
    assert [reply.text for reply in replies] == ["First.", "Second."]
    with pytest.raises(AssertionError, match="Second"):
        await person.next_reply(timeout=0.2)


async def test_uploaded_file_reaches_the_bot_byte_for_byte(echo_bot: Any, person: SandboxPerson) -> None:
    content = bytes(range(256)) * 40
    await person.upload("evidence.pdf", content, "application/pdf")
    assert (await person.next_reply()).text == f"Got evidence.pdf: {len(content)} bytes"
    assert echo_bot.bot_data["received"] == content


async def test_terminal_chat_prints_replies_buttons_and_edits(echo_bot: Any, sandbox: SandboxServer) -> None:
    user = sandbox.add_user("Amina")
    stdout = io.StringIO()
    await run_terminal_chat(
        sandbox, user, stdin=io.StringIO("hello\n/start\n#2\n/quit\nnever sent\n"), stdout=stdout
    )
    lines = stdout.getvalue().splitlines()
    assert "bot: hello" in lines
    assert "bot: Welcome! args=[]" in lines
    assert "  [#1] English  [#2] العربية" in lines
    assert "(popup) Saved lang:ar" in lines
    assert "bot (edited): Language: ar" in lines
    assert not any("never sent" in message.content for message in sandbox.chat(user.id).messages.values())


async def test_terminal_chat_joins_continued_lines_and_types_bare_numbers(
    echo_bot: Any, sandbox: SandboxServer
) -> None:
    user = sandbox.add_user("Amina")
    stdout = io.StringIO()
    typed = "first line\\\nsecond line\n/start\n50\n#7\n/quit\n"
    await run_terminal_chat(sandbox, user, stdin=io.StringIO(typed), stdout=stdout)
    sent = [m.text for m in sandbox.chat(user.id).messages.values() if not m.from_bot]
    assert sent == ["first line\nsecond line", "/start", "50"]  # "50" is text, not a button
    assert "(no button #7; there are 2)" in stdout.getvalue().splitlines()


# --- updates, long polling and the record of calls, with a bare Bot ---


async def test_get_updates_long_poll_answers_when_an_update_arrives(
    sandbox: SandboxServer, bot: Bot, person: SandboxPerson
) -> None:
    asyncio.get_running_loop().call_later(0.1, sandbox.push_text, person.user, "/start ev_XYZ")
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5, read_timeout=10)
    assert time.monotonic() - started < 2
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None and message.text == "/start ev_XYZ"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == len("/start")
    assert message.from_user is not None and message.from_user.first_name == "Amina"
    assert message.chat.id == person.id and message.chat.type == "private"


async def test_get_updates_acknowledges_by_offset(
    sandbox: SandboxServer, bot: Bot, person: SandboxPerson
) -> None:
    for text in ("one", "two", "three"):
        await person.send(text)
    first = await bot.get_updates()
    assert [update.message.text for update in first if update.message] == ["one", "two", "three"]
    ids = [update.update_id for update in first]
    assert ids == sorted(ids) and len(set(ids)) == 3
    again = await bot.get_updates(offset=ids[1])
    assert [update.update_id for update in again] == ids[1:]
    assert await bot.get_updates(offset=ids[2] + 1) == ()


async def test_sent_message_is_recorded_and_parsed_by_ptb(
    sandbox: SandboxServer, bot: Bot, person: SandboxPerson
) -> None:
    sent = await bot.send_message(
        person.id,
        "<b>Hi</b> &amp; welcome",
        parse_mode=ParseMode.HTML,
        reply_markup=LANGUAGES,
        protect_content=True,
    )
    assert sent.text == "Hi & welcome"
    assert sent.entities[0].type == "bold" and sent.entities[0].length == 2
    assert sent.reply_markup == LANGUAGES
    assert sent.has_protected_content
    second = await bot.send_message(person.id, "again")
    assert second.message_id == sent.message_id + 1
    record = sandbox.calls_to("sendMessage")[0]
    assert record.ok and record.chat_id == person.id and record.params["text"] == "<b>Hi</b> &amp; welcome"
    message = sandbox.chat(person.id).messages[sent.message_id]
    assert message.protect_content and message.buttons == ["English", "العربية"]


async def test_document_sent_by_the_bot_is_recorded_with_its_bytes(
    sandbox: SandboxServer, bot: Bot, person: SandboxPerson
) -> None:
    sent = await bot.send_document(
        person.id, document=b"name,region\nA,Asia\n", filename="registrations.csv", caption="Export"
    )
    assert sent.document is not None and sent.document.file_name == "registrations.csv"
    recorded = (await person.next_reply()).document
    assert recorded is not None
    assert recorded.content == b"name,region\nA,Asia\n" and recorded.filename == "registrations.csv"
    again = await bot.send_document(person.id, document=sent.document.file_id)  # re-sent by file_id
    assert again.document is not None and again.document.file_unique_id == sent.document.file_unique_id
    downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"name,region\nA,Asia\n"


async def test_photo_and_copy_message(sandbox: SandboxServer, bot: Bot, person: SandboxPerson) -> None:
    photo_message = await person.send_photo(caption="the venue")
    other = sandbox.add_user("Li", language_code="zh")
    copied = await bot.copy_message(other.id, from_chat_id=person.id, message_id=photo_message.message_id)
    copy = sandbox.chat(other.id).messages[copied.message_id]
    assert copy.photo is photo_message.photo and copy.caption == "the venue" and copy.from_bot
    sent = await bot.send_photo(person.id, photo=b"\xff\xd8fake-jpeg", caption="map")
    assert sent.photo and sent.caption == "map"


async def test_commands_menu_and_webhook_are_recorded(sandbox: SandboxServer, bot: Bot) -> None:
    await bot.set_my_commands([("start", "Begin"), ("report", "Report a concern")], language_code="fr")
    assert [command.command for command in await bot.get_my_commands(language_code="fr")] == [
        "start",
        "report",
    ]
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Start!", "Begin")])
    assert await bot.set_chat_menu_button()
    await bot.set_webhook("https://liaison.example.org/telegram", secret_token="s3cret")
    assert sandbox.webhook is not None and sandbox.webhook.secret_token == "s3cret"
    assert (await bot.get_webhook_info()).url == "https://liaison.example.org/telegram"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_unknown_method_answers_not_found(bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTeleportation", api_kwargs={"chat_id": 1})


# --- Telegram's limits, as PTB's own exceptions ---


async def test_text_limits_count_plain_text(bot: Bot, person: SandboxPerson) -> None:
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(person.id, "x" * 4097)
    await bot.send_message(person.id, "x" * 4096)
    # Markup does not count: 4096 visible characters wrapped in tags is still within the limit.
    await bot.send_message(person.id, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(person.id, "   ")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(person.id, "<b></b>", parse_mode=ParseMode.HTML)


async def test_markup_telegram_cannot_parse_is_refused(bot: Bot, person: SandboxPerson) -> None:
    with pytest.raises(BadRequest, match='Can\'t parse entities: unsupported start tag "div"'):
        await bot.send_message(person.id, "<div>Amina</div>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"Can't parse entities.*reserved"):
        await bot.send_message(person.id, "Meeting at 10.30", parse_mode=ParseMode.MARKDOWN_V2)
    sent = await bot.send_message(person.id, "Meeting at *10\\.30*", parse_mode=ParseMode.MARKDOWN_V2)
    assert sent.text == "Meeting at 10.30" and sent.entities[0].type == "bold"


@pytest.mark.parametrize(
    ("parse_mode", "text", "rebuilt"),
    [
        (
            ParseMode.HTML,
            '<b>Regional</b> review 😀 <i>in <u>Bangkok</u></i>, <a href="https://x.org/a?b=1">agenda</a>',
            None,
        ),
        (
            ParseMode.HTML,
            '<pre><code class="language-python">print(1 &lt; 2)</code></pre>',
            '<pre><code class="python">print(1 &lt; 2)</code></pre>',
        ),
        (
            ParseMode.MARKDOWN_V2,
            "*Regional* review 😀 _in __Bangkok___, [agenda](https://x.org/a) \\.\\!",
            None,
        ),
        (ParseMode.MARKDOWN_V2, "||hidden|| ~gone~ `code`", None),
    ],
)
async def test_formatted_text_round_trips_through_ptb(
    bot: Bot, person: SandboxPerson, parse_mode: str, text: str, rebuilt: str | None
) -> None:
    sent = await bot.send_message(person.id, text, parse_mode=parse_mode)
    # PTB rebuilds the markup from the plain text and entities (offsets in UTF-16 units, as Telegram's).
    assert (sent.text_html if parse_mode == ParseMode.HTML else sent.text_markdown_v2) == (rebuilt or text)
    assert "</" not in sent.text and "*" not in sent.text  # the person sees no markup


async def test_groups_and_their_messages(sandbox: SandboxServer, bot: Bot, person: SandboxPerson) -> None:
    group = sandbox.add_group("Asia-Pacific task team")
    message = sandbox.push_text(person.user, "/report@liaison_sandbox_bot now", chat=group)
    (update,) = await bot.get_updates()
    assert update.message is not None and update.message.chat.type == "group"
    assert update.message.chat.title == "Asia-Pacific task team"
    assert update.message.entities[0].length == len("/report@liaison_sandbox_bot")
    sent = await bot.send_message(group.id, "Noted.")
    assert sent.chat.id == group.id and sent.message_id == message.message_id + 1
    assert await bot.delete_message(group.id, message.message_id)  # the bot is an administrator there
    assert [m.content for m in group.visible_messages()] == ["Noted."]


async def test_callback_data_is_limited_to_64_bytes(bot: Bot, person: SandboxPerson) -> None:
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="é" * 33)]])  # 66 bytes
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(person.id, "Choose", reply_markup=too_long)
    just_fits = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="é" * 32)]])  # 64 bytes
    assert (await bot.send_message(person.id, "Choose", reply_markup=just_fits)).reply_markup == just_fits
    assert person.chat.bot_messages[-1].text == "Choose" and len(person.chat.bot_messages) == 1


async def test_caption_is_limited_to_1024_characters(bot: Bot, person: SandboxPerson) -> None:
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_document(person.id, document=b"x", filename="a.txt", caption="c" * 1025)
    await bot.send_document(person.id, document=b"x", filename="a.txt", caption="c" * 1024)


async def test_editing_to_identical_content_is_not_modified(bot: Bot, person: SandboxPerson) -> None:
    sent = await bot.send_message(person.id, "Pick one", reply_markup=LANGUAGES)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "Pick one", chat_id=person.id, message_id=sent.message_id, reply_markup=LANGUAGES
        )
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=person.id, message_id=sent.message_id, reply_markup=LANGUAGES
        )
    await bot.edit_message_reply_markup(chat_id=person.id, message_id=sent.message_id)
    assert person.last_message().buttons == [] and person.last_message().edits == 1
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=person.id, message_id=999)


async def test_unknown_chat_is_not_found(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(123, "anyone there?")


async def test_download_over_20_mb_is_too_big(
    sandbox: SandboxServer, bot: Bot, person: SandboxPerson
) -> None:
    message = sandbox.push_document(person.user, "big.bin", b"\0" * (20 * 1024 * 1024 + 1))
    assert message.document is not None
    with pytest.raises(BadRequest, match="File is too big"):
        await bot.get_file(message.document.file_id)
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("no-such-file")


async def test_upload_over_50_mb_is_refused(sandbox: SandboxServer, person: SandboxPerson) -> None:
    async with make_bot(sandbox, read_timeout=20) as big_bot:
        with pytest.raises(NetworkError, match="Request Entity Too Large"):
            await big_bot.send_document(
                person.id, document=b"\0" * (50 * 1024 * 1024 + 1), filename="huge.bin", write_timeout=20
            )
    assert person.chat.bot_messages == []


async def test_delete_follows_the_48_hour_rule() -> None:
    clock = ManualClock()
    async with SandboxServer(clock=clock) as server, make_bot(server) as bot:
        person = server.person("Amina")
        old = await person.send("sent long ago")
        recent_reply = await bot.send_message(person.id, "reply")
        clock.advance(timedelta(hours=48))
        with pytest.raises(BadRequest, match="Message can't be deleted for everyone"):
            await bot.delete_message(person.id, old.message_id)
        assert not old.deleted
        clock.advance(timedelta(hours=-1))  # 47 hours after sending: still allowed
        assert await bot.delete_message(person.id, recent_reply.message_id)
        assert person.chat.messages[recent_reply.message_id].deleted
        with pytest.raises(BadRequest, match="Message to delete not found"):
            await bot.delete_message(person.id, recent_reply.message_id)
        with pytest.raises(BadRequest, match="Message to delete not found"):
            await bot.delete_message(person.id, 4242)
        fresh = [await person.send(text) for text in ("a", "b")]
        assert await bot.delete_messages(person.id, [fresh[0].message_id, fresh[1].message_id, 4242])
        assert all(message.deleted for message in fresh)
        assert [message.content for message in person.messages()] == ["sent long ago"]


async def test_callback_can_be_answered_once(sandbox: SandboxServer, bot: Bot, person: SandboxPerson) -> None:
    sent = await bot.send_message(person.id, "Pick", reply_markup=LANGUAGES)
    press = sandbox.push_callback(person.user, sent.message_id, "lang:en")
    assert await bot.answer_callback_query(press.id, text="Saved")
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(press.id)


# --- injected faults, as PTB's own exceptions ---


async def test_retry_after_fault(sandbox: SandboxServer, bot: Bot, person: SandboxPerson) -> None:
    sandbox.faults.add(method="sendMessage", kind="retry_after", retry_after=7)
    with pytest.raises(RetryAfter, match="Retry in 0:00:07") as raised:
        await bot.send_message(person.id, "hello")
    assert raised.value.retry_after == timedelta(seconds=7)  # the tests opt in to PTB_TIMEDELTA
    await bot.send_message(person.id, "hello")  # used up after one call
    assert [call.ok for call in sandbox.calls_to("sendMessage")] == [False, True]
    assert [message.content for message in person.chat.bot_messages] == ["hello"]


async def test_blocked_fault_and_blocked_person(
    sandbox: SandboxServer, bot: Bot, person: SandboxPerson
) -> None:
    sandbox.faults.add(kind="blocked", chat_id=person.id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(person.id, "hello")
    await bot.send_message(person.id, "hello")
    sandbox.block(person.id)
    for _ in range(2):
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(person.id, "still there?")
    await person.send("/start")  # writing to the bot again unblocks it
    await bot.send_message(person.id, "welcome back")


async def test_chat_not_found_fault_only_hits_its_chat(
    sandbox: SandboxServer, bot: Bot, person: SandboxPerson
) -> None:
    other = sandbox.add_user("Li")
    sandbox.faults.add(kind="chat_not_found", chat_id=person.id, times=None)
    await bot.send_message(other.id, "unaffected")
    for _ in range(2):
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(person.id, "hello")


async def test_server_error_fault(sandbox: SandboxServer, bot: Bot, person: SandboxPerson) -> None:
    sandbox.faults.add(kind="server_error", times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway") as raised:
            await bot.send_message(person.id, "hello")
        assert not isinstance(raised.value, BadRequest)
    await bot.send_message(person.id, "hello")


async def test_faults_are_used_in_order(sandbox: SandboxServer, bot: Bot, person: SandboxPerson) -> None:
    sandbox.faults.add(kind="retry_after", retry_after=1)
    sandbox.faults.add(kind="server_error")
    with pytest.raises(RetryAfter):
        await bot.send_message(person.id, "one")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(person.id, "two")
    await bot.send_message(person.id, "three")
    assert len(sandbox.faults) == 0


async def test_timeout_fault_times_out_after_the_message_went_out(
    sandbox: SandboxServer, bot: Bot, person: SandboxPerson
) -> None:
    sandbox.faults.add(kind="timeout", method="sendMessage", delay=5)
    started = time.monotonic()
    with pytest.raises(TimedOut):
        await bot.send_message(person.id, "did it arrive?", read_timeout=0.3)
    assert time.monotonic() - started < 2
    assert [message.content for message in person.chat.bot_messages] == ["did it arrive?"]


async def test_drop_fault_closes_the_connection_without_sending(
    sandbox: SandboxServer, bot: Bot, person: SandboxPerson
) -> None:
    sandbox.faults.add(kind="drop", method="sendMessage")
    with pytest.raises(NetworkError) as raised:
        await bot.send_message(person.id, "lost")
    assert not isinstance(raised.value, BadRequest)
    assert person.chat.bot_messages == []
    await bot.send_message(person.id, "next one arrives")
    assert [message.content for message in person.chat.bot_messages] == ["next one arrives"]


async def test_slow_fault_delays_the_answer(sandbox: SandboxServer, bot: Bot, person: SandboxPerson) -> None:
    sandbox.faults.add(kind="slow", delay=0.2)
    started = time.monotonic()
    await bot.send_message(person.id, "eventually")
    assert time.monotonic() - started >= 0.2
