"""/start's invitation payload. The /start dialog itself is onboarding (bot/handlers/onboarding)."""

from __future__ import annotations

from bot.services import Context

START_PAYLOAD_KEY = "start_payload"
MAX_PAYLOAD = 64  # Telegram's own limit for deep-link payloads


def keep_start_payload(context: Context) -> None:
    """An invitation link's payload (`/start ev_CODE`) is kept for the dialog it opens."""
    assert context.user_data is not None
    if context.args:
        payload = context.args[0][:MAX_PAYLOAD]
        if payload.replace("_", "").replace("-", "").isalnum():
            context.user_data[START_PAYLOAD_KEY] = payload
