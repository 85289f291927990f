"""`liaison broadcast …` (send, status, cancel) and `liaison worker` (outbox workers only)."""

from __future__ import annotations

import asyncio
import signal
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.settings import LANGUAGES, Settings
from scheduler.channels import CHOICES

if TYPE_CHECKING:
    from rich.console import Console

    from scheduler.delivery import DeliveryEngine

broadcast_app = typer.Typer(no_args_is_help=True, help="Staff broadcasts: send, status, cancel.")
CHANNELS = CHOICES


def _settings() -> Settings:
    from bot.cli.main import _settings as load

    return load()


def _versions(texts: list[str], files: list[str]) -> dict[str, str]:
    from scheduler.broadcasts import check_version

    versions: dict[str, str] = {}
    for item in texts + files:
        language, separator, value = item.partition("=")
        if not separator or language not in LANGUAGES:
            raise typer.BadParameter(f"use LANG=TEXT or LANG=PATH with LANG one of {', '.join(LANGUAGES)}")
        if item in files:
            value = Path(value).read_text(encoding="utf-8")
        problem = check_version(value)
        if problem is not None:
            raise typer.BadParameter(f"the {language} version is {problem.replace('_', ' ')}")
        versions[language] = value.strip()
    if not versions:
        raise typer.BadParameter("give at least one version with --text LANG=TEXT or --file LANG=PATH")
    return versions


@broadcast_app.command("send")
def send(
    text: Annotated[
        list[str], typer.Option("--text", help="A version: LANG=TEXT (repeat per language).")
    ] = [],  # noqa: B006
    file: Annotated[list[str], typer.Option("--file", help="A version from a file: LANG=PATH.")] = [],  # noqa: B006
    region: Annotated[list[str], typer.Option(help="Only people in or following this region (repeat).")] = [],  # noqa: B006
    kind: Annotated[list[str], typer.Option("--type", help="Only this stakeholder type (repeat).")] = [],  # noqa: B006
    event: Annotated[str | None, typer.Option(help="The registrants of this event code instead.")] = None,
    channel: Annotated[str, typer.Option(help="telegram, email or both.")] = "both",
    retry_unknown: Annotated[bool, typer.Option(help="Resend messages whose delivery is unsure.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    work: Annotated[
        bool, typer.Option(help="Also run outbox workers in this process until it is sent.")
    ] = False,
    follow: Annotated[bool, typer.Option(help="Show a progress bar until it is sent.")] = True,
) -> None:
    """Preview a broadcast, confirm, queue it, and follow its progress."""
    # rich here, not at the top: every command, `liaison run` too, imports this module.
    from rich.console import Console
    from rich.table import Table

    from bot.application import broadcasts as broadcast_service
    from bot.bootstrap import open_services
    from scheduler import broadcasts

    settings = _settings()
    if channel not in CHANNELS:
        raise typer.BadParameter("channel is telegram, email or both")
    versions = _versions(text, file)
    audience = broadcasts.Audience(tuple(region), tuple(kind), CHANNELS[channel], event)
    console = Console()

    async def run() -> None:
        services = await open_services(settings)
        try:
            async with services.db.session() as session:
                recipients = await broadcasts.select_recipients(session, audience)
            result = broadcasts.preview(recipients, versions, settings.default_language)
            table = Table(title=f"Recipients: {result.total}")
            for column in ("Language", "Channel", "Recipients"):
                table.add_column(column)
            for (language, via), count in sorted(result.counts.items()):
                table.add_row(language, via, str(count))
            console.print(table)
            if result.fallback:
                console.print(f"{result.fallback} get another language: no version in theirs.")
            if result.total == 0:
                console.print("Nobody matches this audience; nothing queued.")
                return
            if not yes and not typer.confirm("Send it?"):
                console.print("Nothing sent.")
                return
            async with services.db.session() as session:
                broadcast = await broadcast_service.send(
                    session,
                    audience=audience,
                    versions=versions,
                    recipients=recipients,
                    default_language=settings.default_language,
                    now=services.clock(),
                    actor="cli",
                    retry_unknown=retry_unknown,
                )
            console.print(f"Broadcast {broadcast.id} queued.")
            if not follow:
                return
            workers = await _start_workers(services) if work else None
            try:
                await _follow(services, broadcast.id, console)
            finally:
                if workers is not None:
                    await workers.stop()
        finally:
            await services.db.dispose()

    asyncio.run(run())


async def _start_workers(services: object) -> DeliveryEngine:
    from bot.services import Services
    from scheduler.delivery import DeliveryEngine, telegram_bot
    from scheduler.delivery_settings import DeliverySettings

    assert isinstance(services, Services)
    settings = services.settings
    delivery = DeliverySettings()
    engine = DeliveryEngine(settings, delivery, services.db, services.clock, services.translator)
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    if not token:
        raise typer.BadParameter("workers need TELEGRAM_BOT_TOKEN (or run them in the bot process)")
    await engine.start(
        telegram_bot(token, settings.bot_api_url + token, delivery), own_bot=True, serve_http=False
    )
    return engine


async def _follow(services: object, broadcast_id: uuid.UUID, console: Console) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from bot.services import Services
    from scheduler import broadcasts

    assert isinstance(services, Services)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("failed {task.fields[failed]}  unsure {task.fields[unknown]}  {task.fields[rate]}/s"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("sending", total=None, failed=0, unknown=0, rate="0.0")
        loop = asyncio.get_running_loop()
        last = (loop.time(), 0)
        while True:
            async with services.db.session() as session:
                found = await broadcasts.find(session, broadcast_id)
                assert found is not None
                progress = await broadcasts.finish_if_done(session, found, now=services.clock())
                state = found.state
            now = loop.time()
            rate = (progress.sent - last[1]) / max(now - last[0], 1e-6)
            last = (now, progress.sent)
            bar.update(
                task,
                total=progress.total,
                completed=progress.total - progress.remaining,
                failed=progress.failed,
                unknown=progress.unknown,
                rate=f"{rate:.1f}",
            )
            if progress.done or state != "sending":
                break
            await asyncio.sleep(0.5)
    _print_progress(console, progress, state)


def _print_progress(console: Console, progress: object, state: str) -> None:
    from storage.repositories.outbox import BroadcastProgress

    assert isinstance(progress, BroadcastProgress)
    console.print(
        f"{state}: {progress.sent} sent, {progress.failed} failed, {progress.unknown} unsure, "
        f"{progress.cancelled} cancelled, {progress.remaining} left, of {progress.total}"
    )


@broadcast_app.command("status")
def status(broadcast_id: uuid.UUID) -> None:
    """Counts of a broadcast: sent, failed, unsure, cancelled, left."""
    from rich.console import Console

    from bot.bootstrap import open_services
    from scheduler import broadcasts

    settings = _settings()

    async def run() -> None:
        services = await open_services(settings)
        try:
            async with services.db.session() as session:
                found = await broadcasts.find(session, broadcast_id)
                if found is None:
                    raise typer.BadParameter("no broadcast with this id")
                progress = await broadcasts.finish_if_done(session, found, now=services.clock())
                state = found.state
        finally:
            await services.db.dispose()
        _print_progress(Console(), progress, state)

    asyncio.run(run())


@broadcast_app.command("cancel")
def cancel(broadcast_id: uuid.UUID) -> None:
    """Cancel what is not yet sent of a broadcast."""
    from bot.application import broadcasts as broadcast_service
    from bot.bootstrap import open_services
    from scheduler import broadcasts

    settings = _settings()

    async def run() -> int:
        services = await open_services(settings)
        try:
            async with services.db.session() as session:
                if await broadcasts.find(session, broadcast_id) is None:
                    raise typer.BadParameter("no broadcast with this id")
                return await broadcast_service.cancel(
                    session, broadcast_id, now=services.clock(), actor="cli"
                )
        finally:
            await services.db.dispose()

    typer.echo(f"{asyncio.run(run())} messages cancelled")


def worker() -> None:
    """Run outbox workers only (extra processes beside the bot, on a shared PostgreSQL database)."""
    from bot.bootstrap import open_services
    from scheduler.delivery import DeliveryEngine, telegram_bot
    from scheduler.delivery_settings import DeliverySettings

    settings = _settings()
    if settings.bot_token is None:
        raise typer.BadParameter("liaison worker needs TELEGRAM_BOT_TOKEN")
    token = settings.bot_token.get_secret_value()

    async def run() -> None:
        services = await open_services(settings)
        delivery = DeliverySettings()
        engine = DeliveryEngine(settings, delivery, services.db, services.clock, services.translator)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await engine.start(
            telegram_bot(token, settings.bot_api_url + token, delivery), own_bot=True, serve_http=False
        )
        typer.echo("outbox workers running; Ctrl-C stops them")
        try:
            await stop.wait()
        finally:
            await engine.stop()
            await services.db.dispose()

    asyncio.run(run())
