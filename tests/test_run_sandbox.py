"""`liaison run` without a token: the sandbox chat in a terminal, as `make run` starts it."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

LIAISON = [sys.executable, "-c", "from bot.cli.main import main; main()"]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_") and k != "TELEGRAM_BOT_TOKEN"}
    env["LIAISON_DATA_DIR"] = str(tmp_path / "data")
    env["LIAISON_DEMO"] = "no"
    return env


class Terminal:
    """Reads the chat's output line by line so the test can wait for what it expects."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def type(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def wait_for(self, expected: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(expected in line for line in self.seen):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{expected!r} never appeared; output so far: {self.seen}"
            try:
                self.seen.append(self.lines.get(timeout=remaining))
            except queue.Empty:
                continue


def test_run_without_token_opens_the_sandbox_chat(tmp_path: Path) -> None:
    env = _env(tmp_path)
    subprocess.run([*LIAISON, "migrate"], env=env, check=True, capture_output=True, timeout=60)
    process = subprocess.Popen(
        [*LIAISON, "run"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    terminal = Terminal(process)
    try:
        terminal.type("/start")
        terminal.wait_for("Choose your language.")
        terminal.wait_for("[#6] Español")
        terminal.type("#6")  # the sixth button
        terminal.wait_for("A partir de ahora le escribiré en español.")
        terminal.wait_for("Liaison es la oficina de enlace")
        terminal.wait_for("[#1] Continuar")
        terminal.type("/quit")
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert (tmp_path / "data" / "keys.json").stat().st_mode & 0o777 == 0o600


def test_run_refuses_an_unmigrated_database_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run([*LIAISON, "run"], env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "liaison: the database has no schema yet: run `liaison migrate` (or `make run`)"
    )
    assert "Traceback" not in result.stderr


def test_bad_setting_stops_with_one_clear_line(tmp_path: Path) -> None:
    env = _env(tmp_path) | {"LIAISON_SMTP_PORT": "not-a-port", "LIAISON_DATA_KEYS": "k1:secret-ish"}
    result = subprocess.run([*LIAISON, "doctor"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "LIAISON_SMTP_PORT" in result.stderr
    assert "Traceback" not in result.stderr
    assert "not-a-port" not in result.stderr


def test_demo_without_asking_then_a_restart_remembers_everyone(tmp_path: Path) -> None:
    env = _env(tmp_path) | {
        "LIAISON_DEMO": "yes",
        "LIAISON_REPORT_PASSPHRASE_OPSLIMIT": "1",  # cheap demo staff keys; the test is not about argon2
        "LIAISON_REPORT_PASSPHRASE_MEMLIMIT": "8192",
        "LIAISON_OUTBOX_HTTP_ENABLED": "false",
    }
    subprocess.run([*LIAISON, "migrate"], env=env, check=True, capture_output=True, timeout=60)

    def chat(lines: list[str], expected: list[str], environment: dict[str, str]) -> list[str]:
        process = subprocess.Popen(
            [*LIAISON, "run"], env=environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8",
        )  # fmt: skip
        terminal = Terminal(process)
        try:
            terminal.wait_for("Chatting with @")
            for line in lines:
                terminal.type(line)
            for text in expected:
                terminal.wait_for(text)
            terminal.type("/quit")
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
        return terminal.seen

    first = chat(["/as Liaison", "/whoami"], ["(you are Liaison, Telegram id "], env)
    assert any("Demo data loaded. DEMO-ONLY" in line for line in first)
    assert not any("[y/n]" in line for line in first)  # LIAISON_DEMO answered the offer
    liaison_id = next(line for line in first if line.startswith("(you are Liaison")).split()[5].rstrip(",")

    staff = subprocess.run([*LIAISON, "staff", "list"], env=env, capture_output=True, text=True, timeout=60)
    assert f"{liaison_id}  liaison" in staff.stdout
    listing = subprocess.run(
        [*LIAISON, "events", "list"], env=env, capture_output=True, text=True, timeout=60
    )
    assert len([line for line in listing.stdout.splitlines() if line.startswith("DEMO")]) == 6
    assert "DEMOASP" in listing.stdout and "[accepted 2, waitlisted 1]" in listing.stdout

    # Without LIAISON_DEMO: not asked again, and the people are who they were.
    unset = {k: v for k, v in _env(tmp_path).items() if k != "LIAISON_DEMO"}
    again = chat(["/as Amina ar", "/whoami"], ["others here: You, Admin, Liaison, TaskTeam)"], unset)
    assert not any("[y/n]" in line or "Demo data loaded" in line for line in again)

    # The people file lost, the database kept: the demo is not made twice.
    (tmp_path / "data" / "sandbox-people.json").unlink()
    third = chat(["/as Liaison", "/whoami"], ["(you are Liaison, Telegram id "], env)
    assert any("The demo data is in this database already" in line for line in third)
    assert any(f"(you are Liaison, Telegram id {liaison_id}," in line for line in third)
