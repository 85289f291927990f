"""What staff read about a broadcast, and who may send one: shared by the chat's /broadcast
and the browser console's broadcasts page."""

from __future__ import annotations

from bot.i18n import N_, Translation, language_name
from scheduler import broadcasts
from storage.models import BroadcastState, Channel, StaffRole
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
            t._("{count} of them get another language: there is no version in theirs.").format(
                count=result.fallback
            )
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
