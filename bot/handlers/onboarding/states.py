"""The steps of onboarding and profile editing, the draft kept between them, and button data."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.i18n import Translation
from bot.services import Context, services
from storage.models import Person
from storage.repositories import people

DRAFT_KEY = "onboarding"
PREFIX = "onb"
CONSENT_TEXT_VERSION = "v1"


class Step(StrEnum):
    LANGUAGE = "language"
    INTRO = "intro"
    CONSENT_UPDATES = "c_updates"
    CONSENT_SHARE = "c_share"
    CONSENT_PUBLIC = "c_public"
    ORGANISATION = "org"
    STAKEHOLDER = "type"
    COUNTRY = "country"
    CITY = "city"
    TIME_ZONE = "tz"
    EMAIL_ASK = "email"
    EMAIL_ADDRESS = "email_addr"
    EMAIL_CODE = "email_code"
    GENDER = "gender"
    AGE = "age"
    MIGRANT_LED = "migrant"
    REGIONS = "regions"
    TOPICS = "topics"
    PROFILE = "profile"


CONSENT_STEPS: dict[Step, str] = {
    Step.CONSENT_UPDATES: "updates",
    Step.CONSENT_SHARE: "share_with_network",
    Step.CONSENT_PUBLIC: "public_listing",
}
TEXT_STEPS = frozenset({Step.ORGANISATION, Step.COUNTRY, Step.CITY, Step.EMAIL_ADDRESS, Step.EMAIL_CODE})
BALANCE_STEPS: dict[Step, str] = {
    Step.GENDER: "gender",
    Step.AGE: "age_group",
    Step.MIGRANT_LED: "migrant_led",
}

# The order of onboarding; going back from a step returns to the one before it.
SEQUENCE: tuple[Step, ...] = (
    Step.LANGUAGE,
    Step.INTRO,
    Step.CONSENT_UPDATES,
    Step.CONSENT_SHARE,
    Step.CONSENT_PUBLIC,
    Step.ORGANISATION,
    Step.STAKEHOLDER,
    Step.COUNTRY,
    Step.CITY,
    Step.TIME_ZONE,
    Step.EMAIL_ASK,
    Step.EMAIL_ADDRESS,
    Step.EMAIL_CODE,
    Step.GENDER,
    Step.AGE,
    Step.MIGRANT_LED,
    Step.REGIONS,
    Step.TOPICS,
)
# While editing from /profile, a step that belongs to a short run leads to the next one of it.
EDIT_RUNS: dict[Step, Step] = {
    Step.COUNTRY: Step.TIME_ZONE,
    Step.EMAIL_ADDRESS: Step.EMAIL_CODE,
    Step.GENDER: Step.AGE,
    Step.AGE: Step.MIGRANT_LED,
    Step.REGIONS: Step.TOPICS,
}


def following(step: Step) -> Step | None:
    index = SEQUENCE.index(step)
    return SEQUENCE[index + 1] if index + 1 < len(SEQUENCE) else None


def preceding(step: Step) -> Step | None:
    if step in (Step.GENDER, Step.EMAIL_ADDRESS):
        return Step.EMAIL_ASK  # the email run is left out when going back past it
    index = SEQUENCE.index(step)
    return SEQUENCE[index - 1] if index > 0 else None


def draft(context: Context) -> dict[str, Any]:
    """This person's answers in progress (sealed in the database by the persistence layer)."""
    assert context.user_data is not None
    found: dict[str, Any] = context.user_data.setdefault(DRAFT_KEY, {})
    return found


def editing(context: Context) -> bool:
    return draft(context).get("mode") == "edit"


def data(step: Step, value: str) -> str:
    return f"{PREFIX}:{step.value}:{value}"


def button(label: str, step: Step, value: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data(step, value))


def keyboard(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(rows)


def nav_row(
    t: Translation, step: Step, *, skip: bool = False, back: bool = True
) -> list[InlineKeyboardButton]:
    row = []
    if back:
        row.append(button(t._("◀ Back"), step, "back"))
    if skip:
        row.append(button(t._("Skip"), step, "skip"))
    return row


def pressed_value(update: Update) -> str:
    query = update.callback_query
    assert query is not None and query.data is not None
    return query.data.split(":", 2)[2]


def chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


def user_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


async def find_person(session: AsyncSession, update: Update, context: Context) -> Person | None:
    """The person of this chat, if their row exists (it does once they gave a first consent)."""
    assert context.user_data is not None
    saved = context.user_data.get(DRAFT_KEY, {}).get("person_id")
    if saved:
        person = await session.get(Person, uuid.UUID(saved))
        if person is not None:
            return person
    person = await people.find_by_telegram(session, services(context).keyring, user_id(update))
    if person is not None:
        draft(context)["person_id"] = str(person.id)
    return person
