"""The request pipeline (app.web.run): one operation, then one commit, or one rollback and the page again,
a flash, a 403 for a refusal of the person, a 409 for a row someone changed meanwhile."""
from __future__ import annotations

import pytest
from flask import get_flashed_messages
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict, Forbidden

from app.core.errors import FormError
from app.extensions import db
from app.models import School, SchoolLevel
from app.web import run, show_refusal
from workflows import NotAllowed, TransitionRefused


def _school(name: str) -> School:
    school = School(name=name, level=SchoolLevel.HIGH)
    db.session.add(school)
    db.session.flush()
    return school


def _names() -> set[str]:
    db.session.expire_all()
    return {s.name for s in db.session.query(School)}


def test_success_commits_once_flashes_and_redirects(app_ctx):
    with app_ctx.test_request_context("/", method="POST"):
        resp = run(lambda: _school("Kept School"), done=lambda s: f"/schools/{s.id}",
                   success=lambda s: f"Added {s.name}.")
        assert resp.status_code == 302 and resp.location.startswith("/schools/")
        assert get_flashed_messages(with_categories=True) == [("success", "Added Kept School.")]
    db.session.rollback()  # anything not committed would go now
    assert "Kept School" in _names()


@pytest.mark.parametrize("refusal", [FormError("No."), TransitionRefused(["Not now."])])
def test_a_refusal_rolls_back_and_shows_the_page_again(app_ctx, refusal):
    def operation():
        _school("Half-made School")
        raise refusal

    with app_ctx.test_request_context("/", method="POST"):
        page = run(operation, done="/", again=lambda r: (f"again: {' '.join(r.messages)}", 422))
    assert page == (f"again: {' '.join(refusal.messages)}", 422)
    assert "Half-made School" not in _names()


def test_without_a_page_the_refusal_is_flashed(app_ctx):
    with app_ctx.test_request_context("/", method="POST"):
        resp = run(lambda: (_ for _ in ()).throw(FormError(["First.", "Second."])), done="/back")
        assert resp.status_code == 302 and resp.location == "/back"
        assert get_flashed_messages(with_categories=True) == [("danger", "First."), ("danger", "Second.")]


@pytest.mark.parametrize("refusal", [NotAllowed(["Only the team lead can do this."]),
                                     FormError("Only the team lead can do this.", forbidden=True)])
def test_a_refusal_of_the_person_is_a_403_with_its_reason(app_ctx, refusal):
    def operation():
        _school("Forbidden School")
        raise refusal

    with app_ctx.test_request_context("/", method="POST"), pytest.raises(Forbidden) as err:
        run(operation, done="/", again=lambda r: "never shown")
    assert err.value.description == "Only the team lead can do this."
    assert "Forbidden School" not in _names()


def test_a_row_changed_meanwhile_is_a_409(app_ctx):
    def operation():
        _school("Stale School")
        raise StaleDataError("version mismatch")

    with app_ctx.test_request_context("/", method="POST"), pytest.raises(Conflict):
        run(operation, done="/")
    assert "Stale School" not in _names()


def test_field_messages_go_beside_their_fields_and_the_rest_to_the_summary(app_ctx):
    from forms.people import SchoolForm

    with app_ctx.test_request_context("/", method="POST"):
        form = SchoolForm(formdata=None)
        rest = show_refusal(form, FormError([("name", "That name is taken."), (None, "Check the list.")]))
        assert list(form.name.errors) == ["That name is taken."]
        assert rest == ["Check the list."]
