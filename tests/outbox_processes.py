"""Worker subprocesses for the outbox fault tests: start, wait until ready, read their log."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log: Path
    waiting: bool = False  # a spare that waits for "go"
    _imported: bool = False

    async def expect(self, word: bytes) -> None:
        if word == b"imported" and self._imported:
            return
        assert self.process.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(self.process.stdout.readline), 60)
        assert line.strip() == word, (line, self.log.read_text(errors="replace")[-2000:])
        if word == b"imported":
            self._imported = True

    def lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines() if self.log.exists() else []

    def errors(self) -> list[str]:
        return [line for line in self.lines() if line.startswith("ERROR")]

    def tail(self, lines: int = 60) -> str:
        """The end of the log without the per-send HTTP lines: what a failed assertion shows."""
        kept = [line for line in self.lines() if "HTTP Request:" not in line]
        return "\n".join(kept[-lines:])

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    async def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.process.wait, 15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def start_worker(
    url: str, sandbox: SandboxServer, keyring_json: str, tmp_path: Path, *options: str, name: str = "worker"
) -> WorkerProcess:
    """A worker process (`tests.worker_process`), returned once it says it is ready."""
    worker = spare_worker(url, sandbox, keyring_json, tmp_path, *options, name=name, wait_for_go=False)
    return await go(worker)


def spare_worker(
    url: str,
    sandbox: SandboxServer,
    keyring_json: str,
    tmp_path: Path,
    *options: str,
    name: str = "worker",
    wait_for_go: bool = True,
) -> WorkerProcess:
    """A worker process that imports everything and waits for `go` (a restart without import time)."""
    log = tmp_path / f"{name}-{os.urandom(3).hex()}.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.worker_process",
                "--database",
                url,
                "--base-url",
                sandbox.base_url,
                "--data-dir",
                str(tmp_path),
                *options,
                *(["--wait-for-go"] if wait_for_go else []),
            ],
            cwd=ROOT,
            env={**os.environ, "LIAISON_TEST_KEYRING": keyring_json},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    return WorkerProcess(process, log, waiting=wait_for_go)


async def imported(worker: WorkerProcess) -> WorkerProcess:
    await worker.expect(b"imported")
    return worker


async def go(worker: WorkerProcess) -> WorkerProcess:
    """Start a worker (a spare is told to go) and return once it says it is ready."""
    if worker.waiting:
        await imported(worker)
        assert worker.process.stdin is not None
        worker.process.stdin.write(b"go\n")
        worker.process.stdin.flush()
    await worker.expect(b"ready")
    return worker


def delivered(sandbox: SandboxServer, prefix: str) -> Counter[str]:
    """How many times each text starting with `prefix` was delivered."""
    return Counter(
        str(call.params.get("text"))
        for call in sandbox.calls_to("sendMessage")
        if call.ok and str(call.params.get("text", "")).startswith(prefix)
    )


class CuttableProxy:
    """A TCP proxy between a worker and PostgreSQL that the test can cut (drop and refuse) and restore."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def cut(self) -> None:
        """Drop every open connection and refuse new ones."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def restore(self) -> None:
        await self.start()

    async def stop(self) -> None:
        await self.cut()
