"""The README's commands as a person runs them, on a fresh install: setup, keys, staff, audit, worker.

Each command: its happy path, and one bad input that fails with one clear line and a non-zero
exit. One migrated data directory is shared by the module (in-process `main([...])`); the
commands whose start-up is the point (--help, migrate, doctor, worker) also run as the
installed `liaison` script in a subprocess. `liaison run` is covered by test_run_sandbox.py;
the events, calendar, selection and data commands by test_cli_events.py and test_cli_data.py.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import signal
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from pydantic import SecretStr
from sqlalchemy import select

from bot.bootstrap import open_services
from bot.cli.main import app
from bot.sandbox.server import SandboxServer
from bot.settings import load_settings
from scheduler.outbox import Delivery, enqueue
from storage.models import Channel, OutboxMessage
from storage.repositories import people
from tests.cli_fixtures import (
    LIAISON,
    fails_with_one_line,
    fresh_env,
    fresh_install,
    run_cli,
    run_liaison,
)
from tests.waiting import eventually

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture(scope="module", autouse=True)
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One fresh, migrated install for the in-process tests of this module."""
    home = tmp_path_factory.mktemp("install")
    with fresh_install(home) as data:
        assert run_cli(["migrate"]).code == 0
        yield data


def command_paths() -> list[str]:
    """Every leaf command of the `liaison` app, as typed: 'keys rotate', 'reports recovery-key restore'."""
    found: list[str] = []

    def walk(command: object, path: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            if getattr(command, "invoke_without_command", False) and path:
                found.append(" ".join(path))  # `liaison audit` itself shows the log
            for name, sub in subcommands.items():
                walk(sub, [*path, name])
        else:
            found.append(" ".join(path))

    walk(typer.main.get_command(app), [])
    return found


def readme_commands() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1]


def test_the_readme_lists_every_command() -> None:
    listed = readme_commands()
    for path in command_paths():
        words = path.split()
        # "liaison keys status|generate|rotate" lists several subcommands in one line.
        pattern = r"liaison " + r"\s+".join(rf"(?:[\w|-]+\|)?{re.escape(w)}(?:\|[\w|-]+)?" for w in words)
        assert re.search(pattern, listed), f"`liaison {path}` is not in the README's command list"
    assert len(command_paths()) >= 30


def test_every_command_and_option_the_readme_names_exists() -> None:
    """The other way round: each `liaison …` of the list is a command, and each --option it shows is
    one of that command's options."""
    root = typer.main.get_command(app)
    checked = []
    for line in readme_commands().splitlines():
        usage = re.split(r"\s{3,}", line.strip())[0]  # without the description column
        for part in usage.split(" | "):
            words = []
            for token in part.split()[1:]:
                if not re.fullmatch(r"[a-z][a-z-]*(\|[a-z][a-z-]*)*", token):
                    break
                words.append(token.split("|"))
            for path in itertools.product(*words):
                command = root
                for word in path:
                    subcommands = getattr(command, "commands", {})
                    assert word in subcommands, f"README: `liaison {' '.join(path)}` is not a command"
                    command = subcommands[word]
                options = {name for parameter in command.params for name in parameter.opts}
                for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", part):
                    assert option in options, f"README: `liaison {' '.join(path)}` has no {option}"
                checked.append(path)
    assert len(checked) >= 30


# --- help, migrate, doctor: as the installed script ---


def test_help_lists_the_commands_and_an_unknown_one_is_one_line(tmp_path: Path) -> None:
    shown = run_liaison(["--help"], tmp_path)
    assert shown.code == 0
    for name in ("run", "migrate", "doctor", "keys", "staff", "events", "select", "worker"):
        assert re.search(rf"\b{name}\b", shown.out), name
    fails_with_one_line(run_cli(["evnets", "list"]), "No such command 'evnets'", "--help")


def test_migrate_then_doctor_on_a_fresh_install(tmp_path: Path) -> None:
    """What `make run` does first, then what the README says to check: applied, up to date, only ok."""
    first = run_liaison(["migrate"], tmp_path)
    assert first.code == 0, first.err
    assert re.match(r"applied \d+ migrations \(0001, .*\); the schema is up to date", first.out), first.out
    again = run_liaison(["migrate"], tmp_path)
    assert again.code == 0 and again.out.strip() == "database schema is up to date; nothing to apply"
    assert (tmp_path / "data" / "keys.json").stat().st_mode & 0o777 == 0o600

    result = run_liaison(["doctor"], tmp_path)
    assert result.code == 0, result.out
    lines = result.out.strip().splitlines()
    # In the sandbox (no token) what is not set up yet is advice, not a warning.
    assert len(lines) == 5 and all(line.startswith("ok ") for line in lines), result.out
    assert "before going live: no liaison staff or administrator to alert" in result.out
    assert "schema up to date" in result.out and "keys fit" in result.out


def test_migrate_with_a_database_url_it_cannot_use_is_one_line(tmp_path: Path) -> None:
    with fresh_install(tmp_path), pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIAISON_DATABASE_URL", "mysql://db.example/liaison")
        result = run_cli(["migrate"])
    assert result.code == 2
    fails_with_one_line(result, "LIAISON_DATABASE_URL")


def test_doctor_says_in_words_why_the_database_cannot_be_used(installed: Path) -> None:
    moved = installed / "liaison.db.moved"
    (installed / "liaison.db").rename(moved)  # a data directory whose database was never migrated
    try:
        result = run_cli(["doctor"])
    finally:
        for leftover in installed.glob("liaison.db*"):
            if leftover != moved:
                leftover.unlink()
        moved.rename(installed / "liaison.db")
    assert result.code == 1
    bad = [line for line in result.out.splitlines() if line.startswith("BAD")]
    assert bad == ["BAD  database  the database has no schema yet: run `liaison migrate` (or `make run`)"]
    assert run_cli(["doctor"]).code == 0


def test_doctor_names_the_setting_and_the_reason_when_a_server_does_not_answer(installed: Path) -> None:
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIAISON_SMTP_HOST", "127.0.0.1")
        patch.setenv("LIAISON_SMTP_PORT", str(port))
        patch.setenv("LIAISON_DATABASE_URL", f"postgresql+asyncpg://liaison:s3cret@127.0.0.1:{port}/liaison")
        result = run_cli(["doctor"])
    assert result.code == 1
    bad = [line for line in result.out.splitlines() if line.startswith("BAD")]
    assert len(bad) == 2 and "s3cret" not in result.out
    assert re.match(
        r"BAD\s+database\s+the database server does not answer \(\w+\): check LIAISON_DATABASE_URL", bad[0]
    )
    assert re.match(rf"BAD\s+smtp\s+127.0.0.1:{port}: nothing answers there: check LIAISON_SMTP_HOST", bad[1])


# --- keys ---


def test_keys_status_generate_rotate(installed: Path) -> None:
    status = run_cli(["keys", "status"])
    assert status.code == 0 and re.match(r"keys: k\d+; active: k\d+", status.out), status.out
    generated = run_cli(["keys", "generate"])
    assert generated.code == 0
    assert "LIAISON_DATA_KEYS=" in generated.out and "LIAISON_INDEX_KEY=" in generated.out
    before = re.search(r"active: (k\d+)", status.out)
    assert before is not None
    rotated = run_cli(["keys", "rotate", "--batch", "50"])
    assert rotated.code == 0, rotated.err
    added = re.search(r"added key (k\d+)", rotated.out)
    assert added is not None and added.group(1) != before.group(1) and "re-sealed" in rotated.out
    assert f"active: {added.group(1)}" in run_cli(["keys", "status"]).out

    fails_with_one_line(run_cli(["keys", "rotate", "--batch", "0"]), "--batch")
    fails_with_one_line(run_cli(["keys", "generate", "--count", "2"]), "No such option")


def test_keys_status_without_a_key_file_is_one_line(tmp_path: Path) -> None:
    with fresh_install(tmp_path):
        result = run_cli(["keys", "status"])
    assert result.code == 2
    fails_with_one_line(result, "no keys", "liaison keys generate")


# --- staff and audit ---


def test_staff_add_list_remove() -> None:
    added = run_cli(["staff", "add", "4242", "--role", "task_team", "--name", "Tariq"])
    assert added.code == 0 and added.out.strip() == "staff member added as task_team"
    listed = run_cli(["staff", "list"])
    assert re.search(r"4242\s+task_team\s+since \d{4}-\d\d-\d\d", listed.out), listed.out
    assert "Tariq" not in listed.out
    removed = run_cli(["staff", "remove", "4242"])
    assert removed.code == 0 and removed.out.strip() == "staff member removed"
    assert "4242" not in run_cli(["staff", "list"]).out

    fails_with_one_line(
        run_cli(["staff", "add", "4243", "--role", "boss"]), "administrator, liaison or task_team"
    )
    fails_with_one_line(run_cli(["staff", "remove", "4242"]), "no active staff member")
    fails_with_one_line(run_cli(["staff", "list", "--role", "liaison"]), "No such option")


def test_audit_shows_and_verifies_the_log() -> None:
    assert run_cli(["staff", "add", "5151", "--role", "liaison"]).code == 0
    shown = run_cli(["audit", "--limit", "5", "--action", "staff."])
    assert shown.code == 0 and "staff.add" in shown.out and "5151" not in shown.out
    verified = run_cli(["audit", "verify"])
    assert verified.code == 0 and re.match(r"audit log intact: \d+ entries", verified.out)
    # The head to keep outside the database; verify checks the log against it.
    head = run_cli(["audit", "checkpoint"])
    assert head.code == 0 and re.fullmatch(r"\d+:[0-9a-f]{64}\n", head.out), head.out
    against = run_cli(["audit", "verify", "--checkpoint", head.out.strip()])
    assert against.code == 0 and "agrees with 1 checkpoint" in against.out, against.out

    fails_with_one_line(run_cli(["audit", "--limit", "0"]), "--limit")
    fails_with_one_line(run_cli(["audit", "verify", "--fix"]), "No such option")
    fails_with_one_line(run_cli(["audit", "checkpoint", "--count", "3"]), "No such option")
    fails_with_one_line(run_cli(["audit", "verify", "--checkpoint", "not-a-checkpoint"]), "COUNT:HASH")


# --- worker: the outbox workers alone, in their own process ---


def test_worker_without_a_token_is_one_line() -> None:
    fails_with_one_line(run_cli(["worker"]), "TELEGRAM_BOT_TOKEN")


async def test_worker_delivers_the_outbox_and_stops_on_sigterm(
    installed: Path, sandbox: SandboxServer
) -> None:
    reader = sandbox.add_user("Reader")
    services = await open_services(load_settings())
    try:
        now = datetime.now(UTC)
        async with services.db.session() as session:
            person = await people.create(session, now=now, language="en")
            address = await people.add_address(
                session, services.keyring, person, Channel.TELEGRAM, str(reader.id), now=now, verified=True
            )
            await enqueue(session, [Delivery("cli-worker:1", address.id, "Hello from the worker")], now=now)
        env = fresh_env(installed.parent) | {
            "TELEGRAM_BOT_TOKEN": "123456:TEST",
            "LIAISON_BOT_API_URL": sandbox.base_url,
        }
        process = await asyncio.create_subprocess_exec(
            str(LIAISON), "worker", cwd=installed.parent, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            await eventually(lambda: sandbox.chat(reader.id).bot_messages, timeout=60)

            async def recorded() -> bool:
                async with services.db.session() as session:
                    state = await session.scalar(
                        select(OutboxMessage.state).where(OutboxMessage.idempotency_key == "cli-worker:1")
                    )
                return state == "sent"

            await eventually(recorded, timeout=30)
            process.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(process.communicate(), timeout=30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode == 0, err
        assert b"outbox workers running" in out and b"Traceback" not in err
        assert [m.text for m in sandbox.chat(reader.id).bot_messages] == ["Hello from the worker"]
    finally:
        await services.db.dispose()


def test_doctor_warns_a_live_install_that_nobody_is_alerted_of_reports(tmp_path: Path) -> None:
    from bot.cli.doctor import Level, check_report_readers
    from bot.settings import load_settings

    with fresh_install(tmp_path):
        assert run_cli(["migrate"]).code == 0
        live = load_settings().model_copy(update={"bot_token": SecretStr("123:live-token")})
        finding = asyncio.run(check_report_readers(live))
        assert finding.level is Level.WARN
        assert "no liaison staff or administrator to alert of urgent reports" in finding.detail
        assert "no recovery key" in finding.detail
        assert run_cli(["staff", "add", "4242", "--role", "liaison"]).code == 0
        still = asyncio.run(check_report_readers(live))
        assert still.level is Level.WARN and "to alert" not in still.detail  # keys, recovery still missing
