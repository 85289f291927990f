"""An event's registrations (R9): filter by category, then accept, waitlist or decline one or many.

Every decision is `bot.application.registrations.decide`, the function the chat's /review
and `liaison events review` call: capacity, the notice in the person's language, the audit
entry and the promotion from the waiting list happen there, not here. The table shows
categories only; opening one registration shows what the person wrote, and that read is
audited as in the chat.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from aiohttp import web

from bot.application import registrations as decisions
from bot.domain.registration_texts import DECLINE_REASONS, REASONS, WAITLIST_REASONS
from bot.domain.staff_roles import CASE_READERS
from bot.i18n import N_
from bot.web.console import Visit, WebConsole, parse_id
from bot.web.labels import category
from storage.models import Event, Registration, RegistrationStatus
from storage.repositories import audit, registration_table, review

LOGGER = logging.getLogger(__name__)

# The reasons that fit each decision are the chat's too; the person reads the reason with the notice.
DECISIONS = {
    RegistrationStatus.ACCEPTED.value: (),
    RegistrationStatus.WAITLISTED.value: WAITLIST_REASONS,
    RegistrationStatus.DECLINED.value: DECLINE_REASONS,
}
DECISION_LABELS = {
    RegistrationStatus.ACCEPTED.value: N_("Accept"),
    RegistrationStatus.WAITLISTED.value: N_("Waiting list"),
    RegistrationStatus.DECLINED.value: N_("Decline"),
}
FILTER_LABELS = {
    "status": N_("Status"),
    "kind": N_("Registration"),
    "stakeholder_type": N_("Stakeholder type"),
    "subregion": N_("Sub-region"),
    "gender": N_("Gender"),
    "age_group": N_("Age group"),
    "migrant_led": N_("Migrant-led"),
}
REFUSAL_TEXTS = {
    decisions.Refusal.FULL: N_("The event is full. Put this registration on the waiting list instead."),
    decisions.Refusal.NOT_ALLOWED: N_("This registration was decided already."),
    decisions.Refusal.NOT_FOUND: N_("This registration was decided already."),
    decisions.Refusal.UNKNOWN_REASON: N_("Choose a reason the person will read."),
}


def routes(console: WebConsole) -> list[web.RouteDef]:
    async def table(
        request: web.Request, visit: Visit, outcome: dict[str, Any] | None = None
    ) -> web.StreamResponse:
        t = visit.t
        event_id = parse_id(request.match_info["event_id"])
        chosen = {name: request.query.get(name, "") for name in registration_table.FILTERS}
        async with console.services.db.session() as session:
            event = await session.get(Event, event_id) if event_id else None
            if event is None:
                raise web.HTTPNotFound()
            every = await registration_table.rows(session, event.id)
            seats = await decisions.seats(session, event)
            # The table shows balance data of named registrations: the read is audited, per event.
            await audit.append(
                session, at=console.services.clock(), actor=visit.actor, action="registration.list",
                subject_type="event", subject_id=str(event.id),
            )  # fmt: skip
        shown = registration_table.matching(every, chosen)
        by_status = Counter(row.status for row in every)
        filters = [
            {
                "name": name,
                "label": t._(label),
                "chosen": chosen[name],
                "options": sorted(
                    {(row.value(name), category(t, name, row.value(name))) for row in every},
                    key=lambda o: o[1],
                ),
            }
            for name, label in FILTER_LABELS.items()
        ]
        rows = [
            {
                "id": row.id,
                "reference": row.reference,
                "label": t._("Select {reference}").format(reference=row.reference),
                "cells": [category(t, name, row.value(name)) for name in registration_table.FILTERS],
                "reason": t._(REASONS[row.reason_key]) if row.reason_key in REASONS else "",
            }
            for row in shown
        ]
        return console.render(
            t,
            "registrations.html",
            title=t._("Registrations: {event}").format(event=event.title(t.language)),
            visit=visit,
            event=event,
            starts=t.datetime(event.starts_at, visit.time_zone),
            capacity=seats.capacity,
            taken=seats.taken,
            waitlisted=by_status[RegistrationStatus.WAITLISTED.value],
            pending=by_status[RegistrationStatus.PENDING.value],
            filters=filters,
            headers=[t._(label) for label in FILTER_LABELS.values()],
            rows=rows,
            total=len(every),
            decisions=[(value, t._(label)) for value, label in DECISION_LABELS.items()],
            reasons=[(key, t._(text)) for key, text in REASONS.items()],
            outcome=outcome,
        )

    async def show(request: web.Request, visit: Visit) -> web.StreamResponse:
        return await table(request, visit)

    async def decide(request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        form = await request.post()
        decision = str(form.get("decision", ""))
        reason = str(form.get("reason", "")) or None
        chosen = [picked for value in form.getall("registration", []) if (picked := parse_id(str(value)))]
        event_id = parse_id(request.match_info["event_id"])
        problems: list[str] = []
        if decision not in DECISIONS:
            problems.append(t._("Choose accept, waiting list or decline."))
        elif DECISIONS[decision] and reason not in DECISIONS[decision]:
            problems.append(t._("Choose a reason the person will read."))
        if not chosen:
            problems.append(t._("Select at least one registration."))
        saved = unreached = 0
        refused: list[tuple[str, str]] = []
        if not problems:
            for registration_id in chosen:
                svc = console.services
                reference = "?"
                try:
                    async with svc.db.session() as session:
                        found = await session.get(Registration, registration_id)
                        if found is None or found.event_id != event_id:
                            raise decisions.DecisionRefused(decisions.Refusal.NOT_FOUND, "not of this event")
                        reference = found.reference
                        result = await decisions.decide(
                            session,
                            svc.notices,
                            registration_id,
                            decision,
                            reason_key=reason if DECISIONS[decision] else None,
                            actor=visit.actor,
                            now=svc.clock(),
                        )
                    saved += int(result.changed)
                    unreached += int(result.changed and (result.told is None or not result.told.reached))
                except decisions.DecisionRefused as error:
                    refused.append((reference, t._(REFUSAL_TEXTS[error.refusal])))
            LOGGER.info(
                "staff member %s decided %d registrations in the console", visit.staff_member_id, saved
            )
        outcome = {
            "problems": problems,
            "saved": t.ngettext(
                "{count} registration saved; each person is told in their language.",
                "{count} registrations saved; each person is told in their language.",
                saved,
            ).format(count=saved)
            if not problems
            else "",
            # Staff should not believe a person was told who cannot be reached (no usable address).
            "unreached": t.ngettext(
                "{count} of them cannot be reached now and was not told.",
                "{count} of them cannot be reached now and were not told.",
                unreached,
            ).format(count=unreached)
            if unreached
            else "",
            "refused": refused,
        }
        return await table(request, visit, outcome)

    async def detail(request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        registration_id = parse_id(request.match_info["registration_id"])
        svc = console.services
        async with svc.db.session() as session:
            found = await session.get(Registration, registration_id) if registration_id else None
            if found is None:
                raise web.HTTPNotFound()
            event = await session.get(Event, found.event_id)
            assert event is not None
            card = await review.card(session, found, staff_member_id=visit.staff_member_id, now=svc.clock())
        criteria = []
        if found.represents_entity is not None:
            yes, no = t._("yes"), t._("no")
            criteria = [
                (t._("Represents a relevant entity"), yes if found.represents_entity else no),
                (t._("Authorised to speak for it"), yes if found.authorised else no),
                (t._("Has migration expertise"), yes if found.migration_expertise else no),
            ]
        return console.render(
            t,
            "registration.html",
            title=t._("Registration {reference}").format(reference=found.reference),
            visit=visit,
            event=event,
            event_title=event.title(t.language),
            status_label=category(t, "status", found.status),
            kind=category(t, "kind", found.kind),
            stakeholder_type=category(t, "stakeholder_type", found.stakeholder_type or "unknown"),
            country=category(t, "country", found.country or "unknown"),
            organisation=card.organisation,
            motivation=card.motivation,
            criteria=criteria,
        )

    return [
        web.get("/web/events/{event_id}/registrations", console.page(CASE_READERS, show)),
        web.post("/web/events/{event_id}/registrations", console.page(CASE_READERS, decide)),
        web.get("/web/registrations/{registration_id}", console.page(CASE_READERS, detail)),
    ]
