"""Outbox workers: claim due rows with a lease, send them, record each outcome after the channel answered.

One lane per channel. A lane keeps up to `sender.concurrency` sends in flight; when half of
them have finished it claims more (one statement, `FOR UPDATE SKIP LOCKED` on PostgreSQL).
Each row's outcome is written only after its send returned, by a recorder that commits
whatever outcomes have arrived in one transaction (group commit), so a crash loses at most
the outcomes of sends in flight, and those rows are sent again when their lease expires.

Fencing: each claim carries the row's claim counter as a token, and an outcome is written
only where the token still matches. A send starts only while the claim's lease has a margin
left; a row whose chat is paused (a 429) past that point is handed back with `send_after`
at the end of the pause instead of waiting out its lease. When outcomes cannot be written
(`scheduler.recording_health`), lanes stop claiming and sends stop once a small bound of
outcomes waits unwritten; both resume on their own when a write succeeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from scheduler.delivery_settings import DeliverySettings
from scheduler.metrics import DeliveryMetrics
from scheduler.outbox import OutboxState, Outcome, OutcomeKind, decode_attachment, next_transition
from scheduler.recording_health import RecordingHealth
from scheduler.senders import Message, Sender
from storage.db import Database
from storage.repositories import outbox as repository
from storage.repositories.outbox import AddressInfo, ClaimedRow, RowUpdate

LOGGER = logging.getLogger(__name__)
_CACHE = 1024
V = TypeVar("V")


def worker_name() -> str:
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(frozen=True)
class TemplateText:
    language: str
    body: str
    subject: str | None
    html: str | None


@dataclass
class Job:
    row: ClaimedRow
    message: Message | None  # None: the address is gone or unreachable
    retry_unknown: bool
    deadline: float = float("inf")  # time.monotonic() after which no send may start (lease - margin)
    attempted: bool = field(default=False)


class Recorder:
    """Writes outcomes in batches: each flush commits every outcome that arrived meanwhile."""

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        health: RecordingHealth,
        metrics: DeliveryMetrics,
        *,
        timeout: float = 10.0,
    ) -> None:
        self._db = db
        self._clock = clock
        self._health = health
        self._metrics = metrics
        self._timeout = timeout
        self._pending: list[RowUpdate] = []
        self._writing: list[RowUpdate] = []
        self._arrived = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.flushes = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-recorder")

    @property
    def unrecorded(self) -> int:
        """Outcomes handed over and not yet committed."""
        return len(self._pending) + len(self._writing)

    def holding(self) -> set[uuid.UUID]:
        """The rows whose outcome waits here: sent (or tried) already, whatever their lease says."""
        return {update.id for update in self._pending} | {update.id for update in self._writing}

    def put(self, update: RowUpdate) -> None:
        self._pending.append(update)
        self._idle.clear()
        self._arrived.set()

    async def _run(self) -> None:
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            await self._flush()

    async def _flush(self) -> None:
        backoff = 0.2
        while self._pending:
            batch, self._pending = self._pending, []
            self._writing = batch
            try:
                stale = await asyncio.wait_for(self._write(batch), self._timeout)
            except Exception as error:  # keep the outcomes, stop the lanes, try again
                self._health.failed(error)
                self._pending = batch + self._pending
                self._writing = []
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            self._writing = []
            self.flushes += 1
            backoff = 0.2
            if stale:
                self._metrics.stale.inc(stale)
            if not self._pending:
                self._health.recovered()
        self._idle.set()

    async def _write(self, batch: list[RowUpdate]) -> int:
        async with self._db.session() as session:
            stale = await repository.record(session, batch, now=self._clock())
        if stale:
            LOGGER.info("%d outbox outcomes were not written: their claims had been taken over", stale)
        return stale

    async def drain(self) -> None:
        """Wait until every outcome put so far is committed."""
        if self._pending:
            self._arrived.set()
        await self._idle.wait()

    async def stop(self, timeout: float | None = None) -> None:
        """Write what is pending (waiting at most `timeout` when the database cannot take it), then end."""
        try:
            await asyncio.wait_for(self.drain(), timeout)
        except TimeoutError:
            # Those rows keep their claims and are sent again after their lease: say how many.
            LOGGER.error(
                "stopping with %d outbox outcomes unwritten (%s); those rows will be sent again",
                self.unrecorded,
                self._health.reason or "database too slow",
            )
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


class Lane:
    """The claim-and-send loop of one channel."""

    def __init__(self, workers: OutboxWorkers, sender: Sender) -> None:
        self.workers = workers
        self.sender = sender
        self.channel = sender.channel
        self.jobs: dict[asyncio.Task[None], Job] = {}
        self._slot = asyncio.Event()
        self._wake = asyncio.Event()
        self._stopping = False
        self._templates: OrderedDict[uuid.UUID, TemplateText] = OrderedDict()
        self._retry_unknown: OrderedDict[uuid.UUID, bool] = OrderedDict()
        self.claims = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        settings = self.workers.settings
        health = self.workers.health
        more_due = True
        while not self._stopping:
            if health.blind and self.workers.recorder.unrecorded:
                # Outcomes wait to be written: claim nothing until the recorder succeeds.
                await _first(self._wake, None, 1.0)
                self._wake.clear()
                continue
            free = self.sender.concurrency - len(self.jobs)
            threshold = max(1, self.sender.concurrency // 2)
            if more_due and free >= threshold:
                wanted = min(free, settings.batch_size)
                try:
                    jobs = await self._claim(wanted)
                except Exception as error:  # a database hiccup must not end the lane
                    health.failed(error)
                    jobs, more_due = [], False
                    # Blind with nothing to write: a claim every few seconds is the probe.
                    await _first(self._wake, None, max(settings.poll_seconds, 2.0))
                    self._wake.clear()
                    continue
                else:
                    if not self.workers.recorder.unrecorded:
                        health.recovered()
                    more_due = len(jobs) == wanted
                for job in jobs:
                    task = asyncio.create_task(self._attempt(job))
                    self.jobs[task] = job
                    task.add_done_callback(self._finished)
                if jobs:
                    continue
            if more_due:
                await _first(self._slot, self._wake, None)
            else:
                await _first(self._wake, None, settings.poll_seconds)
                more_due = True
            self._slot.clear()
            self._wake.clear()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.jobs.pop(task, None)
        self._slot.set()

    async def _claim(self, limit: int) -> list[Job]:
        workers = self.workers
        keyring = workers.db.keyring
        # Measured before the claim is made, so the deadline is never later than the lease.
        deadline = time.monotonic() + workers.settings.lease_seconds - workers.settings.lease_margin
        async with workers.db.session() as session:
            rows = await repository.claim(
                session,
                channel=self.channel,
                worker=workers.name,
                now=workers.clock(),
                lease=workers.settings.lease,
                limit=limit,
                holding=workers.holding(),
            )
            if not rows:
                return []
            self.claims += 1
            addresses = await repository.open_addresses(session, keyring, {row.address_id for row in rows})
            for template_id in {row.template_id for row in rows if row.template_id} - set(self._templates):
                found = await repository.template(session, template_id)
                if found is not None:
                    _remember(
                        self._templates,
                        template_id,
                        TemplateText(found.language, found.body, found.subject, found.html),
                    )
            broadcasts = {row.broadcast_id for row in rows if row.broadcast_id} - set(self._retry_unknown)
            for broadcast_id, retry in (await repository.retry_unknown_of(session, broadcasts)).items():
                _remember(self._retry_unknown, broadcast_id, retry)
        return [self._job(row, addresses.get(row.address_id), deadline) for row in rows]

    def _job(self, row: ClaimedRow, address: AddressInfo | None, deadline: float) -> Job:
        keyring = self.workers.db.keyring
        retry_unknown = self.workers.settings.retry_unknown
        if row.broadcast_id is not None:
            retry_unknown = self._retry_unknown.get(row.broadcast_id, False)
        if address is None or not address.reachable:
            return Job(row, None, retry_unknown, deadline)
        language: str | None = None
        if row.template_id is not None:
            template = self._templates.get(row.template_id)
            if template is None:
                return Job(row, None, retry_unknown, deadline)
            body, subject, html, language = template.body, template.subject, template.html, template.language
        else:
            body = repository.open_field(keyring, row.id, "body", row.body) or ""
            subject = repository.open_field(keyring, row.id, "subject", row.subject)
            html = repository.open_field(keyring, row.id, "html", row.html)
        attachment_text = repository.open_field(keyring, row.id, "attachment", row.attachment)
        message = Message(
            row_id=row.id,
            address_id=row.address_id,
            address=address.address,
            body=body,
            subject=subject,
            html=html,
            attachment=decode_attachment(attachment_text) if attachment_text else None,
            protect_content=row.protect_content,
            language=language,
            render_key=row.template_id,
        )
        return Job(row, message, retry_unknown, deadline)

    async def _outcome(self, job: Job) -> Outcome | None:
        """The outcome of one attempt; None when the lease ran out first (nothing sent, nothing written)."""
        if job.message is None:
            return Outcome(OutcomeKind.PERMANENT, "unreachable")
        try:
            busy_for = await self.sender.ready(job.message, job.deadline)
            if busy_for is not None:
                # The chat's turn comes after the lease: hand the row back for then.
                return Outcome(OutcomeKind.RATE_LIMITED, "chat_paused", busy_for)
            if job.row.broadcast_id in self.workers.cancelled:
                return Outcome(OutcomeKind.CANCELLED)
            if not await self.workers.may_send(job.deadline) or time.monotonic() >= job.deadline:
                return None
            job.attempted = True
            started = time.perf_counter()
            outcome = await self.sender.send(job.message)
            self.workers.metrics.latency.labels(self.channel).observe(time.perf_counter() - started)
            return outcome
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a sender bug must not lose the row
            LOGGER.warning("sending an outbox row failed unexpectedly (%s)", type(error).__name__)
            return Outcome(OutcomeKind.TRANSIENT, type(error).__name__[:48])

    async def _attempt(self, job: Job) -> None:
        workers = self.workers
        outcome = await self._outcome(job)
        if outcome is None:
            # Its lease ran out while it waited: another claim will send it; writing anything
            # now could undo that claim's outcome (the token fence would refuse it anyway).
            return
        transition = next_transition(
            outcome,
            attempts=job.row.attempts,
            now=workers.clock(),
            policy=workers.policy,
            retry_unknown=job.retry_unknown,
        )
        workers.count(self.channel, outcome, transition.state)
        workers.recorder.put(
            RowUpdate(
                id=job.row.id,
                address_id=job.row.address_id,
                state=transition.state,
                attempts=transition.attempts,
                send_after=transition.send_after,
                unknown=transition.unknown,
                error=transition.error,
                unreachable=transition.unreachable,
                claim=job.row.claims,
            )
        )

    def stop_claiming(self) -> None:
        """Let the claim loop end after the unit of work it is in (see `OutboxWorkers.stop`)."""
        self._stopping = True
        self._wake.set()

    async def stop(self, grace: float) -> list[uuid.UUID]:
        """Stop claiming, let sends in flight finish for `grace` seconds; the ids never attempted."""
        self.stop_claiming()
        if not self.jobs:
            return []
        pending = set(self.jobs)
        if grace > 0:
            _done, pending = await asyncio.wait(pending, timeout=grace)
        untouched = [
            self.jobs[task].row.id for task in pending if task in self.jobs and not self.jobs[task].attempted
        ]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        return untouched


def _remember(cache: OrderedDict[uuid.UUID, V], key: uuid.UUID, value: V) -> None:
    cache[key] = value
    if len(cache) > _CACHE:
        cache.popitem(last=False)


async def _first(one: asyncio.Event, other: asyncio.Event | None, timeout: float | None) -> None:
    waits = [asyncio.ensure_future(one.wait())]
    if other is not None:
        waits.append(asyncio.ensure_future(other.wait()))
    try:
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waits:
            waiter.cancel()


class OutboxWorkers:
    """Every lane of this process, the recorder they share, and their metrics."""

    def __init__(
        self,
        db: Database,
        senders: Sequence[Sender],
        settings: DeliverySettings,
        *,
        clock: Callable[[], datetime],
        metrics: DeliveryMetrics | None = None,
        name: str | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.metrics = metrics or DeliveryMetrics()
        self.name = name or worker_name()
        self.policy = settings.retry_policy
        self.health = RecordingHealth(self.metrics)
        self.recorder = Recorder(
            db, clock, self.health, self.metrics, timeout=settings.record_timeout_seconds
        )
        self.lanes = [Lane(self, sender) for sender in senders]
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self.cancelled: set[uuid.UUID] = set()  # broadcasts cancelled while their rows were in flight

    def wake(self) -> None:
        for lane in self.lanes:
            lane.wake()

    def sendable(self) -> bool:
        return not self.health.blind and self.recorder.unrecorded < self.settings.unrecorded_limit

    async def may_send(self, deadline: float) -> bool:
        """Wait until outcomes can be written again (or the deadline passes): whether a send may start."""
        while not self.sendable():
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    def count(self, channel: str, outcome: Outcome, state: OutboxState) -> None:
        reason = outcome.error or outcome.kind.value
        if outcome.kind is OutcomeKind.UNKNOWN:
            self.metrics.unknown.labels(channel).inc()
        if state is OutboxState.SENT:
            self.metrics.sent.labels(channel).inc()
        elif state is OutboxState.QUEUED:
            self.metrics.retries.labels(channel, reason).inc()
        elif state is not OutboxState.CANCELLED:
            self.metrics.failed.labels(channel, reason).inc()

    async def start(self) -> None:
        for lane in self.lanes:
            await lane.sender.start()
        self.recorder.start()
        self._tasks = [asyncio.create_task(lane.run(), name=f"outbox-{lane.channel}") for lane in self.lanes]
        self._tasks.append(asyncio.create_task(self._watch_cancellations(), name="outbox-cancellations"))

    async def _watch_cancellations(self) -> None:
        """Learn which broadcasts in flight were cancelled (by any process), so their rows are skipped."""
        while not self._stopping.is_set():
            await _first(self._stopping, None, max(self.settings.poll_seconds, 0.2))
            if self._stopping.is_set():
                return
            in_flight = {
                job.row.broadcast_id
                for lane in self.lanes
                for job in lane.jobs.values()
                if job.row.broadcast_id
            }
            if not in_flight:
                self.cancelled.clear()
                continue
            try:
                async with self.db.session() as session:
                    self.cancelled = await repository.cancelled_among(session, in_flight)
            except Exception as error:  # a database hiccup: try again at the next tick
                # The recorder and the claims report an outage once; this is per tick.
                LOGGER.debug("checking for cancelled broadcasts failed (%s)", type(error).__name__)

    async def stop(self) -> None:
        # The loops are asked to end, not cancelled at once: a task cancelled inside a unit of work
        # hands its connection back to the pool half reset (SQLAlchemy logs an ERROR for it, and
        # rows it had just claimed would wait for their lease). Cancelled only past the bound.
        for lane in self.lanes:
            lane.stop_claiming()
        self._stopping.set()
        if self._tasks:
            _ended, running = await asyncio.wait(self._tasks, timeout=self.settings.record_timeout_seconds)
            for task in running:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        untouched: list[uuid.UUID] = []
        for lane in self.lanes:
            untouched += await lane.stop(self.settings.stop_grace_seconds)
        # Bounded: a database that cannot be written must not hold the shutdown forever.
        await self.recorder.stop(
            timeout=max(self.settings.stop_grace_seconds, self.settings.record_timeout_seconds)
        )
        if untouched:
            with contextlib.suppress(Exception):
                async with self.db.session() as session:
                    await repository.release(session, untouched, worker=self.name)
        for lane in self.lanes:
            with contextlib.suppress(Exception):
                await lane.sender.close()

    def holding(self) -> set[uuid.UUID]:
        """Rows this process has sent or is sending and not yet recorded: never claimed again by it.

        Their leases may run out first (a loaded machine, a slow write); claiming them again
        would send them twice from this very process. Another process may still take them
        after the lease, which is what a lease is for.
        """
        in_flight = {job.row.id for lane in self.lanes for job in lane.jobs.values()}
        return in_flight | self.recorder.holding()

    @property
    def in_flight(self) -> int:
        return sum(len(lane.jobs) for lane in self.lanes)
