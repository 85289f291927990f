"""Turning settings into running services: keys, database, translations."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services import Services
from bot.settings import Settings
from scheduler.clock import Clock, system_clock
from storage.crypto.key_source import load_keyring
from storage.crypto.keyring import Keyring
from storage.db import Database, KeyMismatchError, no_usable_key_message, sealed_key_ids
from storage.migrate import check_schema

# Besides the people's updates: the outbox workers' claims and outcomes, the clocks, the web console.
BACKGROUND_CONNECTIONS = 8


async def refuse_new_keys_for_sealed_data(settings: Settings) -> None:
    """A key file that would be created now could never open data already sealed: when keys come
    from the key file, it is missing and the database holds sealed data, stop as `run` does."""
    if settings.data_keys is not None or settings.index_key is not None:
        return
    if settings.resolved_key_file.exists():
        return
    key_ids = await sealed_key_ids(settings.resolved_database_url)
    if key_ids:
        raise KeyMismatchError(no_usable_key_message(key_ids))


def keyring_from(settings: Settings, *, create: bool = True) -> Keyring:
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return load_keyring(
        data_keys_env=settings.data_keys.get_secret_value() if settings.data_keys else None,
        index_key_env=settings.index_key.get_secret_value() if settings.index_key else None,
        key_file=settings.resolved_key_file,
        create=create,
    )


async def open_services(
    settings: Settings, *, clock: Clock = system_clock, keyring: Keyring | None = None
) -> Services:
    """Services for a process; raises KeyMismatchError when the keys do not fit the database."""
    if keyring is None:
        await refuse_new_keys_for_sealed_data(settings)
    db = Database(
        settings.resolved_database_url,
        keyring or keyring_from(settings),
        connections=settings.updates_at_once + BACKGROUND_CONNECTIONS,
    )
    try:
        await check_schema(db.engine, db.url)
        await db.verify_keys(now=clock())
    except BaseException:
        await db.dispose()
        raise
    return Services(
        settings=settings, db=db, translator=Translator(default=settings.default_language), clock=clock
    )
