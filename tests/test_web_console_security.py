"""The browser console's guards, over real HTTP on loopback and the sandbox chat, without a browser:
a used or expired link, a missing or foreign CSRF token, a role without access, a removed staff
member, an idle session and /web off are each refused; every page carries the security headers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.web.console import COOKIE
from bot.web.settings import WebSettings
from storage.models import AuditEntry, Registration, RegistrationStatus, StaffRole, WebSession, WebSignInLink
from tests.report_fixtures import expect
from tests.web_fixtures import ConsoleWorld, console_world

__all__ = ["console_world"]


async def test_link_signs_in_once_with_a_strict_cookie_and_security_headers(
    console_world: ConsoleWorld,
) -> None:
    member, member_id = await console_world.staff()
    link = await console_world.link(member)
    browser = console_world.client()
    token = link.split("t=", 1)[1]
    for _ in range(2):  # looking at the link (a preview, a scanner) does not use it
        async with browser.get(link) as page:
            assert page.status == 200
            assert "Sign in" in await page.text()
    async with browser.post(
        f"{console_world.base_url}/web/signin", data={"t": token}, allow_redirects=False
    ) as done:
        assert done.status == 303 and done.headers["Location"] == "/web"
        cookie = done.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Path=/web" in cookie and "Secure" not in cookie  # loopback: no TLS to insist on
    assert token not in cookie
    async with browser.get(f"{console_world.base_url}/web") as home:
        assert home.status == 200
        body = await home.text()
        headers = home.headers
    assert "<h1>Events</h1>" in body and 'dir="ltr"' in body and "<script" not in body
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store" and headers["X-Content-Type-Options"] == "nosniff"

    again = console_world.client()
    async with again.post(
        f"{console_world.base_url}/web/signin", data={"t": token}, allow_redirects=False
    ) as used:
        assert used.status == 404 and COOKIE not in used.headers.get("Set-Cookie", "")
    async with again.get(link) as looked:
        assert looked.status == 404
    async with again.get(f"{console_world.base_url}/web") as outside:
        assert outside.status == 401 and "Send /web" in await outside.text()

    async with console_world.services.db.session() as session:
        stored = list(await session.scalars(select(WebSignInLink)))
        opened = list(await session.scalars(select(WebSession)))
        actions = [e.action for e in await session.scalars(select(AuditEntry))]
    assert len(stored) == 1 and stored[0].used_at is not None and stored[0].token_hash != token.encode()
    assert len(opened) == 1 and opened[0].staff_member_id == member_id
    assert "web.sign_in" in actions


async def test_an_expired_link_is_refused(console_world: ConsoleWorld) -> None:
    member, _ = await console_world.staff()
    console_world.console.settings = WebSettings(link_lifetime=timedelta(0))
    link = await console_world.link(member)
    browser = console_world.client()
    async with browser.get(link) as page:
        assert page.status == 404 and "This link does not work" in await page.text()
    token = link.split("t=", 1)[1]
    async with browser.post(
        f"{console_world.base_url}/web/signin", data={"t": token}, allow_redirects=False
    ) as post:
        assert post.status == 404


async def test_a_link_posted_from_another_site_is_refused(console_world: ConsoleWorld) -> None:
    member, _ = await console_world.staff()
    token = (await console_world.link(member)).split("t=", 1)[1]
    browser = console_world.client()
    async with browser.post(
        f"{console_world.base_url}/web/signin",
        data={"t": token},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        allow_redirects=False,
    ) as post:
        assert post.status == 404


async def test_a_large_sign_in_body_is_refused_unread(console_world: ConsoleWorld) -> None:
    member, _ = await console_world.staff()
    token = (await console_world.link(member)).split("t=", 1)[1]
    browser = console_world.client()
    async with browser.post(
        f"{console_world.base_url}/web/signin", data={"t": token, "pad": "x" * 10_000}, allow_redirects=False
    ) as post:
        assert post.status == 404
    async with browser.post(
        f"{console_world.base_url}/web/signin", data={"t": token}, allow_redirects=False
    ) as ok:
        assert ok.status == 303  # the link was not used by the refused post


async def test_someone_not_staff_gets_no_link(console_world: ConsoleWorld) -> None:
    stranger = console_world.person("Stranger")
    await stranger.send("/web")
    reply = await stranger.next_reply()
    assert "/web/signin" not in reply.content and "I did not understand" in reply.content


async def test_forms_without_the_csrf_token_are_refused(console_world: ConsoleWorld) -> None:
    event, _people = await console_world.event_with_registrations(1)
    member, _ = await console_world.staff()
    browser = await console_world.signed_in(member)
    async with console_world.services.db.session() as session:
        registration = await session.scalar(select(Registration))
    assert registration is not None
    url = f"{console_world.base_url}/web/events/{event.id}/registrations"
    decision = {"registration": str(registration.id), "decision": "accepted"}
    async with browser.post(url, data=decision) as missing:
        assert missing.status == 403 and "This form has expired" in await missing.text()
    async with browser.post(url, data={**decision, "csrf": "forged"}) as forged:
        assert forged.status == 403
    # The right token from another site's page: refused on the Origin.
    async with browser.get(url) as page:
        html = await page.text()
    csrf = html.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    async with browser.post(
        url, data={**decision, "csrf": csrf}, headers={"Origin": "https://evil.example"}
    ) as foreign:
        assert foreign.status == 403
    async with browser.post(f"{console_world.base_url}/web/signout", data={}) as signout:
        assert signout.status == 403
    async with console_world.services.db.session() as session:
        unchanged = await session.get(Registration, registration.id)
    assert unchanged is not None and unchanged.status == RegistrationStatus.PENDING
    async with browser.post(url, data={**decision, "csrf": csrf}) as accepted:
        assert accepted.status == 200 and "1 registration saved" in await accepted.text()


async def test_a_task_team_member_cannot_open_liaison_pages(console_world: ConsoleWorld) -> None:
    event, _people = await console_world.event_with_registrations(1)
    member, _ = await console_world.staff(StaffRole.TASK_TEAM)
    browser = await console_world.signed_in(member)
    async with browser.get(f"{console_world.base_url}/web") as home:
        assert home.status == 200
        body = await home.text()
    assert "Nairobi consultation" in body and f"/web/events/{event.id}/registrations" not in body
    assert "/web/audit" not in body
    for path in (f"/web/events/{event.id}/registrations", "/web/audit"):
        async with browser.get(console_world.base_url + path) as page:
            assert page.status == 403 and "Not for your role" in await page.text()


async def test_a_removed_staff_member_loses_access_on_the_next_click(console_world: ConsoleWorld) -> None:
    member, _ = await console_world.staff(StaffRole.ADMINISTRATOR)
    browser = await console_world.signed_in(member)
    async with browser.get(f"{console_world.base_url}/web/audit") as page:
        assert page.status == 200
    unused_link = await console_world.link(member)
    await console_world.remove_staff(member)
    async with browser.get(f"{console_world.base_url}/web/audit") as page:
        assert page.status == 401
    token = unused_link.split("t=", 1)[1]
    async with console_world.client().post(
        f"{console_world.base_url}/web/signin", data={"t": token}, allow_redirects=False
    ) as post:
        assert post.status == 404


async def test_an_idle_session_ends(console_world: ConsoleWorld) -> None:
    member, _ = await console_world.staff()
    browser = await console_world.signed_in(member)
    async with browser.get(f"{console_world.base_url}/web") as page:
        assert page.status == 200
    console_world.console.settings = WebSettings(idle_timeout=timedelta(0))
    async with browser.get(f"{console_world.base_url}/web") as page:
        assert page.status == 401
    console_world.console.settings = WebSettings()
    async with browser.get(f"{console_world.base_url}/web") as page:
        assert page.status == 401  # ended for good, not only while the timeout was short


async def test_web_off_signs_out_every_browser(console_world: ConsoleWorld) -> None:
    member, _ = await console_world.staff()
    laptop = await console_world.signed_in(member)
    tablet = await console_world.signed_in(member)
    unused = await console_world.link(member)
    await member.send("/web off")
    await expect(member, "signed out of the staff console in every browser")
    for browser in (laptop, tablet):
        async with browser.get(f"{console_world.base_url}/web") as page:
            assert page.status == 401
    async with console_world.client().get(unused) as page:
        assert page.status == 404


async def test_sign_out_ends_this_browser_only(console_world: ConsoleWorld) -> None:
    member, _ = await console_world.staff()
    laptop = await console_world.signed_in(member)
    tablet = await console_world.signed_in(member)
    async with laptop.get(f"{console_world.base_url}/web") as page:
        csrf = (await page.text()).split('name="csrf" value="', 1)[1].split('"', 1)[0]
    async with laptop.post(f"{console_world.base_url}/web/signout", data={"csrf": csrf}) as out:
        assert out.status == 200 and "You are signed out" in await out.text()
    async with laptop.get(f"{console_world.base_url}/web") as page:
        assert page.status == 401
    async with tablet.get(f"{console_world.base_url}/web") as page:
        assert page.status == 200
