"""A dialog's next step is committed before the message that asks it leaves.

PTB learns a dialog's next state only when the step's handler returns, after it has answered, so
a crash between the answer and the commit lost the answered step: the person saw the next
question while the bot still waited for the previous one. Here the handler declares where the
dialog goes (`heading_to`) before it asks; every Bot API request made for that update first
commits the declared state and the person's drafts, and only then goes out (`StateFirstRequest`). A crash at any moment resumes at the last answered step: before the
commit the answer was not taken (the person sees no reply and answers again), after it the
question is asked again by whatever the person sends next.

Dialogs that declare nothing keep the after-update commit of `bot/persistence.DurableDialogs`.
"""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.ext import Application, ConversationHandler
from telegram.ext._handlers.conversationhandler import _CheckUpdateType
from telegram.request import HTTPXRequest, RequestData

from bot.persistence import DatabasePersistence
from storage.db import in_session

LOGGER = logging.getLogger(__name__)


@dataclass
class Position:
    """Where one update's dialog is heading, and whether that is in the database yet."""

    persistence: DatabasePersistence
    name: str
    key: tuple[int | str, ...]
    user_id: int | None
    user_data: dict[str, Any] | None
    update_id: int
    heading: object = None
    recorded: bool = False
    declared: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def commit(self) -> None:
        """Write the declared state and the person's drafts as they are now; unchanged ones cost nothing.

        Called before every request, so a choice kept only in the drafts (a toggled button) is
        safe before the message that shows it; the persistence skips what it already wrote.
        """
        if in_session():
            # A reply sent while its handler holds a database session: on SQLite that session's
            # turn is the one the commit would wait for. It is committed after the update instead.
            return
        async with self.lock:  # replies sent together wait for one commit, not one each
            try:
                if not self.recorded:
                    # With what it changed: a redelivery after a crash is then dropped (bot/app.py).
                    self.persistence.handled(self.update_id)
                    self.recorded = True
                if self.declared:
                    self.declared = False
                    state = None if self.heading == ConversationHandler.END else self.heading
                    await self.persistence.update_conversation(self.name, self.key, state)
                if self.user_id is not None:
                    await self.persistence.update_user_data(self.user_id, dict(self.user_data or {}))
                await self.persistence.flush()
            except Exception as error:  # the after-update commit tries again; the person still gets an answer
                LOGGER.error("dialog state could not be written before the reply (%s)", type(error).__name__)


# Per task, so concurrent people never see each other's position; unset outside a dialog's update.
_POSITION: ContextVar[Position | None] = ContextVar("liaison_dialog_position", default=None)


def heading_to(state: object) -> None:
    """Declare the state this update's dialog waits in next; committed before the next reply."""
    position = _POSITION.get()
    if position is not None:
        position.heading = state
        position.declared = True


async def commit_position() -> None:
    """Commit this update's dialog position now, if it runs in a dialog (requests do it themselves)."""
    position = _POSITION.get()
    if position is not None:
        await position.commit()


class DurableConversation(ConversationHandler):  # type: ignore[type-arg]
    """A persistent ConversationHandler whose steps can commit their next state before replying."""

    async def handle_update(  # type: ignore[override]
        self,
        update: Update,
        application: Application,  # type: ignore[type-arg]
        check_result: _CheckUpdateType[Any],
        context: Any,
    ) -> object | None:
        persistence = application.persistence
        if not self.persistent or not isinstance(persistence, DatabasePersistence) or self.name is None:
            return await super().handle_update(update, application, check_result, context)
        _state, key, _handler, _check = check_result
        user = update.effective_user
        position = Position(
            persistence=persistence,
            name=self.name,
            key=key,
            user_id=user.id if user else None,
            user_data=context.user_data,
            update_id=update.update_id,
        )
        token = _POSITION.set(position)
        try:
            return await super().handle_update(update, application, check_result, context)
        finally:
            _POSITION.reset(token)


class StateFirstRequest(HTTPXRequest):
    """PTB's HTTP client, which commits a declared dialog state before the request goes out."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        await commit_position()
        return await super().do_request(
            url,
            method,
            request_data=request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )


__all__ = ["DurableConversation", "StateFirstRequest", "commit_position", "heading_to"]
