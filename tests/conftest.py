"""Shared fixtures: databases on both backends, keyrings, the Bot API sandbox, SMTP, a running bot."""

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
