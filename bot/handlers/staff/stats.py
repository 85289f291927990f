"""/stats: registrations per region, and per event by status, stakeholder type, sub-region,
gender, age group and migrant-led, as a table and a PNG chart in the chat (R22). Counts only.
"""

from __future__ import annotations

import uuid
from collections import Counter

from telegram import InlineKeyboardMarkup, InputFile, Update

from bot.domain.statistics import CHART_DIMENSIONS, chart_language, ordered, render_chart
from bot.handlers.staff.access import CASE_READERS, StaffButton, StaffCommand, StaffUser, button, unshort
from bot.i18n import N_, Translation
from bot.reference.categories import category_label
from bot.services import Context, services, translation
from storage.models import Event
from storage.repositories import events, review

DIMENSION_LABELS: dict[str, str] = {
    "status": N_("By status"),
    "stakeholder_type": N_("By stakeholder type"),
    "subregion": N_("By sub-region"),
    "gender": N_("By gender"),
    "age_group": N_("By age group"),
    "migrant_led": N_("Migrant-led"),
}


def table(t: Translation, rows: list[review.StatRow], dimensions: tuple[str, ...]) -> str:
    lines = [t.ngettext("{count} registration.", "{count} registrations.", len(rows)).format(count=len(rows))]
    for dimension in dimensions:
        counts = review.tally(rows, dimension)
        lines.append("")
        lines.append(t._(DIMENSION_LABELS[dimension]))
        lines += [f"  {category_label(t, dimension, value)}: {count}" for value, count in ordered(counts)]
    return "\n".join(lines)


async def overview(update: Update, context: Context, member: StaffUser, args: list[str]) -> None:
    """Per region, registrations by status; buttons open each event's tables and chart."""
    t = translation(update, context)
    svc = services(context)
    if args:
        async with svc.db.session() as session:
            event = await events.by_code(session, args[0])
        if event is None:
            await _send(update, context, t._("No event has the code {code}.").format(code=args[0][:16]))
            return
        await _event_stats(update, context, event.id)
        return
    async with svc.db.session() as session:
        rows = await review.stat_rows(session)
        listed = await events.all_events(session)
    by_region: dict[str, list[review.StatRow]] = {}
    for row in rows:
        by_region.setdefault(row.region, []).append(row)
    lines = [t._("Registrations per region, by status:")]
    for region, region_rows in sorted(by_region.items()):
        counts = review.tally(region_rows, "status")
        parts = ", ".join(f"{category_label(t, 'status', v)} {n}" for v, n in ordered(counts))
        lines.append(f"{category_label(t, 'region', region)}: {parts}")
    if not rows:
        lines.append(t._("No registrations yet."))
    buttons = [[button(e.title(t.language)[:40], "stats", "ev", e.id)] for e in listed[:20]]
    await _send(update, context, "\n".join(lines), InlineKeyboardMarkup(buttons) if buttons else None)


async def _event_stats(update: Update, context: Context, event_id: uuid.UUID) -> None:
    t = translation(update, context)
    svc = services(context)
    async with svc.db.session() as session:
        event = await session.get(Event, event_id)
        rows = await review.stat_rows(session, event_id=event_id)
    if event is None:
        await _send(update, context, t._("This event no longer exists."))
        return
    title = event.title(t.language)
    await _send(update, context, title + "\n" + table(t, rows, CHART_DIMENSIONS))
    if rows:
        # The chart in the staff member's language, or in English where no installed font has its script.
        shown = svc.translator.get(chart_language(t.language))
        tallies: list[tuple[str, Counter[str]]] = []
        for dimension in CHART_DIMENSIONS:
            counts: Counter[str] = Counter()
            for value, count in review.tally(rows, dimension).items():
                counts[category_label(shown, dimension, value)] += count
            tallies.append((shown._(DIMENSION_LABELS[dimension]), counts))
        png = render_chart(f"{event.code} · {event.title(shown.language)}", tallies)
        assert update.effective_chat is not None
        caption = None
        if shown.language != t.language:
            caption = t._("This server has no font for your language's script, so the chart is in English.")
        await context.bot.send_photo(
            update.effective_chat.id,
            InputFile(png, filename=f"stats-{event.code}.png"),
            caption=caption,
            protect_content=True,
        )


async def event_button(update: Update, context: Context, member: StaffUser, parts: list[str]) -> None:
    event_id = unshort(parts[0]) if parts else None
    if update.callback_query is not None:
        await update.callback_query.answer()
    if event_id is not None:
        await _event_stats(update, context, event_id)


async def _send(
    update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup, protect_content=True)


COMMANDS = (StaffCommand("stats", CASE_READERS, overview, N_("Registration statistics, with a chart")),)
BUTTONS = (StaffButton("stats:ev", CASE_READERS, event_button),)
