"""Sign-in and sessions: what a session is checked against (filled by the sign-in work)

Each user gets a random session token; every session and remember-me cookie carries it, and a new
one signs the person out everywhere. Existing people each get a token of their own.

Revision ID: 9a1e00000001
Revises: 34ec7c53f98b
Create Date: 2026-12-07 14:30:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9a1e00000001'
down_revision = '34ec7c53f98b'
branch_labels = None
depends_on = None

user = sa.table('user', sa.column('id', sa.Integer()), sa.column('session_token', sa.String(64)))


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(user.c.id)).all():
        conn.execute(user.update().where(user.c.id == user_id).values(session_token=secrets.token_hex(32)))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_token')
