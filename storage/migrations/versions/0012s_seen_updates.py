"""Seen Telegram update ids (webhook replay protection that survives a restart).

Revision ID: 0012s
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012s"
down_revision = "0001"
branch_labels = ("seen_updates",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seen_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_seen_updates")),
    )


def downgrade() -> None:
    op.drop_table("seen_updates")
