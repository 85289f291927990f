"""The small HTTP endpoint beside the bot: one-click unsubscribe, email links, /healthz, /metrics.

It listens on loopback by default (`LIAISON_HTTP_HOST`/`_PORT`); put a TLS proxy in front
and set `LIAISON_PUBLIC_BASE_URL` to its address so links in emails reach it.

Unsubscribe follows RFC 8058: the link carries a signed token naming our address row (never
the address); GET shows a page with a button (mail scanners open links, so GET changes
nothing), POST unsubscribes. Mail clients POST `List-Unsubscribe=One-Click` to the same URL.
"""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import select, text

from bot.i18n import Translation, Translator
from scheduler import links
from scheduler.link_hooks import UNSUBSCRIBE_PURPOSE as UNSUBSCRIBE_PURPOSE
from scheduler.link_hooks import LinkHandler as LinkHandler
from scheduler.link_hooks import LinkHooks
from scheduler.link_hooks import unsubscribe_url as unsubscribe_url
from scheduler.metrics import DeliveryMetrics
from storage.db import Database
from storage.models import ChannelAddress, ConsentPurpose, Person
from storage.repositories import outbox as outbox_repository
from storage.repositories import people

LOGGER = logging.getLogger(__name__)
UNSUBSCRIBE_TEXT_VERSION = "one-click-unsubscribe"


def _page(t: Translation, title: str, body: str, *, form: str = "") -> web.Response:
    direction = "rtl" if t.is_rtl else "ltr"
    page = (
        f'<!doctype html><html lang="{t.language}" dir="{direction}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(body)}</p>{form}</body></html>"
    )
    return web.Response(text=page, content_type="text/html", charset="utf-8")


class DeliveryHttp:
    def __init__(
        self,
        *,
        db: Database,
        translator: Translator,
        metrics: DeliveryMetrics,
        clock: Callable[[], datetime],
        hooks: LinkHooks,
        recording_problem: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.db = db
        # Why the outbox workers of this process cannot record outcomes (None when they can).
        self.recording_problem = recording_problem
        self.translator = translator
        self.metrics = metrics
        self.clock = clock
        self.hooks = hooks
        self._runner: web.AppRunner | None = None
        self.address: str | None = None

    def application(self) -> web.Application:
        app = web.Application(client_max_size=self.hooks.max_body)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics_page)
        app.router.add_get("/unsubscribe", self.unsubscribe_form)
        app.router.add_post("/unsubscribe", self.unsubscribe)
        app.router.add_get("/link/{name}", self.link)
        for path, handler in self.hooks.get_routes.items():
            app.router.add_get(path, handler)
        for install in self.hooks.installers:
            install(app)
        return app

    async def start(self, host: str, port: int) -> None:
        runner = web.AppRunner(self.application(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        bound = runner.addresses[0]
        self.address = f"http://{bound[0]}:{bound[1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    # --- handlers ---

    async def healthz(self, request: web.Request) -> web.Response:
        problem = self.recording_problem()
        if problem is not None:
            # Logged once by the workers when it began; not again per request.
            return web.json_response(
                {"status": "outbox outcomes cannot be recorded", "reason": problem}, status=503
            )
        try:
            async with self.db.session() as session:
                await session.execute(text("SELECT 1"))
        except Exception as error:  # report, do not crash
            LOGGER.warning("health check: database unavailable (%s)", type(error).__name__)
            return web.json_response({"status": "database unavailable"}, status=503)
        return web.json_response({"status": "ok"})

    async def metrics_page(self, request: web.Request) -> web.Response:
        async with self.db.session() as session:
            counts = await outbox_repository.counts_by_state(session)
        self.metrics.rows.clear()
        for (channel, state), count in counts.items():
            self.metrics.rows.labels(channel, state).set(count)
        return web.Response(
            body=generate_latest(self.metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def _person_of(self, token: str) -> tuple[Person | None, ChannelAddress | None, uuid.UUID | None]:
        address_id = links.verify(self.db.keyring, UNSUBSCRIBE_PURPOSE, token)
        if address_id is None:
            return None, None, None
        async with self.db.session() as session:
            address = await session.get(ChannelAddress, address_id)
            person = None if address is None else await session.get(Person, address.person_id)
        return person, address, address_id

    def _translation(self, person: Person | None, request: web.Request) -> Translation:
        if person is not None and person.language:
            return self.translator.get(person.language)
        accepted = request.headers.get("Accept-Language", "")
        return self.translator.negotiate(None, accepted.split(",")[0].strip() or None)

    async def unsubscribe_form(self, request: web.Request) -> web.Response:
        token = request.query.get("t", "")
        person, _address, _id = await self._person_of(token)
        t = self._translation(person, request)
        if person is None:
            return _invalid(t)
        form = (
            f'<form method="post" action="?t={html.escape(token)}">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            f'<button type="submit">{html.escape(t._("Unsubscribe"))}</button></form>'
        )
        return _page(
            t,
            t._("Stop Liaison updates?"),
            t._(
                "Press the button to stop receiving updates from Liaison. You can subscribe again in the bot."
            ),
            form=form,
        )

    async def unsubscribe(self, request: web.Request) -> web.Response:
        token = request.query.get("t", "")
        address_id = links.verify(self.db.keyring, UNSUBSCRIBE_PURPOSE, token)
        found: Person | None = None
        if address_id is not None:
            async with self.db.session() as session:
                found = await unsubscribe_address(session, address_id, now=self.clock())
        if found is None:
            return _invalid(self._translation(None, request))
        t = self.translator.get(found.language)
        return _page(
            t,
            t._("You are unsubscribed"),
            t._("You will no longer receive updates from Liaison. You can subscribe again in the bot."),
        )

    async def link(self, request: web.Request) -> web.Response:
        handler = self.hooks.handlers.get(request.match_info["name"])
        if handler is None:
            raise web.HTTPNotFound()
        title, body = await handler(request.query.get("t", ""))
        return _page(self.translator.get(None), title, body)


def _invalid(t: Translation) -> web.Response:
    response = _page(t, t._("This link does not work"), t._("The link is incomplete or no longer valid."))
    response.set_status(404)
    return response


async def unsubscribe_address(session: object, address_id: uuid.UUID, *, now: datetime) -> Person | None:
    """Withdraw the person's consent to updates and cancel the broadcasts still queued for them."""
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(session, AsyncSession)
    address = await session.get(ChannelAddress, address_id)
    if address is None:
        return None
    person = await session.get(Person, address.person_id)
    if person is None:
        return None
    consent = (await people.consents_in_force(session, person.id)).get(ConsentPurpose.UPDATES.value)
    if consent is None or consent.granted:
        await people.record_consent(
            session,
            person,
            ConsentPurpose.UPDATES.value,
            granted=False,
            text_version=UNSUBSCRIBE_TEXT_VERSION,
            now=now,
        )
    await outbox_repository.cancel_for_addresses(
        session,
        list(await session.scalars(select(ChannelAddress.id).where(ChannelAddress.person_id == person.id))),
        now=now,
        broadcasts_only=True,
    )
    return person
