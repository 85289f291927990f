"""A staff reply to an identified reporter (R20): relayed to their chat, and nowhere else.

The reporter chose "reply to me in this chat": the reply goes to their Telegram chat only (never
to an email address), in their language, protected from forwarding, holding exactly what staff
wrote and the case reference.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translation
from scheduler.notices import Notice, Notices, Routed, Text, recipient
from storage.models import Channel
from storage.repositories import case_replies

CHAT_ONLY = (Channel.TELEGRAM.value,)


async def relay_reply(
    session: AsyncSession,
    notices: Notices,
    person_id: uuid.UUID,
    reference: str,
    message_id: uuid.UUID,
    text: str,
    *,
    now: datetime,
) -> Routed | None:
    """Queue the reply; None or an unreached `Routed` when the reporter's chat cannot be reached."""
    reporter = await recipient(session, person_id)
    if reporter is None:
        return None

    def render(t: Translation, _zone: str | None) -> Text:
        return Text(
            t._("About your case {reference}, the liaison office writes:\n{text}").format(
                reference=reference, text=text
            )
        )

    key = case_replies.reply_key(message_id).removesuffix(case_replies.CHAT)  # the channel is appended
    notice = Notice(key, reporter, render, channels=CHAT_ONLY, protect_content=True)
    [routed] = await notices.send(session, [notice], now=now)
    return routed
