"""Balanced selection in the browser console over real HTTP: run LEXIMIN on an event's pending
requests, read the report, confirm; the draw confirmed is the one shown, and each person is told."""

from __future__ import annotations

import re

from sqlalchemy import select

from storage.models import AuditEntry, Registration
from tests.report_fixtures import expect
from tests.web_fixtures import ConsoleWorld, console_world

__all__ = ["console_world"]


def _field(html: str, name: str) -> str:
    return html.split(f'name="{name}" value="', 1)[1].split('"', 1)[0]


async def test_run_leximin_read_the_report_and_confirm(console_world: ConsoleWorld) -> None:
    event, persons = await console_world.event_with_registrations(6, capacity=3)
    member, member_id = await console_world.staff()
    browser = await console_world.signed_in(member)
    url = f"{console_world.base_url}/web/events/{event.id}/selection"
    async with browser.get(url) as page:
        html = await page.text()
    assert page.status == 200 and 'value="participant"' in html
    csrf = _field(html, "csrf")
    async with browser.post(url, data={"csrf": csrf, "seats": "0", "kind": "participant"}) as bad:
        assert bad.status == 422 and "Enter how many to select, from 1." in await bad.text()
    async with browser.post(url, data={"csrf": csrf, "seats": "3", "kind": "observer"}) as none:
        assert none.status == 422 and "no pending requests of that kind" in await none.text()

    async with browser.post(
        url, data={"csrf": csrf, "seats": "3", "kind": "participant", "algorithm": "leximin"}
    ) as ran:
        html = await ran.text()
    assert ran.status == 200 and re.search(r"3 of 6 selected; seed \d+\.", html)
    assert html.count("<meter") == 6 and "Academia" in html  # a quota per stakeholder type
    chosen = {
        m
        for m in re.findall(
            r'<th scope="row">(R-\d{4}-\d{4})</th><td><meter[^>]*>[^<]*</meter>[^<]*</td><td>yes', html
        )
    }
    assert len(chosen) == 3
    async with console_world.services.db.session() as session:
        assert {r.status for r in await session.scalars(select(Registration))} == {
            "pending"
        }  # a preview changes nothing

    draft = _field(html, "draft")
    async with browser.post(f"{url}/confirm", data={"csrf": csrf, "draft": draft}) as done:
        text = await done.text()
    assert "3 accepted, 3 waitlisted; each person is told in their language." in text
    async with browser.post(f"{url}/confirm", data={"csrf": csrf, "draft": draft}) as again:
        assert again.status == 409 and "This preview expired" in await again.text()
    async with console_world.services.db.session() as session:
        accepted = {
            r.reference
            for r in await session.scalars(select(Registration).where(Registration.status == "accepted"))
        }
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "selection.leximin"))
        deciders = {
            e.actor
            for e in await session.scalars(
                select(AuditEntry).where(AuditEntry.action.like("registration.%ed"))
            )
        }
    assert accepted == chosen  # exactly the draw that was shown
    assert entry is not None and entry.actor == f"staff:{member_id}" and "seed=" in entry.subject_id
    assert deciders == {f"staff:{member_id}"}
    for person in persons:
        await expect(person, "R-")


async def test_custom_quotas_are_parsed_as_by_the_cli_and_conflicts_explained(
    console_world: ConsoleWorld,
) -> None:
    event, _persons = await console_world.event_with_registrations(6, capacity=3)
    member, _member_id = await console_world.staff()
    browser = await console_world.signed_in(member)
    url = f"{console_world.base_url}/web/events/{event.id}/selection"
    async with browser.get(url) as page:
        html = await page.text()
    assert 'name="quotas"' in html and 'name="relax"' in html
    csrf = _field(html, "csrf")
    form = {"csrf": csrf, "seats": "3", "kind": "participant", "algorithm": "leximin"}

    async with browser.post(url, data={**form, "quotas": "stakeholder_type:academia:x:3"}) as bad:
        text = await bad.text()
    assert bad.status == 422 and "Quota line 1:" in text and "min and max must be whole numbers" in text
    assert "stakeholder_type:academia:x:3</textarea>" in text  # what staff typed stays in the box
    async with browser.post(url, data={**form, "quotas": "\ncolour:red:1:1"}) as unknown:
        text = await unknown.text()
    assert unknown.status == 422 and "the pool has no feature" in text

    conflict = "stakeholder_type:academia:3:3\nstakeholder_type:civil_society:2:3"
    async with browser.post(url, data={**form, "quotas": conflict}) as refused:
        text = await refused.text()
    assert refused.status == 422 and "<meter" not in text
    assert "The quotas cannot all be met. These quotas conflict" in text  # the CLI's own explanation
    assert "Nearest feasible quotas (bounds moved by" in text
    async with browser.post(url, data={**form, "quotas": conflict, "relax": "yes"}) as relaxed:
        text = await relaxed.text()
    assert relaxed.status == 200 and "the nearest feasible ones were used" in text
    assert "Nearest feasible quotas" in text and text.count("<meter") == 6

    own = "stakeholder_type:academia:3:3\nstakeholder_type:civil_society:0:0"
    async with browser.post(url, data={**form, "quotas": own}) as ran:
        html = await ran.text()
    assert ran.status == 200 and re.search(r"3 of 6 selected; seed \d+\.", html)
    assert '<th scope="row">Stakeholder type: Academia</th><td>3</td><td>3</td>' in html
    chosen = set(
        re.findall(
            r'<th scope="row">(R-\d{4}-\d{4})</th><td><meter[^>]*>[^<]*</meter>[^<]*</td><td>yes', html
        )
    )
    async with console_world.services.db.session() as session:
        academia = {
            r.reference
            for r in await session.scalars(
                select(Registration).where(Registration.stakeholder_type == "academia")
            )
        }
    assert chosen == academia and len(chosen) == 3
    draft = _field(html, "draft")
    async with browser.post(f"{url}/confirm", data={"csrf": csrf, "draft": draft}) as done:
        assert "3 accepted, 3 waitlisted" in await done.text()
