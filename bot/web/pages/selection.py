"""Selection for an oversubscribed event (R10): run LEXIMIN on the pending requests, read the
report (quotas, everyone's chance, the seed), then accept the selected and waitlist the rest.

The pool, the quotas, the algorithms and the confirmation are those of `liaison select`
(`bot.selection.runner`, `bot.application.event_selection`); custom quota lines `feature:value:min:max` go through the CLI's
`parse_quota`, and quotas that cannot all be met are explained with the CLI's own lines
(`Feasibility.explain`), then used only relaxed when staff ask for it, as with `--relax`.
Each decision goes through `bot.application.registrations.decide`. The previewed draw is kept
in this process's memory for 15 minutes, so what is confirmed is exactly what was shown.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.domain.staff_roles import CASE_READERS
from bot.i18n import N_
from bot.web.console import Visit, WebConsole, parse_id
from bot.web.labels import category
from bot.web.pages.registrations import FILTER_LABELS
from storage.models import Event
from storage.repositories import registration_table

DRAFT_LIFETIME = timedelta(minutes=15)
FEATURE_LABELS = {**FILTER_LABELS, "country": N_("Country")}
MAX_QUOTA_LINES = 200
TIME_LIMIT = 60.0  # seconds: LEXIMIN stops early with a valid, if less fair, lottery
ALGORITHMS = {
    "leximin": N_("LEXIMIN (the fairest)"),
    "maximin": N_("MAXIMIN (for comparison)"),
    "greedy": N_("Greedy (for comparison)"),
}


@dataclass(frozen=True)
class Draft:
    staff_member_id: uuid.UUID
    event_id: uuid.UUID
    candidates: tuple[Any, ...]
    selection: Any
    algorithm: str
    expires_at: datetime


def routes(console: WebConsole) -> list[web.RouteDef]:
    drafts: dict[str, Draft] = {}

    async def form_page(
        visit: Visit,
        event: Event,
        *,
        problems: list[str] | None = None,
        status: int = 200,
        entered: dict[str, str] | None = None,
        explanation: list[str] | None = None,
        **report: Any,
    ) -> web.Response:
        t = visit.t
        async with console.services.db.session() as session:
            kinds = await registration_table.pending_kinds(session, event.id)
        return console.render(
            t,
            "selection.html",
            title=t._("Selection: {event}").format(event=event.title(t.language)),
            visit=visit,
            event=event,
            kinds=[(kind, category(t, "kind", kind)) for kind in kinds],
            algorithms=[(key, t._(label)) for key, label in ALGORITHMS.items()],
            problems=problems or [],
            status=status,
            report=report or None,
            entered=entered or {},
            explanation=explanation or [],
        )

    async def event_of(request: web.Request) -> Event:
        event_id = parse_id(request.match_info["event_id"])
        async with console.services.db.session() as session:
            event = await session.get(Event, event_id) if event_id else None
        if event is None:
            raise web.HTTPNotFound()
        return event

    async def show(request: web.Request, visit: Visit) -> web.StreamResponse:
        return await form_page(visit, await event_of(request))

    async def run(request: web.Request, visit: Visit) -> web.StreamResponse:
        from bot.application.event_selection import load_candidates, pool_of
        from bot.selection.feasibility import check_feasibility, relaxed_quotas
        from bot.selection.pool import PoolError, SelectionProblem, parse_quota
        from bot.selection.report import build_report
        from bot.selection.runner import Algorithm, QuotaChoice, build_problem, run_selection

        t = visit.t
        svc = console.services
        event = await event_of(request)
        form = await request.post()
        seats_text = str(form.get("seats", "")).strip()
        algorithm = str(form.get("algorithm", "leximin"))
        kind = str(form.get("kind", "")) or None
        quota_text = str(form.get("quotas", ""))
        relax = form.get("relax") == "yes"
        entered = {"seats": seats_text, "quotas": quota_text, "relax": "yes" if relax else ""}
        if not seats_text.isdigit() or int(seats_text) < 1 or algorithm not in ALGORITHMS:
            return await form_page(
                visit,
                event,
                problems=[t._("Enter how many to select, from 1.")],
                status=422,
                entered=entered,
            )
        seats = int(seats_text)
        lines = [(n, line.strip()) for n, line in enumerate(quota_text.splitlines(), 1) if line.strip()]
        overrides = []
        bad_lines = []
        for number, line in lines[:MAX_QUOTA_LINES]:
            try:
                overrides.append(parse_quota(line))
            except PoolError as exc:  # the CLI's own words: the line is staff's text, not personal data
                bad_lines.append(t._("Quota line {number}: {problem}").format(number=number, problem=exc))
        if len(lines) > MAX_QUOTA_LINES:
            bad_lines.append(t._("Too many quota lines: keep the ones that matter."))
        if bad_lines:
            return await form_page(visit, event, problems=bad_lines, status=422, entered=entered)
        async with svc.db.session() as session:
            try:
                _event, candidates = await load_candidates(session, event.code, kind)
            except PoolError:
                candidates = []
        if not candidates:
            return await form_page(
                visit,
                event,
                problems=[t._("There are no pending requests of that kind to select from.")],
                status=422,
                entered=entered,
            )
        try:
            problem = build_problem(pool_of(candidates), seats, QuotaChoice(overrides=tuple(overrides)))
        except PoolError as exc:
            return await form_page(
                visit,
                event,
                problems=[t._("Check the number and the quotas: {problem}").format(problem=exc)],
                status=422,
                entered=entered,
            )
        relaxed = False
        explanation: list[str] = []
        if seats < len(problem.pool):
            answer = await asyncio.to_thread(check_feasibility, problem)
            if not answer.feasible:
                explanation = answer.explain()
                if overrides and not relax:
                    # As the CLI without --relax: explain, change nothing, let staff decide.
                    return await form_page(
                        visit,
                        event,
                        problems=[
                            t._(
                                "The quotas cannot all be met. Change them, or tick "
                                "“Use the nearest feasible quotas”."
                            )
                        ],
                        status=422,
                        entered=entered,
                        explanation=explanation,
                    )
                problem = SelectionProblem(
                    problem.pool, problem.seats, relaxed_quotas(problem, answer.relaxation)
                )
                relaxed = True
        # LEXIMIN can take seconds: off the event loop, so the bot keeps answering meanwhile.
        selection = await asyncio.to_thread(
            run_selection, problem, Algorithm(algorithm), seed=None, time_limit=TIME_LIMIT
        )
        now = svc.clock()
        report = build_report(selection, now=now)
        for key in [key for key, draft in drafts.items() if draft.expires_at <= now]:
            drafts.pop(key, None)
        key = secrets.token_urlsafe(16)
        drafts[key] = Draft(
            visit.staff_member_id, event.id, tuple(candidates), selection, algorithm, now + DRAFT_LIFETIME
        )
        return await form_page(
            visit,
            event,
            entered=entered,
            explanation=explanation,
            draft=key,
            relaxed=relaxed,
            summary=t._("{selected} of {applicants} selected; seed {seed}.").format(
                selected=len(selection.panel), applicants=report.applicants, seed=report.seed
            ),
            quotas=[
                (
                    t._(FEATURE_LABELS.get(q.feature, q.feature)),
                    category(t, q.feature, q.value),
                    q.min,
                    q.max,
                    q.in_pool,
                    q.selected,
                )
                for q in report.quotas
            ],
            chances=[
                (reference, round(chance, 3), chosen) for reference, chance, chosen in report.probabilities
            ],
        )

    async def accept(request: web.Request, visit: Visit) -> web.StreamResponse:
        from bot.application.event_selection import confirm

        t = visit.t
        svc = console.services
        event = await event_of(request)
        form = await request.post()
        draft = drafts.pop(str(form.get("draft", "")), None)
        if (
            draft is None
            or draft.staff_member_id != visit.staff_member_id
            or draft.event_id != event.id
            or draft.expires_at <= svc.clock()
        ):
            return await form_page(
                visit, event, problems=[t._("This preview expired; run the selection again.")], status=409
            )
        async with svc.db.session() as session:
            accepted, waitlisted, skipped, full = await confirm(
                session,
                draft.candidates,
                draft.selection,
                now=svc.clock(),
                translator=svc.translator,
                event_id=event.id,
                algorithm=draft.algorithm,
                actor=visit.actor,
            )
        done = [
            t._(
                "{accepted} accepted, {waitlisted} waitlisted; each person is told in their language."
            ).format(accepted=accepted, waitlisted=waitlisted)
        ]
        if skipped:
            done.append(
                t._("Requests changed since the preview and left as they are: {count}.").format(count=skipped)
            )
        if full:
            done.append(t._("Not accepted because the event has no place left: {count}.").format(count=full))
        return await form_page(visit, event, done=done)

    return [
        web.get("/web/events/{event_id}/selection", console.page(CASE_READERS, show)),
        web.post("/web/events/{event_id}/selection", console.page(CASE_READERS, run)),
        web.post("/web/events/{event_id}/selection/confirm", console.page(CASE_READERS, accept)),
    ]
