"""Partial indexes on the decisions still waiting for the other side (``decision``, ``pl_decision``)

Revision ID: 11a1e0000010
Revises: 12a1e0000004
Create Date: 2026-12-07 23:20:00

The home pages, the cohort and the PL queue ask for the few decisions recorded and neither confirmed,
withdrawn nor sent back; after ten years every other decision is confirmed, and PostgreSQL read the whole
``decision`` table to find them (43 ms at 100,000 proposals). A partial index holds the waiting ones
only: found in a lookup, kept small whatever the years.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '11a1e0000010'
down_revision = '13a1e0000010'
branch_labels = None
depends_on = None

PENDING = "confirmed_at IS NULL AND withdrawn_at IS NULL AND not_confirmed_at IS NULL"


def upgrade():
    op.create_index('ix_decision_pending', 'decision', ['proposal_id'], unique=False,
                    postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))
    op.create_index('ix_pl_decision_pending', 'pl_decision', ['request_id'], unique=False,
                    postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))


def downgrade():
    op.drop_index('ix_pl_decision_pending', table_name='pl_decision')
    op.drop_index('ix_decision_pending', table_name='decision')
