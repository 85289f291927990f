"""The real bot as a process of its own, polling a sandbox, for crash tests (`python -m tests.bot_process`).

Built by the same application factory as `liaison run`; prints "ready" once it polls. A test
kills it with SIGKILL, as a crash would, and starts another on the same database; with
`--wait-for-go` the process imports everything and waits for a line on stdin before it starts.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from telegram import Update

from bot.app import build_application, start_features, stop_features
from bot.i18n import Translator
from bot.services import Services
from bot.settings import Settings
from scheduler.clock import system_clock
from storage.db import Database
from tests.worker_process import keyring_from_json


async def _main(arguments: argparse.Namespace) -> None:
    if arguments.wait_for_go:
        # A spare, imported ahead: it starts when told, so a restart costs no import time.
        print("imported", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    db = Database(arguments.database, keyring_from_json(os.environ["LIAISON_TEST_KEYRING"]))
    settings = Settings(_env_file=None, data_dir=Path(arguments.data_dir), database_url=arguments.database)  # type: ignore[call-arg]
    services = Services(settings=settings, db=db, translator=Translator(), clock=system_clock)
    app = build_application(services, base_url=arguments.base_url, base_file_url=arguments.base_file_url)
    await app.initialize()
    await start_features(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES)
    print("ready", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await app.updater.stop()
    await app.stop()
    await stop_features(app)
    await app.shutdown()
    await db.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the bot against a sandbox until killed (tests).")
    parser.add_argument("--database", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--base-file-url", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--wait-for-go", action="store_true")
    asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
