"""Encrypted ("sealed") columns.

A sealed column holds an AES-GCM envelope in the database and plaintext on the ORM
object. The column type refuses to write anything but an envelope, so a plaintext value
can never reach the database by accident (a Core insert of a `str` fails loudly).
Sealing needs the row id, which a column type never sees, so it happens in mapper
events: just before a row is written its changed sealed attributes are replaced by
envelopes bound to table, column and row; just after, and whenever a row is loaded,
the attributes hold plaintext again. The keyring comes from the session's `info`,
set once by the session factory.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import LargeBinary, event
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Mapper, QueryContext, Session, object_session
from sqlalchemy.orm.attributes import get_history, set_committed_value
from sqlalchemy.types import TypeDecorator

from storage.crypto.keyring import Keyring, field_aad

KEYRING_INFO_KEY = "liaison.keyring"


class PlaintextWriteError(RuntimeError):
    """A sealed column was about to be written without sealing; the value is not included."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """Ciphertext as read from or written to a sealed column."""

    data: bytes

    def __repr__(self) -> str:
        return f"Envelope({len(self.data)} bytes)"


class SealedText(TypeDecorator[Any]):
    """Column type for sealed text: binary envelope in SQL, plaintext `str` on ORM objects."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, Envelope):
            return value.data
        raise PlaintextWriteError("a sealed column was given an unsealed value; seal it through the ORM")

    def process_result_value(self, value: Any, dialect: Dialect) -> Envelope | None:
        return None if value is None else Envelope(bytes(value))


def sealed_attributes(mapper: Mapper[Any]) -> list[tuple[str, str]]:
    """(attribute key, column name) of every sealed column of a mapped class."""
    cached: list[tuple[str, str]] | None = mapper.class_.__dict__.get("__sealed_attributes__")
    if cached is None:
        cached = [
            (prop.key, prop.columns[0].name)
            for prop in mapper.column_attrs
            if isinstance(prop.columns[0].type, SealedText)
        ]
        # Computed once per class: these run on every flush and load.
        type.__setattr__(mapper.class_, "__sealed_attributes__", cached)
    return cached


def keyring_of(session: Session | None) -> Keyring:
    if session is None or KEYRING_INFO_KEY not in session.info:
        raise RuntimeError("this session has no keyring; open sessions through storage.db.Database")
    keyring = session.info[KEYRING_INFO_KEY]
    assert isinstance(keyring, Keyring)
    return keyring


def _row_id(mapper: Mapper[Any], target: Any) -> str:
    primary_key = mapper.primary_key[0]
    prop = mapper.get_property_by_column(primary_key)
    value = getattr(target, prop.key)
    if value is None:
        # Sealing binds the row id, so it must be known before the INSERT.
        value = uuid.uuid4()
        setattr(target, prop.key, value)
    return str(value)


def _seal_changed(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    attributes = sealed_attributes(mapper)
    if not attributes:
        return
    keyring = keyring_of(object_session(target))
    table = mapper.local_table.name  # type: ignore[attr-defined]
    row = _row_id(mapper, target)
    pending: dict[str, str] = {}
    for key, column in attributes:
        value = getattr(target, key)
        if isinstance(value, str) and get_history(target, key).has_changes():
            pending[key] = value
            setattr(target, key, Envelope(keyring.seal_text(value, field_aad(table, column, row))))
    target.__dict__["_liaison_plaintext"] = pending


def _restore_plaintext(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    pending: dict[str, str] = target.__dict__.pop("_liaison_plaintext", {})
    for key, value in pending.items():
        set_committed_value(target, key, value)


def _open_loaded(target: Any, session: Session | None, keys: set[str] | None = None) -> None:
    mapper: Mapper[Any] = target.__mapper__
    attributes = sealed_attributes(mapper)
    if not attributes:
        return
    table = mapper.local_table.name  # type: ignore[attr-defined]
    keyring: Keyring | None = None
    for key, column in attributes:
        if keys is not None and key not in keys:
            continue
        value = target.__dict__.get(key)
        if isinstance(value, Envelope):
            keyring = keyring or keyring_of(session)
            row = _row_id(mapper, target)
            set_committed_value(target, key, keyring.open_text(value.data, field_aad(table, column, row)))


def install_sealing(base: type) -> None:
    """Register the sealing events on a declarative base (called once, by storage.models)."""

    event.listen(base, "before_insert", _seal_changed, propagate=True)
    event.listen(base, "before_update", _seal_changed, propagate=True)
    event.listen(base, "after_insert", _restore_plaintext, propagate=True)
    event.listen(base, "after_update", _restore_plaintext, propagate=True)

    def on_load(target: Any, context: QueryContext) -> None:
        _open_loaded(target, context.session)

    def on_refresh(target: Any, context: QueryContext, attrs: Any) -> None:
        _open_loaded(target, context.session, set(attrs) if attrs else None)

    event.listen(base, "load", on_load, propagate=True)
    event.listen(base, "refresh", on_refresh, propagate=True)
