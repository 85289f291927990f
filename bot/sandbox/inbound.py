"""What people do, turned into Bot API updates: messages, button presses, files, stickers.

Each push records the person's message in the chat (so transcripts show both sides) and queues
the update for the bot's next getUpdates.
"""

import re
from typing import Any, Final

from bot.sandbox.state import (
    CallbackQueryRecord,
    ChatEvent,
    ChatEventKind,
    SandboxChat,
    SandboxMessage,
    SandboxUser,
)
from bot.sandbox.updates import UpdateQueue
from bot.sandbox.world import SandboxWorld

JSON = dict[str, Any]
ChatRef = SandboxChat | int | None

_COMMAND: Final = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,32})?")


def _utf16_length(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def command_entities(text: str) -> list[JSON]:
    """The bot_command entities Telegram marks in a person's text ("/start payload" has one)."""
    return [
        {
            "type": "bot_command",
            "offset": _utf16_length(text[: match.start()]),
            "length": _utf16_length(match.group(0)),
        }
        for match in _COMMAND.finditer(text)
    ]


class Inbound:
    """Builds updates from a person's actions and queues them for the bot."""

    def __init__(self, world: SandboxWorld, updates: UpdateQueue) -> None:
        self.world = world
        self.updates = updates

    def _chat(self, user: SandboxUser, chat: ChatRef) -> SandboxChat:
        if chat is None:
            # Writing to the bot again is how a person who blocked it unblocks it in Telegram.
            self.world.blocked.discard(user.id)
            return self.world.chats[user.id]
        return chat if isinstance(chat, SandboxChat) else self.world.chat(chat)

    def _message(self, user: SandboxUser, chat: ChatRef, **content: Any) -> SandboxMessage:
        target = self._chat(user, chat)
        message = SandboxMessage(
            chat=target,
            message_id=target.next_message_id(),
            sender=user,
            date=self.world.clock(),
            via="user",
            **content,
        )
        target.add(message)
        self.updates.push({"message": message.to_api()})
        return message

    def text(self, user: SandboxUser, text: str, *, chat: ChatRef = None) -> SandboxMessage:
        """The person sends `text`; commands carry bot_command entities so CommandHandler sees them."""
        if not text:
            raise ValueError("Telegram does not send empty messages; pass some text")
        return self._message(user, chat, text=text, entities=command_entities(text))

    def document(
        self,
        user: SandboxUser,
        filename: str,
        content: bytes,
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
        chat: ChatRef = None,
    ) -> SandboxMessage:
        """The person sends a file; its bytes are served to the bot through getFile."""
        stored = self.world.store_file(content, kind="document", filename=filename, mime_type=mime_type)
        return self._message(user, chat, document=stored, caption=caption)

    def photo(
        self, user: SandboxUser, content: bytes, *, caption: str | None = None, chat: ChatRef = None
    ) -> SandboxMessage:
        """The person sends a photo."""
        stored = self.world.store_file(content, kind="photo", filename="photo.jpg", mime_type="image/jpeg")
        return self._message(user, chat, photo=stored, caption=caption)

    def sticker(self, user: SandboxUser, *, emoji: str = "👍", chat: ChatRef = None) -> SandboxMessage:
        """The person sends a sticker."""
        stored = self.world.store_file(
            b"RIFF-sticker", kind="sticker", filename="sticker.webp", mime_type="image/webp"
        )
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._message(user, chat, sticker=sticker)

    def callback(
        self, user: SandboxUser, message_id: int, data: str, *, chat: ChatRef = None
    ) -> CallbackQueryRecord:
        """The person presses an inline button with `data` under message `message_id`."""
        target = self._chat(user, chat)
        message = target.get(message_id)
        if message is None:
            raise LookupError(
                f"no message {message_id} in chat {target.id}; a person can only press visible buttons"
            )
        record = CallbackQueryRecord(
            id=self.world.next_callback_id(),
            user=user,
            message=message,
            data=data,
            pushed_at=self.world.clock(),
        )
        self.world.callbacks[record.id] = record
        self.updates.push(
            {
                "callback_query": {
                    "id": record.id,
                    "from": user.to_api(),
                    "message": message.to_api(),
                    "chat_instance": str(abs(target.id) * 7 + 1),
                    "data": data,
                }
            }
        )
        target.record(ChatEvent(ChatEventKind.PRESSED, message, record))
        return record
