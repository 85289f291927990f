"""Chat with the bot from a terminal, through the sandbox: the local demo when no bot token is set.

Lines typed are sent as the person's messages; "/upload PATH" sends a file; a bare number presses
that button of the newest keyboard; "/quit" or end of input ends the chat. The bot's messages are
printed as they arrive, edits and deletions too, with buttons numbered.
"""

import asyncio
import contextlib
import mimetypes
import sys
import threading
from pathlib import Path
from typing import TextIO

from bot.sandbox.driver import SandboxPerson
from bot.sandbox.server import SandboxServer
from bot.sandbox.state import ChatEvent, ChatEventKind, SandboxMessage, SandboxUser

# How long the bot may stay silent before the next typed line is sent; keeps piped demos in order.
_SETTLE_SECONDS = 0.3
_SETTLE_TIMEOUT = 10.0


async def run_terminal_chat(
    server: SandboxServer, user: SandboxUser, *, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> None:
    """Let a person at a terminal chat with the bot as `user` until /quit or end of input."""
    person = SandboxPerson(server, user)
    out = stdout if stdout is not None else sys.stdout
    printer = _ChatPrinter(person, out)
    lines = _read_lines(stdin if stdin is not None else sys.stdin)
    _say(
        out,
        f"Chatting with @{server.bot_user.username} as {user.first_name}. Type a message; a number presses "
        "that button; /upload PATH sends a file; /quit ends.",
    )
    follower = asyncio.create_task(printer.follow())
    try:
        while (line := await lines.get()) is not None:
            text = line.rstrip("\r\n")
            if text.strip() == "/quit":
                break
            if text.strip():
                await _act(person, text, out)
                await person.replies_until_quiet(quiet=_SETTLE_SECONDS, timeout=_SETTLE_TIMEOUT)
        await person.replies_until_quiet(quiet=_SETTLE_SECONDS, timeout=_SETTLE_TIMEOUT)
    finally:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower
        printer.print_new()


async def _act(person: SandboxPerson, text: str, out: TextIO) -> None:
    stripped = text.strip()
    if stripped.isdigit():
        labels = person.visible_buttons()
        number = int(stripped)
        if not 1 <= number <= len(labels):
            _say(out, f"(no button {number}; there are {len(labels)})")
            return
        await person.press(labels[number - 1])
    elif stripped.startswith("/upload "):
        path = Path(stripped.removeprefix("/upload ").strip())
        try:
            # A local file the person at the keyboard picked; not worth a thread to read off the loop.
            content = path.expanduser().read_bytes()  # noqa: ASYNC240
        except OSError as error:
            _say(out, f"(cannot read {path}: {error.strerror})")
            return
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        await person.upload(path.name, content, mime_type)
        _say(out, f"(you sent {path.name}, {len(content)} bytes)")
    else:
        await person.send(text)


class _ChatPrinter:
    """Prints the chat's events as they are logged, and the buttons whenever they change."""

    def __init__(self, person: SandboxPerson, out: TextIO) -> None:
        self.person = person
        self.out = out
        self._cursor = len(person.chat.log)
        self._buttons: list[str] = person.visible_buttons()

    async def follow(self) -> None:
        while True:
            changed = self.person.chat.changed()
            self.print_new()
            await changed.wait()

    def print_new(self) -> None:
        log = self.person.chat.log
        while self._cursor < len(log):
            event = log[self._cursor]
            self._cursor += 1
            line = _describe(event)
            if line:
                _say(self.out, line)
        buttons = self.person.visible_buttons()
        if buttons != self._buttons:
            self._buttons = buttons
            if buttons:
                _say(
                    self.out,
                    "  " + "  ".join(f"[{number}] {label}" for number, label in enumerate(buttons, 1)),
                )


def _describe(event: ChatEvent) -> str | None:
    message = event.message
    if event.kind is ChatEventKind.ANSWERED and event.callback is not None and event.callback.answer_text:
        return f"(popup) {event.callback.answer_text}"
    if message is None or not message.from_bot:
        return None
    if event.kind is ChatEventKind.NEW:
        return f"bot: {_render(message)}"
    if event.kind is ChatEventKind.EDITED:
        return f"bot (edited): {_render(message)}"
    if event.kind is ChatEventKind.DELETED:
        return f"(bot deleted: {_render(message)[:40]})"
    return None


def _render(message: SandboxMessage) -> str:
    parts = []
    if message.document is not None:
        parts.append(f"[file {message.document.filename or 'unnamed'}, {message.document.size} bytes]")
    if message.photo is not None:
        parts.append("[photo]")
    if message.sticker is not None:
        parts.append(f"[sticker {message.sticker.get('emoji', '')}]")
    if message.content:
        parts.append(message.content.replace("\n", "\n     "))
    return " ".join(parts)


def _say(out: TextIO, line: str) -> None:
    out.write(line + "\n")
    out.flush()


def _read_lines(stream: TextIO) -> "asyncio.Queue[str | None]":
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
