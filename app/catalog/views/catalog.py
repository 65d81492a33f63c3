"""The PL catalog (CONNECT): public browsing and search, .ics files; staff create, edit, import and export.

Anyone (signed in or not) browses published opportunities; an unpublished one is 404 for all but
program staff. The rules for an opportunity's fields are ``app.catalog.opportunities.validate``'s, shared
by the staff form and the CSV import. Each view that changes data hands one operation to ``app.web.run``,
which commits or rolls back once.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import BaseConverter

from app.cases.permissions import may_request_pl
from app.catalog import ics as ics_svc
from app.catalog import opportunities as catalog
from app.catalog import versions
from app.core import conditional
from app.models import Opportunity, TermKind
from app.web import csv_download, download, get_or_404, page_number, roles_required, run
from forms.catalog import CatalogFilterForm, ImportForm, OpportunityForm

bp = Blueprint("catalog", __name__, url_prefix="/catalog")

FILTER_FIELDS = ("q", "topic", "grade_band", "subject", "provider", "format", "cost")
BLANK_SESSION_ROWS = 3


class RefConverter(BaseConverter):
    """An opportunity's id or slug: letters, digits, hyphens and underscores, no dot (``<ref>.ics``)."""

    regex = r"[A-Za-z0-9_-]+"


bp.record_once(lambda state: state.app.url_map.converters.setdefault("catalogref", RefConverter))


def is_staff() -> bool:
    return current_user.is_authenticated and current_user.has_role("staff")



def absolute_url(endpoint: str, **values) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


# -- browsing ------------------------------------------------------------------------------------
def _filter_form() -> CatalogFilterForm:
    form = CatalogFilterForm(formdata=request.args, terms=catalog.active_terms())
    form.validate()
    return form


def _filters(form: CatalogFilterForm) -> catalog.CatalogFilters:
    return catalog.CatalogFilters(
        **{name: form.value(name) for name in FILTER_FIELDS}, past=bool(form.past.data),
        include_unpublished=is_staff(),
    )


def _link_args(form: CatalogFilterForm) -> dict:
    """What the page links keep: the filters in use (a refused value is reported once, then dropped)."""
    args = {k: request.args[k] for k in FILTER_FIELDS if form.value(k)}
    if form.past.data:
        args["past"] = "y"
    return args


def _active(form: CatalogFilterForm, args: dict) -> list[tuple[str, str]]:
    active = []
    for name in (*FILTER_FIELDS, "past"):
        if name not in args:
            continue
        if name == "q":
            shown = f"“{form.value('q')}”"
        elif name == "past":
            shown = "yes"
        else:
            shown = {c.value: c.label for c in form[name].choices}.get(form.value(name), form.value(name))
        rest = {k: v for k, v in args.items() if k != name}
        active.append((f"{form[name].label.text}: {shown}", url_for(".index", **rest)))
    return active


@bp.get("/")
def index():
    return conditional.respond(versions.catalog_version, _index_page)


def _index_page():
    form = _filter_form()
    page, cards = catalog.catalog_page(_filters(form), page_number())
    args = _link_args(form)
    return render_template("catalog/index.html", form=form, page=page, cards=cards, args=args,
                           active=_active(form, args), staff=is_staff(), TermKind=TermKind)


@bp.get("/export.csv")
@roles_required("staff")
def export_csv():
    form = _filter_form()
    return csv_download("pl-catalog", catalog.COLUMNS, catalog.export_rows(catalog.all_matching(_filters(form))))


def _visible(ref: str) -> Opportunity:
    o = catalog.find(ref)
    if o is None or (not o.published and not is_staff()):
        abort(404)
    return o


@bp.get("/<catalogref:ref>")
def show(ref: str):
    o = _visible(ref)
    return conditional.respond(
        lambda: versions.opportunity_version(o),
        lambda: render_template(
            "catalog/show.html", o=o, opportunity=o, card=catalog.cards([o])[0], past=catalog.is_past(o),
            staff=is_staff(), can_request="pl.new" in current_app.config["_ENDPOINTS"] and may_request_pl(current_user), TermKind=TermKind,
        ),
    )


@bp.get("/<catalogref:ref>.ics")
def ics(ref: str):
    o = _visible(ref)
    return conditional.respond(
        lambda: versions.calendar_version(o),
        lambda: download(ics_svc.calendar_for(o, absolute_url(".show", ref=o.slug)), f"{o.slug}.ics",
                         "text/calendar", private=not o.published),
    )


# -- staff: create and edit ----------------------------------------------------------------------
def _apply_problems(form: OpportunityForm, problems) -> list[str]:
    """Put each (field, message) on its field (``sessions-2-ends`` is a session row's end time);
    return the messages that belong to no field."""
    extra = []
    for name, message in problems:
        target = None
        if name and name.startswith("sessions-"):
            _, index, part = name.split("-", 2)
            entries = form.sessions.entries
            if index.isdigit() and int(index) < len(entries):
                target = entries[int(index)].form[part]
        elif name and name in form and name != "sessions":
            target = form[name]
        if target is None:
            extra.append(catalog.sentence(message))
        else:
            target.errors = [*target.errors, catalog.sentence(message)]
    return extra


def _term_choices(form: OpportunityForm, o: Opportunity | None) -> None:
    terms = catalog.active_terms()
    for t in (o.terms if o is not None else []):
        if t not in terms:
            terms.append(t)
    form.set_term_choices(terms)


def _render_form(form: OpportunityForm, o: Opportunity | None, status: int = 200, errors=None):
    return render_template("catalog/form.html", form=form, o=o, errors=errors or [],
                           taken=catalog.registered_count(o) if o is not None else 0), status


def _blank_rows(form: OpportunityForm) -> None:
    for _ in range(BLANK_SESSION_ROWS):
        form.sessions.append_entry()


def _submit(o: Opportunity | None, saved_message: str):
    """The opportunity form posted (``o`` None for a new one): saved and shown, or the form again with
    what to fix (422). ``saved_message`` takes the title."""
    form = OpportunityForm()
    _term_choices(form, o)
    o_id = o.id if o is not None else None
    return run(
        lambda: catalog.save(o, form.fields_dict(), current_user), form=form,
        done=lambda saved: url_for(".show", ref=saved.slug),
        success=lambda saved: saved_message.format(saved.title),
        again=lambda refusal: _render_form(form, get_or_404(Opportunity, o_id) if o_id is not None else None, 422,
                                           _apply_problems(form, refusal.problems)),
        once=o is None,  # an edit sent twice saves the same thing twice
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required("staff")
def new():
    if request.method != "POST":
        form = OpportunityForm(formdata=None, data={"published": True, "cost": "0", "sessions": []})
        form.sessions.entries = []
        _blank_rows(form)
        _term_choices(form, None)
        return _render_form(form, None)
    return _submit(None, "Added “{}” to the catalog.")


@bp.route("/<int:id>/edit", methods=["GET", "POST"])
@roles_required("staff")
def edit(id: int):
    o = get_or_404(Opportunity, id)
    if request.method != "POST":
        form = OpportunityForm(formdata=None, data=catalog.fields_of(o))
        _blank_rows(form)
        _term_choices(form, o)
        return _render_form(form, o)
    return _submit(o, "Saved “{}”.")


# -- staff: CSV import ---------------------------------------------------------------------------
def _render_import(form: ImportForm, status: int = 200, errors=None, row_errors=None):
    return render_template("catalog/import.html", form=form, errors=errors or [], row_errors=row_errors or [],
                           columns=catalog.COLUMNS, required=catalog.REQUIRED_COLUMNS,
                           max_rows=catalog.MAX_IMPORT_ROWS), status


def _import_again(form: ImportForm, refusal):
    """The import page again (422): what is wrong with the file, or with the form."""
    if isinstance(refusal, catalog.ImportRefused):
        return _render_import(form, 422, errors=refusal.errors, row_errors=refusal.row_errors)
    return _render_import(form, 422)


@bp.route("/import", methods=["GET", "POST"])
@roles_required("staff")
def import_csv():
    if request.method != "POST":
        return _render_import(ImportForm(formdata=None))
    form = ImportForm()
    return run(
        lambda: catalog.import_file(form.file.data.stream.read(catalog.MAX_IMPORT_BYTES + 1), current_user),
        form=form, done=url_for(".index"),
        success=lambda result: result.summary(),
        again=lambda refusal: _import_again(form, refusal),
        once=True,
    )


@bp.get("/import/template.csv")
@roles_required("staff")
def import_template():
    return download(catalog.template_csv(), "pl-catalog-import-template.csv", "text/csv")
