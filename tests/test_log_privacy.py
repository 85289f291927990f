"""Through a whole conversation at DEBUG level, the real log output holds no personal value."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import pytest

from bot.log_redaction import configure_logging
from bot.sandbox.driver import SandboxPerson

CANARY_TEXT = "Zebrafish Quokka Marmalade"
CANARY_USERNAME = "canary_quokka"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    handler = configure_logging("DEBUG", stream=stream)
    for name in ("httpx", "telegram", "apscheduler", "aiosqlite", "sqlalchemy"):
        logging.getLogger(name).setLevel(logging.DEBUG)  # the worst case: every library at its most talkative
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.handlers[:], root.level = before
        for name in ("httpx", "apscheduler", "aiosqlite", "sqlalchemy"):
            logging.getLogger(name).setLevel(logging.WARNING)


async def test_no_text_ids_or_usernames_in_debug_logs(
    log_output: io.StringIO, new_person: Callable[..., SandboxPerson]
) -> None:
    person = new_person(first_name="Quokka", language_code="ru", username=CANARY_USERNAME)
    await person.send("/start")
    await person.next_reply()
    await person.press("Русский")
    await person.next_reply()
    await person.next_reply()
    await person.send(CANARY_TEXT)
    await person.next_reply()
    await person.send("/help " + CANARY_TEXT)
    await person.next_reply()
    output = log_output.getvalue()
    assert "telegram" in output  # the libraries did log at DEBUG, so the check below means something
    for secret in (CANARY_TEXT, "Zebrafish", CANARY_USERNAME, str(person.user.id), "Quokka"):
        assert secret not in output, f"{secret!r} leaked into the logs"
