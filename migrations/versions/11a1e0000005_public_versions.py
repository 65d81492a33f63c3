"""What changed, counted where it changes: the ``public_version`` table (one row per public area), and each
PL opportunity's first session start and last session end (``first_starts_at``, ``last_ends_at``) with the
catalog's index on them

The public gallery and catalog read their ETag version and their history-wide facets and totals off
``public_version`` (app/core/changes.py counts an area up in every transaction that changes it), instead of
scanning every published summary and opportunity on each request. The catalog filters on the opportunity's
last session end and sorts on its first session start, read off columns and an index instead of a min/max
over every session of the catalog's history. Existing opportunities get their bounds from their sessions.

Revision ID: 11a1e0000005
Revises: 11a1e0000003
Create Date: 2026-12-07 20:20:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
import app.models.types


# revision identifiers, used by Alembic.
revision = '11a1e0000005'
down_revision = '11a1e0000003'
branch_labels = None
depends_on = None

AREAS = ("catalog", "gallery", "names")


def upgrade():
    table = op.create_table('public_version',
    sa.Column('area', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('stamp', sa.String(length=32), nullable=False),
    sa.Column('changed_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('area', name=op.f('pk_public_version'))
    )
    now = datetime.now(UTC)
    op.bulk_insert(table, [{"area": a, "version": 0, "stamp": "", "changed_at": now} for a in AREAS])
    with op.batch_alter_table('pl_opportunity', schema=None, reflect_kwargs={'resolve_fks': False}) as batch_op:
        batch_op.add_column(sa.Column('first_starts_at', app.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_ends_at', app.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_pl_opportunity_published_last_ends', ['published', 'last_ends_at'], unique=False)
    op.execute(
        "UPDATE pl_opportunity SET "
        "first_starts_at = (SELECT min(starts_at) FROM pl_session WHERE pl_session.opportunity_id = pl_opportunity.id), "
        "last_ends_at = (SELECT max(ends_at) FROM pl_session WHERE pl_session.opportunity_id = pl_opportunity.id)"
    )


def downgrade():
    with op.batch_alter_table('pl_opportunity', schema=None, reflect_kwargs={'resolve_fks': False}) as batch_op:
        batch_op.drop_index('ix_pl_opportunity_published_last_ends')
        batch_op.drop_column('last_ends_at')
        batch_op.drop_column('first_starts_at')
    op.drop_table('public_version')
