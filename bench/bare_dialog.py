"""The dialog benchmark's script and its baseline: a bare python-telegram-bot bot playing the same dialog.

`ONBOARDING` is what every simulated person does, step by step, against either bot. The baseline
answers it the way a plain PTB dialog would, with no database and no project code: a typed step
gets one sendMessage carrying an inline keyboard; a pressed button gets answerCallbackQuery,
editMessageText (the question, now showing the answer) and sendMessage (the next question). Where
the onboarding answers a step with two messages, the baseline sends two as well, so both bots make
the same Bot API calls per step (bench/dialogs.py counts them at the sandbox and prints both).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters
from telegram.request import HTTPXRequest

from bot.services import Context

# The generic apology of bot/errors.py, as an English-speaking person sees it; the benchmark counts
# these as error answers shown to a person (tests/test_bench_dialogs.py keeps the two in step).
APOLOGY = "Sorry, something went wrong on our side. What you sent before is kept. Please try again."
# About as long as the onboarding's questions, so both bots move similar payloads.
QUESTION = (
    "Step {number}: a question of about the length the onboarding asks, with a line of explanation "
    "about why it is asked and what happens to the answer."
)
BACK = "◀ Back"


@dataclass(frozen=True)
class Step:
    """One update a person sends (typed text or a pressed inline button) and the bot messages it gets."""

    kind: Literal["text", "button"]
    content: str  # the text typed, or the label of the button pressed
    replies: int = 1

    @property
    def bot_api_calls(self) -> int:
        """The calls a plain PTB dialog makes for this step: the replies, plus answer and edit for a press."""
        return self.replies + (2 if self.kind == "button" else 0)


def typed(content: str, replies: int = 1) -> Step:
    return Step("text", content, replies)


def pressed(label: str, replies: int = 1) -> Step:
    return Step("button", label, replies)


# The onboarding path of bot/handlers/onboarding.py for an English-speaking person, with the number of
# messages the bot answers each step with (the language step also sends the intro; the country step
# also names the region before asking for the city), then /help and /profile.
ONBOARDING: tuple[Step, ...] = (
    typed("/start"),
    pressed("English", replies=2),
    pressed("Continue"),
    pressed("Yes, I agree"),
    pressed("Yes, I agree"),
    pressed("Yes, I agree"),
    typed("Grassroots Network"),
    pressed("Civil society organisations"),
    typed("Kenya", replies=2),
    pressed("Skip"),
    pressed("Yes, that is right"),
    pressed("Skip these questions"),
    pressed("Done"),
    pressed("Done"),
    typed("/help"),
    typed("/profile"),
)


class BareDialog:
    """Handlers of the baseline bot. Which step an update answers is read from the update itself
    (a typed text is unique in the script; a button carries its step number), so no state is kept
    and PTB's stock concurrent update processor cannot reorder anything that matters."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = tuple(steps)
        texts = [step.content for step in self.steps if step.kind == "text"]
        if len(set(texts)) != len(texts):
            raise ValueError("each typed step needs its own text, so the bare bot can tell them apart")
        self.typed_steps: Mapping[str, int] = {
            step.content: number for number, step in enumerate(self.steps) if step.kind == "text"
        }

    def keyboard(self, number: int) -> InlineKeyboardMarkup:
        """The keyboard under the question of step `number`: its button, or a back button before typing."""
        if number < len(self.steps) and self.steps[number].kind == "button":
            button = InlineKeyboardButton(self.steps[number].content, callback_data=f"step:{number}")
        else:
            button = InlineKeyboardButton(BACK, callback_data="back")
        return InlineKeyboardMarkup([[button]])

    async def ask_next(self, update: Update, context: Context, number: int) -> None:
        """Send step `number`'s replies; the last one asks the next question, with its keyboard."""
        assert update.effective_chat is not None
        replies = self.steps[number].replies
        for reply in range(replies):
            last = reply == replies - 1
            await context.bot.send_message(
                update.effective_chat.id,
                QUESTION.format(number=number + 2 if last else number + 1),
                reply_markup=self.keyboard(number + 1) if last else None,
            )

    async def on_text(self, update: Update, context: Context) -> None:
        assert update.message is not None
        number = self.typed_steps.get(update.message.text or "")
        if number is None:
            return
        await self.ask_next(update, context, number)

    async def on_press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        number = int(query.data.removeprefix("step:"))
        await query.answer()
        await query.edit_message_text(
            QUESTION.format(number=number + 1) + f"\n\n✓ {self.steps[number].content}"
        )
        await self.ask_next(update, context, number)

    async def on_error(self, update: object, context: Context) -> None:
        """Apologise as the real bot does, so error answers are counted the same way for both."""
        if isinstance(update, Update) and update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, APOLOGY)


def bare_dialog_application(
    token: str,
    base_url: str,
    base_file_url: str,
    steps: Sequence[Step],
    *,
    request_options: Mapping[str, Any],
    concurrency: int,
) -> Application:  # type: ignore[type-arg]
    """A bare PTB Application playing `steps`: PTB's stock concurrent update processor with as many
    updates at once as the real bot's per-person processor, and PTB's own HTTP client with the
    options the real bot's gets."""
    builder = ApplicationBuilder().token(token).base_url(base_url).base_file_url(base_file_url)
    builder = builder.concurrent_updates(concurrency).request(HTTPXRequest(**request_options))
    app = builder.build()
    dialog = BareDialog(steps)
    app.add_handler(MessageHandler(filters.TEXT, dialog.on_text))
    app.add_handler(CallbackQueryHandler(dialog.on_press, pattern=r"^step:\d+$"))
    app.add_error_handler(dialog.on_error)
    return app
