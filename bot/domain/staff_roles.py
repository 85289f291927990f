"""Which staff roles may do what: one set per group, for the chat's staff commands and the
browser console alike."""

from __future__ import annotations

from storage.models import StaffRole

ADMINISTRATORS = frozenset({StaffRole.ADMINISTRATOR})
CASE_READERS = frozenset({StaffRole.ADMINISTRATOR, StaffRole.LIAISON})
TASK_TEAM = frozenset({StaffRole.ADMINISTRATOR, StaffRole.TASK_TEAM})
ALL_STAFF = frozenset(StaffRole)
