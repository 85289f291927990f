"""Plays a person in a sandbox chat: sends, presses buttons, uploads, and reads the bot's replies.

Tests read like the person's experience:

    person = sandbox.person("Amina", language_code="ar")
    await person.send("/start")
    await person.press("العربية")
    reply = await person.next_reply()

Each person has a read cursor over the bot's messages in their chat: `next_reply` returns the next
message not yet read, whatever was sent in between. Waiting uses the chat's change events, not
sleeps, so a test goes as fast as the bot answers.
"""

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from bot.bidi import strip_isolates
from bot.sandbox.state import JSON, CallbackQueryRecord, SandboxChat, SandboxMessage, SandboxUser

if TYPE_CHECKING:
    from bot.sandbox.server import SandboxServer

# The smallest JPEG header a photo needs to look like one; content is irrelevant to the bot.
PLACEHOLDER_JPEG: Final = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
_TRANSCRIPT_TAIL: Final = 6


class SandboxPerson:
    """One person talking to the bot in `chat` (their private chat unless another is given)."""

    def __init__(
        self, server: "SandboxServer", user: SandboxUser, *, chat: SandboxChat | None = None
    ) -> None:
        self.server = server
        self.user = user
        self.chat = chat if chat is not None else server.chat(user.id)
        self.last_press: CallbackQueryRecord | None = None
        self._cursor = len(self.chat.bot_messages)

    def __repr__(self) -> str:
        return f"SandboxPerson({self.user.first_name!r}, chat={self.chat.id})"

    @property
    def id(self) -> int:
        """The person's Telegram user id."""
        return self.user.id

    @property
    def _chat_ref(self) -> SandboxChat | None:
        return None if self.chat.id == self.user.id else self.chat

    # --- acting ---

    async def send(self, text: str) -> SandboxMessage:
        """Type and send `text` ("/start ev_ABC" arrives as a command with arguments)."""
        message = self.server.push_text(self.user, text, chat=self._chat_ref)
        await asyncio.sleep(0)  # let the bot's waiting long poll see it before the test goes on
        return message

    async def press(self, label: str) -> None:
        """Press the button labelled `label`: an inline button of the newest bot message that has
        some, else a reply-keyboard button (which sends its label as text). An exact label wins;
        otherwise `label` must be part of exactly one label. The press is kept in `last_press`."""
        keyboard_message = self.chat.newest_inline_keyboard()
        inline = (
            [button for row in keyboard_message.inline_keyboard for button in row] if keyboard_message else []
        )
        reply_labels = self.chat.reply_keyboard_labels
        choice = _choose(label, [str(button.get("text", "")) for button in inline] + reply_labels)
        if choice is None:
            raise AssertionError(
                f"{self.user.first_name} sees no button {label!r}; "
                f"visible buttons: {self.visible_buttons()!r}\n{self.transcript()}"
            )
        if choice < len(inline):
            assert keyboard_message is not None
            await self._press_inline(keyboard_message, inline[choice])
            return
        if self.chat.reply_keyboard is not None and self.chat.reply_keyboard.get("one_time_keyboard"):
            self.chat.reply_keyboard = None  # Telegram hides a one-time keyboard once used
        await self.send(reply_labels[choice - len(inline)])

    async def _press_inline(self, message: SandboxMessage, button: JSON) -> None:
        if "callback_data" not in button:
            raise AssertionError(f"button {button.get('text')!r} does not send a callback; it is {button!r}")
        self.last_press = self.server.push_callback(
            self.user, message.message_id, str(button["callback_data"]), chat=self._chat_ref
        )
        await asyncio.sleep(0)

    async def upload(
        self,
        filename: str,
        content: bytes,
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
    ) -> SandboxMessage:
        """Send a file."""
        message = self.server.push_document(
            self.user, filename, content, mime_type, caption=caption, chat=self._chat_ref
        )
        await asyncio.sleep(0)
        return message

    async def send_photo(
        self, content: bytes = PLACEHOLDER_JPEG, *, caption: str | None = None
    ) -> SandboxMessage:
        """Send a photo."""
        message = self.server.push_photo(self.user, content, caption=caption, chat=self._chat_ref)
        await asyncio.sleep(0)
        return message

    async def send_sticker(self, emoji: str = "👍") -> SandboxMessage:
        """Send a sticker."""
        message = self.server.push_sticker(self.user, emoji=emoji, chat=self._chat_ref)
        await asyncio.sleep(0)
        return message

    # --- reading ---

    async def next_reply(self, timeout: float = 5.0) -> SandboxMessage:
        """The next message from the bot in this chat not yet read by this person (in its current
        state), waiting up to `timeout` seconds for it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._cursor < len(self.chat.bot_messages):
                message = self.chat.bot_messages[self._cursor]
                self._cursor += 1
                return message
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"{self.user.first_name} waited {timeout:g} s for a reply from the bot; none came.\n"
                    f"{self.transcript()}"
                )
            await _wait(self.chat.changed(), remaining)

    async def replies_until_quiet(self, quiet: float = 0.15, timeout: float = 5.0) -> list[SandboxMessage]:
        """Every bot message not yet read, once the bot has fetched all updates and the chat has
        been still for `quiet` seconds (or `timeout` passed)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        seen = len(self.chat.log)
        still_until = loop.time() + quiet
        while True:
            now = loop.time()
            if len(self.chat.log) != seen or self.server.updates.undelivered:
                seen = len(self.chat.log)
                still_until = now + quiet
            wake_at = min(still_until, deadline)
            if now >= wake_at:
                break
            await _wait(self.chat.changed(), wake_at - now)
        replies = self.chat.bot_messages[self._cursor :]
        self._cursor = len(self.chat.bot_messages)
        return replies

    async def wait_until(
        self,
        condition: Callable[[], bool],
        timeout: float = 5.0,
        what: str = "a condition",
    ) -> None:
        """Wait until `condition()` holds, re-checking whenever this chat changes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"waited {timeout:g} s for {what}; it did not happen.\n{self.transcript()}"
                )
            await _wait(self.chat.changed(), remaining)

    async def callback_answer(self, timeout: float = 5.0) -> CallbackQueryRecord:
        """The last button press, once the bot answered it (answer_text, show_alert, url)."""
        press = self.last_press
        if press is None:
            raise AssertionError(f"{self.user.first_name} has not pressed an inline button yet")
        await self.wait_until(lambda: press.answered, timeout, f"an answer to the press of {press.data!r}")
        return press

    def last_message(self) -> SandboxMessage:
        """The newest bot message still in the chat, as it looks now (edits applied)."""
        for message in reversed(self.chat.bot_messages):
            if not message.deleted:
                return message
        raise AssertionError(f"the bot has sent {self.user.first_name} nothing that is still visible")

    def visible_buttons(self) -> list[str]:
        """Labels of the newest inline keyboard, then of the reply keyboard under the input field."""
        keyboard_message = self.chat.newest_inline_keyboard()
        inline = keyboard_message.buttons if keyboard_message else []
        return inline + self.chat.reply_keyboard_labels

    def messages(self) -> list[SandboxMessage]:
        """Every message still in the chat, from both sides, oldest first."""
        return self.chat.visible_messages()

    def transcript(self, last: int = _TRANSCRIPT_TAIL) -> str:
        """The last few messages of the chat as text, for failure messages."""
        lines = [_describe(message) for message in list(self.chat.messages.values())[-last:]]
        return "last messages:\n" + ("\n".join(lines) if lines else "  (none)")


def _choose(wanted: str, given: list[str]) -> int | None:
    """Index of the exact label, else of the only label containing `wanted`, as a person reads them:
    without the invisible bidi isolates that right-to-left labels carry."""
    labels = [strip_isolates(label) for label in given]
    wanted = strip_isolates(wanted)
    if wanted in labels:
        return labels.index(wanted)
    partial = [index for index, label in enumerate(labels) if wanted in label]
    if len(partial) > 1:
        raise AssertionError(
            f"{wanted!r} is part of several buttons: {[labels[index] for index in partial]!r}"
        )
    return partial[0] if partial else None


def _describe(message: SandboxMessage) -> str:
    who = "bot" if message.from_bot else message.sender.first_name
    notes = [note for note, present in (("edited", message.edits), ("deleted", message.deleted)) if present]
    attachment = ""
    if message.document is not None:
        attachment = f"[file {message.document.filename}] "
    elif message.photo is not None:
        attachment = "[photo] "
    elif message.sticker is not None:
        attachment = "[sticker] "
    buttons = f" {message.buttons}" if message.buttons else ""
    suffix = f" ({', '.join(notes)})" if notes else ""
    return f"  {who}: {attachment}{message.content!r}{buttons}{suffix}"


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)
