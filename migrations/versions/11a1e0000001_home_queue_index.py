"""Home pages: indexes for the queues by state (the longest waiting first) and a team's proposals by state

Revision ID: 11a1e0000001
Revises: 10a1e0000001
Create Date: 2026-12-07 18:30:00

Submissions to screen, proposals in review and approved grants are listed on the staff and co-chair
home pages by ``state`` then ``submitted_at, id``; with this index the database reads the first few
in order instead of sorting every proposal in that state. An educator's home reads their teams'
proposals by state: ``(team_id, state)`` reads those rows only, however many years the team has.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '11a1e0000001'
down_revision = '10a1e0000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_state_submitted_at', ['state', 'submitted_at', 'id'], unique=False)
        batch_op.create_index('ix_proposal_team_id_state', ['team_id', 'state'], unique=False)


def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_team_id_state')
        batch_op.drop_index('ix_proposal_state_submitted_at')
