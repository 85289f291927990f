"""Profiles: balance data, subscriptions, email verification codes.

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = ("profiles",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "balance_data",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("age_group", sa.String(length=16), nullable=True),
        sa.Column("migrant_led", sa.String(length=16), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_balance_data_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_balance_data")),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_subscriptions_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("person_id", "kind", "value", name="uq_subscriptions_choice"),
    )
    op.create_index(op.f("ix_subscriptions_person_id"), "subscriptions", ["person_id"], unique=False)
    op.create_table(
        "email_verifications",
        sa.Column("address_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tries_left", sa.Integer(), nullable=False),
        sa.Column("sent_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["address_id"],
            ["channel_addresses.id"],
            name=op.f("fk_email_verifications_address_id_channel_addresses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("address_id", name=op.f("pk_email_verifications")),
    )


def downgrade() -> None:
    op.drop_table("email_verifications")
    op.drop_index(op.f("ix_subscriptions_person_id"), table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_table("balance_data")
