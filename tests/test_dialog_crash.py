"""The bot process killed the moment each reply of an onboarding arrives: every restart resumes at
the step the last reply asked, and the next answer is taken.

The issue also asked for a kill 0.1 s after each reply. That variant is not run (20 more
restarts; the suite must stay under 10 minutes): every onboarding step commits before its reply
and writes nothing after it, so a kill 0.1 s later finds at least as much committed as this one.

A step's dialog state and drafts are committed before the reply that asks the next step goes out
(bot/state_first.py), so there is no window left between a reply and its commit: the test checks
the dialog rows already changed when the reply arrives, for every step that changes them. (When
the state was committed just after the reply, a kill at the reply lost the step.)

The bot runs as a real process (`tests.bot_process`) against the test's sandbox and is killed with
SIGKILL, as a crash would; `running_bot.restart()` stops gracefully (PTB flushes its persistence on
stop), so it would not show a lost step.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.sandbox.driver import SandboxPerson
from bot.sandbox.server import SandboxServer
from storage.db import Database
from storage.models import DialogState
from storage.repositories import people, profiles
from tests.worker_process import shareable_keyring

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
Step = Callable[[SandboxPerson], Awaitable[str]]


def spare_bot(url: str, sandbox: SandboxServer, keyring_json: str, tmp_path: Path) -> subprocess.Popen[bytes]:
    """A bot process that has imported everything and starts when told (see `go`)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.bot_process",
            "--database",
            url,
            "--base-url",
            sandbox.base_url,
            "--base-file-url",
            sandbox.base_file_url,
            "--data-dir",
            str(tmp_path),
            "--wait-for-go",
        ],
        cwd=ROOT,
        env={**os.environ, "LIAISON_TEST_KEYRING": keyring_json, "LIAISON_OUTBOX_HTTP_ENABLED": "false"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )


def imported(process: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
    """Wait until a spare has imported everything (so it does not compete for the CPU during a step)."""
    assert process.stdout is not None
    assert process.stdout.readline().strip() == b"imported"
    return process


def go(process: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
    """Start a spare and wait until it polls."""
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b"go\n")
    process.stdin.flush()
    assert process.stdout.readline().strip() == b"ready"
    return process


async def dialog_rows(db: Database) -> dict[tuple[str, str, str], str]:
    async with db.session() as session:
        return {
            (row.kind, row.name, row.owner): row.payload for row in await session.scalars(select(DialogState))
        }


async def _changed(db: Database, before: dict[tuple[str, str, str], str]) -> bool:
    return await dialog_rows(db) != before


def say(text: str, replies: int = 1) -> Step:
    async def step(person: SandboxPerson) -> str:
        await person.send(text)
        answers = [await person.next_reply(timeout=10) for _ in range(replies)]
        return "\n".join(answer.text or "" for answer in answers)

    return step


def tap(label: str, replies: int = 1) -> Step:
    async def step(person: SandboxPerson) -> str:
        await person.press(label)
        answers = [await person.next_reply(timeout=10) for _ in range(replies)]
        return "\n".join(answer.text or "" for answer in answers)

    return step


def toggle(label: str, shown: str) -> Step:
    """A multiple-choice button: the same message is edited; its new button label is the reply."""

    async def step(person: SandboxPerson) -> str:
        await person.press(label)
        await person.wait_until(lambda: shown in person.last_message().buttons, what=shown, timeout=10)
        return shown

    return step


# Each action, and a piece of the reply that shows the dialog is at the right step.
ONBOARDING: list[tuple[Step, str]] = [
    (say("/start"), "Choose your language."),
    (tap("English", replies=2), "/mydata"),
    (tap("Continue"), "updates"),
    (tap("Yes, I agree"), ""),
    (tap("No, I do not agree"), ""),
    (tap("Yes, I agree"), "What is the name of your organisation?"),
    (say("Migrant Voices Collective"), "Which of these"),
    (tap("Migrant and diaspora organisations"), ""),
    (say("united"), ""),
    (tap("United States", replies=2), "city"),
    (say("Chicago"), "Which time zone are you in?"),
    (tap("Chicago"), "gender"),
    (tap("Woman"), ""),
    (tap("25–34"), ""),
    (tap("Prefer not to say"), ""),
    (toggle("Latin America", "✅ Latin America and the Caribbean (ECLAC)"), ""),
    (tap("Done"), ""),
    (toggle("Network news", "▫️ Network news"), ""),
    (tap("Done"), "Thank you, your profile is ready."),
    (say("/profile"), "Migrant Voices Collective"),
]


async def test_a_crash_at_any_reply_resumes_at_that_step(
    sqlite_url: str, sandbox: SandboxServer, tmp_path: Path
) -> None:
    keyring, keyring_json = shareable_keyring()
    db = Database(sqlite_url, keyring)
    await db.verify_keys(now=datetime.now(UTC))
    amina = SandboxPerson(sandbox, sandbox.add_user(first_name="Amina", language_code="en"))
    # Every process the test will start, imported ahead in parallel, so that a restart costs no
    # import time and no import competes for the CPU while a step is handled.
    spares = [spare_bot(sqlite_url, sandbox, keyring_json, tmp_path) for _ in range(len(ONBOARDING) + 1)]
    for spare in spares:
        await asyncio.to_thread(imported, spare)
    bot = await asyncio.to_thread(go, spares.pop(0))
    committed_at_reply = 0
    try:
        for number, (step, expected) in enumerate(ONBOARDING, start=1):
            before = await dialog_rows(db)
            reply = await step(amina)
            assert expected in reply, (number, reply, amina.transcript())
            bot.send_signal(signal.SIGKILL)  # at the reply: harder than the 0.1 s after it
            await asyncio.to_thread(bot.wait)
            committed_at_reply += await _changed(db, before)
            bot = await asyncio.to_thread(go, spares.pop(0))
    finally:
        for spare in spares:
            spare.kill()
            spare.wait()
        if bot.poll() is None:
            bot.send_signal(signal.SIGTERM)
            await asyncio.to_thread(bot.wait, 15)
    # Every step but /profile (which only shows) and the two toggles (which change the draft, not
    # the step, unless the toggled value was already written) moves the dialog or its draft.
    assert committed_at_reply >= len(ONBOARDING) - 3, committed_at_reply
    async with db.session() as session:
        person = await people.find_by_telegram(session, db.keyring, amina.id)
        assert person is not None and profiles.is_onboarded(person)
        assert (person.stakeholder_type, person.country, person.city) == ("migrant_diaspora", "US", "Chicago")
        assert "latin_america_caribbean" in await profiles.subscriptions(session, person.id, "region")
        assert "network" not in await profiles.subscriptions(session, person.id, "topic")
    await db.dispose()
