"""Prometheus metrics of the delivery engine, in a registry of their own (no global state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class DeliveryMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.sent = Counter(
            "liaison_outbox_sent", "Messages the channel confirmed", ["channel"], registry=self.registry
        )
        self.failed = Counter(
            "liaison_outbox_failed",
            "Messages given up on (permanent failure, unreachable, dead-letter, unknown not retried)",
            ["channel", "reason"],
            registry=self.registry,
        )
        self.retries = Counter(
            "liaison_outbox_retries",
            "Attempts to be repeated later",
            ["channel", "reason"],
            registry=self.registry,
        )
        self.unknown = Counter(
            "liaison_outbox_unknown",
            "Attempts whose outcome is unknown (timeout after sending)",
            ["channel"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "liaison_outbox_send_seconds",
            "Time of one send call, rate-limit waits excluded",
            ["channel"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.blind = Gauge(
            "liaison_outbox_blind",
            "1 while outbox outcomes cannot be recorded, labelled with the cause; workers are stopped",
            ["reason"],
            registry=self.registry,
        )
        self.stale = Counter(
            "liaison_outbox_stale_outcomes",
            "Outcomes not written because the row's claim had been taken over (lease ran out)",
            registry=self.registry,
        )
        self.rows = Gauge(
            "liaison_outbox_rows",
            "Outbox rows by channel and state",
            ["channel", "state"],
            registry=self.registry,
        )
