"""What the sandbox remembers: people, chats with their messages as the person sees them, and files.

These are plain objects the Bot API methods change and the test driver reads. Each object also knows
its Bot API JSON shape (`to_api`), so python-telegram-bot can build its own objects from it.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

JSON = dict[str, Any]


@dataclass(eq=False, slots=True)
class SandboxUser:
    """A Telegram account: a person the driver plays, or the bot itself (`is_bot`)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_api(self) -> JSON:
        """The Bot API `User` object."""
        user: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file held in memory: uploaded by a person or by the bot, served by getFile and file download."""

    file_id: str
    file_unique_id: str
    content: bytes = field(repr=False)
    file_path: str
    filename: str | None = None
    mime_type: str | None = None

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.content)

    def to_api_document(self) -> JSON:
        """The Bot API `Document` object."""
        document: JSON = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.filename:
            document["file_name"] = self.filename
        if self.mime_type:
            document["mime_type"] = self.mime_type
        return document

    def to_api_photo(self) -> list[JSON]:
        """The Bot API `PhotoSize` list; the sandbox keeps one size, the original."""
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": self.size,
                "width": 1280,
                "height": 960,
            }
        ]


@dataclass(eq=False, slots=True)
class SandboxMessage:
    """One message in a chat, in its current state: edits applied, deletion marked.

    `sender` is the bot for messages the bot sent and the person for messages the driver pushed.
    `via` names the Bot API method that created it ("user" for messages from the person).
    """

    chat: "SandboxChat" = field(repr=False)
    message_id: int
    sender: SandboxUser = field(repr=False)
    date: datetime = field(repr=False)
    via: str
    text: str | None = None
    entities: list[JSON] = field(default_factory=list, repr=False)
    caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list, repr=False)
    reply_markup: JSON | None = field(default=None, repr=False)
    document: StoredFile | None = None
    photo: StoredFile | None = None
    sticker: JSON | None = field(default=None, repr=False)
    protect_content: bool = False
    reply_to: "SandboxMessage | None" = field(default=None, repr=False)
    edit_date: datetime | None = field(default=None, repr=False)
    edits: int = 0
    deleted: bool = False
    _api: JSON | None = field(default=None, repr=False)

    @property
    def from_bot(self) -> bool:
        """Whether the bot sent this message."""
        return self.sender.is_bot

    @property
    def content(self) -> str:
        """What the person reads: the text, else the caption, else an empty string."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def inline_keyboard(self) -> list[list[JSON]]:
        """The rows of inline buttons attached to this message (empty when there are none)."""
        if self.reply_markup is None:
            return []
        rows: list[list[JSON]] = self.reply_markup.get("inline_keyboard", [])
        return rows

    @property
    def buttons(self) -> list[str]:
        """The labels of this message's inline buttons, row by row."""
        return [str(button.get("text", "")) for row in self.inline_keyboard for button in row]

    def set_content(self, **changes: Any) -> None:
        """Apply an edit and forget the cached JSON."""
        for name, value in changes.items():
            setattr(self, name, value)
        self._api = None

    def to_api(self, *, with_reply: bool = True) -> JSON:
        """The Bot API `Message` object (cached until the message changes)."""
        if self._api is not None and with_reply:
            return self._api
        message: JSON = {
            "message_id": self.message_id,
            "from": self.sender.to_api(),
            "chat": self.chat.to_api(),
            "date": int(self.date.timestamp()),
        }
        if self.text is not None:
            message["text"] = self.text
            if self.entities:
                message["entities"] = self.entities
        if self.caption is not None:
            message["caption"] = self.caption
            if self.caption_entities:
                message["caption_entities"] = self.caption_entities
        if self.document is not None:
            message["document"] = self.document.to_api_document()
        if self.photo is not None:
            message["photo"] = self.photo.to_api_photo()
        if self.sticker is not None:
            message["sticker"] = self.sticker
        if self.reply_markup is not None:
            message["reply_markup"] = self.reply_markup
        if self.protect_content:
            message["has_protected_content"] = True
        if self.edit_date is not None:
            message["edit_date"] = int(self.edit_date.timestamp())
        if with_reply and self.reply_to is not None:
            message["reply_to_message"] = self.reply_to.to_api(with_reply=False)
        if with_reply:
            self._api = message
        return message


class ChatEventKind(StrEnum):
    """What happened in a chat, for readers that follow a chat as it changes (driver, terminal)."""

    NEW = "new"
    PRESSED = "pressed"
    EDITED = "edited"
    DELETED = "deleted"
    ANSWERED = "answered"


@dataclass(frozen=True, slots=True)
class ChatEvent:
    """A chat history entry: a message appeared, changed or went; a button was pressed or answered."""

    kind: ChatEventKind
    message: SandboxMessage | None = None
    callback: "CallbackQueryRecord | None" = None


@dataclass(eq=False, slots=True)
class CallbackQueryRecord:
    """A button press pushed to the bot, and the bot's answer to it once it came."""

    id: str
    user: SandboxUser
    message: SandboxMessage
    data: str
    pushed_at: datetime
    answered: bool = False
    answer_text: str | None = None
    show_alert: bool = False
    url: str | None = None


class SandboxChat:
    """A chat: a private chat with one person (id == the person's id) or a group.

    Keeps every message by id in the order they appeared, the bot's messages in a list of their own
    (for per-reader cursors), an append-only event log, and the reply keyboard the person sees.
    """

    def __init__(
        self,
        chat_id: int,
        chat_type: str,
        *,
        user: SandboxUser | None = None,
        title: str | None = None,
        username: str | None = None,
        bot_is_admin: bool = True,
    ) -> None:
        self.id = chat_id
        self.type = chat_type
        self.user = user
        self.title = title
        self.username = username
        self.bot_is_admin = bot_is_admin
        self.messages: dict[int, SandboxMessage] = {}
        self.bot_messages: list[SandboxMessage] = []
        self.log: list[ChatEvent] = []
        self.reply_keyboard: JSON | None = None
        self.menu_button: JSON | None = None
        self._last_message_id = 0
        self._change: asyncio.Event | None = None
        self._api = self._build_api()

    def __repr__(self) -> str:
        return f"SandboxChat(id={self.id}, type={self.type!r}, messages={len(self.messages)})"

    def _build_api(self) -> JSON:
        chat: JSON = {"id": self.id, "type": self.type}
        if self.user is not None:
            chat.update(
                (key, value)
                for key, value in self.user.to_api().items()
                if key in ("first_name", "last_name", "username")
            )
        if self.title is not None:
            chat["title"] = self.title
        if self.username is not None:
            chat["username"] = self.username
        return chat

    def to_api(self) -> JSON:
        """The Bot API `Chat` object."""
        return self._api

    def next_message_id(self) -> int:
        """Message ids increase per chat, shared by the person's and the bot's messages, as in Telegram."""
        self._last_message_id += 1
        return self._last_message_id

    def add(self, message: SandboxMessage) -> None:
        """Append a new message and tell readers."""
        self.messages[message.message_id] = message
        if message.from_bot:
            self.bot_messages.append(message)
        self.record(ChatEvent(ChatEventKind.NEW, message))

    def get(self, message_id: int) -> SandboxMessage | None:
        """The message with this id if it exists and was not deleted."""
        message = self.messages.get(message_id)
        return None if message is None or message.deleted else message

    def record(self, event: ChatEvent) -> None:
        """Log an event and wake whoever waits for this chat to change."""
        self.log.append(event)
        change = self._change
        if change is not None:
            # Waiters hold the old event; a fresh one is made only when someone waits again.
            self._change = None
            change.set()

    def changed(self) -> asyncio.Event:
        """An event set at the next change of this chat; take it before checking, then wait on it."""
        if self._change is None:
            self._change = asyncio.Event()
        return self._change

    def visible_messages(self) -> list[SandboxMessage]:
        """The messages not deleted, oldest first."""
        return [message for message in self.messages.values() if not message.deleted]

    def newest_inline_keyboard(self) -> SandboxMessage | None:
        """The newest bot message still showing inline buttons."""
        for message in reversed(self.bot_messages):
            if not message.deleted and message.inline_keyboard:
                return message
        return None

    @property
    def reply_keyboard_labels(self) -> list[str]:
        """The labels of the reply keyboard under the input field (empty when none is shown)."""
        if self.reply_keyboard is None:
            return []
        rows: list[list[Any]] = self.reply_keyboard.get("keyboard", [])
        return [
            button if isinstance(button, str) else str(button.get("text", ""))
            for row in rows
            for button in row
        ]
