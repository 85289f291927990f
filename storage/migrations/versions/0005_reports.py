"""Confidential reports: cases, encrypted messages and evidence, staff and recovery keys, sealed case keys.

Revision ID: 0005
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = ("reports",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_recovery_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_recovery_keys")),
        sa.UniqueConstraint("public_key", name=op.f("uq_report_recovery_keys_public_key")),
    )
    op.create_table(
        "report_cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("receipt_lookup", sa.LargeBinary(length=32), nullable=True),
        sa.Column("receipt_opslimit", sa.Integer(), nullable=True),
        sa.Column("receipt_memlimit", sa.Integer(), nullable=True),
        sa.Column("reporter_public_key", sa.LargeBinary(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_report_cases_person_id_people"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_cases")),
        sa.UniqueConstraint("receipt_lookup", name=op.f("uq_report_cases_receipt_lookup")),
        sa.UniqueConstraint("reference", name=op.f("uq_report_cases_reference")),
        sa.UniqueConstraint("year", "sequence", name="uq_report_cases_year_sequence"),
    )
    with op.batch_alter_table("report_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_cases_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_cases_person_id"), ["person_id"], unique=False)

    op.create_table(
        "report_staff_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("staff_member_id", sa.Uuid(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("encrypted_private", sa.LargeBinary(), nullable=False),
        sa.Column("salt", sa.LargeBinary(length=16), nullable=False),
        sa.Column("opslimit", sa.Integer(), nullable=False),
        sa.Column("memlimit", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_member_id"],
            ["staff_members.id"],
            name=op.f("fk_report_staff_keys_staff_member_id_staff_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_staff_keys")),
        sa.UniqueConstraint("staff_member_id", name=op.f("uq_report_staff_keys_staff_member_id")),
    )
    op.create_table(
        "report_case_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("staff_key_id", sa.Uuid(), nullable=True),
        sa.Column("recovery_key_id", sa.Uuid(), nullable=True),
        sa.Column("sealed_secret", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["report_cases.id"],
            name=op.f("fk_report_case_keys_case_id_report_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recovery_key_id"],
            ["report_recovery_keys.id"],
            name=op.f("fk_report_case_keys_recovery_key_id_report_recovery_keys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_key_id"],
            ["report_staff_keys.id"],
            name=op.f("fk_report_case_keys_staff_key_id_report_staff_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_case_keys")),
        sa.UniqueConstraint("case_id", "recovery_key_id", name="uq_report_case_keys_recovery"),
        sa.UniqueConstraint("case_id", "staff_key_id", name="uq_report_case_keys_staff"),
    )
    with op.batch_alter_table("report_case_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_case_keys_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_case_keys_staff_key_id"), ["staff_key_id"], unique=False)

    op.create_table(
        "report_evidence",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("meta", sa.LargeBinary(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("key_for_case", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["report_cases.id"],
            name=op.f("fk_report_evidence_case_id_report_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_evidence")),
    )
    with op.batch_alter_table("report_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_evidence_case_id"), ["case_id"], unique=False)

    op.create_table(
        "report_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("staff_member_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("key_for_case", sa.LargeBinary(), nullable=False),
        sa.Column("key_for_reporter", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["report_cases.id"],
            name=op.f("fk_report_messages_case_id_report_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_member_id"],
            ["staff_members.id"],
            name=op.f("fk_report_messages_staff_member_id_staff_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_messages")),
    )
    with op.batch_alter_table("report_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_messages_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_messages_case_id"))

    op.drop_table("report_messages")
    with op.batch_alter_table("report_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_evidence_case_id"))

    op.drop_table("report_evidence")
    with op.batch_alter_table("report_case_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_case_keys_staff_key_id"))
        batch_op.drop_index(batch_op.f("ix_report_case_keys_case_id"))

    op.drop_table("report_case_keys")
    op.drop_table("report_staff_keys")
    with op.batch_alter_table("report_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_cases_person_id"))
        batch_op.drop_index(batch_op.f("ix_report_cases_closed_at"))

    op.drop_table("report_cases")
    op.drop_table("report_recovery_keys")
