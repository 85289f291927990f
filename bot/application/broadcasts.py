"""Sending and cancelling a broadcast, what staff read about one, and who may send one: shared
by the chat's /broadcast, `liaison broadcast send|cancel` and the browser console's broadcasts
page, so each is queued and audited the same way."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translation, language_name
from scheduler import broadcasts
from storage.models import Broadcast, BroadcastState, Channel, StaffRole
from storage.repositories import audit, outbox
from storage.repositories.outbox import BroadcastProgress

SENDERS = (StaffRole.ADMINISTRATOR.value, StaffRole.LIAISON.value)

# What staff read for each channel choice (`scheduler.channels.CHOICES`), in the chat and the
# browser alike; a new channel adds its label and its preview line here.
CHANNEL_LABELS: dict[str, str] = {
    Channel.TELEGRAM.value: N_("By Telegram"),
    Channel.EMAIL.value: N_("By email"),
    "both": N_("By Telegram and email"),
}
# A preview's line for the recipients of one version who are reached by one channel.
COUNT_LINES: dict[str, str] = {
    Channel.TELEGRAM.value: N_("{language} by Telegram: {count}"),
    Channel.EMAIL.value: N_("{language} by email: {count}"),
}


def preview_text(t: Translation, result: broadcasts.Preview) -> str:
    lines = [t._("Recipients: {count}.").format(count=result.total)]
    for (language, channel), count in sorted(result.counts.items()):
        lines.append(t._(COUNT_LINES[channel]).format(language=language_name(language), count=count))
    if result.fallback:
        lines.append(
            t.ngettext(
                "{count} of them gets another language: there is no version in theirs.",
                "{count} of them get another language: there is no version in theirs.",
                result.fallback,
            ).format(count=result.fallback)
        )
    return "\n".join(lines)


def progress_text(
    t: Translation, progress: BroadcastProgress, rate: float | None, *, state: str = "sending"
) -> str:
    if state == BroadcastState.CANCELLED.value:
        head = t._("Broadcast cancelled.")
    elif progress.done:
        head = t._("Broadcast finished.")
    else:
        head = t._("Sending the broadcast…")
    lines = [
        head,
        t._("Sent: {sent}. Failed: {failed}. Left: {left}.").format(
            sent=progress.sent, failed=progress.failed, left=progress.remaining
        ),
    ]
    if rate is not None and not progress.done:
        lines.append(t._("Rate: {rate} per second.").format(rate=f"{rate:.1f}"))
    if progress.unknown:
        lines.append(t._("Delivery unsure: {count}.").format(count=progress.unknown))
    if progress.cancelled:
        lines.append(t._("Not sent: {count}.").format(count=progress.cancelled))
    return "\n".join(lines)


async def send(
    session: AsyncSession,
    *,
    audience: broadcasts.Audience,
    versions: Mapping[str, str],
    recipients: Sequence[broadcasts.Recipient],
    default_language: str,
    now: datetime,
    actor: str,
    created_by: uuid.UUID | None = None,
    retry_unknown: bool = False,
) -> Broadcast:
    """Queue one message per recipient (their language's version, or the default) and record
    who sent it. `recipients` are those the sender was shown (`broadcasts.select_recipients`)."""
    created = await broadcasts.create(
        session,
        audience=audience,
        versions={code: broadcasts.Version(text) for code, text in versions.items()},
        recipients=recipients,
        default_language=default_language,
        now=now,
        created_by=created_by,
        retry_unknown=retry_unknown,
    )
    await audit.append(
        session, at=now, actor=actor, action="broadcast.sent",
        subject_type="broadcast", subject_id=str(created.id),
    )  # fmt: skip
    return created


async def cancel(session: AsyncSession, broadcast_id: uuid.UUID, *, now: datetime, actor: str) -> int:
    """Cancel what is still queued (a worker skips a claimed message that has not gone out) and
    record who did; returns how many messages were cancelled."""
    cancelled = await outbox.cancel_broadcast(session, broadcast_id, now=now)
    await audit.append(
        session, at=now, actor=actor, action="broadcast.cancelled",
        subject_type="broadcast", subject_id=str(broadcast_id),
    )  # fmt: skip
    return cancelled
