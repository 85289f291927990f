"""Telling staff what became of a reply relayed to an identified reporter.

"Sent." was a promise the bot could not keep: the reporter may have blocked the bot. When
the outbox row of a relayed reply reaches its end (sent, failed, dead, unknown, cancelled),
this clock queues one protected message to the reply's author in their private chat, and
`/cases` shows the same outcome beside the reply when the case is opened again.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.i18n import N_, Translation
from scheduler.clocks import ClockJob
from scheduler.notices import Notice, Text, staff_member_recipient
from storage.models import Channel
from storage.models.outbox import OutboxState
from storage.repositories import case_replies

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

LOOK_BACK = timedelta(days=2)
CHAT_ONLY = (Channel.TELEGRAM.value,)  # outcomes older than this are only shown when the case is opened

_FAILED_BECAUSE = {
    "blocked": N_("It could not be delivered: the reporter blocked the bot."),
    "chat_not_found": N_("It could not be delivered: the reporter's chat no longer exists."),
}
_BY_STATE = {
    OutboxState.SENT: N_("It was delivered to the reporter's chat."),
    OutboxState.FAILED: N_("It could not be delivered."),
    OutboxState.DEAD: N_("It could not be delivered."),
    OutboxState.UNKNOWN: N_("Telegram did not confirm it, so it may not have arrived."),
    OutboxState.CANCELLED: N_("It was not sent: the reporter can no longer be reached in their chat."),
    OutboxState.QUEUED: N_("It is waiting to be delivered."),
    OutboxState.CLAIMED: N_("It is waiting to be delivered."),
}


def outcome_text(t: Translation, delivery: case_replies.Delivery) -> str:
    """One sentence on what became of a relayed reply, in the staff member's language."""
    if delivery.state in (OutboxState.FAILED, OutboxState.DEAD) and delivery.error in _FAILED_BECAUSE:
        return t._(_FAILED_BECAUSE[delivery.error])
    return t._(_BY_STATE[delivery.state])


async def tell_outcomes(services: Services) -> int:
    """One tick: queue a notice for every relayed reply that finished and whose author was not told."""
    now = services.clock()
    async with services.db.session() as session:
        notices: list[Notice] = []
        pending = await case_replies.finished_untold(session, since=now - LOOK_BACK)
        # One look-up per staff member, not per reply: a busy author has many replies finishing.
        authors = {
            member_id: await staff_member_recipient(session, services.keyring, member_id, now=now)
            for member_id in {finished.staff_member_id for finished in pending}
        }
        for finished in pending:
            author = authors[finished.staff_member_id]
            if author is None:
                continue

            def render(t: Translation, _zone: str | None, finished: case_replies.Finished = finished) -> Text:
                return Text(
                    t._("About your reply on case {reference}:").format(reference=finished.reference)
                    + "\n"
                    + outcome_text(t, finished.delivery)
                )

            key = case_replies.notice_key(finished.message_id).removesuffix(case_replies.CHAT)
            notices.append(Notice(key, author, render, channels=CHAT_ONLY, protect_content=True))
        routed = await services.notices.send(session, notices, now=now)
        told = sum(1 for r in routed if r.reached)
    if told:
        log.info("case replies: told %d staff members what became of their reply", told)
    return told


CLOCK = ClockJob(
    id="case-reply-outcomes", every=timedelta(minutes=1), run=tell_outcomes, first=timedelta(seconds=20)
)
