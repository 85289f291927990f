"""The sandbox's registry: the bot, the people, the chats, the files and the button presses.

One `SandboxWorld` per server; the Bot API methods and the update builders both work on it.
"""

from dataclasses import dataclass, field
from itertools import count
from typing import Any

from bot.sandbox.clock import Clock
from bot.sandbox.errors import ApiError, bot_blocked, chat_not_found
from bot.sandbox.state import CallbackQueryRecord, SandboxChat, SandboxUser, StoredFile

# Ids in the ranges real Telegram uses today, so code that assumes 64-bit ids is exercised.
BOT_ID = 7_000_000_001
FIRST_USER_ID = 6_100_000_001
FIRST_GROUP_ID = -4_100_000_001
FIRST_SUPERGROUP_ID = -1_002_100_000_001


@dataclass(slots=True)
class WebhookRecord:
    """What the bot last passed to setWebhook."""

    url: str
    secret_token: str | None = None
    max_connections: int | None = None
    allowed_updates: list[str] | None = None
    params: dict[str, Any] = field(default_factory=dict)


class SandboxWorld:
    """Everything the fake Telegram knows, with lookups that fail the way Telegram fails."""

    def __init__(self, clock: Clock, bot_username: str) -> None:
        self.clock = clock
        self.bot = SandboxUser(id=BOT_ID, first_name="Liaison Sandbox", username=bot_username, is_bot=True)
        self.users: dict[int, SandboxUser] = {}
        self.chats: dict[int, SandboxChat] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackQueryRecord] = {}
        self.blocked: set[int] = set()
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.default_menu_button: dict[str, Any] | None = None
        self.webhook: WebhookRecord | None = None
        self.profile: dict[tuple[str, str], Any] = {}
        self._user_ids = count(FIRST_USER_ID)
        self._group_ids = count(FIRST_GROUP_ID, -1)
        self._supergroup_ids = count(FIRST_SUPERGROUP_ID, -1)
        self._file_numbers = count(1)
        self._callback_numbers = count(1)

    def add_user(
        self,
        first_name: str,
        *,
        language_code: str | None = None,
        user_id: int | None = None,
        username: str | None = None,
        last_name: str | None = None,
    ) -> SandboxUser:
        """Create a person and their private chat with the bot (chat id == user id)."""
        uid = user_id if user_id is not None else next(self._user_ids)
        if uid in self.users or uid in self.chats:
            raise ValueError(f"user id {uid} is already taken in this sandbox; pass another user_id or none")
        user = SandboxUser(
            id=uid, first_name=first_name, last_name=last_name, username=username, language_code=language_code
        )
        self.users[uid] = user
        self.chats[uid] = SandboxChat(uid, "private", user=user)
        return user

    def add_group(self, title: str, *, supergroup: bool = False, username: str | None = None) -> SandboxChat:
        """Create a group chat the bot is a member (and administrator) of."""
        chat_id = next(self._supergroup_ids) if supergroup else next(self._group_ids)
        chat = SandboxChat(chat_id, "supergroup" if supergroup else "group", title=title, username=username)
        self.chats[chat_id] = chat
        return chat

    def chat(self, chat_id: Any) -> SandboxChat:
        """The chat a Bot API `chat_id` names (an id or "@username"), or Telegram's "chat not found"."""
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)  # clients sending JSON may quote ids
        if isinstance(chat_id, int):
            found = self.chats.get(chat_id)
        elif isinstance(chat_id, str) and chat_id.startswith("@"):
            found = next((chat for chat in self.chats.values() if chat.username == chat_id[1:]), None)
        else:
            found = None
        if found is None:
            raise chat_not_found()
        return found

    def reachable_chat(self, chat_id: Any) -> SandboxChat:
        """Like `chat`, but a person who blocked the bot answers "Forbidden", as in Telegram."""
        chat = self.chat(chat_id)
        if chat.id in self.blocked:
            raise bot_blocked()
        return chat

    def store_file(
        self, content: bytes, *, kind: str, filename: str | None, mime_type: str | None
    ) -> StoredFile:
        """Keep a file in memory and give it Telegram-looking ids and a download path."""
        number = next(self._file_numbers)
        extension = filename.rsplit(".", 1)[-1] if filename and "." in filename else "bin"
        stored = StoredFile(
            file_id=f"SBX{kind[:3].upper()}{number:08d}",
            file_unique_id=f"U{number:08d}",
            content=content,
            file_path=f"{kind}s/file_{number}.{extension}",
            filename=filename,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def stored_file(self, file_id: str) -> StoredFile:
        """A file by its file_id, or Telegram's answer for an unknown one."""
        stored = self.files.get(file_id)
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return stored

    def next_callback_id(self) -> str:
        """A fresh callback query id (Telegram's are long decimal strings)."""
        return f"{4_000_000_000_000_000_000 + next(self._callback_numbers)}"
