"""The open API's answers, read with the public pages' own queries.

Each list runs its page's query (``app.sharing.gallery.gallery_page``, ``app.catalog.opportunities.catalog_page``,
``app.needs.priorities.rollup``) with the page's filters, already checked by the page's own filter form, and
turns the same cards the page draws into the models of ``app.api.schemas``. Nothing here decides what is
public: that is the page's query's rule, so the API can never show more than the page.
"""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from flask import current_app, request, url_for
from sqlalchemy import select

from app.api import schemas as out
from app.catalog import opportunities as catalog
from app.core import clock
from app.extensions import db
from app.models import GrantType, PLFormat, ProviderKind, SchoolLevel, SummaryArtifact, Term, TermKind
from app.needs import priorities as priority_svc
from app.sharing import gallery

FILTER_LABELS = {TermKind.TOPIC: "topic", TermKind.GRADE_BAND: "grade_band", TermKind.SUBJECT: "subject"}


def absolute(endpoint: str, **values) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


# -- paging --------------------------------------------------------------------------------------
def _page_url(args: dict, page: int) -> str:
    query = urlencode({**args, "page": page}) if page > 1 else urlencode(args)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + request.path
    return f"{base}?{query}" if query else base


def paging(pagination, args: dict) -> tuple[out.Paging, out.Links]:
    """The page's figures and its links (``args``: the filters in use, kept on every link)."""
    pages = max(pagination.pages, 1)
    page = pagination.page
    links = out.Links(
        self=_page_url(args, page), first=_page_url(args, 1), last=_page_url(args, pages),
        next=_page_url(args, page + 1) if page < pages else None,
        prev=_page_url(args, page - 1) if page > 1 else None,
    )
    return out.Paging(page=page, per_page=pagination.per_page, pages=pages, total=pagination.total), links


def _tags(terms: Iterable[Term]) -> list[out.Tag]:
    return [out.Tag(kind=t.kind.value, slug=t.slug, name=t.name) for t in terms]


def _choices(pairs) -> list[out.Choice]:
    return [out.Choice(value=str(v), label=str(label), count=n) for v, label, n in pairs]


# -- learning summaries --------------------------------------------------------------------------
def _files(summary_ids: list[int]) -> dict[int, list[SummaryArtifact]]:
    """The shared files of the page's summaries, in one statement (their bytes are not read)."""
    found: dict[int, list[SummaryArtifact]] = {i: [] for i in summary_ids}
    if summary_ids:
        for a in db.session.scalars(select(SummaryArtifact).where(SummaryArtifact.summary_id.in_(summary_ids))
                                    .order_by(SummaryArtifact.uploaded_at, SummaryArtifact.id)):
            found[a.summary_id].append(a)
    return found


def learning_page(filters: gallery.GalleryFilters, page: int, args: dict, facets: gallery.Facets) -> out.LearningPage:
    pagination, cards = gallery.gallery_page(filters, page)
    files = _files([c.summary.id for c in cards])
    items = []
    for c in cards:
        s = c.summary
        items.append(out.LearningSummary(
            slug=s.slug, title=c.title, published_at=c.published_at, year=c.year,
            grant_type=c.grant_type.value if c.grant_type else None, body=s.body or "",
            tags=_tags(s.tags), schools=[out.School(name=x.name, level=x.level.value) for x in c.schools],
            files=[out.SharedFile(filename=a.filename, description=a.description, content_type=a.content_type,
                                  size=a.size, url=absolute("gallery.artifact", slug=s.slug, artifact_id=a.id))
                   for a in files[s.id]],
            url=absolute("gallery.show", slug=s.slug), pdf_url=absolute("gallery.pdf", slug=s.slug),
        ))
    page_figures, links = paging(pagination, args)
    tags = {FILTER_LABELS[kind]: _choices(values) for kind, values in facets.tags.items()}
    filters_out = out.LearningFilters(
        **tags,
        school_level=[out.Choice(value=lvl.value, label=lvl.label) for lvl in SchoolLevel],
        grant_type=[out.Choice(value=g.value, label=g.label) for g in GrantType],
        year=[out.Choice(value=str(y), label=str(y), count=n) for y, n in facets.years],
    )
    return out.LearningPage(items=items, paging=page_figures, links=links, filters=filters_out)


# -- the PL catalog ------------------------------------------------------------------------------
def _day(dt):
    return clock.local(dt).date() if dt is not None else None


def catalog_page(filters: catalog.CatalogFilters, page: int, args: dict, terms: list[Term]) -> out.CatalogPage:
    pagination, cards = catalog.catalog_page(filters, page)
    items = []
    for c in cards:
        o = c.opportunity
        items.append(out.Opportunity(
            slug=o.slug, title=o.title, description=o.description or "", provider_kind=o.provider_kind.value,
            provider_name=o.provider_name, format=o.format.value, cost=o.cost, capacity=o.capacity,
            seats_left=c.seats_left, pdps=o.pdps, hours=o.hours, starts_on=_day(o.first_starts_at),
            ends_on=_day(o.last_ends_at), web_address=o.url or "", contact_email=o.contact_email or "",
            tags=_tags(o.terms),
            sessions=[out.Session(starts_at=s.starts_at, ends_at=s.ends_at, location=s.location or "")
                      for s in o.sessions],
            url=absolute("catalog.show", ref=o.slug), ics_url=absolute("catalog.ics", ref=o.slug),
        ))
    page_figures, links = paging(pagination, args)
    by_kind = {kind: [out.Choice(value=t.slug, label=t.name) for t in terms if t.kind is kind] for kind in TermKind}
    filters_out = out.CatalogFilters(
        topic=by_kind[TermKind.TOPIC], grade_band=by_kind[TermKind.GRADE_BAND], subject=by_kind[TermKind.SUBJECT],
        provider=[out.Choice(value=k.value, label=k.label) for k in ProviderKind],
        format=[out.Choice(value=f.value, label=f.label) for f in PLFormat],
        cost=[out.Choice(value="free", label="Free"), out.Choice(value="paid", label="Paid")],
    )
    return out.CatalogPage(items=items, paging=page_figures, links=links, filters=filters_out)


# -- priorities ----------------------------------------------------------------------------------
def _survey(s) -> out.SurveyRef:
    return out.SurveyRef(id=s.id, title=s.title, school_year=s.school_year, privacy_threshold=s.privacy_threshold)


def _scope(r: priority_svc.Rollup, scope: priority_svc.Scope) -> out.Scope:
    return out.Scope(
        name=scope.name, school_id=scope.school.id if scope.school is not None else None,
        responses=scope.responses, educators=scope.educators, response_rate_percent=scope.rate_percent,
        topics=[out.TopicFigures(
            rank=f.rank, topic=f.term.name, slug=f.term.slug, mean=f.mean, responses=f.responses, high_need=f.high,
            high_need_percent=f.high_percent, proposals=r.proposals.get(f.term.id, 0),
            opportunities=r.opportunities.get(f.term.id, 0), pl_requests=r.pl_requests.get(f.term.id, 0),
        ) for f in scope.topics],
    )


def priorities(survey, surveys: list, school_id: int | None) -> out.Priorities:
    """What the priorities page shows for ``survey``: the district, every school at or over the privacy
    threshold (or only ``school_id``'s, when it is), the names of those under it, and the team responses."""
    r = priority_svc.rollup(survey)
    shown = [s for s in r.shown_schools if school_id is None or s.school.id == school_id]
    hidden = [s for s in r.hidden_schools if school_id is None or s.school.id == school_id]
    return out.Priorities(
        survey=_survey(survey), surveys=[_survey(s) for s in surveys], district=_scope(r, r.district),
        team_responses=r.team_responses,
        teams=[out.TeamFigures(topic=t.term.name, responses=t.responses, mean=t.mean) for t in r.teams],
        schools=[_scope(r, s) for s in shown], schools_not_shown=[s.name for s in hidden],
    )
