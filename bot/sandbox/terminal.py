"""Chat with the bot from a terminal, through the sandbox: the local demo when no bot token is set.

What is typed is sent as the current person's message; a line ending in a backslash continues on
the next line (one multi-line message). Terminal commands, never sent to the bot:

    #N              press button N of the newest keyboard (a bare number is text: a code, "50")
    /as NAME [LANG] become NAME (created on first use, with app language LANG: en ar zh fr ru es)
    /whoami         who you are, with your Telegram id (for `liaison staff add`), and who else is here
    /upload PATH    send a file
    /clock +7d      move the sandbox clock forward (+30m, +6h, +7d, +2w); reminders and digests follow
    /quit           end (so does the end of input)

The bot's messages to every chat are printed as they arrive, edits and deletions too, with the
current person's buttons numbered; files the bot sends are saved and their path printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import re
import sys
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.sandbox.driver import SandboxPerson
from bot.sandbox.roster import Roster
from bot.sandbox.server import SandboxServer
from bot.sandbox.state import ChatEvent, ChatEventKind, SandboxChat, SandboxMessage, SandboxUser
from bot.sandbox.time_travel import ShiftError, parse_shift

# How long the bot may stay silent before the next typed line is sent; keeps piped demos in order.
_SETTLE_SECONDS = 0.3
_SETTLE_TIMEOUT = 10.0
# New chats (a person added with /as) are noticed at least this often.
_RESCAN_SECONDS = 0.5
LANGUAGE_CODES = ("en", "ar", "zh", "fr", "ru", "es")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

INTRO = (
    "Type a message (end a line with \\ to go on to the next). #N presses button N; /as NAME [LANG] "
    "switches person; /whoami shows your id; /upload PATH sends a file; /clock +7d moves time; /quit ends."
)


@dataclass
class TerminalOptions:
    """What the full sandbox adds to a bare chat: remembered people, saved files, a movable clock."""

    roster: Roster | None = None
    files_dir: Path | None = None
    move_clock: Callable[[timedelta], Awaitable[datetime]] | None = None


async def run_terminal_chat(
    server: SandboxServer,
    user: SandboxUser,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    lines: asyncio.Queue[str | None] | None = None,
    options: TerminalOptions | None = None,
) -> None:
    """Let a person at a terminal chat with the bot as `user` until /quit or end of input."""
    out = stdout if stdout is not None else sys.stdout
    chat = TerminalChat(server, user, out, options or TerminalOptions())
    queue = lines if lines is not None else read_lines(stdin if stdin is not None else sys.stdin)
    say(out, f"Chatting with @{server.bot_user.username} as {user.first_name}. {INTRO}")
    follower = asyncio.create_task(chat.printer.follow())
    try:
        pending: list[str] = []
        while (line := await queue.get()) is not None:
            text = line.rstrip("\r\n")
            if text.endswith("\\"):
                pending.append(text[:-1])
                continue
            if pending:
                text, pending = "\n".join([*pending, text]), []
            if text.strip() == "/quit":
                break
            if text.strip():
                await chat.act(text)
                await chat.person.replies_until_quiet(quiet=_SETTLE_SECONDS, timeout=_SETTLE_TIMEOUT)
        await chat.person.replies_until_quiet(quiet=_SETTLE_SECONDS, timeout=_SETTLE_TIMEOUT)
    finally:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower
        chat.printer.print_new()


class TerminalChat:
    """The person at the keyboard: who they play now, and what each typed line does."""

    def __init__(
        self, server: SandboxServer, user: SandboxUser, out: TextIO, options: TerminalOptions
    ) -> None:
        self.server = server
        self.out = out
        self.options = options
        self.roster = options.roster if options.roster is not None else Roster(None)
        if self.roster.find(user.first_name) is None:
            self.roster.remember(user.first_name, user.id, user.language_code)
        self.person = SandboxPerson(server, user)
        self.printer = _Printer(server, out, self.person, options.files_dir)

    async def act(self, text: str) -> None:
        stripped = text.strip()
        command, _, rest = stripped.partition(" ")
        if re.fullmatch(r"#\d+", stripped):
            await self._press(int(stripped[1:]))
        elif command == "/as":
            self._become(rest.strip())
        elif command == "/whoami":
            self._whoami()
        elif command == "/clock":
            await self._move_clock(rest)
        elif command == "/upload":
            await self._upload(rest.strip())
        else:
            await self.person.send(text)

    async def _press(self, number: int) -> None:
        labels = self.person.visible_buttons()
        if not 1 <= number <= len(labels):
            say(self.out, f"(no button #{number}; there are {len(labels)})")
            return
        await self.person.press(labels[number - 1])

    def _become(self, words: str) -> None:
        parts = words.split()
        language = parts[-1] if len(parts) > 1 and parts[-1] in LANGUAGE_CODES else None
        name = " ".join(parts[:-1] if language else parts)
        if not name:
            say(
                self.out, f"(say who: /as NAME, or /as NAME LANG with LANG one of {' '.join(LANGUAGE_CODES)})"
            )
            return
        entry = self.roster.find(name)
        if entry is None:
            entry = self.roster.add(name, language)
        user = self.server.world.users.get(entry.user_id)
        if user is None:
            user = self.server.add_user(entry.name, language_code=entry.language, user_id=entry.user_id)
        elif language and language != user.language_code:
            say(
                self.out, f"({entry.name} already exists with language {user.language_code or 'unset'}; kept)"
            )
        self.printer.print_new()
        say(self.out, f"(you are now {user.first_name}, Telegram id {user.id})")
        self.person = SandboxPerson(self.server, user)
        self.printer.switch_to(self.person)

    def _whoami(self) -> None:
        user = self.person.user
        others = [entry.name for entry in self.roster.people if entry.user_id != user.id]
        say(
            self.out,
            f"(you are {user.first_name}, Telegram id {user.id}, app language {user.language_code or 'unset'}"
            + (f"; others here: {', '.join(others)})" if others else ")"),
        )

    async def _move_clock(self, text: str) -> None:
        if self.options.move_clock is None:
            say(self.out, "(/clock works only in the sandbox that `liaison run` starts)")
            return
        try:
            delta = parse_shift(text)
        except ShiftError as error:
            say(self.out, f"({error})")
            return
        now = await self.options.move_clock(delta)
        say(self.out, f"(the sandbox clock is now {now:%Y-%m-%d %H:%M} UTC)")

    async def _upload(self, text: str) -> None:
        path = Path(text)
        try:
            # A local file the person at the keyboard picked; not worth a thread to read off the loop.
            content = path.expanduser().read_bytes()  # noqa: ASYNC240
        except OSError as error:
            say(self.out, f"(cannot read {path}: {error.strerror})")
            return
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        await self.person.upload(path.name, content, mime_type)
        say(self.out, f"(you sent {path.name}, {len(content)} bytes)")


class _Printer:
    """Prints every chat's events as they are logged, and the current person's buttons when they change."""

    def __init__(
        self, server: SandboxServer, out: TextIO, person: SandboxPerson, files_dir: Path | None
    ) -> None:
        self.server = server
        self.out = out
        self.files_dir = files_dir
        # What happened before the terminal opened was shown in an earlier session; start after it.
        self._cursors = {chat.id: len(chat.log) for chat in server.world.chats.values()}
        self.person = person
        self._buttons = _keyboard(person)

    def switch_to(self, person: SandboxPerson) -> None:
        self.print_new()
        self.person = person
        self._buttons = (None, [])
        self.print_new()

    async def follow(self) -> None:
        while True:
            waits = [chat.changed() for chat in list(self.server.world.chats.values())]
            self.print_new()
            tasks = [asyncio.ensure_future(event.wait()) for event in waits]
            try:
                await asyncio.wait(tasks, timeout=_RESCAN_SECONDS, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()

    def print_new(self) -> None:
        for chat in list(self.server.world.chats.values()):
            cursor = self._cursors.get(chat.id, 0)
            while cursor < len(chat.log):
                event = chat.log[cursor]
                cursor += 1
                line = self._describe(chat, event)
                if line:
                    say(self.out, line)
            self._cursors[chat.id] = cursor
        keyboard = _keyboard(self.person)
        if keyboard != self._buttons:
            self._buttons = keyboard
            buttons = keyboard[1]
            if buttons:
                say(
                    self.out,
                    "  " + "  ".join(f"[#{number}] {label}" for number, label in enumerate(buttons, 1)),
                )

    def _describe(self, chat: SandboxChat, event: ChatEvent) -> str | None:
        message = event.message
        mine = chat.id == self.person.chat.id
        if event.kind is ChatEventKind.ANSWERED and event.callback is not None and event.callback.answer_text:
            return f"(popup) {event.callback.answer_text}" if mine else None
        if message is None or not message.from_bot:
            return None
        who = "bot" if mine else f"bot → {_chat_name(chat)}"
        if event.kind is ChatEventKind.NEW:
            return f"{who}: {_render(message)}{self._save(chat, message)}"
        if event.kind is ChatEventKind.EDITED:
            return f"{who} (edited): {_render(message)}"
        if event.kind is ChatEventKind.DELETED:
            return f"({who} deleted: {_render(message)[:40]})"
        return None

    def _save(self, chat: SandboxChat, message: SandboxMessage) -> str:
        """Keep a file the bot sent where the person can open it; say where."""
        stored = message.document or message.photo
        if stored is None or self.files_dir is None:
            return ""
        name = _UNSAFE.sub("_", stored.filename or stored.file_path.rsplit("/", 1)[-1])
        target = self.files_dir / f"{chat.id}-{message.message_id}-{name}"
        try:
            self.files_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            target.write_bytes(stored.content)
        except OSError as error:
            return f" (could not save it: {error.strerror})"
        return f"\n     (saved to {target})"


def _keyboard(person: SandboxPerson) -> tuple[int | None, list[str]]:
    """Which message's buttons the person sees, and their labels: a new question with the same
    buttons as the last one is shown again, so the numbers on screen are always the current ones."""
    message = person.chat.newest_inline_keyboard()
    return (message.message_id if message else None, person.visible_buttons())


def _chat_name(chat: SandboxChat) -> str:
    if chat.user is not None:
        return chat.user.first_name
    return f"[{chat.title or chat.id}]"


def _render(message: SandboxMessage) -> str:
    parts = []
    if message.document is not None:
        parts.append(f"[file {message.document.filename or 'unnamed'}, {message.document.size} bytes]")
    if message.photo is not None:
        parts.append(f"[photo, {message.photo.size} bytes]")
    if message.sticker is not None:
        parts.append(f"[sticker {message.sticker.get('emoji', '')}]")
    if message.content:
        parts.append(message.content.replace("\n", "\n     "))
    return " ".join(parts)


def say(out: TextIO, line: str) -> None:
    out.write(line + "\n")
    out.flush()


def read_lines(stream: TextIO) -> asyncio.Queue[str | None]:
    """Lines from `stream`, read in a daemon thread so the event loop never blocks on input; None at end."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def hand_over(line: str | None) -> None:
        # The loop may be gone when a line arrives after the chat ended; nothing waits for it then.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(queue.put_nowait, line)

    def read() -> None:
        for line in iter(stream.readline, ""):
            hand_over(line)
        hand_over(None)

    threading.Thread(target=read, name="sandbox-terminal-input", daemon=True).start()
    return queue
