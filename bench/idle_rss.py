"""Resident memory of an idle `liaison run` and `liaison worker`, against the 120 MB of issue 16.

    python -m bench.idle_rss [--rounds 3] [--idle SECONDS]

Each process is the installed `liaison` script, started with a bot token and the Bot API URL of a
sandbox server that runs in this benchmark's own process, on a migrated throwaway data directory
(SQLite, key file) with nothing else optional set; the HTTP endpoint listens on a free port so it
cannot clash with another process on the machine. `liaison run` counts as started once the sandbox
sees its first getUpdates; `liaison worker` once it prints that its workers run. After `--idle`
seconds of nothing to do, VmRSS is read from /proc/<pid>/status (VmHWM gives the peak so far).
The default idle time lets every clock of the bot tick once (the latest first tick, 2 minutes
after start, plus 30 s), so what a tick loads is counted: about 8 minutes a round.

The baseline is a bare python-telegram-bot Application polling the same sandbox: the floor any
bot on this stack pays. The three kinds run alternately, `--rounds` times; medians are printed
with their ratio to the limit (below 1.00 is within it). Linux only (/proc).
"""

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

LIMIT_MB = 120.0
TOKEN = "7000000002:BENCH-not-a-real-token"
START_TIMEOUT = 120.0  # seconds; a cold start on a loaded 2-core machine takes several
STOP_TIMEOUT = 30.0
KINDS = ("liaison run", "liaison worker", "bare PTB bot")


@dataclass(frozen=True)
class Memory:
    """One idle process's resident set and its peak, in MB."""

    rss_mb: float
    peak_mb: float


def liaison_command() -> list[str]:
    """The `liaison` script beside this interpreter, as `make` installs it; else the same via -c."""
    script = Path(sys.executable).with_name("liaison")
    if script.exists():
        return [str(script)]
    found = shutil.which("liaison")
    if found:
        return [found]
    return [sys.executable, "-c", "from bot.cli.main import main; main()"]


def fresh_env(data_dir: Path) -> dict[str, str]:
    """This environment without any Liaison setting, then only what the benchmark needs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_") and k != "TELEGRAM_BOT_TOKEN"}
    return env | {"LIAISON_DATA_DIR": str(data_dir), "PYTHONUTF8": "1"}


def read_memory(pid: int) -> Memory:
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024  # kB
    return Memory(fields["VmRSS"], fields["VmHWM"])


async def wait_for(condition: Callable[[], bool], process: asyncio.subprocess.Process, what: str) -> None:
    """Until `condition()` holds; fails if the process ends first or START_TIMEOUT passes."""
    deadline = time.monotonic() + START_TIMEOUT
    while not condition():
        if process.returncode is not None:
            raise RuntimeError(f"{what} ended with status {process.returncode} before it was ready")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} was not ready within {START_TIMEOUT:.0f} s")
        await asyncio.sleep(0.1)


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()


async def idle_memory(
    command: list[str], env: dict[str, str], ready: Callable[[list[str]], bool], idle: float, what: str
) -> Memory:
    """Start `command`, wait until `ready(output lines so far)`, stay idle, read its memory."""
    lines: list[str] = []
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )

    async def collect() -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            lines.append(raw.decode(errors="replace").rstrip())

    reading = asyncio.create_task(collect())
    try:
        try:
            await wait_for(lambda: ready(lines), process, what)
        except RuntimeError:
            await stop(process)
            await reading
            sys.stderr.write("\n".join(lines[-20:]) + "\n")
            raise
        await asyncio.sleep(idle)
        if process.returncode is not None:
            raise RuntimeError(f"{what} ended with status {process.returncode} while idle")
        return read_memory(process.pid)
    finally:
        await stop(process)
        await reading


async def measure(
    liaison: list[str], env: dict[str, str], rounds: int, idle: float
) -> dict[str, list[Memory]]:
    """Each kind `rounds` times, alternating, against one sandbox in this process."""
    # Imported here: the baseline's child runs this module too, and must not pay for the sandbox.
    from bot.sandbox import SandboxServer

    results: dict[str, list[Memory]] = {kind: [] for kind in KINDS}
    async with SandboxServer() as sandbox:
        env = env | {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "LIAISON_BOT_API_URL": sandbox.base_url,
            "LIAISON_BOT_FILE_URL": sandbox.base_file_url,
            "LIAISON_HTTP_PORT": "0",  # a free port: another process may hold the default 8080
        }

        polls_before = 0

        def polled(_lines: list[str]) -> bool:
            return len(sandbox.calls_to("getUpdates")) > polls_before

        def workers_running(lines: list[str]) -> bool:
            return any("outbox workers running" in line for line in lines)

        commands: dict[str, tuple[list[str], Callable[[list[str]], bool]]] = {
            "liaison run": ([*liaison, "run"], polled),
            "liaison worker": ([*liaison, "worker"], workers_running),
            "bare PTB bot": ([sys.executable, "-m", "bench.idle_rss", "--bare-bot"], polled),
        }
        for round_number in range(rounds):
            # Alternate the order too, so no kind always runs right after the same other one.
            order = KINDS if round_number % 2 == 0 else tuple(reversed(KINDS))
            for kind in order:
                command, ready = commands[kind]
                polls_before = len(sandbox.calls_to("getUpdates"))
                memory = await idle_memory(command, env, ready, idle, kind)
                results[kind].append(memory)
                print(
                    f"  round {round_number + 1} {kind:<15} RSS {memory.rss_mb:6.1f} MB  peak {memory.peak_mb:6.1f} MB"
                )
    return results


async def bare_bot() -> None:
    """A PTB Application with one echo handler, polling the Bot API URL of the environment."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None and update.effective_message.text:
            await update.effective_message.reply_text(update.effective_message.text)

    app = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["LIAISON_BOT_API_URL"])
        .base_file_url(os.environ["LIAISON_BOT_FILE_URL"])
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stopping.set)  # the benchmark's stop
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        await stopping.wait()
        await app.updater.stop()
        await app.stop()


def every_clock_ticked() -> float:
    """Seconds after start by which every clock of `liaison run` has run once, plus a margin."""
    from bot.app import all_clocks

    return max(clock.first for clock in all_clocks()).total_seconds() + 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle", type=float, default=None, help="seconds idle before reading")
    parser.add_argument("--bare-bot", action="store_true", help=argparse.SUPPRESS)  # the baseline's child
    args = parser.parse_args()
    if args.bare_bot:
        os.environ.setdefault("PTB_TIMEDELTA", "1")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(bare_bot())
        return
    if args.idle is None:
        args.idle = every_clock_ticked()
    print(f"idle RSS after {args.idle:.0f} s idle, {args.rounds} rounds, limit {LIMIT_MB:.0f} MB")
    liaison = liaison_command()
    with tempfile.TemporaryDirectory() as home:
        env = fresh_env(Path(home) / "data")
        subprocess.run([*liaison, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
        results = asyncio.run(measure(liaison, env, args.rounds, args.idle))
    for kind in KINDS:
        rss = statistics.median(m.rss_mb for m in results[kind])
        peak = statistics.median(m.peak_mb for m in results[kind])
        print(
            f"{kind:<15} median RSS {rss:6.1f} MB (peak {peak:6.1f} MB); "
            f"limit {LIMIT_MB:.0f} MB; ratio {rss / LIMIT_MB:.2f}"
        )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
