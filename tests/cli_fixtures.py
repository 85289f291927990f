"""Running `liaison` as a person does, on a fresh data directory with nothing optional set.

`run_cli([...])` calls `bot.cli.main.main` in this process (fast; what the `liaison` script
calls); `run_liaison([...])` starts the installed script in a subprocess (a few seconds each,
so only for the commands whose start-up is the point: --help, migrate, doctor, worker).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from bot.bootstrap import open_services
from bot.cli.main import main
from bot.services import Services
from bot.settings import load_settings

LIAISON = Path(sys.executable).with_name("liaison")
# What a fresh install has not set: the commands must work (or fail clearly) without any of it.
OPTIONAL = (
    "TELEGRAM_BOT_TOKEN", "LIAISON_BOT_TOKEN", "LIAISON_BOT_API_URL", "LIAISON_DATABASE_URL",
    "LIAISON_DATA_KEYS", "LIAISON_INDEX_KEY", "LIAISON_KEY_FILE", "LIAISON_SMTP_HOST",
    "LIAISON_SMTP_USERNAME", "LIAISON_SMTP_PASSWORD", "LIAISON_STAFF_CHAT_ID", "LIAISON_WEBHOOK_URL",
    "LIAISON_WEBHOOK_SECRET", "LIAISON_DEFAULT_LANGUAGE", "LIAISON_LOG_LEVEL",
)  # fmt: skip

T = TypeVar("T")


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def run_cli(args: Sequence[str], input: str = "") -> CliResult:
    """`liaison ARGS` in this process, with `input` as what the person types."""
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        _stdin(io.StringIO(input)),
    ):
        code = main(list(args))
    return CliResult(code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _stdin(stream: io.StringIO) -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = stream
    try:
        yield
    finally:
        sys.stdin = saved


def run_liaison(
    args: Sequence[str], home: Path, input: str = "", env: dict[str, str] | None = None
) -> CliResult:
    """The installed `liaison` script in a subprocess, in `home` with LIAISON_DATA_DIR=`home/data`."""
    process = subprocess.run(
        [str(LIAISON), *args],
        input=input,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=home,
        env=fresh_env(home) | (env or {}),
        timeout=120,
    )
    return CliResult(process.returncode, process.stdout, process.stderr)


def fresh_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in OPTIONAL}
    return env | {"LIAISON_DATA_DIR": str(home / "data"), "PYTHONUTF8": "1"}


def fails_with_one_line(result: CliResult, *fragments: str) -> str:
    """The command failed (non-zero) and said why in one line on stderr, naming each fragment."""
    assert result.code != 0, result.out
    assert "Traceback" not in result.err
    assert len(result.error_lines) == 1, result.err
    line = result.error_lines[0]
    for fragment in fragments:
        assert fragment in line, line
    return line


@contextlib.contextmanager
def fresh_install(home: Path) -> Iterator[Path]:
    """LIAISON_DATA_DIR in `home`, nothing optional set, the working directory without a .env.

    The commands configure logging for the process as `liaison` does; it is put back afterwards
    so that later tests do not log through it.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    with pytest.MonkeyPatch.context() as patch:
        for key in OPTIONAL:
            patch.delenv(key, raising=False)
        patch.setenv("LIAISON_DATA_DIR", str(home / "data"))
        patch.chdir(home)
        try:
            yield home / "data"
        finally:
            root.handlers[:] = handlers
            root.setLevel(level)


def with_services(work: Callable[[Services], Awaitable[T]]) -> T:
    """Run `work` against the installation's database, as the CLI opens it."""

    async def run() -> T:
        services = await open_services(load_settings())
        try:
            return await work(services)
        finally:
            await services.db.dispose()

    return asyncio.run(run())
