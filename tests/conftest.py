"""Shared fixtures: databases on both backends, keyrings, the Bot API sandbox, SMTP, a running bot."""

from tests.database_fixtures import (
    database,
    database_url,
    keyring,
    postgres_url,
    sqlite_database,
    sqlite_template,
    sqlite_url,
)

__all__ = [
    "database",
    "database_url",
    "keyring",
    "postgres_url",
    "sqlite_database",
    "sqlite_template",
    "sqlite_url",
]
