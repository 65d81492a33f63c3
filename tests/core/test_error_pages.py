"""What a person sees when a write meets a row someone changed meanwhile (409, on every route, whether it
is found by the operation, by the commit or by a flush while a page is drawn), and when the server fails
(500, even after a failed SQL statement has aborted the transaction).

The routes that fail on purpose belong to a test-only app (``create_app`` plus a blueprint registered
here) on this worker's database, never to the product."""
from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

import pytest
from flask import Blueprint
from sqlalchemy import select, text, update
from werkzeug.exceptions import Conflict

from app import create_app
from app.config import TestConfig
from app.extensions import db
from app.models import PLBudget, Proposal, User
from app.web import CHANGED_MEANWHILE, run
from tests.conftest import Browser


@contextmanager
def error_app(app, blueprint: Blueprint, **config):
    """A fresh app on this worker's database, with ``blueprint``'s routes and errors shown as in production
    (``PROPAGATE_EXCEPTIONS`` off, so the 500 handler runs)."""
    settings = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "PROPAGATE_EXCEPTIONS": False,
                **config}
    made = create_app(type("TestOnlyConfig", (TestConfig,), settings))
    made.register_blueprint(blueprint)
    try:
        yield made
    finally:
        with made.app_context():
            db.engine.dispose()


# -- 409: a row changed meanwhile ----------------------------------------------------------------
def test_a_row_changed_meanwhile_found_at_commit_is_a_409_with_the_message(app_ctx, world):
    """The operation changes the proposal without flushing; someone else saved it in the meantime. The
    commit's flush finds the old version: rolled back, 409, and the page says what happened."""
    proposal = world.draft
    title, seen_version = proposal.title, proposal.version

    def edit():
        # Someone else's save, which this session has not seen (a new version of the row)...
        db.session.execute(update(Proposal.__table__).where(Proposal.__table__.c.id == proposal.id)
                           .values(version=seen_version + 1))
        proposal.title = "A title typed over an old copy"  # ...and this person's change, not yet flushed

    with app_ctx.test_request_context("/", method="POST"):
        with pytest.raises(Conflict) as err:
            run(edit, done="/", success="Saved.")
        page, status = app_ctx.handle_http_exception(err.value)
        assert status == 409 and CHANGED_MEANWHILE in page
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).title == title


@pytest.mark.commits
def test_a_stale_write_outside_run_is_a_409_with_the_same_message(app, factory):
    """A route that does not go through ``run`` (a flush while the page is drawn) meets a PL budget someone
    changed meanwhile: rolled back, 409 with the message, never a 500."""
    budget = factory.pl_budget("5000.00")
    db.session.commit()
    budget_id = budget.id
    bp = Blueprint("test_only_stale", __name__)

    @bp.get("/test-only/stale")
    def stale():
        row = db.session.get(PLBudget, budget_id)
        db.session.execute(update(PLBudget.__table__).where(PLBudget.__table__.c.id == budget_id)
                           .values(version=PLBudget.__table__.c.version + 1))  # someone else's save
        row.amount = Decimal("9999.00")
        db.session.scalars(select(User)).all()  # the page reads: the autoflush writes over the old copy
        return "never shown"

    with error_app(app, bp) as made:
        resp = made.test_client().get("/test-only/stale")
    assert resp.status_code == 409
    assert CHANGED_MEANWHILE in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PLBudget, budget_id).amount == Decimal("5000.00")


# -- 500 ---------------------------------------------------------------------------------------------
@pytest.mark.commits
def test_the_500_page_is_shown_after_a_failed_sql_statement(app, factory):
    """A signed-in person's request runs a statement that fails (on PostgreSQL that aborts the transaction);
    the error page, which reads who is signed in and their notifications, is still shown."""
    person = factory.user("educator", name="Erin Educator")
    db.session.commit()
    bp = Blueprint("test_only_sql", __name__)

    @bp.get("/test-only/failed-sql")
    def failed_sql():
        db.session.execute(text("SELECT * FROM no_such_table"))
        return "never shown"

    with error_app(app, bp) as made:
        browser = Browser(made.test_client()).login(person)
        resp = browser.get("/test-only/failed-sql")
        page = resp.get_data(as_text=True)
        assert resp.status_code == 500
        assert "Something went wrong" in page
        assert "Erin Educator" in page  # the layout, signed in: read from the database after the failure
        assert browser.get("/").status_code == 200  # and the next request is served as usual
