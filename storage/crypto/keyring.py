"""Data keys for sealing personal fields with AES-256-GCM, and the key for blind indexes.

Each sealed value names the key that sealed it, so a keyring may hold old keys (to
open existing values) and one active key (the last, used for every new seal). Values
are bound to their place in the database through associated data built by
`field_aad`, so a ciphertext copied to another row or column does not open.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.crypto import envelope as _envelope
from storage.crypto.envelope import (
    NONCE_SIZE,
    CryptoError,
    DecryptionError,
    MalformedEnvelopeError,
    UnknownKeyError,
    is_valid_key_id,
)

__all__ = [
    "KEY_SIZE",
    "CryptoError",
    "DataKey",
    "DecryptionError",
    "Keyring",
    "MalformedEnvelopeError",
    "UnknownKeyError",
    "field_aad",
    "next_key_id",
]

KEY_SIZE = 32  # AES-256 and a 256-bit HMAC key.

# Prefixed to every field's associated data so it can never equal associated data
# built for some other purpose, and so the layout can change under a new label.
_FIELD_AAD_LABEL = b"liaison.field.v1"
_NUMBERED_ID = re.compile(r"k([0-9]+)")
_UUID_TEXT_LENGTH = (36).to_bytes(4, "big")


@dataclass(frozen=True)
class DataKey:
    """One AES-256 data key and the id recorded in every envelope it seals."""

    key_id: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.key_id, str) or not is_valid_key_id(self.key_id):
            raise ValueError("key id must be 1 to 32 characters of A-Z, a-z, 0-9, '_' or '-'")
        if not isinstance(self.secret, bytes) or len(self.secret) != KEY_SIZE:
            raise ValueError(f"data key {self.key_id!r} must be exactly {KEY_SIZE} bytes")

    @classmethod
    def generate(cls, key_id: str) -> DataKey:
        """A fresh random key from the operating system's CSPRNG."""
        return cls(key_id, os.urandom(KEY_SIZE))


def next_key_id(existing: Sequence[str]) -> str:
    """The next "k<N>" after the highest numbered id in `existing` ("k1" if there is none)."""
    numbers = [int(match.group(1)) for key_id in existing if (match := _NUMBERED_ID.fullmatch(key_id))]
    return f"k{max(numbers, default=0) + 1}"


def field_aad(table: str, column: str, row_id: object) -> bytes:
    """Associated data binding a sealed value to one table, column and row.

    Each part is length-prefixed, so ("ab", "c") and ("a", "bc") differ. The row id is
    encoded by its text: the int 7 and the string "7" give the same bytes, as do a
    UUID and its canonical string, because callers hold ids in either form.
    """
    if not table or not column:
        raise ValueError("field_aad needs a table and a column name")
    return _field_aad_prefix(table, column) + _row_part(row_id)


def _field_aad_prefix(table: str, column: str) -> bytes:
    encoded = (_FIELD_AAD_LABEL, table.encode("utf-8"), column.encode("utf-8"))
    return b"".join(len(part).to_bytes(4, "big") + part for part in encoded)


def _row_part(row_id: object) -> bytes:
    if row_id is None:
        raise TypeError("row id is None: give the row its id before sealing its fields")
    if isinstance(row_id, bool) or not isinstance(row_id, int | str | uuid.UUID):
        raise TypeError(f"row id must be an int, str or UUID, not {type(row_id).__name__}")
    row_text = str(row_id).encode("utf-8")
    if not row_text:
        raise ValueError("row id must not be empty")
    return len(row_text).to_bytes(4, "big") + row_text


class Keyring:
    """Data keys by id (the last is active) plus the separate blind-index key."""

    def __init__(self, data_keys: Sequence[DataKey], index_key: bytes) -> None:
        keys = tuple(data_keys)
        if not keys:
            raise CryptoError("a keyring needs at least one data key")
        ids = [key.key_id for key in keys]
        duplicates = sorted({key_id for key_id in ids if ids.count(key_id) > 1})
        if duplicates:
            raise CryptoError(f"data key id(s) used more than once: {', '.join(duplicates)}")
        if len({key.secret for key in keys}) != len(keys):
            # Two ids for one key is a copy-and-paste slip, and would make rotation a no-op.
            raise CryptoError("two data keys have the same secret; each key id needs its own key")
        if not isinstance(index_key, bytes) or len(index_key) != KEY_SIZE:
            raise CryptoError(f"the index key must be exactly {KEY_SIZE} bytes")
        if any(hmac.compare_digest(index_key, key.secret) for key in keys):
            # A shared key would let blind indexes and ciphertexts be related; keep them apart.
            raise CryptoError("the index key must differ from every data key")
        self._keys = keys
        self._by_id = {key.key_id: key for key in keys}
        self._index_key = index_key
        # One cipher object per key: building AESGCM costs as much as sealing a short value.
        self._ciphers = {key.key_id: AESGCM(key.secret) for key in keys}
        self._active_header = _envelope.header(keys[-1].key_id)

    @property
    def active_key_id(self) -> str:
        """The id of the key new values are sealed with."""
        return self._keys[-1].key_id

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every key id, oldest first."""
        return tuple(key.key_id for key in self._keys)

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        """Encrypt `plaintext` under the active key with a fresh random nonce."""
        active = self._keys[-1]
        nonce = os.urandom(NONCE_SIZE)
        ciphertext = self._ciphers[active.key_id].encrypt(nonce, plaintext, self._active_header + aad)
        # `_envelope.pack`'s layout; its checks hold by construction, and its header is built once.
        return self._active_header + nonce + ciphertext

    def seal_column(
        self, table: str, column: str, values: Sequence[tuple[uuid.UUID | int | str, str | None]]
    ) -> list[bytes | None]:
        """`seal_text` of many (row id, text) values of one column, each bound to its row by `field_aad`.

        The batch path of writers that insert many rows at once: what every value shares (the
        cipher, the envelope header, the table and column part of the associated data) is built
        once, and the nonces, fresh and random as in `seal`, are drawn in one read. A None text
        stays None. Each result opens with `open_text(envelope, field_aad(table, column, row_id))`.
        """
        if not table or not column:
            raise ValueError("seal_column needs a table and a column name")
        header = self._active_header
        encrypt = self._ciphers[self._keys[-1].key_id].encrypt
        prefix = header + _field_aad_prefix(table, column)
        count = sum(1 for _row_id, text in values if text is not None)
        nonces = os.urandom(NONCE_SIZE * count)
        sealed: list[bytes | None] = []
        offset = 0
        for row_id, text in values:
            if text is None:
                sealed.append(None)
                continue
            nonce = nonces[offset : offset + NONCE_SIZE]
            offset += NONCE_SIZE
            # A UUID's text always has 36 characters: its length prefix is a constant.
            row = (
                _UUID_TEXT_LENGTH + str(row_id).encode()
                if row_id.__class__ is uuid.UUID
                else _row_part(row_id)
            )
            aad = prefix + row
            sealed.append(header + nonce + encrypt(nonce, text.encode("utf-8"), aad))
        return sealed

    def open(self, envelope: bytes, aad: bytes) -> bytes:
        """Decrypt an envelope sealed by `seal` with the same `aad`."""
        key_id, nonce, ciphertext = _envelope.unpack(envelope)
        key = self._by_id.get(key_id)
        if key is None:
            raise UnknownKeyError(key_id)
        try:
            # The header is authenticated too, so its version and key id cannot be altered.
            return self._ciphers[key_id].decrypt(nonce, ciphertext, _envelope.header(key_id) + aad)
        except InvalidTag:
            raise DecryptionError(
                f"a value sealed with key {key_id!r} failed authentication: the key is wrong, the value "
                "belongs to another table, column or row, or it was altered"
            ) from None

    def seal_text(self, text: str, aad: bytes) -> bytes:
        """`seal` for text, stored as UTF-8."""
        return self.seal(text.encode("utf-8"), aad)

    def open_text(self, envelope: bytes, aad: bytes) -> str:
        """`open` for values sealed by `seal_text`."""
        plaintext = self.open(envelope, aad)
        try:
            return plaintext.decode("utf-8")
        except UnicodeDecodeError:
            # The codec's message quotes the offending byte, which is plaintext.
            raise CryptoError("the value opened, but it is binary data, not UTF-8 text") from None

    def needs_reseal(self, envelope: bytes) -> bool:
        """Whether `envelope` was sealed under a key other than the active one."""
        return _envelope.key_id_of(envelope) != self.active_key_id

    def reseal(self, envelope: bytes, aad: bytes) -> bytes:
        """Open `envelope` and seal it again under the active key.

        The envelope is always opened, so a rotation job notices a value it cannot read;
        one already under the active key is returned unchanged rather than rewritten.
        """
        plaintext = self.open(envelope, aad)
        if not self.needs_reseal(envelope):
            return envelope
        return self.seal(plaintext, aad)

    def blind_index(self, purpose: str, normalised_value: str) -> bytes:
        """A 32-byte keyed digest of `normalised_value`, for equality lookups.

        `purpose` separates indexes ("email" and "phone" digests of one string differ)
        and must not contain NUL, which delimits it from the value.
        """
        if not purpose or "\x00" in purpose:
            raise ValueError("blind index purpose must be non-empty and contain no NUL character")
        message = purpose.encode("utf-8") + b"\x00" + normalised_value.encode("utf-8")
        return hmac.new(self._index_key, message, hashlib.sha256).digest()

    def with_new_key(self) -> tuple[Keyring, DataKey]:
        """A keyring with a fresh random key appended as the active one, and that key."""
        new_key = DataKey.generate(next_key_id(self.key_ids))
        return Keyring([*self._keys, new_key], self._index_key), new_key

    def without_keys(self, *key_ids: str) -> Keyring:
        """This keyring minus retired data keys (after every value has been resealed); same index key."""
        unknown = sorted(set(key_ids) - set(self.key_ids))
        if unknown:
            raise CryptoError(f"cannot retire key(s) not in the keyring: {', '.join(unknown)}")
        if self.active_key_id in key_ids:
            raise CryptoError(f"cannot retire the active key {self.active_key_id!r}; add a new key first")
        return Keyring([key for key in self._keys if key.key_id not in key_ids], self._index_key)

    def __repr__(self) -> str:
        return f"Keyring(key_ids={self.key_ids!r}, active={self.active_key_id!r})"
