"""Who may register for what, and when (R4, R5, R6, R9): plain rules over plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.models.events import Event, EventKind, EventStatus
from storage.models.registrations import RegistrationKind, RegistrationStatus

ATTEND = "attend"  # the slot of the ways to attend; each expression of interest is a slot of its own
INTERESTS = (RegistrationKind.PANEL_SPEAKER, RegistrationKind.RAPPORTEUR, RegistrationKind.AGENDA_DESIGN)

# What a person can register as, per kind of event. Panels run at the consultation and at the
# review meeting; the rapporteur and the agenda design team belong to the consultation (§II.c-d).
KINDS_BY_EVENT: dict[EventKind, tuple[RegistrationKind, ...]] = {
    EventKind.BRIEFING: (RegistrationKind.PARTICIPANT,),
    EventKind.CONSULTATION: (
        RegistrationKind.PARTICIPANT,
        RegistrationKind.PANEL_SPEAKER,
        RegistrationKind.RAPPORTEUR,
        RegistrationKind.AGENDA_DESIGN,
    ),
    EventKind.REVIEW_MEETING: (
        RegistrationKind.FLOOR,
        RegistrationKind.OBSERVER,
        RegistrationKind.PANEL_SPEAKER,
    ),
    EventKind.SUBMISSION_DEADLINE: (),
    EventKind.OTHER: (),
}


def kinds_for(event_kind: str) -> tuple[RegistrationKind, ...]:
    try:
        return KINDS_BY_EVENT[EventKind(event_kind)]
    except ValueError:
        return ()


def slot_of(kind: RegistrationKind) -> str:
    """Registrations in one slot replace each other: a person attends one way, but may offer several roles."""
    return kind.value if kind in INTERESTS else ATTEND


def takes_seat(kind: str) -> bool:
    """Whether an accepted registration of this kind fills one of the event's places.

    Observers only watch the view-only stream (R5 b), and expressions of interest are offers, not
    attendance: neither counts against `Event.capacity`.
    """
    return kind in SEATED_KINDS


SEATED_KINDS = frozenset({RegistrationKind.PARTICIPANT.value, RegistrationKind.FLOOR.value})


def needs_motivation(kind: RegistrationKind) -> bool:
    return kind in INTERESTS


class Window(StrEnum):
    OPEN = "open"
    NOT_YET = "not_yet"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    NONE = "none"  # nothing to register for (a deadline, say)


def registration_window(event: Event, now: datetime) -> Window:
    """Whether `event` takes registrations at `now`."""
    if not kinds_for(event.kind):
        return Window.NONE
    if event.status == EventStatus.CANCELLED:
        return Window.CANCELLED
    if event.registration_opens_at is not None and now < event.registration_opens_at:
        return Window.NOT_YET
    closes = event.registration_closes_at or event.starts_at
    if now >= closes:
        return Window.CLOSED
    return Window.OPEN


@dataclass(frozen=True)
class FloorCriteria:
    """The three criteria of R5 (a) for a request to speak from the floor, as the person answered them."""

    represents_entity: bool
    authorised: bool
    migration_expertise: bool

    @property
    def met(self) -> bool:
        return self.represents_entity and self.authorised and self.migration_expertise


FLOOR_QUESTIONS = ("represents_entity", "authorised", "migration_expertise")


# --- the life of a registration ---

ACTIVE = frozenset({RegistrationStatus.PENDING, RegistrationStatus.ACCEPTED, RegistrationStatus.WAITLISTED})
REVIEW_OUTCOMES = frozenset(
    {
        RegistrationStatus.PENDING,
        RegistrationStatus.ACCEPTED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.DECLINED,
    }
)


def is_active(status: str) -> bool:
    return status in ACTIVE


def can_review(current: str, new: str) -> bool:
    """Staff may move a registration between review outcomes; one the person withdrew stays withdrawn."""
    return current != RegistrationStatus.WITHDRAWN and new in REVIEW_OUTCOMES


def can_withdraw(status: str) -> bool:
    return status in ACTIVE


def can_change(status: str, window: Window) -> bool:
    """A person may change how they take part while registration is open and the registration is live."""
    return window is Window.OPEN and status in ACTIVE


def other_kinds(current: RegistrationKind, event_kind: str) -> list[RegistrationKind]:
    """The kinds a registration may change to: the other ways to attend the same event."""
    if slot_of(current) != ATTEND:
        return []
    return [kind for kind in kinds_for(event_kind) if slot_of(kind) == ATTEND and kind != current]
