"""Registering for events through the sandbox and the real PTB stack: each path in English and in
Arabic or Chinese, deep links, bad input at the free-text step, restart mid-dialog, double taps."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bot.sandbox.server import SandboxServer
from storage.models import Registration, RegistrationStatement
from storage.repositories import people
from tests.bot_fixtures import RunningBot
from tests.test_events import PersonFactory, make_event, make_person, say, soon, tap

REFERENCE = re.compile(r"R-\d{4}-\d{4}")


async def _registrations(running_bot: RunningBot) -> list[Registration]:
    async with running_bot.services.db.session() as session:
        return list(await session.scalars(select(Registration).order_by(Registration.reference)))


# --- the paths ---


async def test_consultation_participant_by_invitation_link_in_english(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    amina = new_person(first_name="Amina", language_code="en")
    person_id = await make_person(db, amina)
    await make_event(db, code="AFR26", descriptions={"en": "Two days, online."})
    question = await say(amina, "/start ev_AFR26")
    assert question.content.startswith("Africa regional review consultation")
    assert "Two days, online." in question.content
    assert "How would you like to take part?" in question.content
    assert question.buttons == [
        "Take part",
        "Offer to speak on a panel",
        "Offer to be rapporteur",
        "Join the agenda design team",
        "Cancel",
    ]
    done = await tap(amina, "Take part")
    assert done.content.startswith("Registered: Africa regional review consultation (")
    assert "Nairobi" in done.content and "as: Participant." in done.content
    reference = REFERENCE.search(done.content)
    assert reference is not None and "/registrations" in done.content
    # The question now reads as a record, without buttons.
    assert amina.chat.messages[question.message_id].buttons == []
    [row] = await _registrations(running_bot)
    assert row.reference == reference.group(0) and row.person_id == person_id
    assert (row.kind, row.status, row.slot) == ("participant", "pending", "attend")
    assert (row.stakeholder_type, row.country, row.region, row.subregion) == (
        "civil_society",
        "KE",
        "africa",
        "014",
    )
    # Asking again says so and registers nothing new.
    again = await say(amina, "/start ev_afr26")
    assert "You are registered as: Participant" in again.content
    assert "already registered" in (await tap(amina, "Take part")).content
    assert len(await _registrations(running_bot)) == 1


async def test_floor_intervention_request_in_arabic(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    karim = new_person(first_name="Karim", language_code="ar")
    await make_person(
        db, karim, language="ar", time_zone="Asia/Amman", country="JO", regions=("arab_states",)
    )
    await make_event(
        db,
        code="ARB26",
        kind="review_meeting",
        region="arab_states",
        titles={"en": "Arab States review meeting", "ar": "اجتماع الاستعراض للدول العربية"},
        view_link="https://example.org/view",
    )
    listing = await say(karim, "/events")
    assert "اجتماع الاستعراض للدول العربية" in listing.content
    question = await tap(karim, "1")
    assert "اجتماع الاستعراض للدول العربية" in question.content and "عمّان" in question.content
    first = await tap(karim, "طلب الكلمة من القاعة")
    assert "1" in first.content and "3" in first.content
    await tap(karim, "نعم")
    third = await tap(karim, "نعم")
    assert "الهجرة" in third.content
    done = await tap(karim, "نعم")
    assert REFERENCE.search(done.content) is not None and "طلب الكلمة" in done.content
    [row] = await _registrations(running_bot)
    assert row.kind == "floor"
    assert (row.represents_entity, row.authorised, row.migration_expertise) == (True, True, True)


async def test_a_no_to_the_floor_criteria_offers_observing_in_chinese(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    li = new_person(first_name="Li", language_code="zh")
    await make_person(
        db, li, language="zh", time_zone="Asia/Shanghai", country="CN", regions=("asia_pacific",)
    )
    await make_event(
        db, code="ASP26", kind="review_meeting", region="asia_pacific", titles={"zh": "亚太区域审查会议"}
    )
    await say(li, "/start ev_ASP26")
    await tap(li, "申请在会场发言")
    await tap(li, "是")
    offer = await tap(li, "否")  # not authorised by the organisation
    assert "观察" in offer.content
    assert offer.buttons == ["好的，改为观察", "不用了，谢谢", "◀ 返回"]
    done = await tap(li, "好的，改为观察")
    assert "观察员" in done.content and REFERENCE.search(done.content) is not None
    [row] = await _registrations(running_bot)
    assert row.kind == "observer" and row.represents_entity is None


async def test_declining_the_offer_registers_nothing(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    amina = new_person(first_name="Amina", language_code="en")
    await make_person(db, amina)
    await make_event(db, code="REV26", kind="review_meeting", titles={"en": "Review meeting"})
    await say(amina, "/start ev_REV26")
    await tap(amina, "Ask to speak from the floor")
    offer = await tap(amina, "No, I do not")
    assert "Speaking from the floor is for people who represent" in offer.content
    assert (await tap(amina, "No, thank you")).content == "Stopped. Nothing new was registered."
    assert await _registrations(running_bot) == []


async def test_expression_of_interest_with_bad_input_and_a_restart(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    amina = new_person(first_name="Amina", language_code="en")
    await make_person(db, amina)
    await make_event(db, code="AFR26")
    await say(amina, "/start ev_AFR26")
    ask = await tap(amina, "Offer to be rapporteur")
    assert ask.content.startswith("Why would you like to be the rapporteur") and "30 to 500" in ask.content
    await amina.send_sticker()
    assert (await amina.next_reply()).content == "I can only read text here. Please type your answer."
    await amina.send_photo()
    assert (await amina.next_reply()).content == "I can only read text here. Please type your answer."
    assert "at least 30" in (await say(amina, "Too short.")).content
    assert "at most 500" in (await say(amina, "x" * 501)).content
    assert (
        "control characters"
        in (await say(amina, "I would like to\u200b help as the rapporteur, really.")).content
    )
    assert "letters" in (await say(amina, "1234567890 1234567890 1234567890 !!")).content
    assert "/cancel" in (await say(amina, "/events")).content  # another command mid-dialog
    # The bot restarts; the dialog resumes at the motivation.
    await running_bot.restart()
    motivation = "I have written two reports on labour migration in East Africa, see www.example.org."
    done = await say(amina, motivation)
    assert "as: Interest: rapporteur" in done.content
    [row] = await _registrations(running_bot)
    assert row.kind == "rapporteur" and row.slot == "rapporteur" and row.motivation == motivation
    # The motivation is sealed at rest.
    async with db.engine.connect() as connection:
        raw = (
            await connection.exec_driver_sql("SELECT motivation FROM registration_statements")
        ).scalar_one()
    assert b"labour migration" not in bytes(raw)


async def test_deep_link_before_a_profile_keeps_the_event(
    running_bot: RunningBot, new_person: PersonFactory, sandbox: SandboxServer
) -> None:
    db = running_bot.services.db
    await make_event(db, code="AFR26")
    amina = new_person(first_name="Amina", language_code="en")
    unknown = await say(amina, "/start ev_NOPE")
    assert unknown.content == "I do not know this event. Send /events to see what is coming up."
    told = await say(amina, "/start ev_AFR26")
    assert told.content.startswith(
        "To register for Africa regional review consultation, please set up your profile"
    )
    assert "/start" in told.content
    app = running_bot.app
    assert app is not None and app.user_data[amina.id]["start_payload"] == "ev_AFR26"
    # Onboarding (another dialog) ends with a button `evreg:<code>`; pressing it opens the registration.
    await make_person(db, amina)
    sandbox.push_callback(amina.user, told.message_id, "evreg:AFR26")
    question = await amina.next_reply()
    assert "How would you like to take part?" in question.content
    assert (await tap(amina, "Take part")).content.startswith("Registered:")


async def test_double_tap_registers_once(
    running_bot: RunningBot, new_person: PersonFactory, sandbox: SandboxServer
) -> None:
    db = running_bot.services.db
    amina = new_person(first_name="Amina", language_code="en")
    await make_person(db, amina)
    await make_event(db, code="AFR26")
    question = await say(amina, "/start ev_AFR26")
    data = "reg:kind:participant"
    first = sandbox.push_callback(amina.user, question.message_id, data)
    second = sandbox.push_callback(amina.user, question.message_id, data)
    assert (await amina.next_reply()).content.startswith("Registered:")
    await amina.wait_until(lambda: second.answered and first.answered, what="both taps answered")
    assert second.answer_text == "That question was already answered."
    assert await amina.replies_until_quiet() == []
    assert len(await _registrations(running_bot)) == 1


async def test_unexpected_input_mid_dialog_gets_help(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    amina = new_person(first_name="Amina", language_code="en")
    await make_person(db, amina)
    await make_event(db, code="AFR26")
    await say(amina, "/start ev_AFR26")
    assert (
        await say(amina, "hello?")
    ).content == "Please answer with one of the buttons above, or send /cancel to stop."
    await amina.send_sticker()
    assert (await amina.next_reply()).content == "I can only read text here. Please answer with a button."
    assert "in the middle of a registration" in (await say(amina, "/start")).content
    assert (await say(amina, "/cancel")).content == "Stopped. Nothing new was registered."
    await amina.press("Take part")  # a button of the dialog that has ended
    assert (await amina.callback_answer()).answer_text == "That question was already answered."
    assert await _registrations(running_bot) == []


async def test_closed_cancelled_and_not_yet_open_events(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    amina = new_person(first_name="Amina", language_code="en")
    await make_person(db, amina)
    await make_event(db, code="LATE", titles={"en": "Late one"}, registration_closes_at=soon(-1))
    await make_event(db, code="NOTYET", titles={"en": "Not yet"}, registration_opens_at=soon(3))
    await make_event(db, code="DEAD", kind="submission_deadline", titles={"en": "Deadline"})
    assert (await say(amina, "/start ev_LATE")).content == "Registration for Late one is closed."
    assert (await say(amina, "/start ev_NOTYET")).content.startswith("Registration for Not yet opens on ")
    assert "takes no registrations" in (await say(amina, "/start ev_DEAD")).content


# --- /registrations ---


async def test_my_registrations_withdraw_and_change_in_english(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    amina = new_person(first_name="Amina", language_code="en")
    await make_person(db, amina)
    await make_event(db, code="REV26", kind="review_meeting", titles={"en": "Review meeting"})
    await make_event(db, code="AFR26", starts_in_days=10)
    await say(amina, "/start ev_REV26")
    await tap(amina, "Observe only")
    await say(amina, "/start ev_AFR26")
    await tap(amina, "Offer to speak on a panel")
    await say(amina, "I coordinate a network of 40 migrant associations in Kenya.")
    mine = await say(amina, "/registrations")
    assert mine.content.startswith("Your registrations:")
    assert "1. Africa regional review consultation" in mine.content and "2. Review meeting" in mine.content
    assert "Interest: panel speaker. Status: Waiting for review" in mine.content
    assert "Observer (view and listen only). Status: Waiting for review" in mine.content
    assert mine.buttons == ["Change 1", "Withdraw 1", "Change 2", "Withdraw 2"]
    # Change the observer registration into a floor request: the criteria are asked.
    question = await tap(amina, "Change 2")
    assert "how would you like to take part instead?" in question.content
    assert question.buttons == ["Ask to speak from the floor", "Cancel"]
    await tap(amina, "Ask to speak from the floor")
    for _ in range(2):
        await tap(amina, "Yes, I do")
    changed = await tap(amina, "Yes, I do")
    assert changed.content.startswith("Changed: your registration R-")
    # Withdraw the panel interest, after a confirmation.
    await say(amina, "/registrations")
    confirm = await tap(amina, "Withdraw 1")
    assert confirm.content.startswith("Withdraw your registration R-")
    assert confirm.buttons == ["Yes, withdraw it", "No, keep it"]
    await amina.press("Yes, withdraw it")
    await amina.wait_until(
        lambda: amina.last_message().content.startswith("Withdrawn:"), what="the withdrawal"
    )
    rows = {row.kind: row for row in await _registrations(running_bot)}
    assert rows["floor"].status == "pending" and rows["floor"].authorised is True
    assert rows["panel_speaker"].status == "withdrawn" and rows["panel_speaker"].motivation is None
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(RegistrationStatement)) == 0
    listing = await say(amina, "/registrations")
    assert "Withdrawn" in listing.content and listing.buttons == ["Change 2", "Withdraw 2"]


async def test_my_registrations_in_arabic(running_bot: RunningBot, new_person: PersonFactory) -> None:
    db = running_bot.services.db
    karim = new_person(first_name="Karim", language_code="ar")
    assert "/start" in (await say(karim, "/registrations")).content
    await make_person(
        db, karim, language="ar", time_zone="Africa/Cairo", country="EG", regions=("arab_states",)
    )
    assert "/events" in (await say(karim, "/registrations")).content
    await make_event(db, code="AFR26")
    await say(karim, "/start ev_AFR26")
    await tap(karim, "المشاركة")
    mine = await say(karim, "/registrations")
    assert "مشاورة الاستعراض الإقليمي لأفريقيا" in mine.content and "القاهرة" in mine.content
    confirm = await tap(karim, "سحب 1")
    await karim.press("نعم، اسحبه")
    await karim.wait_until(
        lambda: (
            karim.last_message().message_id == confirm.message_id
            and "R-" in karim.last_message().content
            and karim.last_message().buttons == []
        ),
        what="the withdrawal",
    )
    [row] = await _registrations(running_bot)
    assert row.status == "withdrawn"


# --- someone else's registration is not mine to change ---


async def test_buttons_of_another_person_do_nothing(
    running_bot: RunningBot, new_person: PersonFactory, sandbox: SandboxServer
) -> None:
    db = running_bot.services.db
    amina = new_person(first_name="Amina", language_code="en")
    eve = new_person(first_name="Eve", language_code="en")
    await make_person(db, amina)
    await make_person(db, eve)
    await make_event(db, code="AFR26")
    await say(amina, "/start ev_AFR26")
    await tap(amina, "Take part")
    [row] = await _registrations(running_bot)
    hello = await say(eve, "/registrations")
    press = sandbox.push_callback(eve.user, hello.message_id, f"myreg:wdy:{row.id}")
    await eve.wait_until(lambda: press.answered, what="the answer")
    assert (await _registrations(running_bot))[0].status == "pending"


async def test_a_lost_draft_ends_the_dialog_cleanly(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    amina = new_person(first_name="Amina", language_code="en")
    await make_person(db, amina)
    await make_event(db, code="REV26", kind="review_meeting", titles={"en": "Review meeting"})
    await say(amina, "/start ev_REV26")
    await tap(amina, "Ask to speak from the floor")
    app = running_bot.app
    assert app is not None
    app.user_data[amina.id].pop("registration")  # what /forget does to a dialog left open
    stopped = await tap(amina, "Yes, I do")
    assert stopped.content == "That registration was stopped. Send /events to start again."
    assert await _registrations(running_bot) == []


async def test_registering_asks_for_the_sharing_consent_when_missing(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    db = running_bot.services.db
    li = new_person(first_name="Li", language_code="zh")
    person_id = await make_person(
        db, li, language="zh", time_zone="Asia/Shanghai", country="CN", share_consent=False
    )
    await make_event(db, code="AFR26")
    ask = await say(li, "/start ev_AFR26")
    assert "组织者" in ask.content and ask.buttons == ["是的，我同意", "不同意"]
    refused = await tap(li, "不同意")
    assert "无法为您报名" in refused.content
    assert await _registrations(running_bot) == []
    await say(li, "/start ev_AFR26")
    question = await tap(li, "是的，我同意")
    assert "非洲区域审查磋商" in question.content and "参加" in question.buttons
    assert "已报名" in (await tap(li, "参加")).content
    async with db.session() as session:
        in_force = await people.consents_in_force(session, person_id)
    assert in_force["share_with_network"].granted and in_force["share_with_network"].text_version == "v1:zh"


async def test_back_from_each_floor_question_and_the_offer(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    """◀ Back from the offer returns to the question answered "no", from a question to the one
    before, from the first to the ways to take part; answering again registers as usual."""
    db = running_bot.services.db
    amina = new_person(first_name="Amina", language_code="en")
    await make_person(db, amina)
    await make_event(db, code="BCK26", kind="review_meeting", titles={"en": "Review meeting"})
    await say(amina, "/start ev_BCK26")
    first = await tap(amina, "Ask to speak from the floor")
    assert "Question 1 of 3" in first.content and "◀ Back" in first.buttons
    second = await tap(amina, "Yes, I do")
    assert "Question 2 of 3" in second.content
    offer = await tap(amina, "No, I do not")
    assert "◀ Back" in offer.buttons
    assert "Question 2 of 3" in (await tap(amina, "◀ Back")).content
    assert "Question 1 of 3" in (await tap(amina, "◀ Back")).content
    kinds = await tap(amina, "◀ Back")
    assert "How would you like to take part?" in kinds.content
    await tap(amina, "Ask to speak from the floor")
    await tap(amina, "Yes, I do")
    await tap(amina, "Yes, I do")
    done = await tap(amina, "Yes, I do")
    assert REFERENCE.search(done.content) is not None
    [row] = await _registrations(running_bot)
    assert row.kind == "floor"


async def test_back_from_the_motivation_returns_to_the_ways_to_take_part(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    """◀ Back from the motivation question goes to the ways to take part; choosing the floor from
    there still asks the three floor questions (they are not skipped)."""
    db = running_bot.services.db
    amina = new_person(first_name="Amina", language_code="en")
    await make_person(db, amina)
    await make_event(db, code="MOT26", kind="review_meeting", titles={"en": "Review meeting"})
    await say(amina, "/start ev_MOT26")
    ask = await tap(amina, "Offer to speak on a panel")
    assert ask.content.startswith("Why would you like to speak on a panel") and "◀ Back" in ask.buttons
    kinds = await tap(amina, "◀ Back")
    assert "How would you like to take part?" in kinds.content
    first = await tap(amina, "Ask to speak from the floor")
    assert "Question 1 of 3" in first.content
    await tap(amina, "Yes, I do")
    await tap(amina, "Yes, I do")
    done = await tap(amina, "Yes, I do")
    assert REFERENCE.search(done.content) is not None
    [row] = await _registrations(running_bot)
    assert row.kind == "floor" and row.motivation is None
