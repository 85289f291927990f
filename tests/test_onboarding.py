"""Onboarding through the sandbox and the real PTB stack: consent first, then the profile, in English and Arabic."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import func, select

from bot.bidi import strip_isolates
from bot.handlers.start import START_PAYLOAD_KEY
from bot.sandbox.driver import SandboxPerson
from bot.sandbox.server import SandboxServer
from bot.sandbox.state import SandboxMessage
from storage.models import BalanceData, ChannelAddress, Consent, DialogState, Person, Subscription
from storage.repositories import people, profiles
from tests.bot_fixtures import RunningBot

PersonFactory = Callable[..., SandboxPerson]


async def tap(person: SandboxPerson, label: str) -> SandboxMessage:
    """Press a button and return the bot's next new message."""
    await person.press(label)
    return await person.next_reply()


async def say(person: SandboxPerson, text: str) -> SandboxMessage:
    await person.send(text)
    return await person.next_reply()


async def onboard_english(person: SandboxPerson, *, organisation: str = "Migrant Voices Collective") -> None:
    """The shortest full path in English: all consents, Kenya, no optional answers."""
    await say(person, "/start")
    await person.press("English")
    await person.next_reply()  # what Liaison is
    await person.next_reply()  # what it keeps
    await tap(person, "Continue")
    for _ in range(3):
        await tap(person, "Yes, I agree")
    await say(person, organisation)
    await tap(person, "Civil society organisations")
    assert "Kenya" in (await say(person, "Kenya")).text
    await person.next_reply()  # city question
    await tap(person, "Skip")  # city
    await tap(person, "Yes, that is right")  # Nairobi time zone
    await tap(person, "Skip these questions")
    await tap(person, "Done")  # regions
    done = await tap(person, "Done")  # topics
    assert done.text.startswith("Thank you, your profile is ready.")


async def test_onboarding_in_english_records_every_answer(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    amina = new_person(first_name="Amina", language_code="en")
    assert (await say(amina, "/start")).text.startswith("Choose your language.\n")
    await amina.press("English")
    about = await amina.next_reply()
    assert about.text.startswith("Liaison is the civil society liaison office")
    keeps = await amina.next_reply()
    assert "/mydata" in keeps.text and "/forget" in keeps.text
    assert "updates" in (await tap(amina, "Continue")).text
    await tap(amina, "Yes, I agree")
    await tap(amina, "No, I do not agree")
    organisation_question = await tap(amina, "Yes, I agree")
    assert organisation_question.text.startswith("What is the name of your organisation?")
    assert "Which of these" in (await say(amina, "  Migrant   Voices Collective ")).text
    await tap(amina, "Migrant and diaspora organisations")
    choices = await say(amina, "united")
    assert "United States" in choices.buttons and "United Kingdom" in choices.buttons
    derived = await tap(amina, "United States")
    assert (
        derived.text == "United States: region Europe and North America (ECE), sub-region Northern America."
    )
    assert "city" in (await amina.next_reply()).text
    zones = await say(amina, "Chicago")
    assert zones.text.startswith("Which time zone are you in?\nYou can also type a city")
    assert any(label.startswith("Chicago (UTC−") for label in zones.buttons)
    gender = await tap(amina, "Chicago")
    assert "gender" in gender.text
    await tap(amina, "Woman")
    await tap(amina, "25–34")
    regions = await tap(amina, "Prefer not to say")
    assert "✅ Europe and North America (ECE)" in regions.buttons
    await amina.press("Latin America")  # toggles on, same message
    await amina.wait_until(
        lambda: "✅ Latin America and the Caribbean (ECLAC)" in amina.last_message().buttons,
        what="the toggle",
    )
    await tap(amina, "Done")
    await amina.press("Network news")  # toggles off
    await amina.wait_until(lambda: "▫️ Network news" in amina.last_message().buttons, what="the toggle")
    finished = await tap(amina, "Done")
    assert finished.text.startswith("Thank you, your profile is ready.")

    db = running_bot.services.db
    async with db.session() as session:
        person = await people.find_by_telegram(session, db.keyring, amina.id)
        assert person is not None and profiles.is_onboarded(person)
        assert person.organisation == "Migrant Voices Collective"
        assert (person.stakeholder_type, person.country, person.city) == ("migrant_diaspora", "US", "Chicago")
        assert person.time_zone == "America/Chicago" and person.language == "en"
        consents = await people.consents_in_force(session, person.id)
        assert {purpose: c.granted for purpose, c in consents.items()} == {
            "updates": True,
            "share_with_network": False,
            "public_listing": True,
        }
        assert {c.text_version for c in consents.values()} == {"v1:en"}
        balance = await session.get(BalanceData, person.id)
        assert balance is not None
        assert (balance.gender, balance.age_group, balance.migrant_led) == ("woman", "25_34", "undisclosed")
        assert await profiles.subscriptions(session, person.id, "region") == {
            "europe_north_america",
            "latin_america_caribbean",
            "global",
        }
        assert "network" not in await profiles.subscriptions(session, person.id, "topic")
        assert await profiles.subscriber_ids(session, "region", "global") == [person.id]
    async with db.engine.connect() as connection:
        raw = (await connection.exec_driver_sql("SELECT organisation, city, country FROM people")).one()
    assert b"Migrant Voices" not in bytes(raw[0]) and b"Chicago" not in bytes(raw[1])
    assert raw[2] == "US"  # not personal, kept readable for statistics


async def test_onboarding_in_arabic_with_country_typed_in_arabic(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    omar = new_person(first_name="Omar", language_code="ar")
    assert (await say(omar, "/start")).text.startswith("اختر لغتك.\n")
    await omar.press("العربية")
    assert "ليازون" in (await omar.next_reply()).text
    await omar.next_reply()
    await tap(omar, "متابعة")
    for _ in range(3):
        await tap(omar, "نعم، أوافق")
    await say(omar, "جمعية المهاجرين في القاهرة")
    await tap(omar, "منظمات المهاجرين والمغتربين")
    derived = await say(omar, "مصر")
    assert (
        strip_isolates(derived.text).startswith("مصر:")
        and "الإسكوا" in derived.text
        and "شمال أفريقيا" in derived.text
    )
    await omar.next_reply()
    zone = await say(omar, "القاهرة")
    assert "القاهرة" in zone.text or "مصر" in zone.text
    await tap(omar, "نعم، هذا صحيح")
    await tap(omar, "أفضل عدم الإجابة")
    await tap(omar, "أفضل عدم الإجابة")
    regions = await tap(omar, "أفضل عدم الإجابة")
    assert any("الإسكوا" in label and label.startswith("✅") for label in regions.buttons)
    assert any("أفريقيا" in label and label.startswith("✅") for label in regions.buttons)
    await tap(omar, "تم")
    finished = await tap(omar, "تم")
    assert "/profile" in finished.text and "شكرا" in finished.text
    profile = await say(omar, "/profile")
    assert "جمعية المهاجرين في القاهرة" in profile.text and "مصر" in profile.text
    db = running_bot.services.db
    async with db.session() as session:
        person = await people.find_by_telegram(session, db.keyring, omar.id)
        assert person is not None and person.country == "EG" and person.time_zone == "Africa/Cairo"
        balance = await session.get(BalanceData, person.id)
        assert balance is not None and balance.gender == "undisclosed"


async def _count(running_bot: RunningBot, model: type) -> int:
    async with running_bot.services.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_nothing_is_kept_before_consent_and_declining_all_keeps_nothing(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    li = new_person(first_name="Li", language_code="zh")
    await say(li, "/start")
    await li.press("中文")
    await li.next_reply()
    await li.next_reply()
    await tap(li, "继续")
    assert await _count(running_bot, Person) == 0
    await tap(li, "不同意")
    await tap(li, "不同意")
    assert await _count(running_bot, Person) == 0
    closing = await tap(li, "不同意")
    assert "/start" in closing.text and "/help" in closing.text
    assert await _count(running_bot, Person) == 0
    assert await _count(running_bot, Consent) == 0
    # Declining one purpose first and agreeing later records both, from the first yes on.
    await say(li, "/start")
    await li.next_reply()
    await tap(li, "继续")
    await tap(li, "不同意")
    await tap(li, "是的，我同意")
    async with running_bot.services.db.session() as session:
        rows = (await session.scalars(select(Consent).order_by(Consent.recorded_at))).all()
    assert [(row.purpose, row.granted) for row in rows] == [("updates", False), ("share_with_network", True)]
    assert rows[0].text_version == "v1:zh"


async def test_bad_input_at_every_free_text_step_gets_an_explanation(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    pierre = new_person(first_name="Pierre", language_code="en")
    await say(pierre, "/start")
    await pierre.press("English")
    await pierre.next_reply()
    await pierre.next_reply()
    await tap(pierre, "Continue")
    for _ in range(3):
        await tap(pierre, "Yes, I agree")
    # organisation
    assert "at most 120 characters" in (await say(pierre, "x" * 121)).text
    assert "at least 2 characters" in (await say(pierre, "x")).text
    assert "web links" in (await say(pierre, "Visit https://spam.example")).text
    assert "control characters" in (await say(pierre, "Bad\u0007name")).text
    assert "letters" in (await say(pierre, "12345")).text
    await pierre.send_sticker()
    assert "only read text" in (await pierre.next_reply()).text
    await pierre.send_photo()
    assert "only read text" in (await pierre.next_reply()).text
    # stakeholder type: typing where a button is expected
    await say(pierre, "Collectif Solidarité")
    help_text = await say(pierre, "NGO")
    assert "buttons" in help_text.text
    assert "Which of these" in (await pierre.next_reply()).text
    await tap(pierre, "Civil society organisations")
    # country
    assert "no country" in (await say(pierre, "Xyzzyland")).text
    assert "at most 60 characters" in (await say(pierre, "y" * 61)).text
    await pierre.send_sticker()
    assert "only read text" in (await pierre.next_reply()).text
    assert "Senegal" in (await say(pierre, "senegal")).text
    await pierre.next_reply()
    # city
    assert "web links" in (await say(pierre, "www.dakar.com")).text
    assert "at most 80 characters" in (await say(pierre, "D" * 81)).text
    assert "Dakar" in (await say(pierre, "Dakar")).text  # the time zone question names it
    async with running_bot.services.db.session() as session:
        person = await people.find_by_telegram(session, running_bot.services.db.keyring, pierre.id)
        assert person is not None
        assert (person.organisation, person.country, person.city) == ("Collectif Solidarité", "SN", "Dakar")


async def test_restart_mid_dialog_resumes_at_the_same_step(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    sofia = new_person(first_name="Sofia", language_code="es")
    await say(sofia, "/start")
    await sofia.press("Español")
    await sofia.next_reply()
    await sofia.next_reply()
    await tap(sofia, "Continuar")
    for _ in range(3):
        await tap(sofia, "Sí, acepto")
    await say(sofia, "Red de Migrantes del Sur")
    await running_bot.restart()
    async with running_bot.services.db.session() as session:
        kinds = {row.kind for row in (await session.scalars(select(DialogState))).all()}
    assert kinds == {"user_data", "conversation"}
    await tap(sofia, "Organizaciones de la sociedad civil")  # the question asked before the restart
    await running_bot.restart()
    derived = await say(sofia, "Argentina")
    assert derived.text.startswith("Argentina:")
    assert running_bot.builds == 3


async def test_double_tap_records_once_and_stale_taps_are_answered(
    running_bot: RunningBot, sandbox: SandboxServer, new_person: PersonFactory
) -> None:
    olga = new_person(first_name="Olga", language_code="ru")
    await say(olga, "/start")
    await olga.press("Русский")
    await olga.next_reply()
    question = await olga.next_reply()
    await tap(olga, "Продолжить")
    consent_question = olga.last_message()
    data = next(
        b["callback_data"]
        for row in consent_question.inline_keyboard
        for b in row
        if b["text"] == "Да, я согласен"
    )
    first = sandbox.push_callback(olga.user, consent_question.message_id, data)
    second = sandbox.push_callback(olga.user, consent_question.message_id, data)
    await olga.next_reply()
    await olga.wait_until(lambda: second.answered, what="the second tap's answer")
    assert first.answered
    assert second.answer_text == "На этот вопрос уже ответили."
    assert await _count(running_bot, Consent) == 1
    assert question.buttons == []  # the intro's buttons were taken away once used


async def test_back_skip_and_cancel(running_bot: RunningBot, new_person: PersonFactory) -> None:
    zanele = new_person(first_name="Zanele", language_code="en")
    await onboard_english(zanele)
    await say(zanele, "/start")  # a returning person is welcomed back, not asked again
    assert zanele.last_message().text.startswith("Welcome back")
    await say(zanele, "/profile")
    await tap(zanele, "Country")
    back = await tap(zanele, "◀ Back")
    assert back.text.startswith("Your profile:")
    await tap(zanele, "City")
    profile = await say(zanele, "Mombasa")
    assert "City: Mombasa" in profile.text
    await tap(zanele, "Organisation")
    stopped = await say(zanele, "/cancel")
    assert stopped.text.startswith("Stopped. What you answered so far is kept.")
    assert (await say(zanele, "/cancel")).text == "There is nothing to cancel."
    # going back during onboarding
    kofi = new_person(first_name="Kofi", language_code="en")
    await say(kofi, "/start")
    await kofi.press("English")
    await kofi.next_reply()
    await kofi.next_reply()
    await tap(kofi, "Continue")
    again = await tap(kofi, "◀ Back")
    assert again.text.startswith("Liaison is")  # the intro again
    assert "/mydata" in (await kofi.next_reply()).text
    assert (await tap(kofi, "◀ Back")).text.startswith("Choose your language.")


async def test_invitation_link_leads_to_the_event_registration(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    ana = new_person(first_name="Ana", language_code="en")
    # The registration dialog keeps an invitation's payload for a person without a profile and asks
    # them to send /start; onboarding then ends with the way back to that event.
    assert running_bot.app is not None
    running_bot.app.user_data[ana.id][START_PAYLOAD_KEY] = "ev_RR2025AF"
    await say(ana, "/start")
    await ana.press("English")
    await ana.next_reply()
    await ana.next_reply()
    await tap(ana, "Continue")
    for _ in range(3):
        await tap(ana, "Yes, I agree")
    await say(ana, "Ana's Network")
    await tap(ana, "Academia")
    await say(ana, "Ghana")
    await ana.next_reply()
    await tap(ana, "Skip")
    await tap(ana, "Skip")
    await tap(ana, "Skip these questions")
    await tap(ana, "Done")
    finished = await tap(ana, "Done")
    assert finished.buttons == ["Continue to the event registration"]
    assert finished.inline_keyboard[0][0]["callback_data"] == "evreg:RR2025AF"


async def test_blocking_the_bot_marks_the_chat_unreachable(
    running_bot: RunningBot, sandbox: SandboxServer, new_person: PersonFactory
) -> None:
    musa = new_person(first_name="Musa", language_code="en")
    await onboard_english(musa)
    db = running_bot.services.db

    def member_update(old: str, new: str) -> dict[str, object]:
        bot_user = {"id": 1, "is_bot": True, "first_name": "Liaison"}

        def member(status: str) -> dict[str, object]:
            found: dict[str, object] = {"status": status, "user": bot_user}
            if status == "kicked":
                found["until_date"] = 0
            return found

        return {
            "my_chat_member": {
                "chat": {"id": musa.id, "type": "private", "first_name": "Musa"},
                "from": musa.user.to_api(),
                "date": 1_700_000_000,
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            }
        }

    async def telegram_address() -> ChannelAddress:
        async with db.session() as session:
            found = await people.find_address(session, db.keyring, people.Channel.TELEGRAM, str(musa.id))
            assert found is not None
            return found

    sandbox.push_update(member_update("member", "kicked"))
    for _ in range(200):
        if (await telegram_address()).unreachable_at is not None:
            break
        await asyncio.sleep(0.01)
    address = await telegram_address()
    assert address.unreachable_at is not None and address.unreachable_reason == "blocked"
    sandbox.push_update(member_update("kicked", "member"))
    await say(musa, "/help")  # processed after the unblock, in order
    assert (await telegram_address()).unreachable_at is None
    assert await _count(running_bot, Subscription) > 0


async def test_the_language_question_is_asked_in_all_six_languages_led_by_the_apps_language(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    """Someone whose app is in Russian reads the question in Russian first, and in each other
    language on its own line, before any choice is made; a German app falls back to English."""
    ivan = new_person(first_name="Ivan", language_code="ru")
    question = await say(ivan, "/start")
    lines = [strip_isolates(line) for line in question.text.split("\n")]
    assert lines == [
        "Выберите язык.",
        "Choose your language.",
        "اختر لغتك.",
        "请选择您的语言。",
        "Choisissez votre langue.",
        "Elija su idioma.",
    ]
    assert question.buttons[0] == "Русский" and len(question.buttons) == 6
    about = await tap(ivan, "Русский")
    assert about.text == "Теперь я буду писать вам по-русски." or about.text.startswith("Liaison")

    hans = new_person(first_name="Hans", language_code="de")
    question = await say(hans, "/start")
    assert question.text.split("\n")[0] == "Choose your language." and question.buttons[0] == "English"


async def test_any_time_zone_can_be_typed_by_city_in_any_language(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    """Someone working in Kenya but living by Paris time types the city in Russian; a name that is
    no zone is asked again, and "Kol" offers the zones it may mean as buttons."""
    nadia = new_person(first_name="Nadia", language_code="en")
    await say(nadia, "/start")
    await nadia.press("English")
    await nadia.next_reply()
    await nadia.next_reply()
    await tap(nadia, "Continue")
    for _ in range(3):
        await tap(nadia, "Yes, I agree")
    await say(nadia, "Voices")
    await tap(nadia, "Civil society organisations")
    await say(nadia, "Kenya")
    await nadia.next_reply()  # city question
    offered = await tap(nadia, "Skip")
    assert offered.text.startswith("Is your time zone Nairobi") and "America/Bogota" in offered.text
    assert (await say(nadia, "Atlantis")).text.startswith("I found no time zone by that name.")
    choices = await say(nadia, "Kol")
    assert choices.text == "Which one do you mean?" and any(
        b.startswith("Kolkata (UTC+05:30)") for b in choices.buttons
    )
    assert (await say(nadia, "Париж")).text.startswith("Your time zone: Paris (UTC+0")
    assert "gender" in (await nadia.next_reply()).text

    db = running_bot.services.db
    async with db.session() as session:
        person = await people.find_by_telegram(session, db.keyring, nadia.id)
        assert person is not None and person.time_zone == "Europe/Paris"
