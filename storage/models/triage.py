"""What staff decide about a report case (R20), beside the case and never inside its content.

Risk, assignment, acknowledgement, escalation and outcome are categories and times only.
The row goes with its case (ON DELETE CASCADE), so purging a case purges its triage too.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime


class Risk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class CaseOutcome(StrEnum):
    RESOLVED = "resolved"
    REFERRED = "referred"  # passed to another body, with the reporter's consent
    NO_ACTION = "no_action"  # nothing could or needed to be done
    NO_REPLY = "no_reply"  # the reporter did not come back


class CaseTriage(Base):
    __tablename__ = "case_triage"

    case_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("report_cases.id", ondelete="CASCADE"), primary_key=True
    )
    risk: Mapped[str | None] = mapped_column(String(16))
    assigned_to: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("staff_members.id", ondelete="SET NULL"), index=True
    )
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
