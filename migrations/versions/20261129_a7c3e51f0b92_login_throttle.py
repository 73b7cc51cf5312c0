"""login throttle counters; staff must change an admin-set password

Revision ID: a7c3e51f0b92
Revises: 1d4e6a425c73
Create Date: 2026-11-29 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models.types

revision: str = "a7c3e51f0b92"
down_revision: str | None = "1d4e6a425c73"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", webapp.models.types.AwareDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", webapp.models.types.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_throttle_updated_at"), ["updated_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_login_throttle_subject"), ["subject"], unique=False)
    # The counters moved to login_throttle (per identifier and network).
    for table in ("pensioner", "staff_user"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("failed_logins")
            batch_op.drop_column("locked_until")
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    for table in ("pensioner", "staff_user"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
            )
            batch_op.add_column(
                sa.Column(
                    "locked_until",
                    webapp.models.types.AwareDateTime(timezone=True),
                    nullable=True,
                )
            )
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttle_subject"))
        batch_op.drop_index(batch_op.f("ix_login_throttle_updated_at"))
    op.drop_table("login_throttle")
