"""The byte layout of a sealed value, and the errors every crypto module shares.

An envelope is::

    version (1 byte) | len(key_id) (1 byte) | key_id (ASCII) | nonce (12 bytes) | ciphertext + GCM tag

The key id travels in clear so a value can be opened after the active key has been
rotated. The error classes live here, in the module everything else imports, so that
`keyring` can import `envelope` without a cycle; `keyring` re-exports them.
"""

from __future__ import annotations

import re

ENVELOPE_VERSION = 1
NONCE_SIZE = 12  # 96 bits: the size AES-GCM is designed for; other sizes get hashed into one.
TAG_SIZE = 16
MAX_KEY_ID_LENGTH = 32

_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


class CryptoError(Exception):
    """Base of every error from `storage.crypto`.

    Messages name keys by id and say what to do; they never contain plaintext,
    ciphertext or key material, because they end up in logs.
    """


class MalformedEnvelopeError(CryptoError):
    """The bytes are not an envelope this version of Liaison can read."""


class UnknownKeyError(CryptoError):
    """The value was sealed with a key id the keyring does not have."""

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"sealed with key {key_id!r}, which is not in the keyring (LIAISON_DATA_KEYS or the key file)"
        )
        self.key_id = key_id

    def __reduce__(self) -> tuple[type[UnknownKeyError], tuple[str]]:
        # Exceptions pickle as cls(*args); args holds the message, not the key id.
        return (type(self), (self.key_id,))


class DecryptionError(CryptoError):
    """Authentication failed: wrong key, wrong associated data, or altered bytes."""


def is_valid_key_id(key_id: str) -> bool:
    """Whether `key_id` is 1 to 32 characters of [A-Za-z0-9_-] (safe to show in messages)."""
    return _KEY_ID.fullmatch(key_id) is not None


def header(key_id: str) -> bytes:
    """The version, key id length and key id that start every envelope for `key_id`."""
    if not is_valid_key_id(key_id):
        raise ValueError("key id must be 1 to 32 characters of A-Z, a-z, 0-9, '_' or '-'")
    encoded = key_id.encode("ascii")
    return bytes((ENVELOPE_VERSION, len(encoded))) + encoded


def pack(key_id: str, nonce: bytes, ciphertext: bytes) -> bytes:
    """Lay out an envelope from its parts; `ciphertext` includes the GCM tag."""
    if len(nonce) != NONCE_SIZE:
        raise ValueError(f"nonce must be {NONCE_SIZE} bytes, got {len(nonce)}")
    if len(ciphertext) < TAG_SIZE:
        raise ValueError(f"ciphertext must include the {TAG_SIZE}-byte tag")
    return header(key_id) + nonce + ciphertext


def unpack(envelope: bytes) -> tuple[str, bytes, bytes]:
    """Split an envelope into (key id, nonce, ciphertext with tag)."""
    if not isinstance(envelope, bytes | bytearray | memoryview):
        raise MalformedEnvelopeError(f"an envelope is bytes, not {type(envelope).__name__}")
    data = bytes(envelope)
    if len(data) < 2:
        raise MalformedEnvelopeError("envelope is too short to hold a header")
    if data[0] != ENVELOPE_VERSION:
        raise MalformedEnvelopeError(
            f"envelope version {data[0]} is not supported (expected {ENVELOPE_VERSION}); "
            "the column may hold data that was never sealed"
        )
    id_length = data[1]
    body_start = 2 + id_length
    if not 1 <= id_length <= MAX_KEY_ID_LENGTH or len(data) < body_start + NONCE_SIZE + TAG_SIZE:
        raise MalformedEnvelopeError("envelope is truncated or its key id length is invalid")
    try:
        key_id = data[2:body_start].decode("ascii")
    except UnicodeDecodeError:
        key_id = ""
    # Checked before the key id is ever shown, so an error message cannot carry arbitrary bytes.
    if not is_valid_key_id(key_id):
        raise MalformedEnvelopeError("envelope key id is not 1 to 32 characters of [A-Za-z0-9_-]")
    nonce = data[body_start : body_start + NONCE_SIZE]
    return key_id, nonce, data[body_start + NONCE_SIZE :]


def key_id_of(envelope: bytes) -> str:
    """The id of the key that sealed `envelope`, without opening it."""
    return unpack(envelope)[0]
