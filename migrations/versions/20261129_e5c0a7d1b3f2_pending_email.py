"""pensioner pending e-mail (a new address waits for its confirmation)

Revision ID: e5c0a7d1b3f2
Revises: 9c3e2a7d4f10
Create Date: 2026-11-29 23:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import webapp.models.types


revision: str = 'e5c0a7d1b3f2'
down_revision: str | None = '9c3e2a7d4f10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('pensioner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_email', sa.String(length=254), nullable=True))
        batch_op.add_column(
            sa.Column('pending_email_at', webapp.models.types.AwareDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('pensioner', schema=None) as batch_op:
        batch_op.drop_column('pending_email_at')
        batch_op.drop_column('pending_email')
