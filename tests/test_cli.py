"""``flask --app app create-user``, run through Flask's CLI runner."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Side, User


@pytest.fixture
def run(app_ctx):
    runner = app_ctx.test_cli_runner()

    def _run(*args):
        return runner.invoke(args=["create-user", *args])

    return _run


def count() -> int:
    db.session.remove()
    return db.session.scalar(select(func.count(User.id)))


def test_create_user(run, factory):
    factory.school("Mission Hill K-8")
    db.session.commit()
    result = run("--email", "Tanya.Teacher@Example.org", "--name", "Tanya Teacher", "--password", "secret-enough",
                 "--role", "educator", "--role", "school_leader", "--school", "mission hill k-8",
                 "--job-title", "Instructional coach")
    assert result.exit_code == 0, result.output
    assert "Created Tanya Teacher <tanya.teacher@example.org> with roles: educator, school_leader." in result.output
    db.session.remove()
    user = User.by_email("tanya.teacher@example.org")
    assert user.school.name == "Mission Hill K-8" and user.job_title == "Instructional coach"
    assert user.check_password("secret-enough") and user.side is None


def test_create_reviewer_with_side(run):
    result = run("--email", "rev@example.org", "--name", "Rae Viewer", "--password", "secret-enough",
                 "--role", "reviewer", "--side", "BPS")
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert User.by_email("rev@example.org").side is Side.BPS


def test_duplicate_email_is_refused(run, factory):
    factory.user("educator", email="taken@example.org")
    db.session.commit()
    before = count()
    result = run("--email", "TAKEN@example.org", "--name", "Second", "--password", "secret-enough",
                 "--role", "educator")
    assert result.exit_code == 1
    assert "A user with the email taken@example.org already exists." in result.output
    assert count() == before


def test_reviewer_without_side_is_refused(run):
    result = run("--email", "rev@example.org", "--name", "Rae Viewer", "--password", "secret-enough",
                 "--role", "reviewer")
    assert result.exit_code == 1
    assert "Reviewers and co-chairs belong to a side: choose BTU or BPS." in result.output
    assert count() == 0


def test_unknown_school_is_refused(run):
    result = run("--email", "t@example.org", "--name", "T", "--password", "secret-enough", "--role", "educator",
                 "--school", "Hogwarts")
    assert result.exit_code == 1
    assert "There is no school called 'Hogwarts'." in result.output
    assert count() == 0


def test_short_password_and_side_without_sided_role_are_refused(run):
    result = run("--email", "t@example.org", "--name", "T", "--password", "short", "--role", "educator")
    assert result.exit_code == 1 and "at least 8 characters" in result.output
    result = run("--email", "t@example.org", "--name", "T", "--password", "secret-enough", "--role", "staff",
                 "--side", "BTU")
    assert result.exit_code == 1 and "Only reviewers and co-chairs belong to a side" in result.output
    assert count() == 0


def test_unknown_role_is_refused_by_the_command(run):
    result = run("--email", "t@example.org", "--name", "T", "--password", "secret-enough", "--role", "wizard")
    assert result.exit_code == 2 and "wizard" in result.output
    assert count() == 0
