"""Settings of confidential reporting, from `LIAISON_REPORT_*` environment variables."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.crypto.report_keys import (
    PASSPHRASE_MEMLIMIT,
    PASSPHRASE_OPSLIMIT,
    RECEIPT_MEMLIMIT,
    RECEIPT_OPSLIMIT,
    TEST_MEMLIMIT,
    TEST_OPSLIMIT,
    KdfLimits,
)

MIB = 1024 * 1024


class ReportSettings(BaseSettings):
    """Costs, limits and periods of the reporting channel. Defaults are for production."""

    model_config = SettingsConfigDict(
        env_prefix="LIAISON_REPORT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    passphrase_opslimit: Annotated[int, Field(ge=1)] = PASSPHRASE_OPSLIMIT
    passphrase_memlimit: Annotated[int, Field(ge=8192)] = PASSPHRASE_MEMLIMIT
    receipt_opslimit: Annotated[int, Field(ge=1)] = RECEIPT_OPSLIMIT
    receipt_memlimit: Annotated[int, Field(ge=8192)] = RECEIPT_MEMLIMIT
    unlock_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 30
    retention_days: Annotated[int, Field(ge=1)] = 180
    draft_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 30
    evidence_max_bytes: Annotated[int, Field(ge=1, le=20 * MIB)] = 5 * MIB
    evidence_max_files: Annotated[int, Field(ge=0, le=20)] = 5
    wrong_codes_per_chat: Annotated[int, Field(ge=1)] = 5
    wrong_codes_global: Annotated[int, Field(ge=1)] = 200
    wrong_code_window_minutes: Annotated[int, Field(ge=1)] = 60

    @property
    def passphrase_limits(self) -> KdfLimits:
        return KdfLimits(self.passphrase_opslimit, self.passphrase_memlimit)

    @property
    def receipt_limits(self) -> KdfLimits:
        return KdfLimits(self.receipt_opslimit, self.receipt_memlimit)

    @property
    def unlock_period(self) -> timedelta:
        return timedelta(minutes=self.unlock_minutes)

    @property
    def retention(self) -> timedelta:
        return timedelta(days=self.retention_days)

    @property
    def wrong_code_window(self) -> timedelta:
        return timedelta(minutes=self.wrong_code_window_minutes)


def fast_report_settings(**overrides: object) -> ReportSettings:
    """Settings with libsodium's minimum Argon2id costs, for tests only."""
    values: dict[str, object] = {
        "passphrase_opslimit": TEST_OPSLIMIT,
        "passphrase_memlimit": TEST_MEMLIMIT,
        "receipt_opslimit": TEST_OPSLIMIT,
        "receipt_memlimit": TEST_MEMLIMIT,
    }
    values.update(overrides)
    return ReportSettings(_env_file=None, **values)  # type: ignore[call-arg,arg-type]
