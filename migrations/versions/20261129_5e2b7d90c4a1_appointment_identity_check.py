"""appointment identity check: when and by whom the identity document was checked

Revision ID: 5e2b7d90c4a1
Revises: 04c344d25fa7
Create Date: 2026-11-29 20:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import webapp.models.types

revision: str = "5e2b7d90c4a1"
down_revision: str | None = "04c344d25fa7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "identity_checked_at",
                webapp.models.types.AwareDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("identity_checked_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_appointment_identity_checked_by", "staff_user", ["identity_checked_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_constraint("fk_appointment_identity_checked_by", type_="foreignkey")
        batch_op.drop_column("identity_checked_by")
        batch_op.drop_column("identity_checked_at")
