"""The public PDF of a published learning summary, made once per version: the ``summary_pdf`` table

Revision ID: 11a1e0000004
Revises: 11a1e0000002
Create Date: 2026-12-07 18:30:00

"""
from alembic import op
import sqlalchemy as sa
import app.models.types


# revision identifiers, used by Alembic.
revision = '11a1e0000004'
down_revision = '11a1e0000002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('summary_pdf',
    sa.Column('summary_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('made_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['summary_id'], ['learning_summary.id'], name=op.f('fk_summary_pdf_summary_id_learning_summary'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('summary_id', name=op.f('pk_summary_pdf'))
    )


def downgrade():
    op.drop_table('summary_pdf')
