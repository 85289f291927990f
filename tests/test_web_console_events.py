"""Events in the browser console over real HTTP: create, move and cancel through the same
application service as the chat and the CLI, each confirmed first; bad input is explained."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from scheduler.clock import system_clock
from storage.models import AuditEntry, Event, EventStatus, StaffRole
from tests.report_fixtures import expect
from tests.web_fixtures import ConsoleWorld, console_world

__all__ = ["console_world"]


def _csrf(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


async def _signed_in(world: ConsoleWorld, role: StaffRole = StaffRole.LIAISON):  # type: ignore[no-untyped-def]
    member, member_id = await world.staff(role)
    browser = await world.signed_in(member)
    async with browser.get(f"{world.base_url}/web/events/new") as page:
        html = await page.text()
    return browser, member_id, page.status, html


async def test_create_an_event_and_bad_input_is_explained(console_world: ConsoleWorld) -> None:
    browser, member_id, status, html = await _signed_in(console_world)
    assert status == 200 and 'type="datetime-local"' in html
    url = f"{console_world.base_url}/web/events/new"
    later = (system_clock() + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M")
    form = {"csrf": _csrf(html), "kind": "consultation", "region": "africa", "title": "Accra briefing",
            "zone": "Africa/Accra", "starts": later, "capacity": "40"}  # fmt: skip
    async with browser.post(url, data={**form, "title": " ", "zone": "Mars/Base", "capacity": "0"}) as bad:
        text = await bad.text()
    assert bad.status == 422
    assert "Enter a title." in text and "Enter a time zone such as Africa/Nairobi or UTC." in text
    assert "Places: a whole number from 1, or empty for no limit." in text
    async with browser.post(url, data={**form, "starts": "2020-01-01T10:00"}) as past:
        assert past.status == 422 and "That start time has passed." in await past.text()
    async with console_world.services.db.session() as session:
        assert list(await session.scalars(select(Event))) == []

    async with browser.post(url, data=form) as done:
        text = await done.text()
    assert done.status == 200 and " is created." in text and "Places: 40" in text
    async with console_world.services.db.session() as session:
        [event] = list(await session.scalars(select(Event)))
        created = await session.scalar(select(AuditEntry).where(AuditEntry.action == "event.created"))
    assert (
        event.title("en") == "Accra briefing" and event.time_zone == "Africa/Accra" and event.capacity == 40
    )
    assert created is not None and created.actor == f"staff:{member_id}"


async def test_move_then_cancel_with_a_confirmation_and_registrants_told(console_world: ConsoleWorld) -> None:
    event, (person,) = await console_world.event_with_registrations(1)
    browser, _member_id, _status, html = await _signed_in(console_world)
    csrf = _csrf(html)
    base = f"{console_world.base_url}/web/events/{event.id}"
    async with browser.get(base) as page:
        assert "Move" in await page.text()
    new_start = (event.starts_at + timedelta(days=7)).replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M")
    move = {"csrf": csrf, "starts": new_start, "zone": "UTC"}
    async with browser.post(f"{base}/move", data=move) as asked:
        text = await asked.text()
    assert "Everyone registered is told." in text and 'name="confirm" value="yes"' in text
    assert "Changed: Nairobi consultation" in text and "has moved from" in text  # the notice, previewed
    async with console_world.services.db.session() as session:
        unchanged = await session.get(Event, event.id)
    assert unchanged is not None and unchanged.starts_at == event.starts_at

    async with browser.post(f"{base}/move", data={**move, "confirm": "yes"}) as moved:
        text = await moved.text()
    assert "Saved: NBO26 is now version" in text
    told = await expect(person, "has moved")
    assert "Nairobi consultation" in told.content
    async with console_world.services.db.session() as session:
        found = await session.get(Event, event.id)
    assert found is not None
    assert found.starts_at == datetime.fromisoformat(new_start).replace(tzinfo=UTC)

    async with browser.post(f"{base}/move", data={**move, "starts": "yesterday"}) as bad:
        assert "Enter the start as a date and a time." in await bad.text()
    async with browser.post(f"{base}/cancel", data={"csrf": csrf}) as asked:
        assert "subscribers are told" in await asked.text()
    async with browser.post(f"{base}/cancel", data={"csrf": csrf, "confirm": "yes"}) as cancelled:
        assert "Saved: NBO26" in await cancelled.text()
    async with browser.post(f"{base}/cancel", data={"csrf": csrf, "confirm": "yes"}) as again:
        assert "This event is cancelled; create a new one instead." in await again.text()
    async with console_world.services.db.session() as session:
        found = await session.get(Event, event.id)
        actions = [e.action for e in await session.scalars(select(AuditEntry))]
    assert found is not None and found.status == EventStatus.CANCELLED
    assert "event.moved" in actions and "event.cancelled" in actions


async def test_task_team_cannot_create_events(console_world: ConsoleWorld) -> None:
    _browser, _member_id, status, html = await _signed_in(console_world, StaffRole.TASK_TEAM)
    assert status == 403 and "Not for your role" in html


async def test_import_events_from_yaml_with_a_check_first(console_world: ConsoleWorld) -> None:
    import aiohttp

    event, (person,) = await console_world.event_with_registrations(1)
    browser, member_id, _status, html = await _signed_in(console_world)
    csrf = _csrf(html)
    url = f"{console_world.base_url}/web/events/import"

    def upload(content: str, name: str) -> aiohttp.FormData:
        form = aiohttp.FormData()
        form.add_field("csrf", csrf)
        form.add_field("file", content.encode(), filename=name, content_type="application/yaml")
        return form

    async with browser.post(url, data=upload("x", "events.txt")) as wrong:
        assert wrong.status == 422 and "Choose a .yaml, .yml or .csv file." in await wrong.text()
    async with browser.post(url, data=upload("- code: BAD1\n  kind: party\n", "events.yaml")) as bad:
        text = await bad.text()
    assert bad.status == 422 and "nothing was applied" in text and "kind is one of" in text
    async with browser.post(url, data=upload("- code: nbo26\n  capacity: 5\n", "events.yaml")) as change:
        text = await change.text()
    assert change.status == 200 and "<td>change</td>" in text and event.title("en") in text
    yaml_text = (
        "events:\n"
        "  - code: DKR27\n    kind: briefing\n    region: africa\n    title: {en: Dakar briefing}\n"
        "    starts: 2031-05-06T10:00\n    time_zone: Africa/Dakar\n"
        "  - code: NBO26\n    cancel: true\n"
    )
    async with browser.post(url, data=upload(yaml_text, "events.yaml")) as checked:
        text = await checked.text()
    assert (
        checked.status == 200
        and "Dakar briefing" in text
        and "<td>create</td>" in text
        and "<td>cancel</td>" in text
    )
    async with console_world.services.db.session() as session:
        assert [e.code for e in await session.scalars(select(Event))] == [
            "NBO26"
        ]  # the check applies nothing

    draft = text.split('name="draft" value="', 1)[1].split('"', 1)[0]
    async with browser.post(f"{url}/apply", data={"csrf": csrf, "draft": draft}) as done:
        assert "Applied: 2. Not applied: 0." in await done.text()
    await expect(person, "cancelled")
    async with console_world.services.db.session() as session:
        found = {e.code: e.status for e in await session.scalars(select(Event))}
        created = await session.scalar(select(AuditEntry).where(AuditEntry.action == "event.created"))
    assert found == {"NBO26": EventStatus.CANCELLED, "DKR27": EventStatus.SCHEDULED}
    assert created is not None and created.actor == f"staff:{member_id}"
    assert event.code == "NBO26"
