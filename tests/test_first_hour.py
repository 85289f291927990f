"""The first hour, as a newcomer lives it: `liaison run` without a token, in a pseudo-terminal.

The chat is driven only through what a person types and reads: load the demo, onboard two people
in two languages (/as), verify an email with the code the mail capture prints, register for an
event, file an anonymous report, triage it as demo staff, and see a reminder after /clock.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

LIAISON = [sys.executable, "-c", "from bot.cli.main import main; main()"]
BUTTONS = re.compile(r"\[#(\d+)\] ")


class PseudoTerminal:
    """`liaison run` on a pty: type lines, wait for text, press buttons by the labels on screen."""

    def __init__(self, env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        attributes = termios.tcgetattr(slave)
        attributes[3] &= ~termios.ECHO  # what is typed is not echoed back, so waits see the bot only
        termios.tcsetattr(slave, termios.TCSANOW, attributes)
        self.process = subprocess.Popen(
            [*LIAISON, "run"], env=env, stdin=slave, stdout=slave, stderr=slave, close_fds=True
        )
        os.close(slave)
        self.master = master
        self.output = ""
        self.cursor = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the child closed the terminal
                return
            if not chunk:
                return
            with self._lock:
                self.output += chunk.decode("utf-8", errors="replace").replace("\r\n", "\n")

    def type(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        """The first match of the regex `pattern` after what earlier waits consumed."""
        deadline = time.monotonic() + timeout
        compiled = re.compile(pattern)
        while True:
            with self._lock:
                found = compiled.search(self.output, self.cursor)
            if found is not None:
                self.cursor = found.end()
                return found
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{pattern!r} never appeared; the terminal after the last match:\n{self.unread()}"
                )
            time.sleep(0.05)

    def wait_for_all(self, patterns: list[str], timeout: float = 30.0) -> None:
        """Every regex of `patterns` after what earlier waits consumed, in any order."""
        start, ends = self.cursor, []
        for pattern in patterns:
            self.cursor = start
            ends.append(self.wait_for(pattern, timeout).end())
        self.cursor = max(ends)

    def expect(self, text: str, timeout: float = 30.0) -> re.Match[str]:
        return self.wait_for(re.escape(text), timeout)

    def unread(self) -> str:
        with self._lock:
            return self.output[self.cursor :]

    def press(self, label: str, timeout: float = 30.0) -> None:
        """Type #N for the button `label`: in a row of buttons printed after the last wait, else (when
        something else was printed since, like a note of the terminal's) in the newest row on screen."""
        pattern = r"\n  \[#1\] [^\n]*" + re.escape(label) + r"[^\n]*\n"
        try:
            row = self.wait_for(pattern, timeout=3.0).group(0)
        except pytest.fail.Exception:
            with self._lock:
                rows = re.findall(pattern, self.output)
            row = rows[-1] if rows else self.wait_for(pattern, timeout).group(0)
        buttons = _buttons(row)
        # The exact label, else the one label that contains it (as the sandbox driver's press does).
        chosen = [n for n, text in buttons if text == label] or [n for n, text in buttons if label in text]
        if len(chosen) != 1:
            pytest.fail(f"no one button {label!r} in {row!r}")
        self.type(f"#{chosen[0]}")

    def close(self) -> int:
        self.type("/quit")
        try:
            return self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            os.close(self.master)


def _buttons(row: str) -> list[tuple[int, str]]:
    parts = BUTTONS.split(row.strip())
    return [(int(parts[i]), parts[i + 1].strip()) for i in range(1, len(parts) - 1, 2)]


@pytest.fixture
def terminal(tmp_path: Path) -> PseudoTerminal:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_") and k != "TELEGRAM_BOT_TOKEN"}
    env |= {
        "LIAISON_DATA_DIR": str(tmp_path / "data"),
        # Cheap key derivation for the demo staff keys: the test is about the dialogs, not argon2's cost.
        "LIAISON_REPORT_PASSPHRASE_OPSLIMIT": "1",
        "LIAISON_REPORT_PASSPHRASE_MEMLIMIT": "8192",
        "LIAISON_OUTBOX_POLL_SECONDS": "0.2",
        "LIAISON_OUTBOX_HTTP_ENABLED": "false",
        "LIAISON_OUTBOX_PRIVATE_CHAT_INTERVAL": "0",
    }
    subprocess.run([*LIAISON, "migrate"], env=env, check=True, capture_output=True, timeout=60)
    return PseudoTerminal(env)


@pytest.mark.slow
def test_a_newcomer_tries_everything_in_the_sandbox(terminal: PseudoTerminal, tmp_path: Path) -> None:
    t = terminal
    t.expect("[y/n]")
    t.type("maybe")  # not an answer: asked again
    t.expect("[y/n]")
    t.type("y")
    t.expect("Demo data loaded. DEMO-ONLY")
    passphrase = t.wait_for(r"staff passphrase \(Admin and Liaison\): ([^\n]+)\n").group(1)
    t.expect("Chatting with @")

    # Amina, in English, with an email address confirmed by the code the capture prints.
    t.type("/as Amina en")
    amina_id = t.wait_for(r"you are now Amina, Telegram id (\d+)").group(1)
    t.type("/whoami")
    t.expect(f"you are Amina, Telegram id {amina_id}, app language en")
    t.type("/start")
    t.press("English")
    t.press("Continue")
    for _ in range(3):
        t.press("Yes, I agree")
    t.expect("organisation")
    t.type("Migrant Voices Collective")
    t.press("Civil society organisations")
    t.type("Kenya")
    t.press("Skip")  # the city
    t.press("Yes, that is right")  # Nairobi's time zone
    t.press("Add an email address")
    t.expect("Type your email address.")
    t.type("amina@example.org")
    code = t.wait_for(r"\(email to amina@example\.org: '[^']*'; code (\d{6});").group(1)
    t.type(code)
    t.expect("Your email address is confirmed.")
    t.press("Skip these questions")
    t.press("Done")  # regions
    t.press("Done")  # topics
    t.expect("Thank you, your profile is ready.")
    t.type("/profile")
    t.expect("Migrant Voices Collective")

    # Omar, in Arabic, without email.
    t.type("/as Omar ar")
    t.expect("you are now Omar")
    t.type("/start")
    t.expect("اختر لغتك.")
    t.press("العربية")
    t.press("متابعة")
    for _ in range(3):
        t.press("نعم، أوافق")
    t.type("جمعية المهاجرين في القاهرة")
    t.press("منظمات المهاجرين والمغتربين")
    t.type("مصر")
    t.press("تخطي")  # the city
    t.press("نعم، هذا صحيح")
    t.press("لا، تيليجرام فقط")
    t.press("تخطي هذه الأسئلة")
    t.press("تم")
    t.press("تم")
    t.expect("/profile")
    t.type("/events")  # the demo's events carry titles in every language
    t.expect("مشاورة إقليمية لأفريقيا (تجريبي)")

    # Amina registers for the demo event in eight days; a bare number is text, #N a button.
    t.type("/as Amina")
    t.type("/start ev_DEMOAFR")
    t.expect("Africa regional consultation (demo)")
    t.type("#9")
    t.expect("(no button #9;")
    t.press("Take part")
    reference = t.wait_for(r"Registered: Africa regional consultation \(demo\).*?(R-\d{4}-\d{4})").group(1)

    # Files the bot sends are saved under the data directory, and the path is printed.
    t.type("/mydata")
    export = Path(t.wait_for(r"\(saved to ([^\n]+liaison-my-data\.json)\)").group(1))
    assert export.is_relative_to(tmp_path / "data")
    assert "Migrant Voices Collective" in export.read_text(encoding="utf-8")

    # Lin, a third person, files an anonymous report.
    t.type("/as Lin en")
    t.type("/report")
    t.press("A threat or reprisal")
    t.expect("immediate danger")  # asked first in a threat report
    t.press("No, nobody is")
    t.expect("What happened?")
    t.type("They took our badges at the door")
    t.expect("When did it happen?")
    t.type("early March")
    t.expect("In which country")
    t.type("Ruritania")
    if t.wait_for(r"Which of these|Who is affected\?").group(0) == "Which of these":
        t.press("Keep what I typed")
        t.expect("Who is affected?")
    t.type("my colleague")
    t.press("Done")
    t.press("Stay anonymous")
    t.press("Send")
    case = t.wait_for(r"(C-\d{4}-\d{4})").group(1)
    t.expect("shown only this once")

    # The demo liaison officer unlocks with the demo passphrase and opens the case.
    t.type("/as Liaison")
    t.type("/unlock")
    t.expect("Send your passphrase")
    t.type(passphrase)
    t.expect("Unlocked until")
    t.type("/cases")
    t.press(f"Open {case}")
    t.expect("They took our badges at the door")

    # A week later: the seven-day reminder reaches Amina in Telegram and by email.
    t.type("/clock 7d")
    t.expect("(say how far to move forward")
    t.type("/clock +7d")
    t.wait_for_all(  # the workers send while the clock still moves: in any order
        [
            r"\(the sandbox clock is now",
            r"bot → Amina: Reminder: Africa regional consultation \(demo\)",
            r"\(email to amina@example\.org: 'Reminder: Africa regional consultation \(demo\)'",
        ]
    )

    assert t.close() == 0
    assert reference.startswith("R-")
    saved = list((tmp_path / "data" / "sandbox-mail").glob("*.eml"))
    assert len(saved) >= 2
