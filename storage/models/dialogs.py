"""Where each person is in a dialog, so a restart resumes at the same step.

Keys (chat and user ids) and payloads (answers given so far) are sealed; the blind
index of the key makes each row unique without storing the ids in the clear.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime, uuid_pk
from storage.sealed import SealedText


class DialogState(Base):
    __tablename__ = "dialog_states"
    __table_args__ = (UniqueConstraint("kind", "name", "owner_index", name="uq_dialog_states_owner"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    kind: Mapped[str] = mapped_column(String(16))  # "conversation" or "user_data"
    name: Mapped[str] = mapped_column(String(64))
    owner_index: Mapped[bytes] = mapped_column(LargeBinary(32))
    owner: Mapped[str] = mapped_column(SealedText)
    payload: Mapped[str] = mapped_column(SealedText)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
