"""Ask the office, through the sandbox: the FAQ answers first, the staff inbox, replies by chat or email,
reprisal-like questions pointed to /report, and /forget."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.sandbox.driver import SandboxPerson
from bot.sandbox.server import SandboxServer
from bot.services import Services
from storage.crypto.keyring import Keyring
from storage.models import Channel, FaqEntry, Question, QuestionStatus, StaffRole
from storage.repositories import people, profiles, staff
from tests.bot_fixtures import RunningBot, bot_with_email
from tests.smtp_fixtures import SmtpServer


@pytest.fixture
async def asking_bot(
    sandbox: SandboxServer,
    sqlite_url: str,
    keyring: Keyring,
    smtp_server: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[RunningBot]:
    """The bot with email configured and outbox workers polling fast, so replies arrive in a blink."""
    monkeypatch.setenv("LIAISON_OUTBOX_POLL_SECONDS", "0.1")
    monkeypatch.setenv("LIAISON_OUTBOX_HTTP_ENABLED", "false")
    monkeypatch.setenv("LIAISON_OUTBOX_PRIVATE_CHAT_INTERVAL", "0")
    smtp = (smtp_server.host, smtp_server.port)
    async with bot_with_email(sandbox, sqlite_url, keyring, smtp, tmp_path) as running:
        yield running


def person(sandbox: SandboxServer, name: str, language: str) -> SandboxPerson:
    return SandboxPerson(sandbox, sandbox.add_user(first_name=name, language_code=language))


async def edited_to(who: SandboxPerson, fragment: str) -> str:
    await who.wait_until(lambda: fragment in who.last_message().content, what=f"a message with {fragment!r}")
    return who.last_message().content


async def questions(services: Services) -> list[Question]:
    async with services.db.session() as session:
        return list(await session.scalars(select(Question)))


async def a_staff_member(services: Services, who: SandboxPerson, role: StaffRole = StaffRole.LIAISON) -> None:
    async with services.db.session() as session:
        await staff.add(session, services.keyring, who.id, role, now=datetime.now(UTC))


async def test_a_spanish_question_about_the_purpose_is_answered_from_the_faq_without_staff(
    asking_bot: RunningBot, sandbox: SandboxServer
) -> None:
    lucia = person(sandbox, "Lucía", "es")
    await lucia.send("¿Para qué sirve la Red de la ONU sobre migración?")
    offer = (await lucia.next_reply()).content
    assert "El Secretario General creó la Red en mayo de 2018" in offer
    assert "¿Le respondió esto?" in offer
    await lucia.press("Sí, gracias")
    await edited_to(lucia, "No se envió ni se guardó nada.")
    assert await questions(asking_bot.services) == []


async def test_an_arabic_question_reaches_the_inbox_and_the_reply_comes_back_in_the_chat(
    asking_bot: RunningBot, sandbox: SandboxServer
) -> None:
    services = asking_bot.services
    amal = person(sandbox, "Amal", "ar")
    sam = person(sandbox, "Sam", "en")
    await a_staff_member(services, sam)
    async with services.db.session() as session:  # staff read times in the zone of their own profile
        profile = await profiles.ensure_person(
            session, services.keyring, sam.id, now=datetime.now(UTC), language="en"
        )
        profile.time_zone = "Asia/Tokyo"
    await amal.send("هل يمكنكم مساعدتي في الحصول على تأشيرة للسفر إلى جنيف؟")
    assert (await amal.next_reply()).content == "هل أرسل هذا إلى المكتب؟"
    await amal.press("إرسال")
    sent = await edited_to(amal, "/ask")
    [question] = await questions(services)
    assert question.reference in sent
    assert question.language == "ar" and question.status == QuestionStatus.OPEN
    assert question.body.startswith("هل يمكنكم")

    alert = await sam.next_reply(timeout=10)  # the inbox was empty: staff hear of it, without content
    assert alert.content == "A question waits in /inbox."
    await sam.send("/inbox")
    shown = (await sam.next_reply()).content
    assert "1 question waits for an answer." in shown
    assert question.reference in shown and "العربية" in shown and "تأشيرة" in shown
    assert "(Tokyo, GMT+09:00)" in shown
    await sam.press("Assign to me")
    assert (await sam.callback_answer()).answer_text == "Assigned to you."
    await sam.press("Reply")
    assert "Write the answer" in (await sam.next_reply()).content
    await sam.send("نعم، اكتبوا إلى السفارة مع رسالة الدعوة.")
    assert (await sam.next_reply()).content == "Sent. The person gets the answer in their chat."

    answer = await amal.next_reply(timeout=10)
    assert "نعم، اكتبوا إلى السفارة مع رسالة الدعوة." in answer.content
    assert question.reference in answer.content
    await amal.send("/ask")
    thread = (await amal.next_reply()).content
    assert "تأشيرة" in thread and "السفارة" in thread
    [answered] = await questions(services)
    assert answered.status == QuestionStatus.ANSWERED and answered.assigned_to is not None

    # The answer becomes an FAQ entry, worded by staff; the person's own words stay out of it.
    await sam.send("/inbox")
    await sam.next_reply()
    await sam.press("Make the answer an FAQ entry")
    await sam.next_reply()
    await sam.send("كيف أحصل على تأشيرة لحضور اجتماع في جنيف؟")
    assert (await sam.next_reply()).content.startswith("Added to the FAQ.")
    async with services.db.session() as session:
        added = await session.scalar(select(FaqEntry).where(FaqEntry.slug.like("staff-%")))
    assert added is not None and added.answers == {"ar": "نعم، اكتبوا إلى السفارة مع رسالة الدعوة."}
    rami = person(sandbox, "Rami", "ar")
    await rami.send("كيف أحصل على تأشيرة لاجتماع جنيف؟")
    assert "نعم، اكتبوا إلى السفارة" in (await rami.next_reply()).content
    # Until the office writes the other languages, a reader of another one is told which it is in.
    elise = person(sandbox, "Élise", "fr")
    await elise.send("/faq")
    listing = await elise.next_reply()
    await elise.press(listing.buttons[-1])  # the newest entry comes last
    shown = (await elise.next_reply()).content
    assert "نعم، اكتبوا إلى السفارة" in shown
    assert shown.endswith("Cette réponse n’existe pour l’instant que dans une langue : arabe.")


async def test_with_the_chat_blocked_the_reply_goes_by_email(
    asking_bot: RunningBot, sandbox: SandboxServer, smtp_server: SmtpServer
) -> None:
    services = asking_bot.services
    olga = person(sandbox, "Olga", "en")
    sam = person(sandbox, "Sam", "en")
    await a_staff_member(services, sam)
    await olga.send("Can our youth group send two people to the Bangkok meeting?")
    assert (await olga.next_reply()).content == "Send this to the office?"
    await olga.press("Send")
    await edited_to(olga, "Sent to the liaison office")
    now = datetime.now(UTC)
    async with services.db.session() as session:
        found = await people.find_by_telegram(session, services.keyring, olga.id)
        assert found is not None
        await people.add_address(
            session, services.keyring, found, Channel.EMAIL, "olga@example.org", now=now, verified=True
        )
        await profiles.set_telegram_reachable(session, services.keyring, olga.id, reachable=False, now=now)

    assert (await sam.next_reply(timeout=10)).content == "A question waits in /inbox."
    await sam.send("/inbox")
    await sam.next_reply()
    await sam.press("Reply")
    await sam.next_reply()
    await sam.send("Yes, two people per organisation.")
    assert "goes by email" in (await sam.next_reply()).content
    [mail] = await smtp_server.sink.wait_for(1, timeout=10)
    assert "Yes, two people per organisation." in mail.text
    assert mail.recipients == ["olga@example.org"]
    assert await olga.replies_until_quiet() == []  # nothing went to the blocked chat


async def test_a_reprisal_like_question_is_pointed_to_report_and_nothing_is_stored(
    asking_bot: RunningBot, sandbox: SandboxServer
) -> None:
    services = asking_bot.services
    ana = person(sandbox, "Ana", "es")
    await ana.send("Me amenazaron después de hablar en la consulta. ¿Qué hago?")
    pointer = (await ana.next_reply()).content
    assert "/report" in pointer
    await ana.press("No, gracias")
    await edited_to(ana, "No se envió. No se guardó nada.")
    assert await questions(services) == []
    async with services.db.session() as session:
        assert await people.find_by_telegram(session, services.keyring, ana.id) is None  # not even a profile

    # Sending it anyway is the person's choice.
    await ana.send("Me amenazaron después de hablar en la consulta. ¿Qué hago?")
    await ana.next_reply()
    await ana.press("Enviarlo a la oficina de todos modos")
    await edited_to(ana, "/ask")
    assert len(await questions(services)) == 1


async def test_the_faq_is_browsed_and_a_bad_button_is_refused(
    asking_bot: RunningBot, sandbox: SandboxServer
) -> None:
    wei = person(sandbox, "Wei", "zh")
    await wei.send("/faq")
    listing = (await wei.next_reply()).content
    assert "联合国移民网络的宗旨是什么？" in listing and "网络如何支持各国？" in listing
    await wei.press("1")
    entry = (await wei.next_reply()).content
    assert "秘书长于2018年5月设立该网络" in entry
    assert "一种语言" not in entry  # the seeded entries are in all six languages
    sandbox.push_callback(wei.user, wei.last_message().message_id, f"faq:{uuid.uuid4().hex}")
    assert (await wei.next_reply()).content == "该条目已不在常见问题中。"


async def test_ask_shows_an_empty_thread_and_inbox_refuses_an_unknown_filter(
    asking_bot: RunningBot, sandbox: SandboxServer
) -> None:
    emma = person(sandbox, "Emma", "en")
    await emma.send("/ask")
    assert (await emma.next_reply()).content.startswith("You have not asked the office anything yet.")
    sam = person(sandbox, "Sam", "en")
    await a_staff_member(services := asking_bot.services, sam)
    await sam.send("/inbox atlantis")
    assert (await sam.next_reply()).content.startswith("Use /inbox, or narrow it")
    await sam.send("/inbox africa ar")
    assert (await sam.next_reply()).content == "No questions wait for an answer."
    assert services is asking_bot.services


async def test_forget_erases_questions(asking_bot: RunningBot, sandbox: SandboxServer) -> None:
    services = asking_bot.services
    emma = person(sandbox, "Emma", "en")
    await emma.send("/ask Where can I read the regional review report?")
    await emma.next_reply()
    await emma.press("Send")
    await edited_to(emma, "Sent to the liaison office")
    assert len(await questions(services)) == 1
    await emma.send("/mydata")
    export = await emma.next_reply()
    assert export.document is not None
    held = json.loads(export.document.content)
    assert [q["question"] for q in held["questions"]] == ["Where can I read the regional review report?"]
    await emma.send("/forget")
    await emma.next_reply()
    await emma.press("Yes, erase everything")
    erased = await edited_to(emma, "Erased:")
    assert "questions to the office: 1" in erased
    assert await questions(services) == []
    async with services.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Question)) == 0


async def test_a_question_too_long_is_refused_and_nothing_is_kept(
    asking_bot: RunningBot, sandbox: SandboxServer
) -> None:
    emma = person(sandbox, "Emma", "en")
    await emma.send("/ask " + "word " * 500)
    assert (await emma.next_reply()).content.startswith("That is too long: at most 2000 characters.")
    assert emma.visible_buttons() == []
    assert await questions(asking_bot.services) == []


async def test_an_older_offer_cannot_send_a_newer_message(
    asking_bot: RunningBot, sandbox: SandboxServer
) -> None:
    emma = person(sandbox, "Emma", "en")
    await emma.send("Is there interpretation at the Bangkok consultation?")
    first = await emma.next_reply()
    await emma.send("Can we bring a sign language interpreter?")
    await emma.next_reply()
    button = first.inline_keyboard[0][0]
    assert button["text"] == "Send"
    sandbox.push_callback(emma.user, first.message_id, str(button["callback_data"]))
    await emma.wait_until(lambda: "no longer have" in first.content, what="the old offer refused")
    assert await questions(asking_bot.services) == []
    await emma.press("Send")  # the newest offer still works, and sends its own text
    await edited_to(emma, "Sent to the liaison office")
    [kept] = await questions(asking_bot.services)
    assert kept.body == "Can we bring a sign language interpreter?"
