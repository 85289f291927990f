"""Staff console in the browser: single-use sign-in links and sessions (hashes of tokens only).

Revision ID: 0017w
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017w"
down_revision = "0001"
branch_labels = ("web_console",)
depends_on = None


def _common() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("staff_member_id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "web_sign_in_links",
        *_common(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_member_id"],
            ["staff_members.id"],
            name=op.f("fk_web_sign_in_links_staff_member_id_staff_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sign_in_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sign_in_links_token_hash")),
    )
    op.create_index(op.f("ix_web_sign_in_links_staff_member_id"), "web_sign_in_links", ["staff_member_id"])
    op.create_table(
        "web_sessions",
        *_common(),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_member_id"],
            ["staff_members.id"],
            name=op.f("fk_web_sessions_staff_member_id_staff_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    op.create_index(op.f("ix_web_sessions_staff_member_id"), "web_sessions", ["staff_member_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_web_sessions_staff_member_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_index(op.f("ix_web_sign_in_links_staff_member_id"), table_name="web_sign_in_links")
    op.drop_table("web_sign_in_links")
