"""Signing in with the chat's one-use link, and signing out.

GET shows a button and changes nothing (Telegram and mail scanners open links to preview
them); POST uses the link once and sets the session cookie.
"""

from __future__ import annotations

from aiohttp import web

from bot.domain.staff_roles import ALL_STAFF
from bot.i18n import Translation
from bot.web import sessions
from bot.web.console import COOKIE, Visit, WebConsole
from storage.repositories import web_sessions

MAX_SIGN_IN_BODY = 4096


def _invalid(console: WebConsole, t: Translation) -> web.Response:
    return console.message(
        t,
        t._("This link does not work"),
        t._("The link is used or expired. Send /web to the bot again for a new one."),
        status=404,
    )


def _token(raw: str) -> str:
    """The token's own characters only. In a right-to-left message the link is wrapped in
    invisible direction marks, which a copy or a client's link detection may carry along."""
    return "".join(char for char in raw if char.isascii() and (char.isalnum() or char in "-_"))


def routes(console: WebConsole) -> list[web.RouteDef]:
    async def form(request: web.Request) -> web.StreamResponse:
        t = console.language_of(request)
        token = _token(request.query.get("t", ""))
        async with console.services.db.session() as session:
            usable = await sessions.link_usable(session, token, now=console.services.clock())
        if not usable:
            return _invalid(console, t)
        return console.render(t, "signin.html", title=t._("Sign in to the staff console"), token=token)

    async def sign_in(request: web.Request) -> web.StreamResponse:
        t = console.language_of(request)
        # Anyone may post here: a sign-in form is small, so a large body is refused unread.
        length = request.content_length  # None for a chunked body: refused too, it could be any size
        if not console.same_site(request) or length is None or length > MAX_SIGN_IN_BODY:
            return _invalid(console, t)
        token = _token(str((await request.post()).get("t", "")))
        async with console.services.db.session() as session:
            signed = await sessions.sign_in(session, token, now=console.services.clock())
        if signed is None:
            return _invalid(console, t)
        response = web.Response(status=303, headers={"Location": "/web"})
        response.set_cookie(
            COOKIE,
            signed.session_token,
            path="/web",
            httponly=True,
            samesite="Strict",
            secure=console.secure_cookie,
        )
        return response

    async def sign_out(request: web.Request, visit: Visit) -> web.StreamResponse:
        async with console.services.db.session() as session:
            await web_sessions.end(session, visit.session_id, now=console.services.clock())
        t = visit.t
        response = console.message(
            t, t._("You are signed out"), t._("Send /web to the bot to sign in again."), status=200
        )
        response.del_cookie(COOKIE, path="/web")
        return response

    return [
        web.get("/web/signin", form),
        web.post("/web/signin", sign_in),
        web.post("/web/signout", console.page(ALL_STAFF, sign_out)),
    ]
