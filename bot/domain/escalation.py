"""When an unacknowledged report case must be escalated to administrators (R20): plain rules.

Urgent cases (someone in immediate danger) escalate after one hour without an
acknowledgement, others after 72 hours; both periods are configurable. A case escalates
once; acknowledging it (or closing it) stops the clock.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

URGENT_ENV = "LIAISON_ESCALATION_URGENT_MINUTES"
OTHER_ENV = "LIAISON_ESCALATION_OTHER_HOURS"


@dataclass(frozen=True)
class EscalationRules:
    urgent_after: timedelta = timedelta(hours=1)
    other_after: timedelta = timedelta(hours=72)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EscalationRules:
        """The rules from `LIAISON_ESCALATION_URGENT_MINUTES` and `LIAISON_ESCALATION_OTHER_HOURS`."""
        env = os.environ if environ is None else environ
        return cls(
            urgent_after=timedelta(minutes=_positive(env, URGENT_ENV, 60)),
            other_after=timedelta(hours=_positive(env, OTHER_ENV, 72)),
        )


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be greater than zero")
    return value


@dataclass(frozen=True)
class CaseClock:
    """What the rules need to know about a case: no content."""

    urgent: bool
    created_at: datetime
    acknowledged: bool  # acknowledged, in progress, awaiting the reporter or closed
    escalated_at: datetime | None


def deadline(case: CaseClock, rules: EscalationRules) -> datetime:
    return case.created_at + (rules.urgent_after if case.urgent else rules.other_after)


def escalation_due(case: CaseClock, now: datetime, rules: EscalationRules) -> bool:
    """Whether the case is past its acknowledgement deadline and not escalated yet."""
    return not case.acknowledged and case.escalated_at is None and now >= deadline(case, rules)


def overdue(case: CaseClock, now: datetime, rules: EscalationRules) -> bool:
    """Past its deadline without an acknowledgement (escalated or not): shown with a mark in /cases."""
    return not case.acknowledged and now >= deadline(case, rules)
