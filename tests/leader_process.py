"""A process that competes for the clock leadership (`python -m tests.leader_process URL --retry 0.2`).

It runs `scheduler.leadership.Leadership` against a PostgreSQL database and prints `leading`
(flushed) each time it becomes the leader and `following` when it steps down, until killed.
Used by tests/test_leadership.py to kill a real leader with SIGKILL and watch another take over.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from sqlalchemy.ext.asyncio import create_async_engine

from scheduler.leadership import Leadership


async def run(url: str, retry: float, lock_id: int) -> None:
    engine = create_async_engine(url)
    leadership = Leadership(engine, retry=retry, lock_id=lock_id)
    await leadership.start()
    print("started", flush=True)
    leading = False
    try:
        while True:
            if leadership.is_leader != leading:
                leading = leadership.is_leader
                print("leading" if leading else "following", flush=True)
            leadership.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(leadership.changed.wait(), timeout=retry)
    finally:
        await leadership.stop()
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description="Compete for the clock leadership until killed.")
    parser.add_argument("url")
    parser.add_argument("--retry", type=float, default=15.0, help="seconds between tries (production: 15)")
    parser.add_argument("--lock-id", type=int, default=4343)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.retry, args.lock_id))


if __name__ == "__main__":
    main()
