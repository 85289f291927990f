"""The dialog benchmark's premises: its baseline makes the onboarding's Bot API calls, and the
apology it counts is the one the bot sends. (Timings belong to bench/, not here.)"""

from __future__ import annotations

import inspect

from bench.bare_dialog import APOLOGY, ONBOARDING
from bench.dialogs import Bench, Run, bare_bot, real_bot, with_bench
from bot import errors


def test_the_counted_apology_is_the_bots() -> None:
    assert APOLOGY in inspect.getsource(errors)


async def test_bare_bot_makes_the_same_bot_api_calls_as_the_onboarding() -> None:
    runs: dict[str, Run] = {}

    async def body(bench: Bench) -> None:
        runs["bare"] = await bench.run(bare_bot(bench.services.settings), 2, "bare", features=False)
        runs["real"] = await bench.run(real_bot(bench.services), 2, "real", features=True)

    await with_bench("sqlite", 60, body)
    expected = 2 * sum(step.bot_api_calls for step in ONBOARDING)
    for run in runs.values():
        assert (run.not_finished, run.first_failure, run.apologies, run.handler_errors) == (0, None, 0, 0)
        assert run.updates == 2 * len(ONBOARDING)
        assert run.bot_api_calls == expected, run.label
    assert runs["bare"].http == runs["real"].http
