"""`liaison broadcast send/status/cancel` against a migrated SQLite database in a temporary data dir."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.bootstrap import keyring_from
from bot.cli.main import app
from storage.db import Database
from storage.models import Channel
from storage.repositories import people
from tests.bot_fixtures import settings_for_tests


async def _subscribers(db: Database) -> None:
    now = datetime.now(UTC)
    async with db.session() as session:
        for n, (language, channel, address) in enumerate(
            [
                ("fr", Channel.TELEGRAM, "101"),
                ("ar", Channel.EMAIL, "a@example.org"),
                ("en", Channel.TELEGRAM, "103"),
            ]
        ):
            person = await people.create(session, now=now, language=language)
            await people.add_address(session, db.keyring, person, channel, address, now=now, verified=True)
            await people.record_consent(session, person, "updates", granted=n < 2, text_version="v1", now=now)
    await db.dispose()


def test_cli_preview_queue_status_cancel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIAISON_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LIAISON_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    settings = settings_for_tests(tmp_path)
    asyncio.run(_subscribers(Database(settings.resolved_database_url, keyring_from(settings))))

    refused = runner.invoke(app, ["broadcast", "send", "--text", "xx=Hello", "--yes"])
    assert refused.exit_code != 0
    declined = runner.invoke(app, ["broadcast", "send", "--text", "en=Hello"], input="n\n")
    assert "Recipients: 2" in declined.output and "Nothing sent." in declined.output
    sent = runner.invoke(
        app,
        ["broadcast", "send", "--text", "en=Hello\nsoon", "--text", "fr=Bonjour", "--yes", "--no-follow"],
    )
    assert sent.exit_code == 0, sent.output
    assert re.search(r"fr\s*│\s*telegram\s*│\s*1", sent.output) and re.search(
        r"en\s*│\s*email\s*│\s*1", sent.output
    )
    found = re.search(r"Broadcast ([0-9a-f-]{36}) queued", sent.output)
    assert found is not None
    status = runner.invoke(app, ["broadcast", "status", found.group(1)])
    assert "sending: 0 sent" in status.output and "2 left, of 2" in status.output
    cancelled = runner.invoke(app, ["broadcast", "cancel", found.group(1)])
    assert "2 messages cancelled" in cancelled.output
    after = runner.invoke(app, ["broadcast", "status", found.group(1)])
    assert "cancelled: 0 sent" in after.output and "2 cancelled, 0 left" in after.output
    audited = runner.invoke(app, ["audit", "--action", "broadcast."])
    assert audited.exit_code == 0, audited.output
    assert "broadcast.sent" in audited.output and "broadcast.cancelled" in audited.output
