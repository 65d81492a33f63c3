"""One-time submission tokens for create forms (filled by the submissions work)

Revision ID: 9a1e00000002
Revises: 9a1e00000001
Create Date: 2026-12-07 14:30:00

"""
from alembic import op
import sqlalchemy as sa
import app.models.types


# revision identifiers, used by Alembic.
revision = '9a1e00000002'
down_revision = '9a1e00000001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
