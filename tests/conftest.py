"""Shared fixtures: databases on both backends, keyrings, the Bot API sandbox, SMTP, a running bot."""

import os

# PTB 22 warns on every number-valued duration; opt in to timedeltas as the entry points do.
# Subprocesses the tests start inherit it.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from tests.bot_fixtures import bot_services, new_person, running_bot, sandbox
from tests.database_fixtures import (
    database,
    database_url,
    keyring,
    postgres_url,
    sqlite_database,
    sqlite_template,
    sqlite_url,
)
from tests.smtp_fixtures import smtp_server

__all__ = [
    "bot_services",
    "database",
    "database_url",
    "keyring",
    "new_person",
    "postgres_url",
    "running_bot",
    "sandbox",
    "smtp_server",
    "sqlite_database",
    "sqlite_template",
    "sqlite_url",
]
