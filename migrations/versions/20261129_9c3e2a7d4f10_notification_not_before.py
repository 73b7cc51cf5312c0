"""notification not_before (quiet hours shift sending, never drop it)

Revision ID: 9c3e2a7d4f10
Revises: a8ab5596a5aa
Create Date: 2026-11-29 20:25:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import webapp.models.types


revision: str = '9c3e2a7d4f10'
down_revision: str | None = 'a8ab5596a5aa'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_before', webapp.models.types.AwareDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_notification_due', ['status', 'not_before'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_due')
        batch_op.drop_column('not_before')
