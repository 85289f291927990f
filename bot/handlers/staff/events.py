"""/event: liaison staff and administrators create, move, relink and cancel events from the chat.

The same domain functions as `liaison events create|update|cancel` do the work, so change
notices and invitations go out exactly as from the command line: `events.create` and
`invitations.publish` for a new event, `change_notices.update_event` for a change. Every
step waits for one answer (a button or a short text, checked and explained in the staff
member's language); nothing is saved before the staff member confirms the summary. The
draft lives only in the pending answer (memory), so /cancel, another command or 15 minutes
of silence drop it. The audit log gets the event's id and what was done, nothing more.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.application import events as event_service
from bot.domain.event_input import (
    KINDS,
    MAX_CAPACITY,
    MAX_MOMENT,
    MAX_TITLE,
    MAX_ZONE,
    REGIONS,
    parse_capacity,
    parse_local_moment,
    parse_zone,
)
from bot.handlers.staff.access import (
    CASE_READERS,
    Pending,
    StaffButton,
    StaffCommand,
    StaffUser,
    button,
    expect_text,
    pending,
    unshort,
)
from bot.i18n import N_, Translation, language_name
from bot.services import Context, services, translation
from bot.settings import LANGUAGES
from scheduler import change_notices
from scheduler.calendar_texts import deep_link, kind_label, region_label
from storage.models import Event, EventStatus
from storage.repositories import events
from storage.repositories.audit import staff_actor

log = logging.getLogger(__name__)

EVENT_STAFF = CASE_READERS  # liaison staff and administrators
MAX_LINK = change_notices.MAX_LINK
LIFETIME = timedelta(minutes=15)
STEP = "evt:"  # every Pending.kind of this dialog starts with it


# --- plain checks, tested without bot or database ---


def check_link(text: str) -> str | None:
    link = text.strip()
    if len(link) > MAX_LINK or " " in link or not link.startswith(("https://", "http://")):
        return None
    return link if len(link) > len("https://") else None


# --- sending and the draft ---


async def _send(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)


async def _answer(update: Update, text: str | None = None) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text)


def _wait(
    context: Context, member: StaffUser, step: str, draft_id: uuid.UUID, draft: dict[str, str], limit: int = 1
) -> None:
    """Wait for the next answer; `limit` is the longest text accepted (1 where a button is expected)."""
    now = services(context).clock()
    expect_text(
        context,
        member,
        Pending(
            STEP + step,
            EVENT_STAFF,
            got_text,
            draft_id,
            now + LIFETIME,
            limit if limit > 1 else MAX_TITLE,
            dict(draft),
        ),
    )


def _current(context: Context, member: StaffUser, parts: list[str], *steps: str) -> Pending | None:
    """The pending draft a button belongs to, when it is still the staff member's current step."""
    waiting = pending(context).get(member.telegram_id)
    draft_id = unshort(parts[0]) if parts else None
    if waiting is None or draft_id is None or waiting.target != draft_id:
        return None
    if waiting.kind.removeprefix(STEP) not in steps or services(context).clock() > waiting.expires_at:
        return None
    return waiting


async def _stale(update: Update, context: Context) -> None:
    await _answer(update, translation(update, context)._("This button no longer works."))


def _titles(draft: dict[str, str]) -> dict[str, str]:
    loaded = json.loads(draft.get("titles", "{}"))
    return {str(k): str(v) for k, v in loaded.items()}


# --- prompts ---


async def _ask_kind(
    update: Update, context: Context, member: StaffUser, draft_id: uuid.UUID, draft: dict[str, str]
) -> None:
    t = translation(update, context)
    rows = [[button(kind_label(t, kind), "evt", "k", draft_id, kind)] for kind in KINDS]
    _wait(context, member, "kind", draft_id, draft)
    await _send(update, context, t._("New event. What kind of event is it?"), InlineKeyboardMarkup(rows))


async def _ask_region(
    update: Update, context: Context, member: StaffUser, draft_id: uuid.UUID, draft: dict[str, str]
) -> None:
    t = translation(update, context)
    rows = [[button(region_label(t, region), "evt", "r", draft_id, region)] for region in REGIONS]
    _wait(context, member, "region", draft_id, draft)
    await _send(update, context, t._("Which region is it for?"), InlineKeyboardMarkup(rows))


async def _ask_more_titles(
    update: Update, context: Context, member: StaffUser, draft_id: uuid.UUID, draft: dict[str, str]
) -> None:
    t = translation(update, context)
    have = _titles(draft)
    rows = [
        [button(language_name(code), "evt", "l", draft_id, code)] for code in LANGUAGES if code not in have
    ]
    rows.append([button(t._("Continue"), "evt", "l", draft_id, "-")])
    _wait(context, member, "more", draft_id, draft)
    await _send(
        update,
        context,
        t._(
            "Add the title in another language (optional), or continue. English is shown when a language is missing."
        ),
        InlineKeyboardMarkup(rows),
    )


async def _ask_zone(
    update: Update, context: Context, member: StaffUser, draft_id: uuid.UUID, draft: dict[str, str]
) -> None:
    t = translation(update, context)
    _wait(context, member, "zone", draft_id, draft, MAX_ZONE)
    await _send(
        update,
        context,
        t._("In which time zone is the venue? Send its name, for example Africa/Nairobi or UTC."),
    )


async def _ask_start(
    update: Update, context: Context, member: StaffUser, draft_id: uuid.UUID, draft: dict[str, str]
) -> None:
    t = translation(update, context)
    _wait(context, member, "start", draft_id, draft, MAX_MOMENT)
    await _send(
        update,
        context,
        t._("When does it start, in {zone}? Send the date and time like 2026-06-10 09:00.").format(
            zone=draft["zone"]
        ),
    )


async def _ask_link(
    update: Update,
    context: Context,
    member: StaffUser,
    draft_id: uuid.UUID,
    draft: dict[str, str],
    which: str,
) -> None:
    t = translation(update, context)
    prompt = (
        t._("Send the participant link (https://…), or skip it for now.")
        if which == "plink"
        else t._("Send the view-only link for observers (https://…), or skip it for now.")
    )
    markup = InlineKeyboardMarkup([[button(t._("No link yet"), "evt", "nol", draft_id)]])
    _wait(context, member, which, draft_id, draft, MAX_LINK)
    await _send(update, context, prompt, markup)


async def _ask_capacity(
    update: Update, context: Context, member: StaffUser, draft_id: uuid.UUID, draft: dict[str, str]
) -> None:
    t = translation(update, context)
    markup = InlineKeyboardMarkup([[button(t._("No limit"), "evt", "nocap", draft_id)]])
    _wait(context, member, "capacity", draft_id, draft, 8)
    await _send(update, context, t._("How many places are there? Send a number, or choose no limit."), markup)


def _summary(t: Translation, draft: dict[str, str]) -> str:
    starts = datetime.fromisoformat(draft["starts"])
    titles = _titles(draft)
    lines = [
        t._("Please check the new event:"),
        t._("Kind: {kind}").format(kind=kind_label(t, draft["kind"])),
        t._("Region: {region}").format(region=region_label(t, draft["region"])),
    ]
    lines += [
        t._("Title ({language}): {title}").format(language=language_name(code), title=text)
        for code, text in titles.items()
    ]
    lines.append(t._("Starts: {when}").format(when=t.datetime(starts, draft["zone"])))
    lines.append(t._("Participant link: {link}").format(link=draft.get("plink") or "—"))
    lines.append(t._("View-only link: {link}").format(link=draft.get("vlink") or "—"))
    capacity = draft.get("capacity")
    lines.append(t._("Places: {count}").format(count=capacity) if capacity else t._("Places: no limit"))
    return "\n".join(lines)


async def _ask_confirm(
    update: Update, context: Context, member: StaffUser, draft_id: uuid.UUID, draft: dict[str, str]
) -> None:
    t = translation(update, context)
    markup = InlineKeyboardMarkup(
        [[button(t._("Create the event"), "evt", "ok", draft_id), button(t._("Stop"), "evt", "no", draft_id)]]
    )
    _wait(context, member, "confirm", draft_id, draft)
    await _send(update, context, _summary(t, draft), markup)


# --- the command and the event card ---


def _card(t: Translation, event: Event) -> str:
    status = {
        EventStatus.SCHEDULED.value: t._("scheduled"),
        EventStatus.RESCHEDULED.value: t._("rescheduled"),
        EventStatus.CANCELLED.value: t._("cancelled"),
    }.get(event.status, event.status)
    lines = [
        t._("Event {code}: {title}").format(code=event.code, title=event.title(t.language)),
        t._("Kind: {kind}").format(kind=kind_label(t, event.kind)),
        t._("Region: {region}").format(region=region_label(t, event.region)),
        t._("Starts: {when}").format(when=t.datetime(event.starts_at, event.time_zone)),
        t._("Status: {status}").format(status=status),
        t._("Participant link: {link}").format(link=event.participant_link or "—"),
        t._("View-only link: {link}").format(link=event.view_link or "—"),
    ]
    return "\n".join(lines)


async def _show_event(update: Update, context: Context, event: Event) -> None:
    t = translation(update, context)
    markup = None
    if event.status != EventStatus.CANCELLED.value:
        markup = InlineKeyboardMarkup(
            [
                [
                    button(t._("Move"), "evt", "mv", event.id),
                    button(t._("Cancel the event"), "evt", "cx", event.id),
                ],
                [
                    button(t._("Participant link"), "evt", "pl", event.id),
                    button(t._("View-only link"), "evt", "vl", event.id),
                ],
            ]
        )
    await _send(update, context, _card(t, event), markup)


async def event_command(update: Update, context: Context, member: StaffUser, args: list[str]) -> None:
    t = translation(update, context)
    svc = services(context)
    if args:
        code = args[0]
        if len(code) > events.MAX_CODE or not events.is_valid_code(events.normalise_code(code)):
            await _send(
                update, context, t._("An event code is 2 to 16 letters and digits, for example AFR26.")
            )
            return
        async with svc.db.session() as session:
            found = await events.by_code(session, code)
        if found is None:
            await _send(
                update, context, t._("No event has the code {code}.").format(code=events.normalise_code(code))
            )
            return
        await _show_event(update, context, found)
        return
    async with svc.db.session() as session:
        coming = await events.upcoming(session, now=svc.clock(), limit=10)
    rows: list[list[InlineKeyboardButton]] = [[button(t._("New event"), "evt", "new")]]
    rows += [[button(f"{e.code} · {e.title(t.language)[:40]}", "evt", "ev", e.id)] for e in coming]
    await _send(
        update,
        context,
        t._(
            "Create an event, or choose one to move, relink or cancel. You can also send /event followed by its code."
        ),
        InlineKeyboardMarkup(rows),
    )


async def new_event(update: Update, context: Context, member: StaffUser, _parts: list[str]) -> None:
    await _answer(update)
    await _ask_kind(update, context, member, uuid.uuid4(), {})


async def open_event(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    event_id = unshort(parts[0]) if parts else None
    svc = services(context)
    async with svc.db.session() as session:
        found = await events.get(session, event_id) if event_id is not None else None
    if found is None:
        await _stale(update, context)
        return
    await _answer(update)
    await _show_event(update, context, found)


# --- the creation dialog's buttons ---


async def chose_kind(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    waiting = _current(context, member, parts, "kind")
    if waiting is None or len(parts) < 2 or parts[1] not in KINDS:
        await _stale(update, context)
        return
    await _answer(update)
    await _ask_region(update, context, member, waiting.target, waiting.extra | {"kind": parts[1]})


async def chose_region(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    waiting = _current(context, member, parts, "region")
    if waiting is None or len(parts) < 2 or parts[1] not in REGIONS:
        await _stale(update, context)
        return
    await _answer(update)
    t = translation(update, context)
    _wait(context, member, "title", waiting.target, waiting.extra | {"region": parts[1]}, MAX_TITLE)
    await _send(
        update,
        context,
        t.ngettext(
            "What is the title, in {language}? At most {limit} character.",
            "What is the title, in {language}? At most {limit} characters.",
            MAX_TITLE,
        ).format(language=language_name(t.language), limit=MAX_TITLE),
    )


async def chose_language(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    waiting = _current(context, member, parts, "more")
    if waiting is None or len(parts) < 2 or (parts[1] != "-" and parts[1] not in LANGUAGES):
        await _stale(update, context)
        return
    await _answer(update)
    if parts[1] == "-":
        await _ask_zone(update, context, member, waiting.target, waiting.extra)
        return
    t = translation(update, context)
    _wait(context, member, "title_lang", waiting.target, waiting.extra | {"lang": parts[1]}, MAX_TITLE)
    await _send(
        update,
        context,
        t.ngettext(
            "What is the title, in {language}? At most {limit} character.",
            "What is the title, in {language}? At most {limit} characters.",
            MAX_TITLE,
        ).format(language=language_name(parts[1]), limit=MAX_TITLE),
    )


async def no_link(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    waiting = _current(context, member, parts, "plink", "vlink")
    if waiting is None:
        await _stale(update, context)
        return
    await _answer(update)
    await _after_link(update, context, member, waiting, None)


async def no_capacity(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    waiting = _current(context, member, parts, "capacity")
    if waiting is None:
        await _stale(update, context)
        return
    await _answer(update)
    await _ask_confirm(update, context, member, waiting.target, waiting.extra | {"capacity": ""})


async def _after_link(
    update: Update, context: Context, member: StaffUser, waiting: Pending, link: str | None
) -> None:
    which = waiting.kind.removeprefix(STEP)
    draft = waiting.extra | {which: link or ""}
    if which == "plink":
        await _ask_link(update, context, member, waiting.target, draft, "vlink")
    else:
        await _ask_capacity(update, context, member, waiting.target, draft)


async def stop(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    if _current(context, member, parts, "confirm", "confirm_edit") is None:
        await _stale(update, context)
        return
    pending(context).pop(member.telegram_id, None)
    await _answer(update)
    await _send(update, context, translation(update, context)._("Stopped. Nothing was changed."))


async def confirm(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    waiting = _current(context, member, parts, "confirm", "confirm_edit")
    if waiting is None:
        await _stale(update, context)
        return
    pending(context).pop(member.telegram_id, None)
    await _answer(update)
    if waiting.kind == STEP + "confirm":
        await _create(update, context, member, waiting.extra)
    else:
        await _apply_edit(update, context, member, waiting.extra)


async def _create(update: Update, context: Context, member: StaffUser, draft: dict[str, str]) -> None:
    t = translation(update, context)
    svc = services(context)
    now = svc.clock()
    new = event_service.NewEvent(
        region=draft["region"],
        kind=draft["kind"],
        titles=_titles(draft),
        starts_at=datetime.fromisoformat(draft["starts"]),
        time_zone=draft["zone"],
        participant_link=draft.get("plink") or None,
        view_link=draft.get("vlink") or None,
        capacity=int(draft["capacity"]) if draft.get("capacity") else None,
    )
    try:
        async with svc.db.session() as session:
            published = await event_service.publish(session, new, actor=staff_actor(member.id), now=now)
            code, record = published.event.code, published.invitation
    except event_service.EventRefused:
        await _send(update, context, t._("That time has passed. Send /event to start again."))
        return
    log.info("staff member %s created event %s", member.id, code)
    lines = [t._("Event {code} is created.").format(code=code)]
    link = deep_link(context.bot.username, code)
    if link:
        lines.append(t._("Invitation link: {link}").format(link=link))
    if record is not None:
        lines.append(
            t._("Invitations to the region's subscribers go out {when}.").format(
                when=t.datetime(record.send_at, draft["zone"])
            )
        )
        if record.late:
            lines.append(
                t.ngettext(
                    "Warning: that is only {days} day before the event, less than six weeks. This is recorded.",
                    "Warning: that is only {days} days before the event, less than six weeks. This is recorded.",
                    record.lead_days,
                ).format(days=record.lead_days)
            )
    await _send(update, context, "\n".join(lines))


# --- changes to an existing event ---


async def _event_for_edit(update: Update, context: Context, parts: list[str]) -> Event | None:
    event_id = unshort(parts[0]) if parts else None
    svc = services(context)
    async with svc.db.session() as session:
        found = await events.get(session, event_id) if event_id is not None else None
    if found is None:
        await _stale(update, context)
        return None
    if found.status == EventStatus.CANCELLED.value:
        await _answer(
            update, translation(update, context)._("This event is cancelled; create a new one instead.")
        )
        return None
    await _answer(update)
    return found


async def start_edit(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    """Move, a new participant or view link, or cancel: ask for the value (if any), then confirm."""
    assert update.callback_query is not None
    action = (update.callback_query.data or "").split(":")[2]
    found = await _event_for_edit(update, context, parts)
    if found is None:
        return
    t = translation(update, context)
    draft_id = uuid.uuid4()
    draft = {"event": str(found.id), "action": action, "zone": found.time_zone}
    if action == "cx":
        await _ask_edit_confirm(update, context, member, draft_id, draft)
        return
    if action == "mv":
        _wait(context, member, "move", draft_id, draft, MAX_MOMENT)
        await _send(
            update,
            context,
            t._("It starts {when}. Send the new start in {zone}, like 2026-06-10 09:00.").format(
                when=t.datetime(found.starts_at, found.time_zone), zone=found.time_zone
            ),
        )
        return
    _wait(context, member, "newlink", draft_id, draft, MAX_LINK)
    await _send(
        update,
        context,
        t._("Send the new participant link (https://…).")
        if action == "pl"
        else t._("Send the new view-only link (https://…)."),
    )


async def _ask_edit_confirm(
    update: Update, context: Context, member: StaffUser, draft_id: uuid.UUID, draft: dict[str, str]
) -> None:
    t = translation(update, context)
    svc = services(context)
    async with svc.db.session() as session:
        found = await events.get(session, uuid.UUID(draft["event"]))
    if found is None:
        await _send(update, context, t._("This event no longer exists."))
        return
    title = found.title(t.language)
    if draft["action"] == "cx":
        question = t._(
            "Cancel {code} ({title})? Everyone registered and the region's subscribers are told."
        ).format(code=found.code, title=title)
    elif draft["action"] == "mv":
        question = t._("Move {code} ({title}) from {old} to {new}? Everyone registered is told.").format(
            code=found.code,
            title=title,
            old=t.datetime(found.starts_at, found.time_zone),
            new=t.datetime(datetime.fromisoformat(draft["value"]), found.time_zone),
        )
    else:
        question = t._("Change the link of {code} ({title}) to {link}? Everyone concerned is told.").format(
            code=found.code, title=title, link=draft["value"]
        )
    markup = InlineKeyboardMarkup(
        [[button(t._("Confirm"), "evt", "ok", draft_id), button(t._("Stop"), "evt", "no", draft_id)]]
    )
    _wait(context, member, "confirm_edit", draft_id, draft)
    await _send(update, context, question, markup)


async def _apply_edit(update: Update, context: Context, member: StaffUser, draft: dict[str, str]) -> None:
    t = translation(update, context)
    svc = services(context)
    now = svc.clock()
    action = draft["action"]
    edit = change_notices.EventEdit(
        starts_at=datetime.fromisoformat(draft["value"]) if action == "mv" else None,
        participant_link=draft["value"] if action == "pl" else None,
        view_link=draft["value"] if action == "vl" else None,
        cancel=action == "cx",
    )
    async with svc.db.session() as session:
        event = await events.get(session, uuid.UUID(draft["event"]))
        if event is None or event.status == EventStatus.CANCELLED.value:
            await _send(update, context, t._("This event is cancelled; create a new one instead."))
            return
        try:
            result = await event_service.change(
                session, svc.translator, event, edit, actor=staff_actor(member.id), now=now
            )
        except ValueError:
            await _send(
                update,
                context,
                t._(
                    "That change does not fit the event (for example it would end before it starts). Nothing was changed."
                ),
            )
            return
        code = event.code
    log.info("staff member %s changed event %s (%s)", member.id, code, action)
    if not result.changes:
        await _send(update, context, t._("Nothing changed: {code} already had that.").format(code=code))
        return
    await _send(
        update,
        context,
        t.ngettext(
            "Saved: {code} is now version {version}. {count} notice is queued.",
            "Saved: {code} is now version {version}. {count} notices are queued.",
            result.notices,
        ).format(code=code, version=result.version, count=result.notices),
    )


# --- typed answers ---


async def got_text(update: Update, context: Context, member: StaffUser, waiting: Pending, text: str) -> None:
    t = translation(update, context)
    step, draft, draft_id = waiting.kind.removeprefix(STEP), waiting.extra, waiting.target
    if step in {"kind", "region", "more", "confirm", "confirm_edit"}:
        _wait(context, member, step, draft_id, draft)
        await _send(update, context, t._("Please choose one of the buttons above, or send /cancel to stop."))
        return
    if step in {"title", "title_lang"}:
        title = " ".join(text.split())
        if len(title) > MAX_TITLE:
            _wait(context, member, step, draft_id, draft, MAX_TITLE)
            await _send(
                update,
                context,
                t.ngettext(
                    "A title has at most {limit} character. Please send a shorter one.",
                    "A title has at most {limit} characters. Please send a shorter one.",
                    MAX_TITLE,
                ).format(limit=MAX_TITLE),
            )
            return
        language = draft.pop("lang", t.language) if step == "title_lang" else t.language
        titles = _titles(draft) | {language: title}
        await _ask_more_titles(update, context, member, draft_id, draft | {"titles": json.dumps(titles)})
        return
    if step == "zone":
        zone = parse_zone(text)
        if zone is None:
            _wait(context, member, step, draft_id, draft, MAX_ZONE)
            await _send(
                update,
                context,
                t._("I do not know that time zone. Send a name like Europe/Paris, America/Bogota or UTC."),
            )
            return
        await _ask_start(update, context, member, draft_id, draft | {"zone": zone})
        return
    if step in {"start", "move"}:
        moment = parse_local_moment(text, draft["zone"])
        if moment is None or moment <= services(context).clock():
            _wait(context, member, step, draft_id, draft, MAX_MOMENT)
            await _send(
                update,
                context,
                t._("Please send a future date and time like 2026-06-10 09:00.")
                if moment is not None
                else t._("I could not read that. Please send the date and time like 2026-06-10 09:00."),
            )
            return
        if step == "start":
            await _ask_link(
                update, context, member, draft_id, draft | {"starts": moment.isoformat()}, "plink"
            )
        else:
            await _ask_edit_confirm(update, context, member, draft_id, draft | {"value": moment.isoformat()})
        return
    if step in {"plink", "vlink", "newlink"}:
        link = check_link(text)
        if link is None:
            _wait(context, member, step, draft_id, draft, MAX_LINK)
            await _send(
                update,
                context,
                t.ngettext(
                    "A link starts with https:// and has at most {limit} character, without spaces.",
                    "A link starts with https:// and has at most {limit} characters, without spaces.",
                    MAX_LINK,
                ).format(limit=MAX_LINK),
            )
            return
        if step == "newlink":
            await _ask_edit_confirm(update, context, member, draft_id, draft | {"value": link})
        else:
            await _after_link(update, context, member, waiting, link)
        return
    if step == "capacity":
        capacity = parse_capacity(text)
        if capacity is None:
            _wait(context, member, step, draft_id, draft, 8)
            await _send(
                update,
                context,
                t._("Send a whole number from 1 to {limit}, or choose no limit.").format(limit=MAX_CAPACITY),
            )
            return
        await _ask_confirm(update, context, member, draft_id, draft | {"capacity": str(capacity)})


COMMANDS = (StaffCommand("event", EVENT_STAFF, event_command, N_("Create, move, relink or cancel an event")),)
BUTTONS = (
    StaffButton("evt:new", EVENT_STAFF, new_event),
    StaffButton("evt:ev", EVENT_STAFF, open_event),
    StaffButton("evt:k", EVENT_STAFF, chose_kind),
    StaffButton("evt:r", EVENT_STAFF, chose_region),
    StaffButton("evt:l", EVENT_STAFF, chose_language),
    StaffButton("evt:nol", EVENT_STAFF, no_link),
    StaffButton("evt:nocap", EVENT_STAFF, no_capacity),
    StaffButton("evt:ok", EVENT_STAFF, confirm),
    StaffButton("evt:no", EVENT_STAFF, stop),
    StaffButton("evt:mv", EVENT_STAFF, start_edit),
    StaffButton("evt:pl", EVENT_STAFF, start_edit),
    StaffButton("evt:vl", EVENT_STAFF, start_edit),
    StaffButton("evt:cx", EVENT_STAFF, start_edit),
)
