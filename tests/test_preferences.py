"""Languages spoken and the channel order (R2): set in the chat, used by the notices service."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from bot.sandbox.driver import SandboxPerson
from bot.sandbox.server import SandboxServer
from scheduler.channels import preferred
from scheduler.notices import Address, Reach, Recipient, recipients, route
from storage.models import Channel
from storage.repositories import people, profiles
from tests.bot_fixtures import RunningBot


async def a_person(running_bot: RunningBot, who: SandboxPerson, *, email: bool = True) -> uuid.UUID:
    services = running_bot.services
    now = datetime.now(UTC)
    async with services.db.session() as session:
        person = await profiles.ensure_person(session, services.keyring, who.id, now=now, language="en")
        if email:
            await people.add_address(
                session, services.keyring, person, Channel.EMAIL, "pat@example.org", now=now, verified=True
            )
        return person.id


async def test_languages_by_button_and_by_name_in_any_language(
    running_bot: RunningBot, sandbox: SandboxServer
) -> None:
    pat = SandboxPerson(sandbox, sandbox.add_user(first_name="Pat", language_code="en"))
    person_id = await a_person(running_bot, pat)
    await pat.send("/languages Swahili, tagalo")
    shown = (await pat.next_reply()).content
    assert shown.startswith("Languages you speak: Swahili, Tagalog")
    await pat.press("العربية")
    await pat.wait_until(lambda: "Arabic" in pat.last_message().content, what="Arabic ticked")
    async with running_bot.services.db.session() as session:
        prefs = await profiles.preferences(session, person_id)
    assert prefs is not None and prefs.languages == ["sw", "tl", "ar"]
    await pat.send("/languages Klingonish")
    assert (await pat.next_reply()).content.startswith("I do not know the language Klingonish.")


async def test_reach_choice_sets_the_channel_order_of_notices(
    running_bot: RunningBot, sandbox: SandboxServer
) -> None:
    pat = SandboxPerson(sandbox, sandbox.add_user(first_name="Pat", language_code="en"))
    person_id = await a_person(running_bot, pat)
    async with running_bot.services.db.session() as session:
        before = (await recipients(session, [person_id]))[person_id]
    assert [a.channel for a in route(before)] == ["telegram"]

    await pat.send("/reach")
    await pat.next_reply()
    await pat.press("Email first")
    await pat.wait_until(lambda: pat.last_message().content.startswith("Saved:"), what="the choice saved")
    async with running_bot.services.db.session() as session:
        chosen = (await recipients(session, [person_id]))[person_id]
    assert chosen.channel_order[0] == "email"
    assert [a.channel for a in route(chosen)] == ["email"]

    await pat.send("/reach")
    await pat.next_reply()
    await pat.press("Both Telegram and email")
    await pat.wait_until(lambda: "Both" in pat.last_message().content, what="the choice saved")
    async with running_bot.services.db.session() as session:
        both = (await recipients(session, [person_id]))[person_id]
    assert sorted(a.channel for a in route(both)) == ["email", "telegram"]  # FIRST becomes EACH
    assert [a.channel for a in route(both, channels=("telegram",))] == ["telegram"]  # chat-only stays so


def test_the_mapping_of_each_choice() -> None:
    assert preferred(None) == (("telegram", "email"), False)
    assert preferred("telegram_first") == (("telegram", "email"), False)
    assert preferred("email_first") == (("email", "telegram"), False)
    assert preferred("both") == (("telegram", "email"), True)
    chat, mail = Address(uuid.uuid4(), "telegram", True), Address(uuid.uuid4(), "email", False)
    # "both" with an unverified email still reaches only what is usable.
    who = Recipient(uuid.uuid4(), "en", None, (chat, mail), ("telegram", "email"), each=True)
    assert route(who, Reach.FIRST) == [chat]


async def test_reach_before_any_profile_asks_to_start(
    running_bot: RunningBot, sandbox: SandboxServer
) -> None:
    newcomer = SandboxPerson(sandbox, sandbox.add_user(first_name="New", language_code="fr"))
    await newcomer.send("/reach")
    assert (await newcomer.next_reply()).content == "Veuillez d'abord créer votre profil : envoyez /start."
