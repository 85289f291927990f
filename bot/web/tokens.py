"""Random tokens for links and cookies, their stored hashes, and the CSRF token of a session."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from storage.crypto.keyring import Keyring

CSRF_PURPOSE = "web:csrf"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    """What the database keeps: a 256-bit random token needs no slow hash, only a one-way one."""
    return hashlib.sha256(token.encode()).digest()


def csrf_token(keyring: Keyring, session_token: str) -> str:
    """Derived from the session cookie with a server key: a page of another site cannot know it."""
    digest = keyring.blind_index(CSRF_PURPOSE, session_token)
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
