"""/cases: triage of confidential reports (R20) by liaison staff and administrators.

The list shows references, kinds, urgency, status and age: no content. Opening a case
decrypts it with the staff member's unlocked key (see /unlock), shows it in their
private chat only, protected, and writes an audit entry. Every action is audited
(ids only). Replies to identified reporters are relayed through the outbox, protected,
carrying only what staff wrote; replies to anonymous reporters wait for /followup.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from nacl.public import PrivateKey
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot.application import case_replies as reply_relay
from bot.domain.escalation import CaseClock, EscalationRules, overdue
from bot.handlers.report import KIND_LABELS
from bot.handlers.staff.access import (
    CASE_READERS,
    Pending,
    StaffButton,
    StaffCommand,
    StaffUser,
    button,
    expect_text,
    role_label,
    unshort,
)
from bot.handlers.staff.local_time import staff_time_zone
from bot.i18n import N_, Translation
from bot.services import Context, services, translation
from scheduler.case_reply_outcomes import outcome_text
from storage.models import (
    CaseOutcome,
    CaseStatus,
    MessageAuthor,
    ReportCase,
    Risk,
    StaffMember,
    StaffRole,
)
from storage.repositories import case_replies, reports, staff, triage
from storage.repositories.reports import CaseNotFoundError, NoCaseKeyError

log = logging.getLogger(__name__)

MAX_REPLY = 3000
LISTED = 20
CHUNK = 3500  # Telegram takes 4096 characters a message; content is split below that
CAPTION_LIMIT = 1024  # the longest caption Telegram takes with a file a bot sends

STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.NEW: N_("new"),
    CaseStatus.ACKNOWLEDGED: N_("acknowledged"),
    CaseStatus.IN_PROGRESS: N_("in progress"),
    CaseStatus.AWAITING_REPORTER: N_("waiting for the reporter"),
    CaseStatus.CLOSED: N_("closed"),
}
RISK_LABELS: dict[Risk, str] = {
    Risk.LOW: N_("Low risk"),
    Risk.MEDIUM: N_("Medium risk"),
    Risk.HIGH: N_("High risk"),
    Risk.CRITICAL: N_("Critical risk"),
}
OUTCOME_LABELS: dict[CaseOutcome, str] = {
    CaseOutcome.RESOLVED: N_("Resolved"),
    CaseOutcome.REFERRED: N_("Referred to another body"),
    CaseOutcome.NO_ACTION: N_("No action possible or needed"),
    CaseOutcome.NO_REPLY: N_("The reporter did not come back"),
}


def age_text(t: Translation, waited: timedelta) -> str:
    hours = int(waited.total_seconds() // 3600)
    if hours < 48:
        return t.ngettext("{count} hour", "{count} hours", hours).format(count=hours)
    days = hours // 24
    return t.ngettext("{count} day", "{count} days", days).format(count=days)


async def _send(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Case matters go only to the staff member's private chat, protected from forwarding and saving."""
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup, protect_content=True)


async def _answer(update: Update, text: str | None = None) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text)


async def _key(update: Update, context: Context, member: StaffUser) -> PrivateKey | None:
    """The unlocked report key; staff unlock before triage."""
    svc = services(context)
    private = svc.vault.get(member.id, now=svc.clock())
    if private is None:
        t = translation(update, context)
        await _answer(update)
        await _send(update, context, t._("Unlock your key with /unlock first."))
    return private


def _case_id(update: Update, parts: list[str]) -> uuid.UUID | None:
    return unshort(parts[0]) if parts else None


# --- the list ---


async def list_cases(update: Update, context: Context, member: StaffUser, _args: list[str]) -> None:
    t = translation(update, context)
    svc = services(context)
    now = svc.clock()
    rules = EscalationRules.from_env()
    async with svc.db.session() as session:
        open_cases = await reports.open_cases(session)
        marks = await triage.views(session, [c.id for c in open_cases])
    if not open_cases:
        await _send(update, context, t._("There are no open cases."))
        return
    lines = [
        t.ngettext("{count} open case, urgent first:", "{count} open cases, urgent first:", len(open_cases))
    ]
    lines[0] = lines[0].format(count=len(open_cases))
    rows = []
    for case in open_cases[:LISTED]:
        mark = marks.get(case.id, triage.EMPTY)
        late = overdue(
            CaseClock(case.urgent, case.created_at, case.status is not CaseStatus.NEW, None), now, rules
        )
        line = t._("{reference}: {kind}; {status}; waiting {age}.").format(
            reference=case.reference,
            kind=t._(KIND_LABELS[case.kind]),
            status=t._(STATUS_LABELS[case.status]),
            age=age_text(t, now - case.created_at),
        )
        flags = []
        if case.urgent:
            flags.append("🔴 " + t._("urgent"))
        if late:
            flags.append("⏰ " + t._("overdue"))
        if mark.risk is not None:
            flags.append(t._(RISK_LABELS[mark.risk]))
        if mark.assigned_to == member.id:
            flags.append(t._("assigned to you"))
        lines.append(line + (" " + ", ".join(flags) if flags else ""))
        rows.append(
            [button(t._("Open {reference}").format(reference=case.reference), "case", "open", case.id)]
        )
    if len(open_cases) > LISTED:
        more = len(open_cases) - LISTED
        lines.append(t.ngettext("and {count} more case.", "and {count} more cases.", more).format(count=more))
    await _send(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


# --- opening ---


def _actions(t: Translation, case_id: uuid.UUID, status: CaseStatus) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if status is CaseStatus.NEW:
        rows.append([button(t._("Acknowledge"), "case", "ack", case_id)])
    if status is not CaseStatus.CLOSED:
        rows.append(
            [
                button(t._("Set risk"), "case", "risk", case_id),
                button(t._("Assign"), "case", "assign", case_id),
            ]
        )
        rows.append(
            [
                button(t._("Reply to reporter"), "case", "reply", case_id),
                button(t._("Ask for more"), "case", "more", case_id),
            ]
        )
        rows.append(
            [
                button(t._("Internal note"), "case", "note", case_id),
                button(t._("Close"), "case", "close", case_id),
            ]
        )
    else:
        rows.append([button(t._("Internal note"), "case", "note", case_id)])
    return InlineKeyboardMarkup(rows)


async def _done(update: Update, context: Context, case_id: uuid.UUID, text: str) -> None:
    """A confirmation, with the case's actions again under it."""
    t = translation(update, context)
    svc = services(context)
    async with svc.db.session() as session:
        case = await session.get(ReportCase, case_id)
    markup = _actions(t, case_id, CaseStatus(case.status)) if case is not None else None
    await _send(update, context, text, markup)


def _chunks(text: str) -> list[str]:
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]


async def open_case(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    case_id = _case_id(update, parts)
    private = await _key(update, context, member)
    if private is None or case_id is None:
        return
    svc = services(context)
    try:
        async with svc.db.session() as session:
            opened = await reports.open_case(session, case_id, member.id, private, now=svc.clock())
            relayed = await case_replies.deliveries(
                session, [e.id for e in opened.entries if e.author is MessageAuthor.STAFF]
            )
            mark = await triage.view(session, case_id)
            assignee = await session.get(StaffMember, mark.assigned_to) if mark.assigned_to else None
    except CaseNotFoundError:
        await _answer(update, t._("This case no longer exists."))
        return
    except NoCaseKeyError:
        await _answer(update)
        await _send(
            update,
            context,
            t._("You hold no key for this case yet. Ask an unlocked colleague to send /grantcases."),
        )
        return
    await _answer(update)
    log.info("staff member %s opened case %s", member.id, case_id)
    report = opened.report
    zone = await staff_time_zone(update, context)
    header = [
        t._("Case {reference}: {kind}; {status}.").format(
            reference=opened.reference,
            kind=t._(KIND_LABELS[opened.kind]),
            status=t._(STATUS_LABELS[opened.status]),
        ),
        t._("Received {time}.").format(time=t.datetime(opened.created_at, zone)),
        t._("Identified: replies reach the reporter in their chat.")
        if not opened.anonymous
        else t._("Anonymous: replies wait for the reporter at /followup."),
    ]
    if opened.urgent:
        header.append("🔴 " + t._("Someone is in immediate danger."))
    if mark.risk is not None:
        header.append(t._(RISK_LABELS[mark.risk]))
    if assignee is not None:
        header.append(t._("Assigned to {name}.").format(name=_staff_name(t, assignee)))
    body = [
        t._("What happened: {text}").format(text=report.get("what", "")),
        t._("When: {text}").format(text=report.get("when", "")),
        t._("Where: {text}").format(text=report.get("where", "")),
        t._("Who is affected: {text}").format(text=report.get("who", "")),
    ]
    for entry in opened.entries:
        when = t.datetime(entry.created_at, zone)
        template = {
            MessageAuthor.REPORTER: N_("Reporter, {time}: {text}"),
            MessageAuthor.STAFF: N_("Our reply, {time}: {text}"),
            MessageAuthor.NOTE: N_("Internal note, {time}: {text}"),
        }[entry.author]
        body.append(t._(template).format(time=when, text=entry.text))
        if entry.id in relayed:  # what became of a reply relayed to the reporter's chat
            body[-1] += "\n" + outcome_text(t, relayed[entry.id])
    pieces = _chunks("\n".join(header) + "\n\n" + "\n\n".join(body))
    for piece in pieces[:-1]:
        await _send(update, context, piece)
    rows = _actions(t, opened.id, opened.status).inline_keyboard
    files = [
        [
            button(
                t._("File {number}: {name}").format(number=n, name=item.filename[:40]),
                "case",
                "file",
                item.id,
            )
        ]
        for n, item in enumerate(opened.evidence, start=1)
    ]
    await _send(update, context, pieces[-1], InlineKeyboardMarkup([*files, *rows]))


async def send_file(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    evidence_id = _case_id(update, parts)
    private = await _key(update, context, member)
    if private is None or evidence_id is None:
        return
    svc = services(context)
    try:
        async with svc.db.session() as session:
            file = await reports.evidence_content(session, evidence_id, member.id, private, now=svc.clock())
    except (CaseNotFoundError, NoCaseKeyError):
        await _answer(update, t._("This file is not available."))
        return
    await _answer(update)
    assert update.effective_chat is not None
    # What the reporter wrote with the file goes with it; a caption longer than a bot may send
    # with a file (a Premium caption) follows it as a message of its own, whole.
    fits = len(file.caption) <= CAPTION_LIMIT
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(file.content, filename=file.filename),
        caption=(file.caption if fits else None) or None,
        protect_content=True,
    )
    if not fits:
        await context.bot.send_message(update.effective_chat.id, file.caption, protect_content=True)


# --- actions ---


async def acknowledge(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    case_id = _case_id(update, parts)
    if case_id is None or await _key(update, context, member) is None:
        return
    svc = services(context)
    try:
        async with svc.db.session() as session:
            done = await triage.acknowledge(session, case_id, member.id, now=svc.clock())
    except CaseNotFoundError:
        await _answer(update, t._("This case no longer exists."))
        return
    await _answer(update, t._("Acknowledged.") if done else t._("It was acknowledged already."))


async def choose_risk(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    case_id = _case_id(update, parts)
    if case_id is None or await _key(update, context, member) is None:
        return
    await _answer(update)
    rows = [
        [button(t._(label), "case", "setrisk", case_id, risk.value)] for risk, label in RISK_LABELS.items()
    ]
    await _send(update, context, t._("Which risk level?"), InlineKeyboardMarkup(rows))


async def set_risk(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    case_id = _case_id(update, parts)
    if case_id is None or len(parts) < 2 or parts[1] not in {r.value for r in Risk}:
        await _answer(update, t._("This button no longer works."))
        return
    if await _key(update, context, member) is None:
        return
    svc = services(context)
    risk = Risk(parts[1])
    try:
        async with svc.db.session() as session:
            await triage.set_risk(session, case_id, risk, member.id, now=svc.clock())
    except CaseNotFoundError:
        await _answer(update, t._("This case no longer exists."))
        return
    await _answer(update, t._("Saved."))
    await _done(update, context, case_id, t._("Risk set: {risk}.").format(risk=t._(RISK_LABELS[risk])))


def _staff_name(t: Translation, member: StaffMember) -> str:
    return member.display_name or role_label(t, StaffRole(member.role))


async def choose_assignee(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    case_id = _case_id(update, parts)
    if case_id is None or await _key(update, context, member) is None:
        return
    svc = services(context)
    async with svc.db.session() as session:
        colleagues = [m for m in await staff.list_active(session) if StaffRole(m.role) in CASE_READERS]
        names = [(m.id, _staff_name(t, m)) for m in colleagues]
    await _answer(update)
    rows = [
        [button(t._("Me") if staff_id == member.id else f"{n}. {name}", "case", "to", case_id, staff_id)]
        for n, (staff_id, name) in enumerate(names, start=1)
    ]
    await _send(update, context, t._("Assign the case to whom?"), InlineKeyboardMarkup(rows))


async def assign_to(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    case_id = _case_id(update, parts)
    assignee = unshort(parts[1]) if len(parts) > 1 else None
    if case_id is None or assignee is None:
        await _answer(update, t._("This button no longer works."))
        return
    if await _key(update, context, member) is None:
        return
    svc = services(context)
    async with svc.db.session() as session:
        target = await session.get(StaffMember, assignee)
        if target is None or target.removed_at is not None or StaffRole(target.role) not in CASE_READERS:
            await _answer(update, t._("This colleague cannot take cases."))
            return
        try:
            await triage.assign(session, case_id, assignee, member.id, now=svc.clock())
        except CaseNotFoundError:
            await _answer(update, t._("This case no longer exists."))
            return
        name = _staff_name(t, target)
    await _answer(update, t._("Saved."))
    await _done(update, context, case_id, t._("Assigned to {name}.").format(name=name))


PROMPTS = {
    "note": N_("Write the internal note (the reporter never sees it), or send /cancel."),
    "reply": N_("Write your reply to the reporter, or send /cancel. They will see exactly what you write."),
    "more": N_("Write what you need to know from the reporter, or send /cancel."),
}


async def ask_text(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    """Note, reply and request for more information: the next text the staff member sends."""
    t = translation(update, context)
    case_id = _case_id(update, parts)
    kind = (update.callback_query.data or "").split(":")[2] if update.callback_query else ""
    if case_id is None or kind not in PROMPTS or await _key(update, context, member) is None:
        return
    svc = services(context)
    expect_text(
        context,
        member,
        Pending(kind, CASE_READERS, got_text, case_id, svc.clock() + timedelta(minutes=15), MAX_REPLY),
    )
    await _answer(update)
    await _send(update, context, t._(PROMPTS[kind]))


async def got_text(update: Update, context: Context, member: StaffUser, waiting: Pending, text: str) -> None:
    t = translation(update, context)
    if await _key(update, context, member) is None:
        return
    svc = services(context)
    now = svc.clock()
    internal = waiting.kind == "note"
    relayed = False
    try:
        async with svc.db.session() as session:
            case = await session.get(ReportCase, waiting.target)
            if case is None:
                raise CaseNotFoundError("no such case")
            reply = await reports.add_staff_message(
                session, case.id, member.id, text, now=now, internal=internal
            )
            if waiting.kind == "more":
                await triage.awaiting_reporter(session, case.id, member.id, now=now)
            if reply.relay_to_person_id is not None:
                routed = await reply_relay.relay_reply(
                    session,
                    svc.notices,
                    reply.relay_to_person_id,
                    case.reference,
                    reply.message_id,
                    text,
                    now=now,
                )
                relayed = routed is not None and routed.reached
            anonymous = case.anonymous
    except CaseNotFoundError:
        await _send(update, context, t._("This case no longer exists."))
        return
    log.info("staff member %s added a %s to case %s", member.id, waiting.kind, waiting.target)
    if internal:
        text = t._("The note is saved in the case.")
    elif anonymous:
        text = t._("Saved. The reporter will see it when they use /followup with their receipt.")
    elif relayed:
        text = t._("Queued for the reporter's chat. I will tell you whether it was delivered.")
    else:
        text = t._("Saved in the case, but the reporter cannot be reached in their chat.")
    await _done(update, context, waiting.target, text)


async def choose_outcome(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    case_id = _case_id(update, parts)
    if case_id is None or await _key(update, context, member) is None:
        return
    await _answer(update)
    rows = [
        [button(t._(label), "case", "shut", case_id, outcome.value)]
        for outcome, label in OUTCOME_LABELS.items()
    ]
    await _send(update, context, t._("Close the case with which outcome?"), InlineKeyboardMarkup(rows))


async def close(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    t = translation(update, context)
    case_id = _case_id(update, parts)
    if case_id is None or len(parts) < 2 or parts[1] not in {o.value for o in CaseOutcome}:
        await _answer(update, t._("This button no longer works."))
        return
    if await _key(update, context, member) is None:
        return
    svc = services(context)
    outcome = CaseOutcome(parts[1])
    try:
        async with svc.db.session() as session:
            await triage.close(session, case_id, outcome, member.id, now=svc.clock())
    except CaseNotFoundError:
        await _answer(update, t._("This case no longer exists."))
        return
    except ValueError:
        await _answer(update, t._("This case is closed already."))
        return
    await _answer(update, t._("Saved."))
    await _done(
        update, context, case_id, t._("Case closed: {outcome}.").format(outcome=t._(OUTCOME_LABELS[outcome]))
    )


COMMANDS = (StaffCommand("cases", CASE_READERS, list_cases, N_("Open report cases, urgent first")),)
BUTTONS = (
    StaffButton("case:open", CASE_READERS, open_case),
    StaffButton("case:file", CASE_READERS, send_file),
    StaffButton("case:ack", CASE_READERS, acknowledge),
    StaffButton("case:risk", CASE_READERS, choose_risk),
    StaffButton("case:setrisk", CASE_READERS, set_risk),
    StaffButton("case:assign", CASE_READERS, choose_assignee),
    StaffButton("case:to", CASE_READERS, assign_to),
    StaffButton("case:note", CASE_READERS, ask_text),
    StaffButton("case:reply", CASE_READERS, ask_text),
    StaffButton("case:more", CASE_READERS, ask_text),
    StaffButton("case:close", CASE_READERS, choose_outcome),
    StaffButton("case:shut", CASE_READERS, close),
)
