"""The staff console in the browser: desk work over the same application services as the chat.

`install(app, services)` (called by `bot.app.build_application`) adds the console's pages
to the bot's own HTTP endpoint (`scheduler/http.py`). Sign-in is by a single-use link the
chat's `/web` sends (see `bot.web.chat`); each page is a module of `bot.web.pages`.
"""

from __future__ import annotations

from aiohttp import web
from telegram.ext import Application

from bot.services import Services
from bot.web.console import HERE, WEB_KEY, WebConsole
from bot.web.pages import (
    audit,
    broadcasts,
    event_forms,
    event_import,
    events,
    exports,
    inbox,
    outreach,
    proposals,
    registrations,
    selection,
    signin,
    statistics,
    submissions,
)
from bot.web.settings import WebSettings
from scheduler.delivery import delivery


def install(app: Application, services: Services, settings: WebSettings | None = None) -> WebConsole:  # type: ignore[type-arg]
    console = WebConsole(services, settings or WebSettings(), delivery(app))
    app.bot_data[WEB_KEY] = console

    def add_routes(http: web.Application) -> None:
        http.router.add_routes(
            [
                *signin.routes(console),
                *events.routes(console),
                *event_import.routes(console),  # before event_forms: /web/events/import is no event id
                *event_forms.routes(console),
                *registrations.routes(console),
                *exports.routes(console),
                *broadcasts.routes(console),
                *selection.routes(console),
                *outreach.routes(console),
                *statistics.routes(console),
                *inbox.routes(console),
                *proposals.routes(console),
                *submissions.routes(console),
                *audit.routes(console),
            ]
        )
        http.router.add_static("/web/static", HERE / "static", follow_symlinks=False)
        http.on_response_prepare.append(console.add_headers)

    hooks = delivery(app).hooks
    hooks.installers.append(add_routes)
    hooks.max_body = max(hooks.max_body, outreach.MAX_UPLOAD + 64 * 1024)  # a list upload and its form
    return console
