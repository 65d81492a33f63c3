"""Migration 12a1e0000004 moves the gallery's old fixed tags onto the one taxonomy, as its docstring and
the README say, and its downgrade writes them back (SQLite file of its own, upgraded step by step)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.config import TestConfig

pytestmark = pytest.mark.own_sqlite  # its own SQLite databases and processes: the SQLite run runs it

OLD_TAGS = [("topic", "Literacy"), ("topic", "Restorative practices"), ("topic", "Social-emotional learning"),
            ("topic", "Attendance and engagement"), ("topic", "Science"), ("topic", "Arts"),
            ("grade_band", "PreK-K"), ("grade_band", "1-2"), ("grade_band", "9-12"),
            ("subject", "Cross-curricular"), ("subject", "Physical education and health")]


def test_old_gallery_tags_are_mapped_onto_the_taxonomy(tmp_path):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'migrate.sqlite3'}"

    app = create_app(Config)
    with app.app_context():
        from app.extensions import db

        upgrade(revision="12a1e0000005")
        with db.engine.begin() as c:
            c.exec_driver_sql("PRAGMA foreign_keys=OFF")
            c.exec_driver_sql(
                "INSERT INTO taxonomy_term (id, kind, name, slug, description, position, active) VALUES "
                "(1, 'topic', 'Literacy', 'literacy', '', 0, 1), "
                "(2, 'topic', 'Social-emotional learning (SEL)', 'social-emotional-learning-sel', '', 1, 1), "
                "(3, 'grade_band', 'PK-2', 'pk-2', '', 0, 1), (4, 'subject', 'Science', 'science', '', 0, 1)")
            c.exec_driver_sql("INSERT INTO learning_summary (id, proposal_id, title, body, search_text, updated_at) "
                              "VALUES (1, 1, 'Circles', 'We met.', 'circles we met', '2026-01-01')")
            for kind, value in OLD_TAGS:
                c.execute(sa.text("INSERT INTO summary_tag (summary_id, kind, value) VALUES (1, :k, :v)"),
                          {"k": kind, "v": value})
        upgrade(revision="12a1e0000004")
        with db.engine.begin() as c:
            tags = c.exec_driver_sql("SELECT t.kind, t.name, t.id FROM summary_term st "
                                     "JOIN taxonomy_term t ON t.id = st.term_id ORDER BY 1, 2").all()
            text = c.exec_driver_sql("SELECT search_text FROM learning_summary").scalar()
        assert [(k, n) for k, n, _ in tags] == [
            ("grade_band", "9-12"), ("grade_band", "PK-2"), ("subject", "Arts"),
            ("subject", "Physical education and health"), ("subject", "Science"), ("topic", "Literacy"),
            ("topic", "Social-emotional learning (SEL)")]
        ids = {n: i for _, n, i in tags}
        assert ids["Literacy"] == 1 and ids["Social-emotional learning (SEL)"] == 2 and ids["PK-2"] == 3
        assert ids["Science"] == 4  # existing terms are reused; the rest are added
        assert text.startswith("circles we met") and "pk-2" in text and "social-emotional learning (sel)" in text
        downgrade(revision="12a1e0000005")
        with db.engine.begin() as c:
            back = c.exec_driver_sql("SELECT kind, value FROM summary_tag ORDER BY 1, 2").all()
        assert ("grade_band", "PK-2") in back and ("topic", "Literacy") in back and len(back) == len(tags)
