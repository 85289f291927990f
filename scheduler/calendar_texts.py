"""Words shared by reminders, digests, change notices and invitations: short, whole sentences.

Each text is rendered once per language, time zone and kind of recipient and reused for
everyone alike (planning for 100,000 people formats a few dozen dates, not 100,000).
"""

from __future__ import annotations

from bot.i18n import N_, Translation
from bot.reference.countries import REGION_LABELS, Region
from storage.models import Event, EventKind

OBSERVER = "observer"
GLOBAL_REGION = Region.GLOBAL.value

KIND_LABELS: dict[str, str] = {
    EventKind.BRIEFING.value: N_("Briefing"),
    EventKind.CONSULTATION.value: N_("Informal consultation"),
    EventKind.REVIEW_MEETING.value: N_("Formal review meeting"),
    EventKind.SUBMISSION_DEADLINE.value: N_("Submission deadline"),
    EventKind.OTHER.value: N_("Event"),
}


def kind_label(t: Translation, kind: str) -> str:
    return t._(KIND_LABELS.get(kind, KIND_LABELS[EventKind.OTHER.value]))


def region_label(t: Translation, region: str) -> str:
    try:
        return t._(REGION_LABELS[Region(region)])
    except ValueError:
        return region


def link_for(event: Event, registration_kind: str | None) -> str | None:
    """Observers only ever get the view-only link; everyone else the participant link (else the view link)."""
    if registration_kind == OBSERVER:
        return event.view_link
    return event.participant_link or event.view_link


def link_line(t: Translation, event: Event, registration_kind: str | None) -> str | None:
    link = link_for(event, registration_kind)
    if link is None:
        return None
    if registration_kind == OBSERVER or link != event.participant_link:
        return t._("Link to watch: {link}").format(link=link)
    return t._("Link to join: {link}").format(link=link)


def deep_link(bot_username: str | None, code: str) -> str | None:
    """`https://t.me/<bot>?start=ev_<code>`: opens the bot on the event's registration."""
    if not bot_username:
        return None
    return f"https://t.me/{bot_username.lstrip('@')}?start=ev_{code}"


def join(lines: list[str | None]) -> str:
    return "\n".join(line for line in lines if line)
