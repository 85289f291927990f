"""python-telegram-bot persistence backed by the database, sealed like every personal field.

Only dialog positions and per-person drafts (`user_data`) are kept here; what a person
decided (consent, registrations, reports) is written by the handlers straight to their
own tables before the bot answers.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from scheduler.clock import Clock
from storage.db import Database
from storage.models import DialogState

USER_DATA = "user_data"
CONVERSATION = "conversation"


class DatabasePersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    """Stores user_data and conversation states in `dialog_states` (sealed), flushed every second."""

    def __init__(self, db: Database, clock: Clock, update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self._db = db
        self._clock = clock

    def _index(self, kind: str, name: str, owner: str) -> bytes:
        return self._db.keyring.blind_index("dialog", f"{kind}\x00{name}\x00{owner}")

    async def _load(self, kind: str, name: str) -> list[DialogState]:
        async with self._db.session() as session:
            rows = await session.scalars(
                select(DialogState).where(DialogState.kind == kind, DialogState.name == name)
            )
            return list(rows)

    async def _store(self, kind: str, name: str, owner: str, payload: object | None) -> None:
        index = self._index(kind, name, owner)
        async with self._db.session() as session:
            row = await session.scalar(
                select(DialogState).where(
                    DialogState.kind == kind, DialogState.name == name, DialogState.owner_index == index
                )
            )
            if payload is None:
                if row is not None:
                    await session.delete(row)
                return
            encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            if row is None:
                session.add(
                    DialogState(
                        kind=kind,
                        name=name,
                        owner_index=index,
                        owner=owner,
                        payload=encoded,
                        updated_at=self._clock(),
                    )
                )
            elif row.payload != encoded:
                row.payload = encoded
                row.updated_at = self._clock()

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = defaultdict(dict)
        for row in await self._load(USER_DATA, ""):
            found[int(row.owner)] = json.loads(row.payload)
        return found

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        await self._store(USER_DATA, "", str(user_id), data or None)

    async def drop_user_data(self, user_id: int) -> None:
        await self._store(USER_DATA, "", str(user_id), None)

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        return {
            tuple(json.loads(row.owner)): json.loads(row.payload)
            for row in await self._load(CONVERSATION, name)
        }

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        await self._store(CONVERSATION, name, json.dumps(list(key)), new_state)

    async def forget_person(self, user_id: int) -> None:
        """Erase every dialog row of one person (used by /forget)."""
        async with self._db.session() as session:
            rows = await session.scalars(select(DialogState))
            for row in rows:
                owner = json.loads(row.owner) if row.kind == CONVERSATION else int(row.owner)
                if owner == user_id or (isinstance(owner, list) and user_id in owner):
                    await session.delete(row)

    # Chat data, bot data and callback data are not persisted (store_data says so).
    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return {}

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        return None

    async def get_bot_data(self) -> dict[str, Any]:
        return {}

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        return None

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def flush(self) -> None:
        return None


__all__ = ["DatabasePersistence"]
