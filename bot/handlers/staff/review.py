"""/review: registration review per event (R9) by liaison staff and administrators.

Staff see one pending registration at a time with its criteria answers, and accept,
waitlist or decline it; waitlisting and declining take a reason from the translated
templates, which the person reads in their language. The decision itself, with its
capacity rule, notice and audit entry, is `bot.application.registrations.decide`, the same
function `liaison events review` and `liaison select` call.
"""

from __future__ import annotations

import logging
import uuid

from telegram import InlineKeyboardMarkup, Update

from bot.application import registrations as decisions
from bot.domain.registration_texts import DECLINE_REASONS, KIND_LABELS, REASONS, WAITLIST_REASONS
from bot.handlers.staff.access import CASE_READERS, StaffButton, StaffCommand, StaffUser, button, unshort
from bot.i18n import N_, Translation
from bot.reference import stakeholders
from bot.reference.countries import country_name
from bot.services import Context, services, translation
from storage.models import Channel, Event, Registration, RegistrationStatus
from storage.repositories import registrations, review
from storage.repositories.audit import staff_actor

log = logging.getLogger(__name__)


async def _send(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup, protect_content=True)


async def _answer(update: Update, text: str | None = None) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text)


def _capacity_line(t: Translation, event: Event, accepted: int, waitlisted: int, pending: int) -> str:
    if event.capacity is None:
        return t._("{accepted} accepted (no limit), {waitlisted} waiting list, {pending} to review.").format(
            accepted=accepted, waitlisted=waitlisted, pending=pending
        )
    return t.ngettext(
        "{accepted} of {capacity} place taken, {waitlisted} waiting list, {pending} to review.",
        "{accepted} of {capacity} places taken, {waitlisted} waiting list, {pending} to review.",
        event.capacity,
    ).format(accepted=accepted, capacity=event.capacity, waitlisted=waitlisted, pending=pending)


async def list_events(update: Update, context: Context, member: StaffUser, _args: list[str]) -> None:
    t = translation(update, context)
    svc = services(context)
    async with svc.db.session() as session:
        queues = await review.events_to_review(session)
    if not queues:
        await _send(update, context, t._("No registrations wait for review."))
        return
    lines = [t._("Events with registrations to review:")]
    rows = []
    for n, queue in enumerate(queues[:20], start=1):
        title = queue.event.title(t.language)
        lines.append(
            f"{n}. {title} — "
            + _capacity_line(t, queue.event, queue.accepted, queue.waitlisted, queue.pending)
        )
        rows.append([button(f"{n}. {title[:40]}", "rev", "ev", queue.event.id)])
    await _send(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


def _yes_no(t: Translation, value: bool | None) -> str:
    return t._("yes") if value else t._("no")


async def _show_next(
    update: Update,
    context: Context,
    member: StaffUser,
    event_id: uuid.UUID,
    after: Registration | None = None,
) -> None:
    t = translation(update, context)
    svc = services(context)
    now = svc.clock()
    async with svc.db.session() as session:
        event = await session.get(Event, event_id)
        if event is None:
            await _send(update, context, t._("This event no longer exists."))
            return
        registration = await review.next_pending(session, event_id, after=after.created_at if after else None)
        counts = await registrations.counts(session, event_id)
        accepted = (await decisions.seats(session, event)).taken
        details = (
            await review.card(session, registration, staff_member_id=member.id, now=now)
            if registration
            else None
        )
    waitlisted = sum(n for (_kind, status), n in counts.items() if status == RegistrationStatus.WAITLISTED)
    pending = sum(n for (_kind, status), n in counts.items() if status == RegistrationStatus.PENDING)
    header = event.title(t.language) + "\n" + _capacity_line(t, event, accepted, waitlisted, pending)
    if details is None:
        await _send(update, context, header + "\n" + t._("Nothing more to review for this event."))
        return
    reg = details.registration
    lines = [
        header,
        "",
        t._("Registration {reference}: {kind}").format(
            reference=reg.reference, kind=t._(KIND_LABELS[reg.kind])
        ),
    ]
    kind = stakeholders.parse(reg.stakeholder_type)
    if kind is not None:
        lines.append(t._("Stakeholder type: {type}").format(type=t._(stakeholders.LABELS[kind])))
    if reg.country:
        lines.append(t._("Country: {country}").format(country=country_name(reg.country, t.language)))
    if details.organisation:
        lines.append(t._("Organisation: {name}").format(name=details.organisation))
    if reg.represents_entity is not None:
        lines.append(
            t._("Represents a relevant entity: {answer}").format(answer=_yes_no(t, reg.represents_entity))
        )
        lines.append(t._("Authorised to speak for it: {answer}").format(answer=_yes_no(t, reg.authorised)))
        lines.append(
            t._("Has migration expertise: {answer}").format(answer=_yes_no(t, reg.migration_expertise))
        )
    if details.motivation:
        lines.append(t._("Motivation: {text}").format(text=details.motivation))
    markup = InlineKeyboardMarkup(
        [
            [button(t._("Accept"), "rev", "acc", reg.id), button(t._("Waiting list"), "rev", "wl", reg.id)],
            [button(t._("Decline"), "rev", "dec", reg.id), button(t._("Skip"), "rev", "skip", reg.id)],
        ]
    )
    await _send(update, context, "\n".join(lines), markup)


async def open_event(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    event_id = unshort(parts[0]) if parts else None
    await _answer(update)
    if event_id is not None:
        await _show_next(update, context, member, event_id)


async def _registration(update: Update, context: Context, parts: list[str]) -> Registration | None:
    registration_id = unshort(parts[0]) if parts else None
    if registration_id is None:
        return None
    svc = services(context)
    async with svc.db.session() as session:
        found = await session.get(Registration, registration_id)
    if found is None or found.status != RegistrationStatus.PENDING:
        t = translation(update, context)
        await _answer(update, t._("This registration was decided already."))
        return None
    return found


async def skip(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    found = await _registration(update, context, parts)
    if found is None:
        return
    await _answer(update)
    await _show_next(update, context, member, found.event_id, after=found)


async def decide(
    update: Update,
    context: Context,
    member: StaffUser,
    found: Registration,
    status: RegistrationStatus,
    reason: str | None,
) -> None:
    t = translation(update, context)
    svc = services(context)
    now = svc.clock()
    try:
        async with svc.db.session() as session:
            decision = await decisions.decide(
                session,
                svc.notices,
                found.id,
                status.value,
                reason_key=reason,
                actor=staff_actor(member.id),
                now=now,
            )
    except decisions.DecisionRefused as refused:
        if refused.refusal is decisions.Refusal.FULL:
            await _answer(
                update, t._("The event is full. Put this registration on the waiting list instead.")
            )
        else:
            await _answer(update, t._("This registration was decided already."))
        return
    log.info("staff member %s set registration %s to %s", member.id, found.id, status.value)
    await _answer(update, _told(t, decision))
    await _show_next(update, context, member, found.event_id)


def _told(t: Translation, decision: decisions.Decision) -> str:
    """Whether, and by which channel, the person hears of the decision: staff should not believe a
    person was told who cannot be reached."""
    channels = () if decision.told is None else decision.told.channels
    if not decision.changed:
        return t._("Saved. It had this decision already, so nobody was told again.")
    if not channels:
        return t._("Saved. The person cannot be reached now, so nobody was told.")
    if Channel.TELEGRAM.value not in channels:
        return t._("Saved. The chat cannot reach this person, so they are told by email.")
    return t._("Saved. The person is told in their language.")


async def accept(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    found = await _registration(update, context, parts)
    if found is not None:
        await decide(update, context, member, found, RegistrationStatus.ACCEPTED, None)


async def choose_reason(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    """Waiting list or decline: first the reason, from the translated templates."""
    t = translation(update, context)
    found = await _registration(update, context, parts)
    if found is None or update.callback_query is None:
        return
    action = (update.callback_query.data or "").split(":")[2]
    keys = WAITLIST_REASONS if action == "wl" else DECLINE_REASONS
    rows = [[button(t._(REASONS[key]), "rev", f"{action}r", found.id, key)] for key in keys]
    await _answer(update)
    await _send(update, context, t._("Which reason will the person read?"), InlineKeyboardMarkup(rows))


async def with_reason(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    if update.callback_query is None or len(parts) < 2 or parts[1] not in REASONS:
        await _answer(update, t._("This button no longer works."))
        return
    found = await _registration(update, context, parts)
    if found is None:
        return
    action = (update.callback_query.data or "").split(":")[2]
    status = RegistrationStatus.WAITLISTED if action == "wlr" else RegistrationStatus.DECLINED
    await decide(update, context, member, found, status, parts[1])


COMMANDS = (StaffCommand("review", CASE_READERS, list_events, N_("Review registrations, event by event")),)
BUTTONS = (
    StaffButton("rev:ev", CASE_READERS, open_event),
    StaffButton("rev:skip", CASE_READERS, skip),
    StaffButton("rev:acc", CASE_READERS, accept),
    StaffButton("rev:wl", CASE_READERS, choose_reason),
    StaffButton("rev:dec", CASE_READERS, choose_reason),
    StaffButton("rev:wlr", CASE_READERS, with_reason),
    StaffButton("rev:decr", CASE_READERS, with_reason),
)
