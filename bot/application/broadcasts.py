"""What staff read about a broadcast, and who may send one: shared by the chat's /broadcast
and the browser console's broadcasts page."""

from __future__ import annotations

from bot.i18n import Translation, language_name
from scheduler import broadcasts
from storage.models import BroadcastState, StaffRole
from storage.repositories.outbox import BroadcastProgress

SENDERS = (StaffRole.ADMINISTRATOR.value, StaffRole.LIAISON.value)


def preview_text(t: Translation, result: broadcasts.Preview) -> str:
    lines = [t._("Recipients: {count}.").format(count=result.total)]
    for (language, channel), count in sorted(result.counts.items()):
        line = (
            t._("{language} by email: {count}")
            if channel == "email"
            else t._("{language} by Telegram: {count}")
        )
        lines.append(line.format(language=language_name(language), count=count))
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
