"""The local sandbox behind `liaison run` without a token, put together: the fake Bot API, email
captured on loopback, a clock `/clock` can move, the people of the terminal, and the demo offer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TextIO

from bot.bootstrap import open_services
from bot.sandbox.clock import ShiftedClock
from bot.sandbox.demo import DEMO_STAFF, DemoAlreadyLoadedError, load_demo
from bot.sandbox.mail_capture import MailCapture, summary
from bot.sandbox.roster import Roster
from bot.sandbox.server import SandboxServer
from bot.sandbox.terminal import TerminalOptions, read_lines, run_terminal_chat, say
from bot.sandbox.time_travel import move_clock
from bot.services import Services
from bot.settings import Settings, SmtpSecurity

STAFF_GROUP = "Liaison staff"
DEMO_QUESTION = (
    "Load demo data: events in every region, a staff member of each role, a DEMO-ONLY staff passphrase "
    "and recovery key? [y/n] (LIAISON_DEMO=yes or no answers this without asking)"
)


@dataclass
class Sandbox:
    """Everything running for the local demo, and the settings as the bot must see them."""

    settings: Settings
    services: Services
    server: SandboxServer
    clock: ShiftedClock
    capture: MailCapture | None


@asynccontextmanager
async def open_sandbox(settings: Settings, out: TextIO) -> AsyncIterator[Sandbox]:
    """Start the fake Bot API and, when no SMTP server is configured, the mail capture; point the
    settings at them (and the staff chat at a sandbox group) and open the services on a movable clock."""
    clock = ShiftedClock()
    server = SandboxServer(clock=clock)
    await server.start()
    capture: MailCapture | None = None
    changes: dict[str, Any] = {}
    try:
        if not settings.smtp_host:
            capture = MailCapture(settings.data_dir / "sandbox-mail", lambda mail: say(out, summary(mail)))
            await capture.start()
            changes.update(smtp_host=capture.host, smtp_port=capture.port, smtp_security=SmtpSecurity.NONE)
        if settings.staff_chat_id is None:
            changes["staff_chat_id"] = server.add_group(STAFF_GROUP).id
        settings = settings.model_copy(update=changes)
        services = await open_services(settings, clock=clock)
        try:
            yield Sandbox(settings, services, server, clock, capture)
        finally:
            await services.db.dispose()
    finally:
        if capture is not None:
            await capture.stop()
        await server.stop()


async def chat_in_terminal(sandbox: Sandbox, stdin: TextIO, out: TextIO) -> None:
    """Bring back the terminal's people, offer the demo on a first start, then chat until /quit."""
    from bot.app import all_clocks

    settings = sandbox.settings
    lines = read_lines(stdin)
    roster = Roster.load(settings.data_dir)
    for entry in roster.people:
        sandbox.server.add_user(entry.name, language_code=entry.language, user_id=entry.user_id)
    if not roster.people:
        you = sandbox.server.add_user("You", language_code=None)
        roster.remember(you.first_name, you.id, None)
    if roster.demo is None and not await _offer_demo(sandbox, roster, lines, out):
        return
    if sandbox.capture is not None:
        say(
            out,
            f"Email goes to a local capture: messages are shown here and saved in {settings.data_dir / 'sandbox-mail'}.",
        )

    async def move(delta: timedelta) -> datetime:
        return await move_clock(sandbox.clock, delta, sandbox.services, all_clocks())

    first = sandbox.server.world.users[roster.people[0].user_id]
    options = TerminalOptions(roster=roster, files_dir=settings.data_dir / "sandbox-files", move_clock=move)
    await run_terminal_chat(sandbox.server, first, lines=lines, stdout=out, options=options)


async def _offer_demo(
    sandbox: Sandbox, roster: Roster, lines: asyncio.Queue[str | None], out: TextIO
) -> bool:
    """Ask once per data directory (or take LIAISON_DEMO); False when input ended before an answer."""
    answer = sandbox.settings.demo.value if sandbox.settings.demo is not None else None
    while answer is None:
        say(out, DEMO_QUESTION)
        line = await lines.get()
        if line is None:
            return False
        reply = line.strip().lower()
        answer = "yes" if reply in {"y", "yes"} else "no" if reply in {"n", "no"} else None
    if answer == "no":
        roster.demo = "declined"
        roster.save()
        say(out, "No demo data. Events and staff come from the `liaison` commands (see README.md).")
        return True
    staff_ids: dict[str, int] = {}
    for name, _role, _reads in DEMO_STAFF:
        entry = roster.find(name) or roster.add(name, "en")
        if entry.user_id not in sandbox.server.world.users:
            sandbox.server.add_user(entry.name, language_code=entry.language, user_id=entry.user_id)
        staff_ids[name] = entry.user_id
    say(out, "Loading the demo data (making the staff report keys takes a few seconds)...")
    try:
        credentials = await load_demo(sandbox.services, staff_ids)
    except DemoAlreadyLoadedError:
        roster.demo = "loaded"
        roster.save()
        say(out, "The demo data is in this database already (its staff may have other ids now; see /whoami).")
        return True
    roster.demo = "loaded"
    roster.save()
    for line in (
        "Demo data loaded. DEMO-ONLY: anyone reading this terminal has these; never use them for real data.",
        f"  staff passphrase (Admin and Liaison): {credentials.passphrase}",
        f"  recovery key: {credentials.recovery_key}",
        f"  events: {', '.join(credentials.event_codes)} (/events lists them; /start ev_DEMOAFR opens one)",
        "  staff: /as Admin (administrator), /as Liaison (liaison), /as TaskTeam (task team);",
        "  as staff: /unlock with the passphrase, then /cases and /staff.",
    ):
        say(out, line)
    return True
