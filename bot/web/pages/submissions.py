"""Written submissions (R7), the task team's queue: read one (audited), publish it unedited, or
return it with a reason the author reads in their language.

The decisions are `submission_review.publish` and `bot.application.submissions.return_submission`,
as for the chat's /submissions; the assessment is `bot.domain.assessment.assess`. The queue
lists references and the assessment only; titles and texts are shown one submission at a time.
*Download the published set* zips what `liaison submissions export DIR` writes (the HTML page,
the CSV and the files), through the same function, audited the same way.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
import zipfile
from pathlib import Path

from aiohttp import web

from bot.application import submissions as submission_decisions
from bot.application.submissions import RETURN_REASONS
from bot.domain.assessment import MAX_LENGTH, MIN_LENGTH, assess
from bot.domain.staff_roles import TASK_TEAM
from bot.i18n import Translation, language_name
from bot.settings import LANGUAGES
from bot.web.console import Visit, WebConsole, parse_id
from storage.models import Submission, SubmissionStatus
from storage.repositories import submission_review, submissions

REVIEWERS = TASK_TEAM  # administrators and the task team, as in the chat


def _flags(t: Translation, item: Submission) -> list[str]:
    result = assess(item.body, has_document=item.has_document)
    flags = [
        t._("Length: {length} characters (expected {low} to {high}).").format(
            length=result.length, low=MIN_LENGTH, high=MAX_LENGTH
        )
    ]
    if result.too_short:
        flags.append(t._("Too short."))
    if result.too_long:
        flags.append(t._("Too long."))
    if result.improper_words:
        flags.append(
            t._("Possibly improper words: {words}. The check is minimal; read it yourself.").format(
                words=", ".join(result.improper_words)
            )
        )
    if not item.publish_consent:
        flags.append(t._("The author did not agree to publication."))
    if item.has_document:
        flags.append(t._("Sent as a document."))
    return flags


def zipped(directory: Path) -> bytes:
    """Every file under `directory`, at its path relative to it, in one zip archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(directory).as_posix())
    return buffer.getvalue()


def routes(console: WebConsole) -> list[web.RouteDef]:
    async def queue(request: web.Request, visit: Visit, notice: str = "") -> web.StreamResponse:
        t = visit.t
        async with console.services.db.session() as session:
            waiting = await submissions.received(session)
        return console.render(
            t,
            "submissions.html",
            title=t._("Review written submissions"),
            visit=visit,
            current="/web/submissions",
            notice=notice,
            waiting=t.ngettext(
                "{count} submission waits for review.", "{count} submissions wait for review.", len(waiting)
            ).format(count=len(waiting)),
            items=[
                {
                    "id": item.id,
                    "reference": item.reference,
                    "at": t.datetime(item.created_at, visit.time_zone),
                    "language": language_name(item.language) if item.language in LANGUAGES else item.language,
                    "flags": _flags(t, item),
                }
                for item in waiting
            ],
        )

    async def found(request: web.Request) -> Submission:
        item_id = parse_id(request.match_info["submission_id"])
        async with console.services.db.session() as session:
            item = await session.get(Submission, item_id) if item_id else None
        if item is None:
            raise web.HTTPNotFound()
        return item

    async def show(request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        svc = console.services
        item = await found(request)
        if item.status != SubmissionStatus.RECEIVED:
            return await queue(request, visit, t._("This submission was decided already."))
        async with svc.db.session() as session:
            await submission_review.read(session, item, actor=visit.actor, now=svc.clock())
        return console.render(
            t,
            "submission.html",
            title=t._("Submission {reference}: {title}").format(reference=item.reference, title=item.title),
            visit=visit,
            current="/web/submissions",
            item=item,
            flags=_flags(t, item),
            reasons=[(key, t._(label)) for key, label in RETURN_REASONS.items()],
        )

    async def document(request: web.Request, visit: Visit) -> web.StreamResponse:
        svc = console.services
        item = await found(request)
        async with svc.db.session() as session:
            file = await submissions.document_of(session, item.id)
            if file is None:
                raise web.HTTPNotFound()
            await submission_review.read(session, item, actor=visit.actor, now=svc.clock())
        return web.Response(
            body=file.content,
            headers={
                "Content-Type": "application/octet-stream",
                "Content-Disposition": f'attachment; filename="{item.reference}.{file.filename.rsplit(".", 1)[-1][:8]}"',
            },
        )

    async def decide(request: web.Request, visit: Visit) -> web.StreamResponse:
        t = visit.t
        svc = console.services
        item = await found(request)
        form = await request.post()
        action = request.match_info["action"]
        reason = str(form.get("reason", ""))
        if action != "publish" and reason not in RETURN_REASONS:
            return await queue(request, visit, t._("Which reason will the author read?"))
        try:
            async with svc.db.session() as session:
                if action == "publish":
                    await submission_review.publish(session, item.id, actor=visit.actor, now=svc.clock())
                    notice = t._("Published.")
                else:
                    await submission_decisions.return_submission(
                        session, svc.notices, item.id, reason, actor=visit.actor, now=svc.clock()
                    )
                    notice = t._("Returned. The author is told in their language.")
        except submission_review.NotReviewable:
            notice = (
                t._("This submission cannot be published.")
                if action == "publish"
                else t._("This submission was decided already.")
            )
        return await queue(request, visit, notice)

    async def export_published(request: web.Request, visit: Visit) -> web.StreamResponse:
        from bot.application.submission_exports import export

        svc = console.services
        # The CLI's files, written to a private temporary directory only while they are zipped.
        with tempfile.TemporaryDirectory(prefix="liaison-submissions-") as directory:
            await export(svc, Path(directory), actor=visit.actor)
            body = await asyncio.to_thread(zipped, Path(directory))
        name = f"submissions-{svc.clock().date().isoformat()}.zip"
        return web.Response(
            body=body,
            headers={
                "Content-Type": "application/zip",
                "Content-Disposition": f'attachment; filename="{name}"',
            },
        )

    return [
        web.get("/web/submissions", console.page(REVIEWERS, queue)),
        web.post("/web/submissions/export", console.page(REVIEWERS, export_published)),
        web.get("/web/submissions/{submission_id}", console.page(REVIEWERS, show)),
        web.get("/web/submissions/{submission_id}/document", console.page(REVIEWERS, document)),
        web.post("/web/submissions/{submission_id}/{action:publish|return}", console.page(REVIEWERS, decide)),
    ]
