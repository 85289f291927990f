"""Onboarding after /start and profile editing with /profile: one persistent conversation.

language → what Liaison is and keeps → consent per purpose → organisation, type, country
(region and sub-region derived), city, time zone, email → balance questions → subscriptions.
Each step can be gone back from; optional ones skipped; /cancel stops anywhere. The state is
persisted (sealed) after every update, so a restart resumes at the same step.
"""

from __future__ import annotations

from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.handlers import mydata
from bot.handlers.onboarding import answers, email
from bot.handlers.onboarding.states import BALANCE_STEPS, CONSENT_STEPS, PREFIX, Step
from bot.keyboards import LANGUAGE_PREFIX
from bot.state_first import DurableConversation

NAME = "onboarding"
TYPED = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND


def _pressed(callback: object, step: Step) -> CallbackQueryHandler:  # type: ignore[type-arg]
    return CallbackQueryHandler(callback, pattern=f"^{PREFIX}:{step.value}:")  # type: ignore[arg-type]


def conversation() -> ConversationHandler:  # type: ignore[type-arg]
    states: dict[object, list[BaseHandler]] = {  # type: ignore[type-arg]
        Step.LANGUAGE: [CallbackQueryHandler(answers.language_chosen, pattern=f"^{LANGUAGE_PREFIX}")],
        Step.INTRO: [_pressed(answers.intro_pressed, Step.INTRO)],
        Step.ORGANISATION: [
            MessageHandler(TYPED, answers.organisation_typed),
            _pressed(answers.nav_pressed, Step.ORGANISATION),
        ],
        Step.STAKEHOLDER: [_pressed(answers.stakeholder_pressed, Step.STAKEHOLDER)],
        Step.COUNTRY: [
            MessageHandler(TYPED, answers.country_typed),
            _pressed(answers.country_pressed, Step.COUNTRY),
        ],
        Step.CITY: [MessageHandler(TYPED, answers.city_typed), _pressed(answers.nav_pressed, Step.CITY)],
        Step.TIME_ZONE: [
            MessageHandler(TYPED, answers.time_zone_typed),
            _pressed(answers.time_zone_pressed, Step.TIME_ZONE),
        ],
        Step.EMAIL_ASK: [_pressed(email.choice_pressed, Step.EMAIL_ASK)],
        Step.EMAIL_ADDRESS: [
            MessageHandler(TYPED, email.address_typed),
            _pressed(answers.nav_pressed, Step.EMAIL_ADDRESS),
        ],
        Step.EMAIL_CODE: [
            MessageHandler(TYPED, email.code_typed),
            _pressed(email.code_pressed, Step.EMAIL_CODE),
        ],
        Step.REGIONS: [_pressed(answers.toggle_pressed, Step.REGIONS)],
        Step.TOPICS: [_pressed(answers.toggle_pressed, Step.TOPICS)],
        Step.PROFILE: [_pressed(answers.profile_pressed, Step.PROFILE)],
    }
    for step in CONSENT_STEPS:
        states[step] = [_pressed(answers.consent_pressed, step)]
    for step in BALANCE_STEPS:
        states[step] = [_pressed(answers.balance_pressed, step)]
    return DurableConversation(
        entry_points=[
            CommandHandler("start", answers.start),
            CommandHandler("profile", answers.profile_command),
        ],
        states=states,
        fallbacks=[
            CommandHandler("cancel", answers.cancel),
            CallbackQueryHandler(mydata.forget_confirmed, pattern=f"^{mydata.FORGET_YES}$"),
            CallbackQueryHandler(answers.stale_press, pattern=f"^{PREFIX}:"),
            MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND, answers.unexpected),
        ],
        allow_reentry=True,
        name=NAME,
        persistent=True,
    )


def install(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(conversation())
    # A tap on a question of a dialog that has ended.
    app.add_handler(CallbackQueryHandler(answers.stale_press, pattern=f"^{PREFIX}:"))
