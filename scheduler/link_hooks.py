"""What other features add to the HTTP endpoint (`scheduler/http.py`): link handlers, GET routes,
route installers, and the unsubscribe link's shape.

Kept apart from the endpoint so that the delivery engine can hold them without loading aiohttp:
`liaison worker` serves no HTTP and need not carry the web server's 10 MB (issue 16).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

UNSUBSCRIBE_PURPOSE = "unsubscribe"

# A link handler gets the token from the URL and answers with a page (title, text) in the
# person's language; the email verification feature registers one under "verify".
LinkHandler = Callable[[str], Awaitable[tuple[str, str]]]


@dataclass
class LinkHooks:
    """Handlers of `/link/<name>?t=<token>` registered by other features."""

    handlers: dict[str, LinkHandler] = field(default_factory=dict)
    # Plain GET routes of other features, e.g. the calendar's `/calendar/{region}.ics` feed.
    get_routes: dict[str, Callable[[web.Request], Awaitable[web.StreamResponse]]] = field(
        default_factory=dict
    )
    # Features with several routes of their own (the browser console) add them to the app here.
    installers: list[Callable[[web.Application], None]] = field(default_factory=list)
    # The largest request body; the console raises it for outreach list uploads.
    max_body: int = 64 * 1024

    def register(self, name: str, handler: LinkHandler) -> None:
        self.handlers[name] = handler


def unsubscribe_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/unsubscribe?t={token}"
