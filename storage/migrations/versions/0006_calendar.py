"""Calendar: reminder offsets, planning marks and mutes, event changes, invitation records, settings.

Revision ID: 0006
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_reminder_settings",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("offsets_minutes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_reminder_settings_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event_reminder_settings")),
    )
    op.create_table(
        "reminder_waves",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("offset_minutes", sa.Integer(), nullable=False),
        sa.Column("planned_through", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_reminder_waves_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "version", "offset_minutes", name=op.f("pk_reminder_waves")),
    )
    op.create_table(
        "reminder_mutes",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_reminder_mutes_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_reminder_mutes_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "person_id", name=op.f("pk_reminder_mutes")),
    )
    op.create_index(op.f("ix_reminder_mutes_person_id"), "reminder_mutes", ["person_id"], unique=False)
    op.create_table(
        "event_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notices", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_changes_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_changes")),
    )
    op.create_index(op.f("ix_event_changes_event_id"), "event_changes", ["event_id"], unique=False)
    op.create_table(
        "invitation_records",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lead_days", sa.Integer(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invited", sa.Integer(), nullable=False),
        sa.Column("staff_warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_invitation_records_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_invitation_records")),
    )
    op.create_table(
        "calendar_settings",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_calendar_settings")),
    )


def downgrade() -> None:
    op.drop_table("calendar_settings")
    op.drop_table("invitation_records")
    op.drop_index(op.f("ix_event_changes_event_id"), table_name="event_changes")
    op.drop_table("event_changes")
    op.drop_index(op.f("ix_reminder_mutes_person_id"), table_name="reminder_mutes")
    op.drop_table("reminder_mutes")
    op.drop_table("reminder_waves")
    op.drop_table("event_reminder_settings")
