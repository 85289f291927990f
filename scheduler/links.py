"""Signed tokens for links in emails (one-click unsubscribe): our row id and a MAC, never the address.

The MAC key is derived from the keyring's index key under its own purpose, so no new secret
is needed and a token cannot be forged without the server's keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

from storage.crypto.keyring import Keyring

_MAC_BYTES = 16


def _key(keyring: Keyring, purpose: str) -> bytes:
    return keyring.blind_index("link-key", purpose)


def sign(keyring: Keyring, purpose: str, address_id: uuid.UUID) -> str:
    mac = hmac.new(_key(keyring, purpose), address_id.bytes, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(address_id.bytes + mac).decode().rstrip("=")


def verify(keyring: Keyring, purpose: str, token: str) -> uuid.UUID | None:
    """The address id a token was made for, or None when it is malformed or forged."""
    if not token or len(token) > 64:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        return None
    if len(raw) != 16 + _MAC_BYTES:
        return None
    address_id = uuid.UUID(bytes=raw[:16])
    expected = hmac.new(_key(keyring, purpose), raw[:16], hashlib.sha256).digest()[:_MAC_BYTES]
    return address_id if hmac.compare_digest(expected, raw[16:]) else None
