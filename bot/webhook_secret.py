"""The webhook's shared secret: what a good one looks like, and a fresh one.

Telegram sends it in `X-Telegram-Bot-Api-Secret-Token` with every webhook call; without
it anyone who finds the URL can post updates that look like they come from staff. It
must be at least 32 characters of Telegram's alphabet (A-Z, a-z, 0-9, _ and -) and look
random, which `liaison keys generate` gives.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings

MIN_LENGTH = 32
MIN_DISTINCT = 16  # a random 32-character token has about 25 distinct characters
_ALPHABET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def new_secret() -> str:
    """43 characters from 32 random bytes, in the alphabet Telegram accepts."""
    return secrets.token_urlsafe(32)


def secret_problem(secret: str | None) -> str | None:
    """Why `secret` will not do as a webhook secret (never quoting it), or None when it will."""
    if not secret:
        return "LIAISON_WEBHOOK_SECRET is not set; webhook mode needs it (see `liaison keys generate`)"
    if not _ALPHABET.fullmatch(secret):
        return "LIAISON_WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, '_' and '-' (at most 256)"
    if len(secret) < MIN_LENGTH:
        return f"LIAISON_WEBHOOK_SECRET is too short: at least {MIN_LENGTH} random characters"
    if len(set(secret)) < MIN_DISTINCT:
        return "LIAISON_WEBHOOK_SECRET does not look random; use the one `liaison keys generate` prints"
    return None


def webhook_problem(settings: Settings) -> str | None:
    """Why webhook mode cannot start with `settings`; None when it can, or when it is off."""
    if not settings.webhook_url:
        return None
    return secret_problem(settings.webhook_secret.get_secret_value() if settings.webhook_secret else None)
