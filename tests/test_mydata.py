"""My data through the sandbox: /mydata exports everything, /consent withdraws per purpose, /forget erases."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from bot.sandbox.driver import SandboxPerson
from storage.models import BalanceData, ChannelAddress, Consent, DialogState, Person, Subscription
from storage.repositories import people, profiles
from tests.bot_fixtures import RunningBot
from tests.test_onboarding import onboard_english, say, tap

PersonFactory = Callable[..., SandboxPerson]
CANARY_ORG = "Canary Collective Zqx"
CANARY_CITY = "Canarytown Qwv"


async def test_mydata_sends_everything_as_a_file(running_bot: RunningBot, new_person: PersonFactory) -> None:
    amina = new_person(first_name="Amina", language_code="en")
    await onboard_english(amina, organisation=CANARY_ORG)
    export = await say(amina, "/mydata")
    assert export.document is not None and export.document.filename == "liaison-my-data.json"
    assert export.caption == "This file holds everything I keep about you."
    held = json.loads(export.document.content)
    assert held["profile"]["organisation"] == CANARY_ORG
    assert held["profile"]["country"] == "KE" and held["profile"]["time_zone"] == "Africa/Nairobi"
    assert {"channel": "telegram", "address": str(amina.id)} == {
        key: held["addresses"][0][key] for key in ("channel", "address")
    }
    assert sorted(c["purpose"] for c in held["consents"]) == [
        "public_listing",
        "share_with_network",
        "updates",
    ]
    assert {"kind": "region", "value": "africa"} in held["subscriptions"]
    # Nothing held: said so, no file.
    stranger = new_person(first_name="Li", language_code="zh")
    assert (await say(stranger, "/mydata")).text == "我没有保存任何关于您的数据。"


async def test_consent_is_withdrawn_per_purpose_once(
    running_bot: RunningBot, new_person: PersonFactory
) -> None:
    li = new_person(first_name="Li", language_code="en")
    await onboard_english(li)
    await say(li, "/language")
    await li.press("中文")
    await li.wait_until(lambda: li.last_message().text.startswith("从现在起"), what="the language")
    view = await say(li, "/consent")
    assert "接收更新：是" in view.text
    await li.press("撤回：接收更新")
    await li.wait_until(lambda: "接收更新：否" in li.last_message().text, what="the new view")
    press = await li.callback_answer()
    assert press.answer_text == "已保存。"
    db = running_bot.services.db
    async with db.session() as session:
        person = await people.find_by_telegram(session, db.keyring, li.id)
        assert person is not None
        in_force = await people.consents_in_force(session, person.id)
        assert not in_force["updates"].granted and in_force["share_with_network"].granted
        assert in_force["updates"].text_version == "v1:zh"
        assert await profiles.subscriber_ids(session, "region", "africa") == []
        count = await session.scalar(select(func.count()).select_from(Consent))
    # Withdrawing the other two says how to erase the rest.
    await li.press("撤回：与组织者分享我的报名信息")
    await li.wait_until(lambda: "与组织者分享我的报名信息：否" in li.last_message().text, what="the view")
    await li.press("撤回：公开列出我的组织")
    await li.wait_until(lambda: "/forget" in li.last_message().text, what="the hint")
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Consent)) == (count or 0) + 2
    stranger = new_person(first_name="Ana", language_code="es")
    assert "/start" in (await say(stranger, "/consent")).text


async def _raw_sqlite(running_bot: RunningBot) -> bytes:
    await running_bot.stop()
    db = running_bot.services.db
    await db.dispose()  # checkpoints the WAL into the main file
    path = Path(db.url.split(":///", 1)[1])
    files = [path, *path.parent.glob(path.name + "-*")]
    return b"".join(f.read_bytes() for f in files if f.exists())


async def test_forget_erases_every_personal_value(running_bot: RunningBot, new_person: PersonFactory) -> None:
    omar = new_person(first_name="Omar", language_code="en")
    await onboard_english(omar, organisation=CANARY_ORG)
    await say(omar, "/profile")
    await tap(omar, "City")
    await say(omar, CANARY_CITY)
    await tap(omar, "Balance questions")
    await tap(omar, "Man")
    await tap(omar, "Under 25")
    await tap(omar, "Yes, it is")
    other = new_person(first_name="Kofi", language_code="en")
    await onboard_english(other, organisation="Other Org Keeps")
    question = await say(omar, "/forget")
    assert "cannot be undone" in question.text
    await omar.press("No, keep my data")
    await omar.wait_until(lambda: omar.last_message().text == "Nothing was erased.", what="the answer")
    await say(omar, "/forget")
    await omar.press("Yes, erase everything")
    await omar.wait_until(lambda: omar.last_message().text.startswith("Erased:"), what="the erasure report")
    report = omar.last_message().text
    assert "your profile" in report and "addresses: 1" in report and "consent records: 3" in report
    assert "your balance answers" in report and "subscriptions: 7" in report
    assert report.endswith("Nothing else of yours remains. Send /start to begin again.")
    db = running_bot.services.db
    async with db.session() as session:
        assert await people.find_by_telegram(session, db.keyring, omar.id) is None
        counts = {
            model.__name__: await session.scalar(select(func.count()).select_from(model))
            for model in (Person, ChannelAddress, Consent)
        }
        assert counts == {"Person": 1, "ChannelAddress": 1, "Consent": 3}  # Kofi's, untouched
        assert await session.scalar(select(func.count()).select_from(BalanceData)) == 0
        assert await session.scalar(select(func.count()).select_from(Subscription)) == 7  # the other person's
    # Erased means a fresh start: asked for a language again.
    assert (await say(omar, "/start")).text.startswith("Choose your language.")
    await omar.press("English")
    await omar.next_reply()
    await omar.next_reply()
    await running_bot.restart()  # persist the dialog rows so the raw check sees them
    async with db.session() as session:
        owners = {row.kind for row in (await session.scalars(select(DialogState))).all()}
    assert owners  # the new, unfinished dialog of Omar and the rows of Kofi are there, sealed
    raw = await _raw_sqlite(running_bot)
    assert b"people" in raw and b"Other Org Keeps" not in raw  # still sealed
    for secret in (CANARY_ORG, CANARY_CITY, str(omar.id)):
        assert secret.encode() not in raw
