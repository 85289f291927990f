"""Case triage: risk, assignment, acknowledgement, escalation and outcome beside each report case.

Revision ID: 0007t
Revises: 0005 (it refers to report cases, so it follows the reports branch rather than 0001)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007t"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_triage",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("risk", sa.String(length=16), nullable=True),
        sa.Column("assigned_to", sa.Uuid(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["report_cases.id"],
            name=op.f("fk_case_triage_case_id_report_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assigned_to"],
            ["staff_members.id"],
            name=op.f("fk_case_triage_assigned_to_staff_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_triage")),
    )
    op.create_index(op.f("ix_case_triage_assigned_to"), "case_triage", ["assigned_to"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_case_triage_assigned_to"), table_name="case_triage")
    op.drop_table("case_triage")
