"""enrolment selfie attempts

Revision ID: 5e1f5e1f0a01
Revises: a8ab5596a5aa
Create Date: 2026-11-29 20:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models.types

revision: str = "5e1f5e1f0a01"
down_revision: str | None = "a8ab5596a5aa"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enrol_selfie",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("pensioner_id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", webapp.models.types.AwareDateTime(timezone=True), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("decided_at", webapp.models.types.AwareDateTime(timezone=True), nullable=True),
        sa.Column("distance", sa.Float(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("liveness", sa.JSON(), nullable=True),
        sa.Column("job_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("frame_count", sa.Integer(), nullable=False),
        sa.Column("frames", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["challenge_id"], ["liveness_challenge.id"]),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolment.id"]),
        sa.ForeignKeyConstraint(["pensioner_id"], ["pensioner.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("challenge_id"),
    )
    with op.batch_alter_table("enrol_selfie", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrol_selfie_created_at"), ["created_at"])
        batch_op.create_index(batch_op.f("ix_enrol_selfie_enrolment_id"), ["enrolment_id"])
        batch_op.create_index(batch_op.f("ix_enrol_selfie_pensioner_id"), ["pensioner_id"])


def downgrade() -> None:
    op.drop_table("enrol_selfie")
