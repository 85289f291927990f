"""The browser console's core: who is signed in, the CSRF check, the role check, pages and headers.

Every page is wrapped by `WebConsole.page(roles, handler)`: the session cookie is looked
up in the database, with the staff member's role read afresh on every request (a removed
member is refused on their next click); a POST must carry the session's CSRF token and
come from this site. Pages are rendered with Jinja2 (autoescaping on) in the staff
member's language, right to left for Arabic, with a strict Content-Security-Policy. Every page
works without script; the broadcast progress page alone loads the vendored htmx to refresh
itself (progressive enhancement).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.domain.staff_roles import ADMINISTRATORS, ALL_STAFF, CASE_READERS, TASK_TEAM
from bot.i18n import N_, Translation
from bot.services import Services
from bot.web.settings import WebSettings, on_loopback
from bot.web.tokens import csrf_token, same, token_hash
from scheduler.delivery import DeliveryEngine

if TYPE_CHECKING:
    import jinja2
from storage.models import StaffRole
from storage.repositories import web_sessions
from storage.repositories.audit import staff_actor

LOGGER = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
COOKIE = "liaison_console"
WEB_KEY = "web_console"

SECURITY_HEADERS = {
    # Scripts, styles and images from this site only (no inline script, no eval), no frames,
    # no third-party anything; htmx (vendored) asks only this site for a page's fresh part.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "X-Robots-Tag": "noindex, nofollow",
}


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str  # N_() text
    roles: frozenset[StaffRole]


NAV = (
    NavItem("/web", N_("Events"), ALL_STAFF),
    NavItem("/web/broadcasts", N_("Broadcasts"), CASE_READERS),
    NavItem("/web/contacts", N_("Outreach lists"), CASE_READERS),
    NavItem("/web/stats", N_("Statistics"), CASE_READERS),
    NavItem("/web/inbox", N_("Inbox"), CASE_READERS),
    NavItem("/web/proposals", N_("Proposals"), CASE_READERS),
    NavItem("/web/submissions", N_("Submissions"), TASK_TEAM),
    NavItem("/web/audit", N_("Audit log"), ADMINISTRATORS),
)


@dataclass(frozen=True)
class Visit:
    """The signed-in staff member behind this request, as found in the database just now."""

    staff_member_id: uuid.UUID
    role: StaffRole
    session_id: uuid.UUID
    t: Translation
    time_zone: str | None
    csrf: str

    @property
    def actor(self) -> str:
        return staff_actor(self.staff_member_id)


Page = Callable[[web.Request, Visit], Awaitable[web.StreamResponse]]


def parse_id(text: str) -> uuid.UUID | None:
    """The id in a URL or a form field, or None when it is not one."""
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def templates() -> jinja2.Environment:
    import jinja2  # loaded by the first page served (WebConsole.env), not with the bot

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass
class WebConsole:
    services: Services
    settings: WebSettings
    engine: DeliveryEngine  # the outbox workers: a cancelled broadcast is skipped in flight too
    _env: jinja2.Environment | None = field(default=None, init=False, repr=False)

    @property
    def env(self) -> jinja2.Environment:
        """The page templates, made by the first page served: an idle bot need not hold jinja2
        (about 2 MB, issue 16)."""
        if self._env is None:
            self._env = templates()
        return self._env

    @property
    def secure_cookie(self) -> bool:
        return not on_loopback(self.services.settings.public_base_url)

    def sign_in_url(self, token: str) -> str:
        return f"{self.services.settings.public_base_url.rstrip('/')}/web/signin?t={token}"

    # --- rendering ---

    def render(
        self,
        t: Translation,
        template: str,
        *,
        title: str,
        visit: Visit | None = None,
        status: int = 200,
        current: str = "",
        **values: Any,
    ) -> web.Response:
        nav = [
            {"href": item.href, "label": t._(item.label), "current": item.href == current}
            for item in NAV
            if visit is not None and visit.role in item.roles
        ]
        page = self.env.get_template(template).render(
            _=t._, ngettext=t.ngettext, t=t, title=title, visit=visit, nav=nav, **values
        )
        return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")

    def message(
        self, t: Translation, title: str, body: str, *, status: int, visit: Visit | None = None
    ) -> web.Response:
        return self.render(t, "message.html", title=title, body=body, status=status, visit=visit)

    def signed_out(self, request: web.Request) -> web.Response:
        t = self.language_of(request)
        return self.message(
            t,
            t._("You are not signed in"),
            t._("Send /web to the bot in a private chat to get a sign-in link."),
            status=401,
        )

    def language_of(self, request: web.Request) -> Translation:
        accepted = request.headers.get("Accept-Language", "")
        return self.services.translator.negotiate(None, accepted.split(",")[0].strip() or None)

    # --- the checks ---

    def same_site(self, request: web.Request) -> bool:
        """A form post from this site: not cross-site by the browser's own word, and no foreign Origin.

        With `Referrer-Policy: no-referrer` browsers send `Origin: null` even from our own pages,
        so "null" is left to `Sec-Fetch-Site` and the CSRF token.
        """
        if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return False
        origin = request.headers.get("Origin", "null")
        return origin == "null" or urlsplit(origin).netloc == request.host

    def page(
        self, roles: frozenset[StaffRole], handler: Page
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def run(request: web.Request) -> web.StreamResponse:
            token = request.cookies.get(COOKIE, "")
            if not token:
                return self.signed_out(request)
            svc = self.services
            async with svc.db.session() as session:
                found = await web_sessions.live_session(
                    session,
                    token_hash(token),
                    now=svc.clock(),
                    idle=self.settings.idle_timeout,
                    lifetime=self.settings.session_lifetime,
                )
            if found is None:
                return self.signed_out(request)
            opened, member = found
            t = svc.translator.get(opened.language)
            visit = Visit(
                member.id,
                StaffRole(member.role),
                opened.id,
                t,
                opened.time_zone,
                csrf_token(svc.keyring, token),
            )
            # The role first: a body is read (and an upload taken) only from someone allowed here.
            if visit.role not in roles:
                LOGGER.info("staff member %s lacks the role for a console page", member.id)
                return self.message(
                    t,
                    t._("Not for your role"),
                    t._("Your role does not give access to this page."),
                    status=403,
                    visit=visit,
                )
            if request.method == "POST" and (
                not self.same_site(request)
                or not same(str((await request.post()).get("csrf", "")), visit.csrf)
            ):
                LOGGER.info("web console: a form without a valid CSRF token was refused")
                return self.message(
                    t,
                    t._("This form has expired"),
                    t._("Open the page again and repeat what you did."),
                    status=403,
                    visit=visit,
                )
            return await handler(request, visit)

        return run

    # --- headers on every console response ---

    async def add_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        if not request.path.startswith("/web"):
            return
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.path.startswith("/web/static/"):
            # Pages hold personal data: never kept by the browser or a proxy.
            response.headers["Cache-Control"] = "no-store"
