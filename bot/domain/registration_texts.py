"""What a person reads about events and registrations: labels, reasons, status notices, in their language."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, Translation
from storage.models.events import Event, EventKind
from storage.models.registrations import RegistrationKind, RegistrationStatus

EVENT_KIND_LABELS: dict[str, str] = {
    EventKind.BRIEFING: N_("Briefing"),
    EventKind.CONSULTATION: N_("Informal multi-stakeholder consultation"),
    EventKind.REVIEW_MEETING: N_("Formal intergovernmental review meeting"),
    EventKind.SUBMISSION_DEADLINE: N_("Deadline for written submissions"),
    EventKind.OTHER: N_("Event"),
}

# How a registration is named in a list or a notice.
KIND_LABELS: dict[str, str] = {
    RegistrationKind.PARTICIPANT: N_("Participant"),
    RegistrationKind.FLOOR: N_("Request to speak from the floor"),
    RegistrationKind.OBSERVER: N_("Observer (view and listen only)"),
    RegistrationKind.PANEL_SPEAKER: N_("Interest: panel speaker"),
    RegistrationKind.RAPPORTEUR: N_("Interest: rapporteur"),
    RegistrationKind.AGENDA_DESIGN: N_("Interest: agenda design team"),
}

# The button that chooses a kind.
KIND_CHOICES: dict[str, str] = {
    RegistrationKind.PARTICIPANT: N_("Take part"),
    RegistrationKind.FLOOR: N_("Ask to speak from the floor"),
    RegistrationKind.OBSERVER: N_("Observe only"),
    RegistrationKind.PANEL_SPEAKER: N_("Offer to speak on a panel"),
    RegistrationKind.RAPPORTEUR: N_("Offer to be rapporteur"),
    RegistrationKind.AGENDA_DESIGN: N_("Join the agenda design team"),
}

STATUS_LABELS: dict[str, str] = {
    RegistrationStatus.PENDING: N_("Waiting for review"),
    RegistrationStatus.ACCEPTED: N_("Accepted"),
    RegistrationStatus.WAITLISTED: N_("On the waiting list"),
    RegistrationStatus.DECLINED: N_("Declined"),
    RegistrationStatus.WITHDRAWN: N_("Withdrawn"),
}

# Reasons staff choose from when they decline or waitlist (R9); the person reads them in their language.
REASONS: dict[str, str] = {
    "capacity": N_("All places are taken."),
    "balance": N_("Places were shared out to balance regions, sectors and groups."),
    "criteria": N_("The request does not meet the criteria for speaking from the floor."),
    "late": N_("The request arrived after registration closed."),
    "duplicate": N_("Your organisation is already registered through someone else."),
    "other": N_("The organisers could not accept it this time."),
}
# Reasons that fit each decision, for the chat's /review and the web console alike.
WAITLIST_REASONS = ("capacity", "balance", "other")
DECLINE_REASONS = ("criteria", "late", "duplicate", "capacity", "other")


def event_title(event: Event, t: Translation) -> str:
    return event.title(t.language)


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str


def status_notice(
    t: Translation,
    *,
    status: str,
    reason_key: str | None,
    reference: str,
    kind: str,
    event: Event,
    time_zone: str | None,
) -> Notice:
    """The message telling a person that staff changed their registration's status (R9)."""
    values = {
        "reference": reference,
        "event": event_title(event, t),
        "when": t.datetime(event.starts_at, time_zone),
        "role": t._(KIND_LABELS.get(kind, KIND_LABELS[RegistrationKind.PARTICIPANT])),
    }
    lines: list[str] = []
    if status == RegistrationStatus.ACCEPTED:
        lines.append(
            t._(
                "Good news: your registration {reference} for {event} ({when}) is accepted, as: {role}."
            ).format(**values)
        )
        if kind == RegistrationKind.OBSERVER and event.view_link:
            lines.append(t._("Watch and listen here: {link}").format(link=event.view_link))
        elif kind != RegistrationKind.OBSERVER and event.participant_link:
            lines.append(t._("Join here: {link}").format(link=event.participant_link))
    elif status == RegistrationStatus.WAITLISTED:
        lines.append(
            t._(
                "Your registration {reference} for {event} ({when}) is on the waiting list. We will tell you here if a place opens."
            ).format(**values)
        )
    elif status == RegistrationStatus.DECLINED:
        lines.append(
            t._("We are sorry: your registration {reference} for {event} ({when}) was not accepted.").format(
                **values
            )
        )
    else:
        lines.append(
            t._("Your registration {reference} for {event} ({when}) is waiting for review again.").format(
                **values
            )
        )
    if reason_key in REASONS and status != RegistrationStatus.ACCEPTED:
        lines.append(t._("Reason: {reason}").format(reason=t._(REASONS[reason_key])))
    lines.append(t._("Send /registrations to see all your registrations."))
    subject = t._("Your registration {reference}").format(reference=reference)
    return Notice(subject=subject, body="\n".join(lines))
