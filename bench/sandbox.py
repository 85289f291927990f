"""How many sendMessage calls per second the sandbox answers for a bare python-telegram-bot client.

    python -m bench.sandbox [--messages 20000] [--concurrency 64]

Runs twice: with the server in this process (client and server share one core, the way tests run)
and with the server in a child process, where the CPU time of each side is measured apart: the
server's gives what the sandbox alone can answer per core, the client's what PTB's own HTTP stack
(httpx) costs per call. Benchmarks of the bot use the sandbox, so the sandbox must stay well above
the bot's own rates to measure the bot, not itself.
"""

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.sandbox import SandboxServer

TARGET_CALLS_PER_SECOND = 2000
TOKEN = "7000000001:BENCH-not-a-real-token"


@dataclass(frozen=True)
class Endpoint:
    """Where a sandbox listens and which chat the benchmark writes to."""

    base_url: str
    base_file_url: str
    chat_id: int


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds and this process's CPU seconds for one run."""

    seconds: float
    cpu_seconds: float


async def send_all(endpoint: Endpoint, messages: int, concurrency: int) -> Timing:
    """Send `messages` sendMessage calls over `concurrency` connections and time them."""
    request = HTTPXRequest(connection_pool_size=concurrency, pool_timeout=30.0, read_timeout=30.0)
    bot = Bot(TOKEN, base_url=endpoint.base_url, base_file_url=endpoint.base_file_url, request=request)
    remaining = iter(range(messages))

    async def worker() -> None:
        for number in remaining:
            await bot.send_message(
                endpoint.chat_id, f"Reminder {number}: the regional review starts at 10:00."
            )

    async with bot:
        await bot.send_message(endpoint.chat_id, "warm-up")  # open a connection before timing
        started, cpu_started = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return Timing(time.perf_counter() - started, time.process_time() - cpu_started)


def report(label: str, messages: int, seconds: float) -> None:
    """One plain result line."""
    rate = messages / seconds
    print(
        f"{label}: {messages} calls in {seconds:.1f} s = {rate:.0f} calls/s "
        f"(target {TARGET_CALLS_PER_SECOND}/s, ratio {rate / TARGET_CALLS_PER_SECOND:.2f})"
    )


async def in_process(messages: int, concurrency: int) -> None:
    """Server and client in one event loop."""
    async with SandboxServer() as server:
        user = server.add_user("Bench")
        endpoint = Endpoint(server.base_url, server.base_file_url, user.id)
        timing = await send_all(endpoint, messages, concurrency)
        sent = len(server.chat(user.id).bot_messages) - 1
        if sent != messages:
            raise SystemExit(f"the sandbox recorded {sent} messages, expected {messages}")
    report("sandbox sendMessage (same process)", messages, timing.seconds)


@dataclass
class ChildServer:
    """A sandbox running in a child process, driven over its stdin and stdout."""

    endpoint: Endpoint
    process: asyncio.subprocess.Process

    async def cpu_seconds(self) -> float:
        """CPU time the child has spent since it announced itself (ask once, at the end)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(b"cpu\n")
        await self.process.stdin.drain()
        answer = (await asyncio.wait_for(self.process.stdout.readline(), 30)).decode().split()
        return float(answer[1])


@contextlib.asynccontextmanager
async def child_server() -> AsyncIterator[ChildServer]:
    """A sandbox in a child process; it announces its endpoint on stdout and stops when stdin closes."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.sandbox",
        "--serve",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stdin is not None
    try:
        ready = (await asyncio.wait_for(process.stdout.readline(), 30)).decode().split()
        if len(ready) != 4 or ready[0] != "READY":
            raise RuntimeError(f"the sandbox child process did not start: {ready!r}")
        yield ChildServer(Endpoint(ready[1], ready[2], int(ready[3])), process)
    finally:
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


async def in_child_process(messages: int, concurrency: int) -> None:
    """Server in its own process, so client and server each get a core when there are two; the
    server's CPU time per call gives what the sandbox alone can answer on one core."""
    async with child_server() as child:
        timing = await send_all(child.endpoint, messages, concurrency)
        server_cpu = await child.cpu_seconds()
    report("sandbox sendMessage (server in child process)", messages, timing.seconds)
    capacity = messages / server_cpu
    print(
        f"sandbox server CPU: {server_cpu:.2f} s for {messages} calls = {server_cpu / messages * 1e6:.0f} µs/call, "
        f"capacity {capacity:.0f} calls/s per core (ratio {capacity / TARGET_CALLS_PER_SECOND:.2f})"
    )
    print(
        f"PTB client CPU: {timing.cpu_seconds:.2f} s for {messages} calls = "
        f"{timing.cpu_seconds / messages * 1e6:.0f} µs/call, at most {messages / timing.cpu_seconds:.0f} calls/s per core"
    )


async def serve() -> None:
    """The child process: run a sandbox until stdin closes; a line on stdin asks for its CPU time."""
    async with SandboxServer() as server:
        user = server.add_user("Bench")
        loop = asyncio.get_running_loop()
        cpu_at_start = time.process_time()
        print(f"READY {server.base_url} {server.base_file_url} {user.id}", flush=True)
        while await loop.run_in_executor(None, sys.stdin.readline):
            print(f"CPU {time.process_time() - cpu_at_start:.4f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--no-child", action="store_true", help="skip the run with the server in a child process"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve())
        return
    asyncio.run(in_process(args.messages, args.concurrency))
    if not args.no_child:
        asyncio.run(in_child_process(args.messages, args.concurrency))


if __name__ == "__main__":
    main()
