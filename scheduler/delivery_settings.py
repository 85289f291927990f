"""Settings of the delivery engine, from `LIAISON_OUTBOX_*` environment variables."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from scheduler.outbox import RetryPolicy


class DeliverySettings(BaseSettings):
    """How the outbox workers poll, lease, pace and retry. Defaults are for production."""

    model_config = SettingsConfigDict(
        env_prefix="LIAISON_OUTBOX_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    poll_seconds: Annotated[float, Field(gt=0, le=60)] = 1.0
    lease_seconds: Annotated[float, Field(gt=0)] = 120.0
    batch_size: Annotated[int, Field(ge=1, le=5000)] = 500
    telegram_concurrency: Annotated[int, Field(ge=1, le=1024)] = 64
    telegram_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    # None lifts the global rate (benchmarks); otherwise LIAISON_TELEGRAM_RATE is used.
    telegram_unlimited: bool = False
    private_chat_interval: Annotated[float, Field(ge=0)] = 1.0
    group_chat_interval: Annotated[float, Field(ge=0)] = 3.0
    email_connections: Annotated[int, Field(ge=1, le=64)] = 4
    retry_base_seconds: Annotated[float, Field(gt=0)] = 5.0
    retry_cap_seconds: Annotated[float, Field(gt=0)] = 1800.0
    max_attempts: Annotated[int, Field(ge=1, le=50)] = 8
    # Whether a message whose outcome is unknown (a timeout after the request left) is sent again,
    # for messages outside broadcasts; each broadcast has its own setting.
    retry_unknown: bool = True
    stop_grace_seconds: Annotated[float, Field(ge=0)] = 5.0
    # A send starts only if the claim's lease has at least this long left (at most a quarter of
    # the lease), so that it ends before another worker may take the row; longer than a send.
    lease_margin_seconds: Annotated[float, Field(ge=0)] = 15.0
    # Stop when blind: no new send while this many outcomes wait to be written ...
    unrecorded_limit: Annotated[int, Field(ge=1)] = 64
    # ... and a write of outcomes that takes longer than this counts as a failure.
    record_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    http_enabled: bool = True
    progress_seconds: Annotated[float, Field(gt=0)] = 3.0

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    @property
    def lease_margin(self) -> float:
        return min(self.lease_margin_seconds, self.lease_seconds / 4)

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            base=timedelta(seconds=self.retry_base_seconds),
            cap=timedelta(seconds=self.retry_cap_seconds),
            max_attempts=self.max_attempts,
        )


def delivery_settings(**overrides: object) -> DeliverySettings:
    """Settings without reading `.env` (tests, benchmarks), with overrides."""
    return DeliverySettings(_env_file=None, **overrides)  # type: ignore[call-arg,arg-type]
