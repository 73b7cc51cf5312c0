"""daily run lock

Revision ID: 8b2d1f6c0e32
Revises: 7a1c0e5b9d21
Create Date: 2026-11-29 20:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models.types


revision: str = '8b2d1f6c0e32'
down_revision: str | None = '7a1c0e5b9d21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('daily_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('started_at', webapp.models.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', webapp.models.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('runner', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('daily_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_daily_run_day'), ['day'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('daily_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_daily_run_day'))
    op.drop_table('daily_run')
