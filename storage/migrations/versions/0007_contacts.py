"""Outreach contacts: sealed name, email and organisation, blind-indexed email, source, invitation state.

Revision ID: 0007
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0001"
branch_labels = ("contacts",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.LargeBinary(), nullable=True),
        sa.Column("email", sa.LargeBinary(), nullable=False),
        sa.Column("email_index", sa.LargeBinary(length=32), nullable=False),
        sa.Column("organisation", sa.LargeBinary(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("invitation", sa.String(length=16), nullable=False),
        sa.Column("invited_event", sa.String(length=16), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_contacts_person_id_people"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("email_index", name=op.f("uq_contacts_email_index")),
    )
    op.create_index(op.f("ix_contacts_person_id"), "contacts", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_contacts_person_id"), table_name="contacts")
    op.drop_table("contacts")
