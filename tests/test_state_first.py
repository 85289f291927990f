"""A dialog's next step is in the database before the message asking it reaches Telegram.

The sandbox holds the bot's next message (a slow Bot API answer) while the test reads the
database: the dialog row already names the step that message asks, and the answer recorded in
the draft is there too. Before this, the state was committed only after the handler returned,
so it changed after the message arrived.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update

from bot.sandbox.driver import SandboxPerson
from storage.db import Database
from storage.models import DialogState
from tests.bot_fixtures import RunningBot
from tests.test_events import PersonFactory, make_event, make_person, say
from tests.waiting import eventually

HOLD = 3.0  # under PTB's 5 s read timeout; a commit made after the reply would come after it


async def _registration_state(db: Database) -> object:
    async with db.session() as session:
        rows = await session.scalars(
            select(DialogState).where(DialogState.kind == "conversation", DialogState.name == "registration")
        )
        states = [json.loads(row.payload) for row in rows]
    return states[0] if states else None


async def _draft(db: Database, person: SandboxPerson) -> dict[str, object]:
    async with db.session() as session:
        rows = await session.scalars(select(DialogState).where(DialogState.kind == "user_data"))
        found = [json.loads(row.payload) for row in rows if row.owner == str(person.id)]
    return found[0] if found else {}


async def test_the_next_step_is_committed_while_its_question_is_still_on_its_way(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    sandbox = running_bot.sandbox
    amina = new_person(first_name="Amina", language_code="en")
    await make_person(db, amina)
    await make_event(db, code="RVW26", kind="review_meeting")
    question = await say(amina, "/start ev_RVW26")
    assert "How would you like to take part?" in question.content
    assert await _registration_state(db) == "kind"

    sandbox.faults.add(kind="slow", method="sendMessage", chat_id=amina.id, delay=HOLD)
    await amina.press("Ask to speak from the floor")
    await eventually(lambda: len(sandbox.faults) == 0, timeout=5)  # the question reached the sandbox
    assert await _registration_state(db) == "criteria"
    draft = (await _draft(db, amina)).get("registration")
    assert isinstance(draft, dict) and draft.get("kind") == "floor"
    assert not any("Question 1 of 3" in (m.text or "") for m in sandbox.chat(amina.id).bot_messages)

    first = await amina.next_reply(timeout=HOLD + 5)
    assert "Question 1 of 3" in first.content


async def test_a_step_delivered_again_after_a_restart_is_not_handled_twice(
    running_bot: RunningBot, new_person: PersonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Long polling confirms an update with the next getUpdates; after a crash in between Telegram
    delivers it again. The step recorded it with its state, so the new process drops it (handled
    again, the title would be an unexpected answer to the language question and get help)."""
    db = running_bot.services.db
    sandbox = running_bot.sandbox
    pushed: list[dict[str, Any]] = []
    push = sandbox.updates.push

    def recording(update: dict[str, Any]) -> dict[str, Any]:
        queued = push(update)
        pushed.append(queued)
        return queued

    monkeypatch.setattr(sandbox.updates, "push", recording)
    amina = new_person(first_name="Amina", language_code="en")
    await make_person(db, amina)
    assert "What is its title?" in (await say(amina, "/submit")).content
    language = await say(amina, "Labour migration corridors in East Africa")
    assert "In which language" in language.content
    answered = pushed[-1]

    await running_bot.restart()
    app = running_bot.app
    assert app is not None
    seen = len(sandbox.chat(amina.id).bot_messages)
    await app.update_queue.put(Update.de_json(answered, app.bot))  # Telegram's second delivery
    # One person's updates are handled in order: once /help is answered, so was the repeat.
    await amina.send("/help")

    def new_texts() -> list[str]:
        return [m.text or "" for m in sandbox.chat(amina.id).bot_messages[seen:]]

    await eventually(lambda: any(text.startswith("Here is what I can do") for text in new_texts()))
    assert [text.splitlines()[0] for text in new_texts()] == ["Here is what I can do:"]
