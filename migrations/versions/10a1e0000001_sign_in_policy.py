"""Single sign-on: the sign-in policy (require SSO) and the break-glass accounts

Revision ID: 10a1e0000001
Revises: 9a1e00000002
Create Date: 2026-12-07 17:00:00

"""
from alembic import op
import sqlalchemy as sa
import app.models.types


# revision identifiers, used by Alembic.
revision = '10a1e0000001'
down_revision = '9a1e00000002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('require_sso', sa.Boolean(), nullable=False),
    sa.Column('changed_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user.id'], name=op.f('fk_sign_in_policy_changed_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_policy'))
    )
    op.create_table('break_glass_account',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_break_glass_account_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_break_glass_account'))
    )


def downgrade():
    op.drop_table('break_glass_account')
    op.drop_table('sign_in_policy')
