"""Money out the door: each expenditure's payment status (submitted -> approved -> paid, or returned with a
reason) and reallocations between budget lines as requests staff approve or decline

Adds to ``expenditure``: ``payment_state`` (existing rows: ``submitted``, what "logged" meant until now; a
voided one stays submitted and the workflow never approves or pays it), ``return_reason`` (empty),
``approved_at``/``approved_by_id``, ``paid_at``/``paid_by_id``. Adds to ``budget_reallocation``: ``state``
(existing rows: ``approved``, since staff made them and the ledger already counts them), ``decided_at``/
``decided_by_id`` (copied from ``recorded_at``/``recorded_by_id`` on existing rows) and ``decline_reason``.

Revision ID: 13a1e0000030
Revises: 11a1e0000010 (written against 12a1e0000004; re-chained after main's 13a1e0000010 and 11a1e0000010)
Create Date: 2026-12-07 23:00:00

"""
from alembic import op
import sqlalchemy as sa

from app.models.types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '13a1e0000030'
down_revision = '11a1e0000010'
branch_labels = None
depends_on = None

NO_FK_REFLECTION = {'resolve_fks': False}
PAYMENT_STATES = ('submitted', 'approved', 'paid', 'returned')
REALLOCATION_STATES = ('pending', 'approved', 'declined')


def _enum(name, values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True,
                   length=max(len(v) for v in values) + 8)


def upgrade():
    with op.batch_alter_table('expenditure', schema=None, reflect_kwargs=NO_FK_REFLECTION) as batch_op:
        batch_op.add_column(sa.Column('payment_state', _enum('payment_state', PAYMENT_STATES),
                                      server_default='submitted', nullable=False))
        batch_op.add_column(sa.Column('return_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('approved_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('paid_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('paid_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_expenditure_approved_by_id_user'), 'user', ['approved_by_id'], ['id'])
        batch_op.create_foreign_key(op.f('fk_expenditure_paid_by_id_user'), 'user', ['paid_by_id'], ['id'])
        batch_op.create_index(op.f('ix_expenditure_payment_state'), ['payment_state'], unique=False)
    with op.batch_alter_table('budget_reallocation', schema=None, reflect_kwargs=NO_FK_REFLECTION) as batch_op:
        batch_op.add_column(sa.Column('state', _enum('reallocation_state', REALLOCATION_STATES),
                                      server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('decided_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decline_reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_foreign_key(op.f('fk_budget_reallocation_decided_by_id_user'), 'user',
                                    ['decided_by_id'], ['id'])
        batch_op.create_index(op.f('ix_budget_reallocation_state'), ['state'], unique=False)
    # Reallocations made before requests existed were staff's own acts, already counted: approved by them.
    op.execute("UPDATE budget_reallocation SET state = 'approved', decided_at = recorded_at, "
               "decided_by_id = recorded_by_id")


def downgrade():
    # Only approved reallocations moved money; pending and declined requests did not exist before.
    op.execute("DELETE FROM budget_reallocation WHERE state <> 'approved'")
    with op.batch_alter_table('budget_reallocation', schema=None, reflect_kwargs=NO_FK_REFLECTION) as batch_op:
        batch_op.drop_index(op.f('ix_budget_reallocation_state'))
        batch_op.drop_constraint(op.f('ck_budget_reallocation_reallocation_state'), type_='check')
        batch_op.drop_constraint(op.f('fk_budget_reallocation_decided_by_id_user'), type_='foreignkey')
        batch_op.drop_column('decline_reason')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('state')
    with op.batch_alter_table('expenditure', schema=None, reflect_kwargs=NO_FK_REFLECTION) as batch_op:
        batch_op.drop_index(op.f('ix_expenditure_payment_state'))
        batch_op.drop_constraint(op.f('ck_expenditure_payment_state'), type_='check')
        batch_op.drop_constraint(op.f('fk_expenditure_paid_by_id_user'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_expenditure_approved_by_id_user'), type_='foreignkey')
        batch_op.drop_column('paid_by_id')
        batch_op.drop_column('paid_at')
        batch_op.drop_column('approved_by_id')
        batch_op.drop_column('approved_at')
        batch_op.drop_column('return_reason')
        batch_op.drop_column('payment_state')
