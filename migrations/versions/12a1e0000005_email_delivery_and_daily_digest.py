"""Email delivery: each person chooses each message at once or one daily digest

``user.email_delivery`` (immediate, the default for everyone already here, or daily); on the outbox,
``held_for_digest`` (a message kept for its recipient's daily digest, which the sender skips) and
``digest_id`` (the digest message that carried it), with an index for the digest's search.

Revision ID: 12a1e0000005
Revises: 12a1e0000002
Create Date: 2026-12-07 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '12a1e0000005'
down_revision = '12a1e0000002'
branch_labels = None
depends_on = None


# Plain ADD COLUMNs: no batch copy of the tables on SQLite (it would drop ``user``'s expression indexes).
# SQLite cannot add a constraint to a table, but it takes a CHECK and a REFERENCES in ADD COLUMN itself.
def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE user ADD COLUMN email_delivery VARCHAR(17) DEFAULT 'immediate' NOT NULL "
                   "CONSTRAINT ck_user_email_delivery CHECK (email_delivery IN ('immediate', 'daily'))")
        op.execute("ALTER TABLE outbox_message ADD COLUMN held_for_digest BOOLEAN DEFAULT 0 NOT NULL")
        op.execute("ALTER TABLE outbox_message ADD COLUMN digest_id INTEGER "
                   "CONSTRAINT fk_outbox_message_digest_id_outbox_message REFERENCES outbox_message (id)")
    else:
        op.add_column('user', sa.Column(
            'email_delivery',
            sa.Enum('immediate', 'daily', name='email_delivery', native_enum=False, create_constraint=True,
                    length=17),
            server_default='immediate', nullable=False))
        op.add_column('outbox_message', sa.Column('held_for_digest', sa.Boolean(), server_default=sa.false(),
                                                  nullable=False))
        op.add_column('outbox_message', sa.Column('digest_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_outbox_message_digest_id_outbox_message', 'outbox_message', 'outbox_message',
                              ['digest_id'], ['id'])
    op.create_index('ix_outbox_message_held', 'outbox_message', ['held_for_digest', 'digest_id', 'to_user_id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_outbox_message_held', table_name='outbox_message')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('fk_outbox_message_digest_id_outbox_message', 'outbox_message', type_='foreignkey')
        op.drop_constraint(op.f('ck_user_email_delivery'), 'user', type_='check')
    op.drop_column('outbox_message', 'digest_id')
    op.drop_column('outbox_message', 'held_for_digest')
    op.drop_column('user', 'email_delivery')
