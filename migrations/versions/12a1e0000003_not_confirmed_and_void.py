"""Two keys both ways, and voided spending: a joint decision sent back ("not confirmed", with a comment)
by the other side's co-chair; an expenditure voided with a reason (kept on the ledger, counted nowhere)

Adds to ``decision`` and ``pl_decision``: ``not_confirmed_at``, ``not_confirmed_by_id`` (a user) and
``not_confirmed_comment`` (empty on existing rows); to ``expenditure``: ``voided_at``, ``voided_by_id``
(a user) and ``void_reason`` (empty on existing rows). Existing rows are neither sent back nor void.

Revision ID: 12a1e0000003
Revises: 11a1e0000005
Create Date: 2026-12-07 20:00:00

"""
from alembic import op
import sqlalchemy as sa

from app.models.types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '12a1e0000003'
down_revision = '11a1e0000005'
branch_labels = None
depends_on = None

SENT_BACK = ('decision', 'pl_decision')
# SQLite's batch mode copies each table; reflecting it must not reflect the tables its keys point to (``user``
# has expression-based indexes SQLAlchemy cannot reflect, and nothing of theirs changes here).
NO_FK_REFLECTION = {'resolve_fks': False}


def upgrade():
    for table in SENT_BACK:
        with op.batch_alter_table(table, schema=None, reflect_kwargs=NO_FK_REFLECTION) as batch_op:
            batch_op.add_column(sa.Column('not_confirmed_at', UTCDateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('not_confirmed_by_id', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('not_confirmed_comment', sa.Text(), server_default='', nullable=False))
            batch_op.create_foreign_key(op.f(f'fk_{table}_not_confirmed_by_id_user'), 'user',
                                        ['not_confirmed_by_id'], ['id'])
    with op.batch_alter_table('expenditure', schema=None, reflect_kwargs=NO_FK_REFLECTION) as batch_op:
        batch_op.add_column(sa.Column('voided_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('voided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('void_reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_foreign_key(op.f('fk_expenditure_voided_by_id_user'), 'user', ['voided_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('expenditure', schema=None, reflect_kwargs=NO_FK_REFLECTION) as batch_op:
        batch_op.drop_constraint(op.f('fk_expenditure_voided_by_id_user'), type_='foreignkey')
        batch_op.drop_column('void_reason')
        batch_op.drop_column('voided_by_id')
        batch_op.drop_column('voided_at')
    for table in reversed(SENT_BACK):
        with op.batch_alter_table(table, schema=None, reflect_kwargs=NO_FK_REFLECTION) as batch_op:
            batch_op.drop_constraint(op.f(f'fk_{table}_not_confirmed_by_id_user'), type_='foreignkey')
            batch_op.drop_column('not_confirmed_comment')
            batch_op.drop_column('not_confirmed_by_id')
            batch_op.drop_column('not_confirmed_at')
