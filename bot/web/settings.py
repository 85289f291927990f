"""How long sign-in links and browser sessions last; built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class WebSettings:
    link_lifetime: timedelta = timedelta(minutes=5)
    idle_timeout: timedelta = timedelta(minutes=30)
    session_lifetime: timedelta = timedelta(hours=12)


def on_loopback(public_base_url: str) -> bool:
    """Whether the console is reached on this machine only (then a cookie may travel without TLS)."""
    return (urlsplit(public_base_url).hostname or "") in LOOPBACK_HOSTS
