"""Migration 13a1e0000030 gives existing expenditures the status "submitted" (logged, not yet approved) and
existing reallocations "approved" (staff's own, already counted), as its docstring and the README say; its
downgrade drops the new columns and the requests that never moved money (SQLite file of its own)."""
from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade

from app import create_app
from app.config import TestConfig

pytestmark = pytest.mark.own_sqlite  # its own SQLite databases and processes: the SQLite run runs it


def test_existing_spending_is_submitted_and_existing_reallocations_approved(tmp_path):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'migrate.sqlite3'}"

    app = create_app(Config)
    with app.app_context():
        from app.extensions import db

        upgrade(revision="11a1e0000010")
        with db.engine.begin() as c:
            c.exec_driver_sql("PRAGMA foreign_keys=OFF")
            c.exec_driver_sql(
                "INSERT INTO expenditure (id, proposal_id, budget_line_id, spent_on, payee, amount, note, "
                "receipt_filename, receipt_content_type, receipt_size, receipt_sha256, recorded_by_id, recorded_at, "
                "void_reason) VALUES (1, 1, 1, '2026-01-05', 'Frugal Books', 120.50, '', 'r.pdf', "
                "'application/pdf', 10, '', 7, '2026-01-05 15:00:00', '')")
            c.exec_driver_sql(
                "INSERT INTO budget_reallocation (id, proposal_id, from_line_id, to_line_id, amount, reason, "
                "recorded_by_id, recorded_at) VALUES (1, 1, 1, 2, 400.00, 'Repairs cost less.', 9, "
                "'2026-02-01 14:00:00')")
        upgrade(revision="13a1e0000030")
        with db.engine.begin() as c:
            assert c.exec_driver_sql("SELECT payment_state, return_reason FROM expenditure").one() == ("submitted", "")
            state, decided_by, decided_at = c.exec_driver_sql(
                "SELECT state, decided_by_id, decided_at FROM budget_reallocation").one()
            assert (state, decided_by) == ("approved", 9) and decided_at.startswith("2026-02-01 14:00")
            c.exec_driver_sql(
                "INSERT INTO budget_reallocation (id, proposal_id, from_line_id, to_line_id, amount, reason, "
                "recorded_by_id, recorded_at, state) VALUES (2, 1, 1, 2, 50.00, 'Asked.', 7, '2026-03-01', 'pending')")
        downgrade(revision="11a1e0000010")
        with db.engine.begin() as c:
            assert c.exec_driver_sql("SELECT id FROM budget_reallocation").scalars().all() == [1]
            columns = [row[1] for row in c.exec_driver_sql("PRAGMA table_info(expenditure)")]
            assert "payment_state" not in columns and "payee" in columns
