"""Ask the office (R13): the actions on questions, for the chat today and a web console later.

`offer` decides what a person sees before anything is kept (a pointer to /report, FAQ entries
that may answer it, or the offer to send it); `ask` stores a question; staff `reply` (typed or
`canned`), `assign`, `close`, and `promote` an answer to the FAQ. Replies reach the person
through the notices service: their chat, or their verified email when the chat cannot be
reached. Staff actions are audited by ids only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.application import Refused
from bot.domain import faq_search
from bot.domain.reprisal import looks_like_reprisal
from bot.i18n import N_, Translation, Translator, language_name
from bot.reference.countries import region_of
from scheduler.calendar_texts import region_label
from scheduler.notices import CASE_HANDLERS, Notice, Notices, Routed, Text, recipient, staff_recipients
from storage.crypto.keyring import Keyring
from storage.models import Channel, FaqEntry, Question, QuestionStatus
from storage.models.events import in_language, language_of
from storage.repositories import audit, inbox, profiles

MAX_QUESTION = 2000
MAX_REPLY = 3000

# Answers staff may send with one tap; the person reads them in the language they asked in.
CANNED: dict[str, str] = {
    "soon": N_("Thank you for your question. The office is looking into it and will answer you here soon."),
    "events": N_(
        "Thank you. Dates, criteria and registration for each event are in /events, and your "
        "regional calendar is in /calendar."
    ),
    "report": N_(
        "Thank you. If you face threats or reprisals, please use /report: it is encrypted and "
        "only a few staff can read it."
    ),
}


class InboxRefused(Refused):
    """A question action that cannot be done as asked."""


@dataclass(frozen=True)
class Offer:
    """What to show a person before keeping their question."""

    reprisal: bool
    matches: tuple[FaqEntry, ...]


def question_of(entry: FaqEntry, language: str) -> str:
    return in_language(entry.questions, language)


def answer_of(entry: FaqEntry, language: str) -> str:
    return in_language(entry.answers, language)


def shown_language(entry: FaqEntry, language: str) -> str:
    """The language `answer_of` shows a reader of `language` (an entry made from one person's
    question is in that language only until the office writes the others)."""
    return language_of(entry.answers, language) or language


async def offer(session: AsyncSession, text: str) -> Offer:
    """A threat or reprisal is pointed to /report (and nothing more is looked at); else the closest FAQ."""
    if looks_like_reprisal(text):
        return Offer(reprisal=True, matches=())
    entries = await inbox.faq(session)
    # Every language of every entry: people write in the language they are at ease in, which need
    # not be the one the bot speaks with them. The answer is then shown in the person's language.
    candidates = [
        faq_search.Candidate(str(entry.id), f"{question} {entry.keywords.get(lang, '')}", lang)
        for entry in entries
        for lang, question in entry.questions.items()
    ]
    found = faq_search.closest(text, candidates)
    by_id = {str(entry.id): entry for entry in entries}
    return Offer(reprisal=False, matches=tuple(by_id[key] for key, _score in found))


async def ask(
    session: AsyncSession,
    notices: Notices,
    keyring: Keyring,
    person_id: uuid.UUID,
    text: str,
    *,
    language: str,
    now: datetime,
) -> Question:
    """Keep the question, sealed, with its language and the person's region. When it is the only
    open question, liaison staff and administrators are told (no content) that the inbox has work;
    while questions wait they see the count in /inbox, so a busy day sends one alert, not many."""
    body = text.strip()
    if not body:
        raise InboxRefused("empty")
    if len(body) > MAX_QUESTION:
        raise InboxRefused("too_long")
    person = await profiles.get(session, person_id)
    region = region_of(person.country).value if person is not None and person.country else None
    question = await inbox.add_question(session, person_id, body, language=language, region=region, now=now)
    if await inbox.inbox_size(session) == 1:

        def render(t: Translation, _zone: str | None) -> Text:
            return Text(t._("A question waits in /inbox."))

        staff = await staff_recipients(session, keyring, CASE_HANDLERS, now=now)
        await notices.send(
            session,
            [Notice(f"inbox-new:{question.id}:{member}", who, render) for member, who in staff],
            now=now,
        )
    return question


async def _open(session: AsyncSession, question_id: uuid.UUID) -> Question:
    question = await inbox.get_question(session, question_id)
    if question is None:
        raise InboxRefused("gone")
    return question


async def reply(
    session: AsyncSession,
    notices: Notices,
    question_id: uuid.UUID,
    text: str,
    *,
    staff_id: uuid.UUID,
    now: datetime,
) -> Routed | None:
    """Keep the reply and queue it to the person; None when they erased their data meanwhile."""
    body = text.strip()
    if not body:
        raise InboxRefused("empty")
    if len(body) > MAX_REPLY:
        raise InboxRefused("too_long")
    question = await _open(session, question_id)
    saved = await inbox.add_reply(session, question, body, staff_id=staff_id, now=now)
    await audit.staff_action(
        session, staff_id, "question.reply", subject_type="question", subject_id=question.id, now=now
    )
    asker = await recipient(session, question.person_id)
    if asker is None:
        return None
    reference = question.reference

    def render(t: Translation, _zone: str | None) -> Text:
        return Text(
            t._("The liaison office answers your question {reference}:\n{text}").format(
                reference=reference, text=body
            ),
            subject=t._("Answer to your question {reference}").format(reference=reference),
        )

    [routed] = await notices.send(session, [Notice(f"question-reply:{saved.id}", asker, render)], now=now)
    return routed


async def canned(
    session: AsyncSession,
    notices: Notices,
    translator: Translator,
    question_id: uuid.UUID,
    key: str,
    *,
    staff_id: uuid.UUID,
    now: datetime,
) -> Routed | None:
    """Reply with a ready answer, written in the language the question was asked in."""
    if key not in CANNED:
        raise InboxRefused("unknown")
    question = await _open(session, question_id)
    text = translator.get(question.language)._(CANNED[key])
    return await reply(session, notices, question_id, text, staff_id=staff_id, now=now)


async def assign(
    session: AsyncSession, question_id: uuid.UUID, *, staff_id: uuid.UUID, now: datetime
) -> Question:
    question = await _open(session, question_id)
    question.assigned_to = staff_id
    await audit.staff_action(
        session, staff_id, "question.assign", subject_type="question", subject_id=question.id, now=now
    )
    return question


async def close(
    session: AsyncSession, question_id: uuid.UUID, *, staff_id: uuid.UUID, now: datetime
) -> Question:
    """Take the question off the inbox, answered or not (an answered one stayed listed for good)."""
    question = await _open(session, question_id)
    question.status = QuestionStatus.CLOSED.value
    await audit.staff_action(
        session, staff_id, "question.close", subject_type="question", subject_id=question.id, now=now
    )
    return question


async def promote(
    session: AsyncSession, question_id: uuid.UUID, faq_question: str, *, staff_id: uuid.UUID, now: datetime
) -> FaqEntry:
    """Make the latest reply an FAQ entry, under a question staff word for everyone (the person's own
    words are theirs and stay private), in the language it was asked in."""
    wording = faq_question.strip()
    if not wording:
        raise InboxRefused("empty")
    question = await _open(session, question_id)
    answered = (await inbox.replies(session, [question.id])).get(question.id, [])
    if not answered:
        raise InboxRefused("unanswered")
    entry = await inbox.add_faq_entry(
        session,
        questions={question.language: wording},
        answers={question.language: answered[-1].body},
        now=now,
    )
    await audit.staff_action(
        session, staff_id, "faq.add", subject_type="faq_entry", subject_id=entry.id, now=now
    )
    return entry


# --- what staff read about questions: the chat's /inbox and the browser's Inbox page ---

STATUS_LABELS: dict[str, str] = {
    QuestionStatus.OPEN.value: N_("waiting for an answer"),
    QuestionStatus.ANSWERED.value: N_("answered"),
    QuestionStatus.CLOSED.value: N_("closed"),
}

MAX_FAQ_QUESTION = 300


def _region(t: Translation, region: str | None) -> str:
    return t._("no region") if region is None else region_label(t, region)


def describe(
    t: Translation, member_id: uuid.UUID, question: Question, replies: list[str], zone: str | None
) -> str:
    """A question as staff read it (the chat, the browser console): where and when, whose, its words."""
    if question.assigned_to is None:
        who = t._("nobody")
    elif question.assigned_to == member_id:
        who = t._("you")
    else:
        who = t._("another staff member")
    status = t._(STATUS_LABELS[question.status])
    lines = [
        t._("Question {reference} · {region} · {language}").format(
            reference=question.reference,
            region=_region(t, question.region),
            language=language_name(question.language),
        ),
        t._("Asked {when}. Status: {status}. Assigned to: {who}.").format(
            when=t.datetime(question.created_at, zone), status=status, who=who
        ),
        "",
        question.body,
    ]
    lines += ["", *[t._("Answer sent: {text}").format(text=text) for text in replies]] if replies else []
    return "\n".join(lines)


def delivery_note(t: Translation, routed: Routed | None) -> str:
    """Which way the answer went, so staff know whether the person will see it soon."""
    channels = () if routed is None else routed.channels
    if Channel.EMAIL.value in channels and Channel.TELEGRAM.value not in channels:
        return t._("Sent. The chat cannot reach this person, so the answer goes by email.")
    if channels:
        return t._("Sent. The person gets the answer in their chat.")
    return t._("Kept in the person's thread, but they cannot be reached now.")


def refusal(t: Translation, reason: str) -> str:
    return {
        "gone": t._("This question is no longer there."),
        "unanswered": t._("Reply first; then the answer can become an FAQ entry."),
    }.get(reason, t._("This button no longer works."))
