"""Content-free alerts to staff about confidential cases (R20): a new case, new information.

Every liaison staff member and administrator is told in their private chat with the bot, in
their language, through the outbox, in the same transaction that stored the case — whether or
not a staff group is configured; the group (`LIAISON_STAFF_CHAT_ID`), when set, is told too,
in the default language. An alert names the case reference and nothing else.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translation
from scheduler.notices import CASE_HANDLERS, Notice, Notices, Recipient, Text, recipient, staff_recipients
from storage.crypto.keyring import Keyring
from storage.repositories import profiles


async def alert(
    session: AsyncSession,
    notices: Notices,
    keyring: Keyring,
    reference: str,
    *,
    urgent: bool,
    update: bool = False,
    staff_chat_id: int | None,
    group_language: str,
    now: datetime,
) -> int:
    """Queue the alert for every case handler (and the staff group); returns how many were reached."""

    def render(t: Translation, _zone: str | None) -> Text:
        if update:
            text = t._("New information on case {reference}.")
        elif urgent:
            text = t._("New urgent case {reference}.")
        else:
            text = t._("New case {reference}.")
        return Text(text.format(reference=reference))

    # A new case is alerted once per person; each piece of new information once more.
    occasion = f"update:{uuid.uuid4().hex}" if update else "new"
    targets: list[tuple[str, Recipient]] = [
        (str(member_id), person)
        for member_id, person in await staff_recipients(session, keyring, CASE_HANDLERS, now=now)
    ]
    if staff_chat_id is not None:
        group = await profiles.ensure_person(
            session, keyring, staff_chat_id, now=now, language=group_language
        )
        found = await recipient(session, group.id)
        if found is not None:
            targets.append(("group", found))
    routed = await notices.send(
        session,
        [
            Notice(f"case-alert:{reference}:{occasion}:{who}", person, render, protect_content=True)
            for who, person in targets
        ],
        now=now,
    )
    return sum(1 for r in routed if r.reached)
