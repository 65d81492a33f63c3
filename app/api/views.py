"""Blueprint ``api``: ``/api/v1/...``, read-only JSON for anyone, its OpenAPI document and its reference page.

Each list view: spectree checks the query's shape (``forms/api.py``; 422 with reasons), the page's own filter
form checks the values against the data (422 with the page's messages), then ``app.core.conditional``
answers 304 or the page's query is run (``app/api/reads.py``). Views change nothing.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from werkzeug.datastructures import MultiDict

from app.api import problems, reads, reference
from app.api.schemas import CatalogPage, LearningPage, Priorities
from app.api.spec import answers, spec
from app.catalog import opportunities as catalog
from app.catalog import versions as catalog_versions
from app.core import clock, conditional
from app.needs import priorities as priority_svc
from app.needs import surveys as survey_svc
from app.people.accounts import all_schools
from app.sharing import gallery
from app.sharing import versions as gallery_versions
from forms.api import CatalogQuery, LearningQuery, PriorityQuery
from forms.catalog import CatalogFilterForm
from forms.needs import PriorityFilterForm
from forms.sharing import GalleryFilterForm

bp = Blueprint("api", __name__, url_prefix="/api/v1")

GALLERY_FIELDS = ("q", "topic", "grade_band", "subject", "school_level", "grant_type", "year")
CATALOG_FIELDS = ("q", "topic", "grade_band", "subject", "provider", "format", "cost")


def _json(model):
    return current_app.response_class(model.model_dump_json(), mimetype="application/json")


def _args(query, names) -> dict:
    """The filters in use, as text (what the page's form reads and what the links keep)."""
    return {n: str(getattr(query, n)) for n in names if getattr(query, n) not in (None, "")}


def _checked(form) -> None:
    """The page's form: a value it would refuse on the page is refused here, with its message."""
    if not form.validate():
        problems.refuse([(name, message) for name, messages in form.errors.items() for message in messages])


# -- learning summaries ----------------------------------------------------------------------------
@bp.get("/learning-summaries")
@spec.validate(query=LearningQuery, resp=answers(LearningPage), tags=["Learning gallery"])
def learning_summaries():
    """Published learning summaries

    What the public gallery (`/learning`) lists, newest first (with `q`, best matches first), twelve to a
    page: each summary's text, tags, the team's schools and the public addresses of its shared files and PDF.
    `filters` gives the values each filter accepts."""
    return conditional.respond(gallery_versions.gallery_version, _learning)


def _learning():
    query, facets = request.context.query, gallery.facets()
    args = _args(query, GALLERY_FIELDS)
    form = GalleryFilterForm(formdata=MultiDict(args), facets=facets)
    _checked(form)
    filters = gallery.GalleryFilters(**{n: form.value(n) for n in GALLERY_FIELDS})
    return _json(reads.learning_page(filters, query.page, args, facets))


# -- the PL catalog --------------------------------------------------------------------------------
@bp.get("/pl-opportunities")
@spec.validate(query=CatalogQuery, resp=answers(CatalogPage), tags=["PL catalog"])
def pl_opportunities():
    """PL opportunities in the catalog

    What the public PL catalog (`/catalog/`) lists: published opportunities whose last session is not over
    (`past=true` adds the past ones, after), by first session, twelve to a page, each with its sessions
    (UTC), its seats left and its tags."""
    return conditional.respond(catalog_versions.catalog_version, _catalog)


def _catalog():
    query, terms = request.context.query, catalog.active_terms()
    args = _args(query, CATALOG_FIELDS)
    form = CatalogFilterForm(formdata=MultiDict(args), terms=terms)
    _checked(form)
    filters = catalog.CatalogFilters(**{n: form.value(n) for n in CATALOG_FIELDS}, past=query.past)
    if query.past:
        args["past"] = "true"
    return _json(reads.catalog_page(filters, query.page, args, terms))


# -- priorities ------------------------------------------------------------------------------------
@bp.get("/priorities")
@spec.validate(query=PriorityQuery, resp=answers(Priorities, not_found=True), tags=["Learning priorities"])
def priorities():
    """Ranked learning priorities

    The needs survey's topics ranked by mean need rating for the district and for each school with at least
    the survey's privacy threshold of individual responses (a school under it is only named), as the
    priorities page shows them. 404 when no survey has been opened yet."""
    query, today = request.context.query, clock.today()
    surveys = survey_svc.opened_surveys(today)
    args = {k: str(v) for k, v in query.model_dump().items() if v is not None}
    _checked(PriorityFilterForm(formdata=MultiDict(args), surveys=surveys, schools=all_schools()))
    survey = priority_svc.survey_shown(surveys, query.survey, today)
    if survey is None:
        problems.not_found("No needs survey has been opened yet, so there are no priorities to show.")
    return conditional.by_content(_json(reads.priorities(survey, surveys, query.school)))


# -- the document and its reference page -----------------------------------------------------------
@bp.get("/openapi.json")
def openapi():
    return conditional.respond(lambda: (("openapi",), None), lambda: current_app.json.response(spec.spec))


@bp.get("/docs")
def docs():
    return conditional.respond(lambda: (("docs",), None),
                               lambda: _docs_page(reference.build(spec.spec)))


def _docs_page(ref):
    return render_template("api/docs.html", ref=ref, schema_names={s.name for s in ref.schemas})
