"""What a person should know before registering (R8: "criteria are published in advance"):
who may register, until when, and what happens afterwards, in their language.

Shown in /events and at the start of the registration dialog, in invitations, and in the
DESCRIPTION of calendar entries, so nobody meets a criterion for the first time as a question.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain import eligibility
from bot.i18n import N_, Translation
from storage.models.events import Event, EventKind

WHO_MAY_REGISTER: dict[str, str] = {
    EventKind.BRIEFING.value: N_("Who may register: anyone, with no criteria."),
    EventKind.CONSULTATION.value: N_(
        "Who may register: all relevant stakeholders. Places are balanced across sector, sub-region, "
        "nationality, gender and migrant-led organisations."
    ),
    EventKind.REVIEW_MEETING.value: N_(
        "Who may register: to speak from the floor, you represent a GCM stakeholder entity, are "
        "authorised to speak for it and have migration expertise. Anyone may register to observe."
    ),
}
AFTER_REGISTERING = N_(
    "After you register, staff review it and tell you here whether you have a place, with the reason. "
    "Reminders follow before the event."
)


def criteria_lines(event: Event, t: Translation) -> list[str]:
    """Who may register and what happens next; nothing for events without registration."""
    who = WHO_MAY_REGISTER.get(event.kind)
    if who is None or not eligibility.kinds_for(event.kind):
        return []
    return [t._(who), t._(AFTER_REGISTERING)]


def deadline_line(event: Event, t: Translation, time_zone: str | None) -> str | None:
    """Until when one may register (for texts that do not already say it)."""
    if not eligibility.kinds_for(event.kind):
        return None
    closes: datetime = event.registration_closes_at or event.starts_at
    return t._("Registration deadline: {when}.").format(when=t.datetime(closes, time_zone))


def calendar_note(event: Event, t: Translation, time_zone: str | None) -> str | None:
    """The criteria as a calendar entry's description carries them (deadline included)."""
    lines = criteria_lines(event, t)
    if not lines:
        return None
    deadline = deadline_line(event, t, time_zone)
    return "\n".join([lines[0], *([deadline] if deadline else []), lines[1]])
