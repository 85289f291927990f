"""The retention clock of confidential reports: closed cases are crypto-shredded after a period.

Purging a case deletes every sealed copy of its secret first, then its content and row.
Report keys of staff who were removed (or lost the liaison role) are destroyed too. The
log says how many, never what.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from scheduler.clocks import ClockJob
from storage.repositories import reports

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


async def purge_reports(services: Services) -> int:
    """One tick: purge closed cases past retention and revoke keys of former staff."""
    async with services.db.session() as session:
        purged = await reports.purge_closed(
            session, now=services.clock(), retention=services.reports.retention
        )
        revoked = await reports.revoke_removed_staff(session)
    if purged or revoked:
        log.info("report retention: purged %d closed cases, revoked %d staff keys", len(purged), revoked)
    return len(purged)


CLOCK = ClockJob(
    id="report-retention", every=timedelta(hours=1), run=purge_reports, first=timedelta(minutes=1)
)
