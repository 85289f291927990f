"""Canaries in every report field, the evidence bytes and a caption: none of them in the raw
SQLite file (with its WAL), a PostgreSQL dump, or the logs at DEBUG (issue 12, Tests)."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.log_redaction import configure_logging
from bot.report_settings import fast_report_settings
from bot.sandbox.server import SandboxServer
from bot.services import Services
from scheduler.clock import system_clock
from storage.crypto.keyring import Keyring
from storage.db import Database
from storage.models import Base
from tests.bot_fixtures import TRANSLATOR, RunningBot, settings_for_tests
from tests.report_fixtures import ReportWorld, file_report

WHAT, WHEN, WHERE, WHO = "Okapi-What-3141", "Okapi-When-2718", "Okapi-Where-1618", "Okapi-Who-1414"
EVIDENCE, CAPTION = "Okapi-Bytes-5772", "Okapi-Caption-6931"
CANARIES = (WHAT, WHEN, WHERE, WHO, EVIDENCE, CAPTION)


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    handler = configure_logging("DEBUG", stream=stream)
    noisy = ("httpx", "telegram", "apscheduler", "aiosqlite", "sqlalchemy", "asyncpg")
    for name in noisy:
        logging.getLogger(name).setLevel(logging.DEBUG)  # every library at its most talkative
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.handlers[:], root.level = before
        for name in noisy:
            logging.getLogger(name).setLevel(logging.WARNING)


@pytest.fixture
async def world(
    sandbox: SandboxServer, database_url: str, keyring: Keyring, tmp_path: Path
) -> AsyncIterator[ReportWorld]:
    """The report world of `report_fixtures`, on SQLite and on PostgreSQL."""
    staff_chat = sandbox.add_group("Liaison staff")
    settings = settings_for_tests(tmp_path, database_url=database_url, staff_chat_id=staff_chat.id)
    db = Database(database_url, keyring)
    services = Services(
        settings=settings, db=db, translator=TRANSLATOR, clock=system_clock,
        reports=fast_report_settings(evidence_max_bytes=64 * 1024),
    )  # fmt: skip
    await db.verify_keys(now=services.clock())
    running = RunningBot(sandbox, services)
    await running.start()
    path = Path(database_url.split(":///", 1)[1]) if database_url.startswith("sqlite") else tmp_path / "none"
    try:
        yield ReportWorld(running, sandbox, staff_chat, path)
    finally:
        await running.stop()
        await db.dispose()


async def _postgres_dump(db: Database) -> bytes:
    """pg_dump of the whole database when it is installed, else every row of every table as text."""
    url = db.engine.url
    if shutil.which("pg_dump"):
        plain = f"postgresql://{url.username}@{url.host}:{url.port or 5432}/{url.database}"
        env = {**os.environ, "PGPASSWORD": url.password or ""}
        dump = await asyncio.create_subprocess_exec(
            "pg_dump", "--data-only", plain, env=env, stdout=asyncio.subprocess.PIPE
        )
        output, _ = await dump.communicate()
        assert dump.returncode == 0, "pg_dump failed"
        return output
    rows: list[str] = []
    async with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            result = await connection.execute(text(f'SELECT t::text FROM "{table.name}" t'))
            rows += [str(row[0]) for row in result]
    return "\n".join(rows).encode()


def _encodings(canary: str) -> list[bytes]:
    # As stored text, and as PostgreSQL prints bytea (hex), in case a value was kept as bytes.
    return [canary.encode(), canary.encode().hex().encode()]


async def test_no_canary_anywhere_at_rest_or_in_the_logs(world: ReportWorld, debug_log: io.StringIO) -> None:
    await world.reader(9201)
    amina = world.person("Amina", username="okapi_reporter")
    pdf = b"%PDF-1.4\n% " + EVIDENCE.encode() + b"\n%%EOF\n"
    await file_report(
        amina, kind="A problem taking part", what=f"They barred us {WHAT}", anonymous=True,
        where=f"Near {WHERE}", document=("minutes.pdf", pdf), caption=f"photo of {CAPTION}",
    )  # fmt: skip
    # file_report answers "when" and "who" with fixed words; add the other two canaries by a
    # second report that types them.
    await amina.send("/report")
    await amina.next_reply()
    await amina.next_reply()
    await amina.press("Other feedback")
    await amina.next_reply()
    await amina.send(f"More about {WHAT}")
    await amina.next_reply()
    await amina.send(f"on {WHEN}")
    await amina.next_reply()
    await amina.send("Ruritania")
    reply = await amina.next_reply()
    if "Which of these" in reply.content:
        await amina.press("Keep what I typed")
        await amina.next_reply()
    await amina.send(f"people of {WHO}")
    await amina.next_reply()
    await amina.press("No")
    await amina.next_reply()
    await amina.press("Done")
    await amina.next_reply()
    await amina.press("Stay anonymous")
    await amina.next_reply()
    await amina.press("Send")
    await amina.wait_until(
        lambda: any("clear this conversation" in m.content for m in amina.messages()), what="the end"
    )
    files = list(world.sandbox.world.files.values())
    assert files, "the evidence went through the sandbox's getFile"
    await world.bot.stop()  # flush the dialog persistence too

    db = world.services.db
    if db.is_sqlite:
        raw = world.db_path.read_bytes()
        for suffix in ("-wal", "-shm", "-journal"):
            sibling = world.db_path.with_name(world.db_path.name + suffix)
            if sibling.exists():
                raw += sibling.read_bytes()
    else:
        raw = await _postgres_dump(db)
        assert b"report_cases" in raw or b"C-" in raw  # the dump did hold the data
    for canary in CANARIES:
        for encoded in _encodings(canary):
            assert encoded not in raw, f"{canary} found in the database"
    assert b"okapi_reporter" not in raw

    logged = debug_log.getvalue()
    assert "telegram" in logged and "report case" in logged  # the logs did speak, at DEBUG
    for secret in (*CANARIES, "okapi_reporter", str(amina.id)):
        assert secret not in logged, f"{secret} found in the logs"
    for stored in files:  # with the token, these fetch the evidence again
        assert stored.file_id not in logged and stored.file_path not in logged
    assert "getFile" in logged  # the fetch itself was logged, without what it named
