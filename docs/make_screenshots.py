"""Screenshots of the sandbox chat for docs/staff-guide.md, made from a real run.

    .venv/bin/python docs/make_screenshots.py [--out docs/screenshots]

Runs `liaison run` without a token on a throwaway data directory with the demo loaded, types
each scene's lines one at a time (waiting until the bot is quiet after each), and renders what
the terminal showed (typed lines marked "> ") as a PNG per scene with Pillow, in DejaVu Sans
Mono. Re-run it after a change to the dialogs; the images are committed.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

LIAISON = [sys.executable, "-c", "from bot.cli.main import main; main()"]
QUIET_SECONDS = 1.5
WIDTH_COLUMNS = 92
MOST_LINES = 44

# Each scene: a file name, the lines typed before it (not shown), the lines typed in it (shown).
# "@Label" presses the button so labelled on screen (typed as its #N).
SCENES: list[tuple[str, list[str], list[str]]] = [
    ("1-start", [], ["/as Amina en", "/start", "@English"]),
    (
        "2-events",
        ["@Continue", "@Yes, I agree", "@Yes, I agree", "@Yes, I agree", "Migrant Voices Collective",
         "@Civil society organisations", "Kenya", "@Skip", "@Yes, that is right", "@No, Telegram only",
         "@Skip these questions", "@Done", "@Done"],
        ["/events", "/start ev_DEMOAFR", "@Take part"],
    ),
    ("3-report", [], ["/as Lin en", "/report", "@A threat or reprisal", "They took our badges at the door"]),
    ("4-report-sent", ["early March", "Ruritania", "@Keep what I typed", "my colleague", "@No", "@Done"], ["@Stay anonymous", "@Send"]),
    ("5-staff-cases", [], ["/as Liaison", "/unlock", "demo-only passphrase", "/cases", "@Open"]),
    ("6-clock", [], ["/as Amina", "/clock +7d"]),
]  # fmt: skip


class Session:
    """`liaison run` with piped input; collects what it prints, and waits for it to go quiet."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [*LIAISON, "run"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.buttons = ""
        self.last: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.lines.get(timeout=max(0.1, deadline - time.monotonic())):
            pass
        self.read_until_quiet()

    def read_until_quiet(self) -> list[str]:
        seen: list[str] = []
        while True:
            try:
                line = self.lines.get(timeout=QUIET_SECONDS)
            except queue.Empty:
                self.last = seen[-8:] or self.last
                return seen
            seen.append(line)
            if line.startswith("  [#1] "):
                self.buttons = line

    def type(self, line: str) -> list[str]:
        assert self.process.stdin is not None
        if line.startswith("@"):
            line = self.button(line[1:])
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.read_until_quiet()

    def button(self, label: str) -> str:
        """#N of the button on screen whose label is, or else contains, `label`."""
        parts = re.split(r"\[#(\d+)\] ", self.buttons.strip())
        buttons = [(parts[i], parts[i + 1].strip()) for i in range(1, len(parts) - 1, 2)]
        chosen = [n for n, text in buttons if text == label] or [n for n, text in buttons if label in text]
        if not chosen:
            raise SystemExit(f"no button {label!r} on screen: {self.buttons!r}; last output: {self.last!r}")
        return f"#{chosen[0]}"

    def close(self) -> None:
        self.type("/quit")
        self.process.wait(timeout=30)


def render(lines: list[str], target: Path) -> None:
    font_path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
    if not font_path.exists():
        import matplotlib

        font_path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSansMono.ttf"
    font = ImageFont.truetype(str(font_path), 15)
    wrapped: list[tuple[str, bool]] = []
    for line in lines:
        typed = line.startswith("> ")
        for part in textwrap.wrap(line, WIDTH_COLUMNS, subsequent_indent="     ") or [""]:
            wrapped.append((part, typed))
    wrapped = wrapped[-MOST_LINES:]
    step = 20
    image = Image.new("RGB", (WIDTH_COLUMNS * 9 + 40, step * len(wrapped) + 30), (30, 32, 36))
    draw = ImageDraw.Draw(image)
    for row, (text, typed) in enumerate(wrapped):
        colour = (120, 200, 255) if typed else (225, 225, 225)
        draw.text((20, 15 + row * step), text, font=font, fill=colour)
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "screenshots")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("LIAISON_") and k != "TELEGRAM_BOT_TOKEN"
        }
        env |= {"LIAISON_DATA_DIR": data_dir, "LIAISON_DEMO": "yes", "LIAISON_OUTBOX_HTTP_ENABLED": "false"}
        subprocess.run([*LIAISON, "migrate"], env=env, check=True, capture_output=True)
        session = Session(env)
        session.wait_for("Chatting with @")  # after the demo data, whose staff keys take seconds
        for name, before, shown in SCENES:
            for line in before:
                session.type(line)
            transcript: list[str] = []
            for line in shown:
                transcript.append(f"> {session.button(line[1:]) if line.startswith('@') else line}")
                transcript.extend(session.type(line))
            render(transcript, args.out / f"{name}.png")
            print(f"wrote {args.out / f'{name}.png'}")
        session.close()


if __name__ == "__main__":
    main()
