"""A dialog's next step is in the database before the message asking it reaches Telegram.

The sandbox holds the bot's next message (a slow Bot API answer) while the test reads the
database: the dialog row already names the step that message asks, and the answer recorded in
the draft is there too. Before this, the state was committed only after the handler returned,
so it changed after the message arrived.
"""

from __future__ import annotations

import json

from sqlalchemy import select

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
