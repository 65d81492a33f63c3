"""The annual compendium of published learning summaries, made once per version of a year's set: the
``compendium_pdf`` table (one row per year)

Revision ID: 13a1e0000010
Revises: 12a1e0000004
Create Date: 2026-12-07 23:00:00

"""
from alembic import op
import sqlalchemy as sa
import app.models.types


# revision identifiers, used by Alembic.
revision = '13a1e0000010'
down_revision = '12a1e0000004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('compendium_pdf',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('made_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_compendium_pdf'))
    )


def downgrade():
    op.drop_table('compendium_pdf')
