"""Task-team decisions on written submissions (R7) that the author hears of."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translation
from scheduler.notices import Notice, Notices, Routed, Text, recipient
from storage.repositories import submission_review

# The reasons the task team chooses from when it returns a submission; the author reads one.
RETURN_REASONS: dict[str, str] = {
    "short": N_("It is too short to be useful."),
    "long": N_("It is longer than the limit."),
    "language": N_("It uses improper language."),
    "topic": N_("It is not about the implementation of the Global Compact for Migration."),
    "other": N_("It does not meet the guidance for written submissions."),
}


async def return_submission(
    session: AsyncSession,
    notices: Notices,
    submission_id: uuid.UUID,
    reason_key: str,
    *,
    actor: str,
    now: datetime,
) -> Routed | None:
    """Return a submission as not suitable; the author is told the reason in their language."""
    if reason_key not in RETURN_REASONS:
        raise submission_review.NotReviewable(
            f"unknown reason {reason_key!r}; one of {', '.join(RETURN_REASONS)}"
        )
    found = await submission_review.mark_returned(session, submission_id, actor=actor, now=now)
    author = await recipient(session, found.person_id)
    if author is None:
        return None
    reference = found.reference

    def render(t: Translation, _zone: str | None) -> Text:
        body = t._("Your submission {reference} was not published. Reason: {reason}").format(
            reference=reference, reason=t._(RETURN_REASONS[reason_key])
        )
        return Text(body, subject=t._("Your submission {reference}").format(reference=reference))

    [routed] = await notices.send(session, [Notice(f"submission-return:{found.id}", author, render)], now=now)
    return routed
