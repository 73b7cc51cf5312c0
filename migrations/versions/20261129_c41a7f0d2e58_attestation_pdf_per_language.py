"""attestation_pdf: one cached PDF per (attestation, language)

The PDF cached on the attestation row (always French) moves to its own table,
one row per language; existing PDFs become the French rows.

Revision ID: c41a7f0d2e58
Revises: 9c3e2a7d4f10
Create Date: 2026-11-29 23:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import webapp.models.types


revision: str = 'c41a7f0d2e58'
down_revision: str | None = '9c3e2a7d4f10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('attestation_pdf',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attestation_id', sa.Integer(), nullable=False),
    sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('rendered_at', webapp.models.types.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attestation_id'], ['attestation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('attestation_id', 'lang', name='uq_attestation_pdf_lang')
    )
    op.execute(
        "INSERT INTO attestation_pdf (attestation_id, lang, pdf, rendered_at) "
        "SELECT id, 'fr', pdf, COALESCE(pdf_rendered_at, issued_at) FROM attestation "
        "WHERE pdf IS NOT NULL"
    )
    with op.batch_alter_table('attestation', schema=None) as batch_op:
        batch_op.drop_column('pdf_rendered_at')
        batch_op.drop_column('pdf')


def downgrade() -> None:
    with op.batch_alter_table('attestation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('pdf_rendered_at', webapp.models.types.AwareDateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE attestation SET pdf = (SELECT p.pdf FROM attestation_pdf p "
        "WHERE p.attestation_id = attestation.id AND p.lang = 'fr'), "
        "pdf_rendered_at = (SELECT p.rendered_at FROM attestation_pdf p "
        "WHERE p.attestation_id = attestation.id AND p.lang = 'fr')"
    )
    op.drop_table('attestation_pdf')
