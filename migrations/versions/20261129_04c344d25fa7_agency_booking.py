"""agency booking: opening hours, closed days, appointment slots and appointments

Revision ID: 04c344d25fa7
Revises: 1d4e6a425c73
Create Date: 2026-11-29 19:59:16.633707
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models.types


revision: str = '04c344d25fa7'
down_revision: str | None = '1d4e6a425c73'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('appointment_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', webapp.models.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('taken', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint('taken >= 0 AND taken <= capacity', name='ck_appointment_slot_taken'),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agency_id', 'starts_at', name='uq_appointment_slot')
    )
    op.create_table('closed_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('closed_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_closed_day_day'), ['day'], unique=False)
        batch_op.create_index('uq_closed_day_agency', ['agency_id', 'day'], unique=True, postgresql_where=sa.text('agency_id IS NOT NULL'), sqlite_where=sa.text('agency_id IS NOT NULL'))
        batch_op.create_index('uq_closed_day_all', ['day'], unique=True, postgresql_where=sa.text('agency_id IS NULL'), sqlite_where=sa.text('agency_id IS NULL'))

    op.create_table('opening_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('opens', sa.Time(), nullable=False),
    sa.Column('closes', sa.Time(), nullable=False),
    sa.CheckConstraint('opens < closes', name='ck_opening_hours_order'),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name='ck_opening_hours_weekday'),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agency_id', 'weekday', 'opens', name='uq_opening_hours')
    )
    with op.batch_alter_table('opening_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opening_hours_agency_id'), ['agency_id'], unique=False)

    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('pensioner_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', webapp.models.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('created_at', webapp.models.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', webapp.models.types.AwareDateTime(timezone=True), nullable=False),
    sa.Column('reminded_at', webapp.models.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('checked_in_at', webapp.models.types.AwareDateTime(timezone=True), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['pensioner_id'], ['pensioner.id'], ),
    sa.ForeignKeyConstraint(['slot_id'], ['appointment_slot.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_agency_start', ['agency_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_pensioner_id'), ['pensioner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_slot_id'), ['slot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointment_status'), ['status'], unique=False)
        batch_op.create_index('uq_appointment_live', ['pensioner_id'], unique=True, postgresql_where=sa.text("status IN ('booked', 'checked_in')"), sqlite_where=sa.text("status IN ('booked', 'checked_in')"))

    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('slot_minutes', sa.Integer(), server_default='30', nullable=False))
        batch_op.add_column(sa.Column('slot_capacity', sa.Integer(), server_default='2', nullable=False))
        batch_op.add_column(sa.Column('min_lead_hours', sa.Integer(), server_default='24', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('min_lead_hours')
        batch_op.drop_column('slot_capacity')
        batch_op.drop_column('slot_minutes')
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')

    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_index('uq_appointment_live', postgresql_where=sa.text("status IN ('booked', 'checked_in')"), sqlite_where=sa.text("status IN ('booked', 'checked_in')"))
        batch_op.drop_index(batch_op.f('ix_appointment_status'))
        batch_op.drop_index(batch_op.f('ix_appointment_slot_id'))
        batch_op.drop_index(batch_op.f('ix_appointment_pensioner_id'))
        batch_op.drop_index('ix_appointment_agency_start')

    op.drop_table('appointment')
    with op.batch_alter_table('opening_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opening_hours_agency_id'))

    op.drop_table('opening_hours')
    with op.batch_alter_table('closed_day', schema=None) as batch_op:
        batch_op.drop_index('uq_closed_day_all', postgresql_where=sa.text('agency_id IS NULL'), sqlite_where=sa.text('agency_id IS NULL'))
        batch_op.drop_index('uq_closed_day_agency', postgresql_where=sa.text('agency_id IS NOT NULL'), sqlite_where=sa.text('agency_id IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_closed_day_day'))

    op.drop_table('closed_day')
    op.drop_table('appointment_slot')
