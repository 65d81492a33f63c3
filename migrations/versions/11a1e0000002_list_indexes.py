"""Indexes in the order of every list: the staff proposal list (alone and per filter), PL requests,
notifications and the people list, so that a page is read off an index instead of sorting the table

Revision ID: 11a1e0000002
Revises: 11a1e0000001
Create Date: 2026-12-07 18:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '11a1e0000002'
down_revision = '11a1e0000001'
branch_labels = None
depends_on = None

SUBMITTED_ORDER = [sa.text('(submitted_at IS NULL)'), sa.text('submitted_at DESC'), sa.text('id DESC')]
NEWEST = [sa.text('created_at DESC'), sa.text('id DESC')]

INDEXES = [
    ('ix_proposal_submitted', 'proposal', SUBMITTED_ORDER),
    ('ix_proposal_cycle_submitted', 'proposal', ['cycle_id', *SUBMITTED_ORDER]),
    ('ix_proposal_state_submitted', 'proposal', ['state', *SUBMITTED_ORDER]),
    ('ix_proposal_type_submitted', 'proposal', ['grant_type', *SUBMITTED_ORDER]),
    ('ix_pl_request_created', 'pl_request', NEWEST),
    ('ix_pl_request_state_created', 'pl_request', ['state', *NEWEST]),
    ('ix_pl_request_year_created', 'pl_request', ['budget_year', *NEWEST]),
    ('ix_pl_request_requester_created', 'pl_request', ['requester_id', *NEWEST]),
    ('ix_pl_request_state_submitted', 'pl_request', ['state', 'submitted_at', 'id']),
    ('ix_pl_request_school_state_submitted', 'pl_request', ['school_id', 'state', 'submitted_at', 'id']),
    ('ix_notification_user_created', 'notification', ['user_id', *NEWEST]),
    ('ix_user_name_lower', 'user', [sa.text('lower(name)'), 'id']),
    ('ix_user_school_name_lower', 'user', ['school_id', sa.text('lower(name)'), 'id']),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
