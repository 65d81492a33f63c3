"""The public learning gallery (MAGNIFY): published learning summaries, for anyone, no sign-in.

Only what ``app.sharing.gallery`` calls published is ever shown or served: an unknown slug
and a summary that is not (or no longer) published are both 404.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from werkzeug.routing import BaseConverter

from app.core import conditional
from app.models import LearningSummary, TermKind
from app.sharing import compendium as compendium_ops
from app.sharing import gallery, summaries, versions
from app.web import download, page_number
from forms.sharing import GalleryFilterForm

bp = Blueprint("gallery", __name__, url_prefix="/learning")


class SlugConverter(BaseConverter):
    """A summary's slug: letters, digits, hyphens and underscores, no dot (so ``<slug>.pdf`` is the PDF)."""

    regex = r"[A-Za-z0-9_-]+"


# Registered before the blueprint's rules (deferred functions run in the order they are recorded).
bp.record_once(lambda state: state.app.url_map.converters.setdefault("slug", SlugConverter))

FILTER_FIELDS = ("q", "topic", "grade_band", "subject", "school_level", "grant_type", "year")


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link under the app's public address (``PUBLIC_BASE_URL``)."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _filters(form: GalleryFilterForm) -> gallery.GalleryFilters:
    return gallery.GalleryFilters(
        q=form.value("q"),
        topic=form.value("topic"),
        grade_band=form.value("grade_band"),
        subject=form.value("subject"),
        school_level=form.value("school_level"),
        grant_type=form.value("grant_type"),
        year=form.value("year"),
    )


def _active(form: GalleryFilterForm, args: dict) -> list[tuple[str, str]]:
    """(what the filter is, the URL without it) for each filter in use."""
    active = []
    for name in FILTER_FIELDS:
        value = form.value(name)
        if not value:
            continue
        if name == "q":
            shown = f"“{value}”"
        elif name in ("school_level", "grant_type"):
            shown = {c.value: c.label for c in form[name].choices}[value]
        elif name in form.tag_names:
            shown = form.tag_names[name].get(value, str(value))
        else:
            shown = str(value)
        rest = {k: v for k, v in args.items() if k != name}
        active.append((f"{form[name].label.text}: {shown}", url_for(".index", **rest)))
    return active


@bp.get("")
def index():
    return conditional.respond(versions.gallery_version, _index_page)


def _index_page():
    facets = gallery.facets()
    form = GalleryFilterForm(formdata=request.args, facets=facets)
    form.validate()
    page, cards = gallery.gallery_page(_filters(form), page_number())
    # What the page links keep: the filters in use (a refused value is reported once, then dropped).
    args = {k: request.args[k] for k in FILTER_FIELDS if form.value(k)}
    return render_template("sharing/gallery.html", form=form, page=page, cards=cards, args=args,
                           active=_active(form, args), TagKind=TermKind, years=facets.years)


@bp.get("/feed.atom")
def feed():
    return conditional.respond(versions.gallery_version, _feed)


def _feed():
    body = gallery.atom_feed(gallery.newest(), base_url=current_app.config["PUBLIC_BASE_URL"],
                             absolute=absolute_url)
    resp = Response(body, mimetype="application/atom+xml")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def _published_or_404(slug: str) -> LearningSummary:
    """The published summary at this slug; anything else (unknown, draft, unpublished) is 404."""
    summary = gallery.published_by_slug(slug)
    if summary is None:
        abort(404)
    return summary


@bp.get("/<int(fixed_digits=4):year>.pdf")
def compendium(year: int):
    """The year's published summaries in one PDF (before ``<slug>.pdf``: a four-digit name is a year)."""
    found = compendium_ops.version(year)
    if not found.count:
        abort(404, f"No learning summary was published in {year}, so there is no compendium of that year.")
    return conditional.respond(
        lambda: ((found.key,), found.last_modified),
        lambda: download(compendium_ops.pdf_for(found), f"learning-summaries-{year}.pdf", "application/pdf",
                         private=False),
    )


@bp.get("/<slug:slug>")
def show(slug: str):
    summary = _published_or_404(slug)
    return conditional.respond(
        lambda: versions.summary_version(summary),
        lambda: render_template("sharing/gallery_summary.html", summary=summary, card=gallery.card_for(summary),
                                TagKind=TermKind),
    )


@bp.get("/<slug:slug>.pdf")
def pdf(slug: str):
    summary = _published_or_404(slug)
    return conditional.respond(
        lambda: versions.summary_version(summary),
        lambda: download(summaries.render_published_pdf(summary), f"{summary.slug}.pdf", "application/pdf",
                         private=False),
    )


@bp.get("/<slug:slug>/artifacts/<int:artifact_id>")
def artifact(slug: str, artifact_id: int):
    found = gallery.published_artifact(slug, artifact_id)
    if found is None:
        abort(404)
    return download(found.data, found.filename, found.content_type, private=False)
