"""python-telegram-bot persistence backed by the database, sealed like every personal field.

Only dialog positions and per-person drafts (`user_data`) are kept here; what a person
decided (consent, registrations, reports) is written by the handlers straight to their
own tables before the bot answers.

Dialog steps that declare where they go are committed before their reply (`bot/state_first.py`);
whatever else an update changed is committed at its end, before the person's next update is
handled, without waiting for PTB's periodic flush (`DurableDialogs`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from typing import Any

from sqlalchemy import delete, select
from telegram.ext import Application, BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from scheduler.clock import Clock
from storage.db import Database
from storage.models import DialogState
from storage.repositories import seen_updates

LOGGER = logging.getLogger(__name__)
USER_DATA = "user_data"
CONVERSATION = "conversation"


Key = tuple[str, str, str]  # kind, name, owner


class DatabasePersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    """Stores user_data and conversation states in `dialog_states` (sealed), flushed every second.

    python-telegram-bot hands over changes one person at a time; they are gathered and written
    in one transaction per flush, and unchanged payloads are not written again, so a busy
    second costs one commit rather than one per person.
    """

    def __init__(self, db: Database, clock: Clock, update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self._db = db
        self._clock = clock
        self._pending: dict[Key, str | None] = {}
        self._written: dict[Key, str] = {}
        self._handled: set[int] = set()  # update ids whose dialog state goes with the next write
        self._writer: asyncio.Task[None] | None = None

    def _index(self, kind: str, name: str, owner: str) -> bytes:
        return self._db.keyring.blind_index("dialog", f"{kind}\x00{name}\x00{owner}")

    async def _load(self, kind: str, name: str) -> list[DialogState]:
        async with self._db.session() as session:
            rows = list(
                await session.scalars(
                    select(DialogState).where(DialogState.kind == kind, DialogState.name == name)
                )
            )
        for row in rows:
            self._written[(kind, name, row.owner)] = row.payload
        return rows

    async def _store(self, kind: str, name: str, owner: str, payload: object | None) -> None:
        key = (kind, name, owner)
        encoded = None if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        if self._written.get(key) == encoded and key not in self._pending:
            return
        self._pending[key] = encoded
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())

    def handled(self, update_id: int) -> None:
        """Record `update_id` as handled in the same transaction as the next dialog write, so a
        redelivery after a crash is dropped only when what it changed was committed."""
        self._handled.add(update_id)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())

    async def _write_pending(self) -> None:
        await asyncio.sleep(0)  # let the rest of this flush's changes arrive first
        while self._pending or self._handled:
            batch, self._pending = self._pending, {}
            handled, self._handled = self._handled, set()
            try:
                await self._write(batch, handled)
            except BaseException:
                # Keep what failed for the next flush, unless a newer value arrived meanwhile.
                self._pending = {**batch, **self._pending}
                self._handled |= handled
                raise

    async def _write(self, batch: dict[Key, str | None], handled: set[int] | None = None) -> None:
        indexes = {key: self._index(*key) for key in batch}
        now = self._clock()
        async with self._db.session() as session:
            await seen_updates.record(session, handled or set(), now=now)
            if indexes:
                await session.execute(
                    delete(DialogState).where(DialogState.owner_index.in_(list(indexes.values())))
                )
            session.add_all(
                DialogState(
                    kind=kind,
                    name=name,
                    owner_index=indexes[(kind, name, owner)],
                    owner=owner,
                    payload=encoded,
                    updated_at=now,
                )
                for (kind, name, owner), encoded in batch.items()
                if encoded is not None
            )
        for key, encoded in batch.items():
            if encoded is None:
                self._written.pop(key, None)
            else:
                self._written[key] = encoded

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
        """Erase every dialog row of one person (used by /forget), found by index, not by opening rows."""
        await self.flush()  # a write still on its way must not bring the rows back afterwards

        def theirs(key: Key) -> bool:
            kind, _name, owner = key
            found = json.loads(owner) if kind == CONVERSATION else int(owner)
            return bool(found == user_id or (isinstance(found, list) and user_id in found))

        keys = {key for cache in (self._pending, self._written) for key in cache if theirs(key)}
        for cache in (self._pending, self._written):
            for key in keys & cache.keys():
                del cache[key]
        async with self._db.session() as session:
            # Dialogs run in private chats, keyed (chat, user) or (user,); a dialog no longer in the
            # code may still have rows, so every conversation name in the table is covered.
            names = await session.scalars(
                select(DialogState.name).where(DialogState.kind == CONVERSATION).distinct()
            )
            for name in names:
                keys |= {(CONVERSATION, name, json.dumps(owner)) for owner in ([user_id, user_id], [user_id])}
            keys.add((USER_DATA, "", str(user_id)))
            await session.execute(
                delete(DialogState).where(DialogState.owner_index.in_([self._index(*key) for key in keys]))
            )

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
        """Wait until every change handed over so far is in the database."""
        while self._writer is not None and not self._writer.done():
            await self._writer


class DurableDialogs(Application):  # type: ignore[type-arg]
    """An Application that commits each update's dialog state before it handles the next.

    PTB hands conversation states and user_data to the persistence only on its periodic
    flush (every second here); a crash in between lost answered steps. After each update
    this writes what the update changed, in one transaction shared with whatever other
    updates finished meanwhile (the persistence batches them).
    """

    async def process_update(self, update: object) -> None:
        await super().process_update(update)
        if self.persistence is None:
            return
        try:
            await self.update_persistence()
            await self.persistence.flush()
        except Exception as error:  # the periodic flush tries again; the bot keeps answering
            LOGGER.error("dialog state could not be written (%s)", type(error).__name__)


__all__ = ["DatabasePersistence", "DurableDialogs"]
