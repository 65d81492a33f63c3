"""PL dead ends: a catalog opportunity's external id (a re-import updates the row it names), and the
certificate program staff may ask an educator for (when asked, by whom, the note; the uploaded file)

Revision ID: 12a1e0000002
Revises: 12a1e0000003
Create Date: 2026-12-07 20:10:00

"""
import sqlalchemy as sa
from alembic import op

from app.models.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '12a1e0000002'
down_revision = '12a1e0000003'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no table copy on SQLite: nothing else about these tables changes).
    op.add_column('pl_opportunity', sa.Column('external_id', sa.String(length=120), nullable=True))
    op.create_index('ix_pl_opportunity_external_id', 'pl_opportunity', ['external_id'], unique=True)

    op.add_column('pl_request', sa.Column('certificate_requested_at', UTCDateTime(), nullable=True))
    op.add_column('pl_request', sa.Column('certificate_request_note', sa.Text(), nullable=False, server_default=''))
    if op.get_bind().dialect.name == 'sqlite':  # SQLite adds a column with its reference, not a constraint later
        op.execute('ALTER TABLE pl_request ADD COLUMN certificate_requested_by_id INTEGER '
                   'CONSTRAINT fk_pl_request_certificate_requested_by_id_user REFERENCES "user" (id)')
    else:
        op.add_column('pl_request', sa.Column('certificate_requested_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_pl_request_certificate_requested_by_id_user', 'pl_request', 'user',
                              ['certificate_requested_by_id'], ['id'])

    op.create_table(
        'pl_certificate',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=120), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['pl_request.id'], name='fk_pl_certificate_request_id_pl_request',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name='fk_pl_certificate_uploaded_by_id_user'),
        sa.PrimaryKeyConstraint('id', name='pk_pl_certificate'),
        sa.UniqueConstraint('request_id', name='uq_pl_certificate_request_id'),
    )


def downgrade():
    op.drop_table('pl_certificate')
    with op.batch_alter_table('pl_request', schema=None, reflect_kwargs={'resolve_fks': False}) as batch_op:
        if op.get_bind().dialect.name != 'sqlite':
            batch_op.drop_constraint('fk_pl_request_certificate_requested_by_id_user', type_='foreignkey')
        batch_op.drop_column('certificate_requested_by_id')
        batch_op.drop_column('certificate_request_note')
        batch_op.drop_column('certificate_requested_at')
    op.drop_index('ix_pl_opportunity_external_id', table_name='pl_opportunity')
    op.drop_column('pl_opportunity', 'external_id')
