"""The topic taxonomy staff manage: PL topics, grade bands, subjects.

Terms are added, renamed, reordered and retired or reactivated (each act audited, shown on the term's
page); never deleted, because surveys, answers, catalog entries, proposals, PL requests and learning
summaries refer to them. Each view loads (404), checks
(staff, 403) and hands one operation to ``app.web.run``, which commits or rolls back once.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from app.models import Term, TermKind
from app.needs import taxonomy as taxonomy_svc
from app.web import get_or_404, roles_required, run, show_refusal
from forms.needs import TermForm

bp = Blueprint("taxonomy", __name__, url_prefix="/taxonomy")


@bp.get("/")
@roles_required("staff")
def index():
    return render_template("needs/taxonomy.html", groups=taxonomy_svc.terms_by_kind())


def _render(form: TermForm, term: Term | None, status: int = 200, errors=None):
    return render_template("needs/term_form.html", form=form, term=term, errors=errors or [],
                           history=taxonomy_svc.history(term) if term is not None else []), status


def _fields(form: TermForm) -> dict:
    return dict(name=form.name.data, description=form.description.data or "", position=form.position.data,
                actor=current_user)


def _listed(kind: str) -> str:
    """The taxonomy page, at the list of ``kind``."""
    return url_for(".index") + f"#{kind}"


@bp.route("/new", methods=["GET", "POST"])
@roles_required("staff")
def new():
    if request.method != "POST":
        kind = request.args.get("kind", TermKind.TOPIC.value)
        kind = kind if kind in {k.value for k in TermKind} else TermKind.TOPIC.value
        return _render(TermForm(formdata=None, data={"kind": kind}), None)
    form = TermForm()
    return run(
        lambda: taxonomy_svc.create_term(form.kind.data, **_fields(form)), form=form,
        done=_listed(form.kind.data),
        success=lambda term: f"Added the {term.kind.label.lower()} “{term.name}”.",
        again=lambda refusal: _render(form, None, 422, show_refusal(form, refusal)),
        once=True,
    )


@bp.route("/<int:term_id>/edit", methods=["GET", "POST"])
@roles_required("staff")
def edit(term_id: int):
    term = get_or_404(Term, term_id)
    if request.method != "POST":
        return _render(TermForm(formdata=None, obj=term, data={"kind": term.kind.value}), term)
    form = TermForm()
    form.kind.data = kind = term.kind.value  # the kind of a term never changes
    return run(
        lambda: taxonomy_svc.update_term(term, **_fields(form)), form=form,
        done=_listed(kind), success=lambda saved: f"Saved “{saved.name}”.",
        again=lambda refusal: _render(form, get_or_404(Term, term_id), 422, show_refusal(form, refusal)),
    )


def _toggled(term: Term) -> str:
    if term.active:
        return f"Reactivated “{term.name}”: it is offered again in new surveys, forms, filters and summaries."
    return (f"Retired “{term.name}”: it is no longer offered in new surveys, forms, filters and summaries. What "
            "was recorded or tagged with it keeps it.")


@bp.post("/<int:term_id>/toggle")
@roles_required("staff")
def toggle(term_id: int):
    term = get_or_404(Term, term_id)
    return run(lambda: taxonomy_svc.set_active(term, not term.active, current_user), done=_listed(term.kind.value),
               success=_toggled, once=True)  # a double click would undo itself
