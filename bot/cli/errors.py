"""Errors the CLI reports as one clear line, never a traceback."""

from __future__ import annotations

from bot.settings import ConfigError
from storage.crypto.keyring import CryptoError
from storage.db import KeyMismatchError
from storage.migrate import SchemaOutOfDateError

EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    ConfigError,
    CryptoError,
    KeyMismatchError,
    SchemaOutOfDateError,
)
