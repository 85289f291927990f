"""`liaison events add|list|registrations|review` against a real database in a temporary data directory."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.bootstrap import open_services
from bot.cli.main import app
from bot.settings import load_settings
from storage.models import Channel, OutboxMessage
from storage.repositories import events, people, registrations


async def _register_someone(code: str) -> str:
    services = await open_services(load_settings())
    now = datetime.now(UTC)
    try:
        async with services.db.session() as session:
            person = await people.create(session, now=now, language="fr", time_zone="Europe/Paris")
            person.organisation, person.stakeholder_type, person.country = "Collectif", "academia", "FR"
            await people.add_address(
                session, services.keyring, person, Channel.TELEGRAM, "4242", now=now, verified=True
            )
            event = await events.by_code(session, code)
            assert event is not None
            done = await registrations.register(
                session,
                event=event,
                person=person,
                kind="participant",
                slot="attend",
                categories=registrations.Categories("academia", "FR", "155", "europe_north_america"),
                now=now,
            )
            return done.registration.reference
    finally:
        await services.db.dispose()


async def _outbox_bodies() -> list[str]:
    services = await open_services(load_settings())
    try:
        async with services.db.session() as session:
            return [row.body or "" for row in await session.scalars(select(OutboxMessage))]
    finally:
        await services.db.dispose()


def test_add_list_and_review(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIAISON_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    added = runner.invoke(
        app,
        [
            "events", "add", "--kind", "consultation", "--region", "europe_north_america",
            "--title", "en=Europe consultation", "--title", "fr=Consultation Europe",
            "--starts", "2099-03-10T14:00", "--time-zone", "Europe/Zurich", "--code", "ece99",
            "--capacity", "50",
        ],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "event ECE99 added" in added.output and "start=ev_ECE99" in added.output
    listed = runner.invoke(app, ["events", "list"])
    assert "ECE99" in listed.output and "2099-03-10 13:00Z" in listed.output  # Zurich → UTC
    assert "no registrations" in listed.output

    reference = asyncio.run(_register_someone("ECE99"))
    shown = runner.invoke(app, ["events", "registrations", "ece99"])
    assert reference in shown.output and "academia" in shown.output and "4242" not in shown.output
    reviewed = runner.invoke(
        app, ["events", "review", reference.lower(), "waitlisted", "--reason", "capacity"]
    )
    assert reviewed.exit_code == 0, reviewed.output
    [body] = asyncio.run(_outbox_bodies())
    assert "liste d'attente" in body and "Toutes les places sont prises." in body
    listed_again = runner.invoke(app, ["events", "list"]).output
    assert "waitlisted 1" in listed_again and "pending" not in listed_again


def test_bad_input_gets_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIAISON_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    base = ["events", "add", "--kind", "briefing", "--region", "africa", "--title", "en=Briefing"]
    assert (
        "IANA"
        in runner.invoke(app, [*base, "--starts", "2099-01-01T10:00", "--time-zone", "Mars/Base"]).output
    )
    assert "date and time" in runner.invoke(app, [*base, "--starts", "tomorrow"]).output
    assert (
        "--kind" in runner.invoke(app, [*base[:3], "party", *base[4:], "--starts", "2099-01-01T10:00"]).output
    )
    assert "LANG=TEXT" in runner.invoke(app, [*base[:7], "xx=Nope", "--starts", "2099-01-01T10:00"]).output
    unknown = runner.invoke(app, ["events", "review", "R-2099-9999", "accepted"])
    assert unknown.exit_code == 1
    assert runner.invoke(app, ["events", "registrations", "NOPE"]).exit_code == 1
