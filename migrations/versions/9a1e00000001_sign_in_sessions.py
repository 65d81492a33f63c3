"""Sign-in and sessions: what a session is checked against (filled by the sign-in work)

Revision ID: 9a1e00000001
Revises: 34ec7c53f98b
Create Date: 2026-12-07 14:30:00

"""
from alembic import op
import sqlalchemy as sa
import app.models.types


# revision identifiers, used by Alembic.
revision = '9a1e00000001'
down_revision = '34ec7c53f98b'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
