"""The topic taxonomy staff manage: PL topics, grade bands, subjects.

Terms are added, renamed, reordered and deactivated or reactivated; never deleted, because surveys,
answers, catalog entries, proposals and PL requests refer to them.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.extensions import db
from app.models import Term, TermKind
from app.needs import taxonomy as taxonomy_svc
from app.web import get_or_404, roles_required
from forms.needs import TermForm

bp = Blueprint("taxonomy", __name__, url_prefix="/taxonomy")


@bp.get("/")
@roles_required("staff")
def index():
    return render_template("needs/taxonomy.html", groups=taxonomy_svc.terms_by_kind())


def _render(form: TermForm, term: Term | None, status: int = 200, errors=None):
    return render_template("needs/term_form.html", form=form, term=term, errors=errors or []), status


def _attach(form: TermForm, exc: taxonomy_svc.TaxonomyError) -> list[str]:
    if exc.field and exc.field in form:
        form[exc.field].errors = [*form[exc.field].errors, str(exc)]
        return []
    return [str(exc)]


@bp.route("/new", methods=["GET", "POST"])
@roles_required("staff")
def new():
    if request.method != "POST":
        kind = request.args.get("kind", TermKind.TOPIC.value)
        form = TermForm(formdata=None, data={"kind": kind if kind in {k.value for k in TermKind} else "topic"})
        return _render(form, None)
    form = TermForm()
    if not form.validate_on_submit():
        return _render(form, None, 422)
    try:
        term = taxonomy_svc.create_term(form.kind.data, name=form.name.data, description=form.description.data or "",
                                        position=form.position.data)
    except taxonomy_svc.TaxonomyError as exc:
        db.session.rollback()
        return _render(form, None, 422, _attach(form, exc))
    label, name = term.kind.label.lower(), term.name
    db.session.commit()
    flash(f"Added the {label} “{name}”.", "success")
    return redirect(url_for(".index") + f"#{form.kind.data}")


@bp.route("/<int:term_id>/edit", methods=["GET", "POST"])
@roles_required("staff")
def edit(term_id: int):
    term = get_or_404(Term, term_id)
    if request.method != "POST":
        return _render(TermForm(formdata=None, obj=term, data={"kind": term.kind.value}), term)
    form = TermForm()
    form.kind.data = term.kind.value  # the kind of a term never changes
    if not form.validate_on_submit():
        return _render(form, term, 422)
    try:
        taxonomy_svc.update_term(term, name=form.name.data, description=form.description.data or "",
                                 position=form.position.data)
    except taxonomy_svc.TaxonomyError as exc:
        db.session.rollback()
        return _render(form, get_or_404(Term, term_id), 422, _attach(form, exc))
    name, kind = term.name, term.kind.value
    db.session.commit()
    flash(f"Saved “{name}”.", "success")
    return redirect(url_for(".index") + f"#{kind}")


@bp.post("/<int:term_id>/toggle")
@roles_required("staff")
def toggle(term_id: int):
    term = get_or_404(Term, term_id)
    taxonomy_svc.set_active(term, not term.active)
    name, active, kind = term.name, term.active, term.kind.value
    db.session.commit()
    if active:
        flash(f"Reactivated “{name}”: it is offered again in new surveys, forms and filters.", "success")
    else:
        flash(f"Deactivated “{name}”: it is no longer offered in new surveys, forms and filters. What was "
              "recorded against it keeps it.", "success")
    return redirect(url_for(".index") + f"#{kind}")
