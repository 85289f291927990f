"""Data files (issue 12, hole 5): the database and its WAL/SHM files are 0600, like the key file;
`liaison migrate` never makes new keys for a database that holds sealed data."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.bootstrap import open_services
from bot.cli.main import app
from storage.db import KeyMismatchError, no_usable_key_message
from tests.bot_fixtures import settings_for_tests


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _modes(directory: Path) -> dict[str, int]:
    return {path.name: _mode(path) for path in directory.iterdir() if path.is_file()}


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LIAISON_DATA_DIR", str(tmp_path))
    for variable in ("LIAISON_DATABASE_URL", "LIAISON_DATA_KEYS", "LIAISON_INDEX_KEY", "LIAISON_KEY_FILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    return tmp_path


async def _start_once(data_dir: Path) -> dict[str, int]:
    """What `run` does first: open the services, which seals the key canary, then write a little.
    Returns the modes of the data files while the database is open (WAL and SHM exist only then)."""
    services = await open_services(settings_for_tests(data_dir))
    try:
        async with services.db.session() as session:
            from storage.repositories import people

            await people.create(session, now=services.clock(), language="en")
        return _modes(data_dir)
    finally:
        await services.db.dispose()


def test_database_wal_and_key_file_are_private(data_dir: Path) -> None:
    assert CliRunner().invoke(app, ["migrate"]).exit_code == 0
    modes = asyncio.run(_start_once(data_dir))
    names = {"liaison.db", "liaison.db-wal", "liaison.db-shm", "keys.json"}
    assert names <= set(modes)
    assert {name: modes[name] for name in names} == dict.fromkeys(names, 0o600)


def test_a_database_made_readable_is_made_private_again(data_dir: Path) -> None:
    assert CliRunner().invoke(app, ["migrate"]).exit_code == 0
    database = data_dir / "liaison.db"
    database.chmod(0o644)
    asyncio.run(_start_once(data_dir))
    assert _mode(database) == 0o600


def test_migrate_makes_no_new_keys_for_sealed_data(data_dir: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    asyncio.run(_start_once(data_dir))
    (data_dir / "keys.json").unlink()  # lost in a move, or never copied to the new server

    refused = runner.invoke(app, ["migrate"])
    assert refused.exit_code != 0 and isinstance(refused.exception, KeyMismatchError)
    assert str(refused.exception) == no_usable_key_message(["k1"])
    assert not (data_dir / "keys.json").exists()
    # `run` stops with the very same message, and does not make keys either.
    with pytest.raises(KeyMismatchError) as raised:
        asyncio.run(_start_once(data_dir))
    assert str(raised.value) == str(refused.exception)
    assert not (data_dir / "keys.json").exists()


def test_migrate_on_a_new_installation_makes_keys(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["migrate"])
    assert result.exit_code == 0 and (data_dir / "keys.json").exists()
    assert CliRunner().invoke(app, ["migrate"]).exit_code == 0  # and again: nothing to refuse
