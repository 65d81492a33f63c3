"""Full-text search: GIN indexes (PostgreSQL) or FTS5 tables with triggers (SQLite)

The statements come from ``app.core.search`` (``ddl``/``drop_ddl``), so a schema made by
``db.create_all()`` (which runs the same statements after each searched table is created) and a
migrated one are the same. Changing an ``Index`` there later needs its own migration (drop, create).

Revision ID: 11a1e0000003
Revises: 11a1e0000004
Create Date: 2026-12-07 18:20:00

"""
from alembic import op

from app.core import search

# revision identifiers, used by Alembic.
revision = '11a1e0000003'
down_revision = '11a1e0000004'
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    for index in search.INDEXES:
        for statement in search.ddl(index, dialect):
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for index in search.INDEXES:
        for statement in search.drop_ddl(index, dialect):
            op.execute(statement)
