"""Times shown to a staff member in their own zone: the one on their person profile, else UTC."""

from __future__ import annotations

from telegram import Update

from bot.services import Context, services
from storage.repositories import people


async def staff_time_zone(update: Update, context: Context) -> str | None:
    """The time zone of the person profile that goes with this staff member's Telegram account
    (made with /start, changed with /profile); None when they have none, which `t.datetime`
    shows as "(UTC)", so the reader knows which clock it is."""
    user = update.effective_user
    if user is None:
        return None
    svc = services(context)
    async with svc.db.session() as session:
        person = await people.find_by_telegram(session, svc.keyring, user.id)
        return person.time_zone if person is not None else None
