"""Priorities: a needs survey's answers rolled up for the district and for each school.

Each topic is ranked by its mean rating (ties: more "high need" answers, a 4 or 5, first; then by
name), with the number of answers, the count and share of high-need answers, and the response rate
(individual responses over active educators, at a school or in the district). Team responses are
reported on their own and never mixed into the individual figures.

Privacy: a school with fewer individual responses than the survey's ``privacy_threshold`` shows no
breakdown and no figures anywhere per school; the district figures still include everyone.

Everything is computed from a fixed handful of aggregate queries (GROUP BY in the database), so the
number of statements does not grow with responses, topics or schools.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from markupsafe import Markup
from sqlalchemy import case, func, select

import workflows.pl_request as pl_flow
import workflows.proposal as proposal_flow
from app.core import csvfile
from app.core.charts import bar_chart
from app.extensions import db
from app.models import (
    NeedsSurvey,
    Opportunity,
    PLRequest,
    Proposal,
    Role,
    School,
    SurveyRating,
    SurveyResponse,
    Term,
    TermKind,
    User,
    UserRole,
)
from app.models.learning import opportunity_term, proposal_priority
from app.needs.surveys import HIGH_NEED, latest_survey

# What counts as "citing" or "addressing" a priority.


def _dec(value: Fraction | None, places: str = "0.01") -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal(places), ROUND_HALF_UP)


def percent(value: Fraction | None) -> Decimal | None:
    """A share as a whole percentage (half up), or None when there is nothing to divide by."""
    return None if value is None else _dec(value * 100, "1")


@dataclass
class TopicFigures:
    term: Term
    responses: int = 0  # individual answers rating this topic
    total: int = 0  # sum of ratings
    high: int = 0  # answers rating it 4 or 5
    rank: int = 0

    @property
    def mean_exact(self) -> Fraction | None:
        return Fraction(self.total, self.responses) if self.responses else None

    @property
    def mean(self) -> Decimal | None:
        return _dec(self.mean_exact)

    @property
    def high_share(self) -> Fraction | None:
        return Fraction(self.high, self.responses) if self.responses else None

    @property
    def high_percent(self) -> Decimal | None:
        return percent(self.high_share)


@dataclass
class TeamFigures:
    term: Term
    responses: int = 0
    total: int = 0

    @property
    def mean(self) -> Decimal | None:
        return _dec(Fraction(self.total, self.responses)) if self.responses else None


@dataclass
class Scope:
    """The figures for the district or one school."""

    name: str
    school: School | None
    responses: int  # individual responses
    educators: int  # active users with the educator role
    topics: list[TopicFigures]  # ranked
    suppressed: bool = False

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.responses, self.educators) if self.educators else None

    @property
    def rate_percent(self) -> Decimal | None:
        return percent(self.rate)

    @property
    def top(self) -> list[TopicFigures]:
        return [t for t in self.topics if t.responses][:3]


@dataclass
class Rollup:
    survey: NeedsSurvey
    district: Scope
    schools: list[Scope]  # every school, by name; ``suppressed`` ones carry no figures
    teams: list[TeamFigures]  # per topic, in the survey's topic order
    team_responses: int
    proposals: dict[int, int] = field(default_factory=dict)  # term id -> proposals citing it
    opportunities: dict[int, int] = field(default_factory=dict)  # term id -> published opportunities
    pl_requests: dict[int, int] = field(default_factory=dict)  # term id -> PL requests addressing it

    @property
    def threshold(self) -> int:
        return self.survey.privacy_threshold

    def school(self, school_id: int) -> Scope | None:
        return next((s for s in self.schools if s.school is not None and s.school.id == school_id), None)

    @property
    def shown_schools(self) -> list[Scope]:
        return [s for s in self.schools if not s.suppressed]

    @property
    def hidden_schools(self) -> list[Scope]:
        return [s for s in self.schools if s.suppressed and s.responses > 0]


def rank(figures: list[TopicFigures]) -> list[TopicFigures]:
    """Highest mean first; ties: more high-need answers first, then by name. Topics nobody rated last."""
    def key(f: TopicFigures):
        mean = f.mean_exact
        return (mean is None, -(mean or 0), -f.high, f.term.name.lower())

    ordered = sorted(figures, key=key)
    for i, f in enumerate(ordered, start=1):
        f.rank = i
    return ordered


def _educators() -> dict[int | None, int]:
    rows = db.session.execute(
        select(User.school_id, func.count(User.id)).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.EDUCATOR, User.active.is_(True)).group_by(User.school_id)).all()
    return {sid: n for sid, n in rows}


def _serving_counts() -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    proposals = dict(db.session.execute(
        select(proposal_priority.c.term_id, func.count(func.distinct(proposal_priority.c.proposal_id)))
        .join(Proposal, Proposal.id == proposal_priority.c.proposal_id)
        .where(Proposal.state.not_in(proposal_flow.NOT_PUT_FORWARD)).group_by(proposal_priority.c.term_id)).all())
    opportunities = dict(db.session.execute(
        select(opportunity_term.c.term_id, func.count(func.distinct(opportunity_term.c.opportunity_id)))
        .join(Opportunity, Opportunity.id == opportunity_term.c.opportunity_id)
        .where(Opportunity.published.is_(True)).group_by(opportunity_term.c.term_id)).all())
    requests = dict(db.session.execute(
        select(PLRequest.need_term_id, func.count(PLRequest.id))
        .where(PLRequest.need_term_id.is_not(None), PLRequest.state.not_in(pl_flow.NOT_PUT_FORWARD))
        .group_by(PLRequest.need_term_id)).all())
    return proposals, opportunities, requests


def rollup(survey: NeedsSurvey) -> Rollup:
    topics = list(survey.topics)
    high = func.sum(case((SurveyRating.rating >= HIGH_NEED, 1), else_=0))
    individual = db.session.execute(
        select(SurveyResponse.school_id, SurveyRating.term_id, func.count(), func.sum(SurveyRating.rating), high)
        .join(SurveyRating, SurveyRating.response_id == SurveyResponse.id)
        .where(SurveyResponse.survey_id == survey.id, SurveyResponse.respondent_id.is_not(None))
        .group_by(SurveyResponse.school_id, SurveyRating.term_id)).all()
    responses_by_school = dict(db.session.execute(
        select(SurveyResponse.school_id, func.count())
        .where(SurveyResponse.survey_id == survey.id, SurveyResponse.respondent_id.is_not(None))
        .group_by(SurveyResponse.school_id)).all())
    team_rows = db.session.execute(
        select(SurveyRating.term_id, func.count(), func.sum(SurveyRating.rating))
        .join(SurveyResponse, SurveyRating.response_id == SurveyResponse.id)
        .where(SurveyResponse.survey_id == survey.id, SurveyResponse.team_id.is_not(None))
        .group_by(SurveyRating.term_id)).all()
    team_responses = db.session.scalar(
        select(func.count()).select_from(SurveyResponse)
        .where(SurveyResponse.survey_id == survey.id, SurveyResponse.team_id.is_not(None))) or 0
    educators = _educators()
    schools = db.session.scalars(select(School).order_by(School.name)).all()

    topic_ids = {t.id for t in topics}
    district = {t.id: TopicFigures(t) for t in topics}
    per_school: dict[int | None, dict[int, TopicFigures]] = {}
    for school_id, term_id, n, total, n_high in individual:
        if term_id not in topic_ids:
            continue
        for bucket in (district, per_school.setdefault(school_id, {t.id: TopicFigures(t) for t in topics})):
            f = bucket[term_id]
            f.responses += n
            f.total += int(total or 0)
            f.high += int(n_high or 0)

    threshold = survey.privacy_threshold
    scopes = []
    for s in schools:
        n = responses_by_school.get(s.id, 0)
        suppressed = n < threshold
        figures = [] if suppressed else rank(list(per_school.get(s.id, {t.id: TopicFigures(t) for t in topics})
                                                 .values()))
        scopes.append(Scope(s.name, s, n, educators.get(s.id, 0), figures, suppressed))

    teams = {t.id: TeamFigures(t) for t in topics}
    for term_id, n, total in team_rows:
        if term_id in teams:
            teams[term_id].responses, teams[term_id].total = n, int(total or 0)

    proposals, opportunities, requests = _serving_counts()
    return Rollup(
        survey=survey,
        district=Scope("District", None, sum(responses_by_school.values()), sum(educators.values()),
                       rank(list(district.values()))),
        schools=scopes, teams=[teams[t.id] for t in topics], team_responses=team_responses,
        proposals=proposals, opportunities=opportunities, pl_requests=requests,
    )


def topic_order(today, *, with_ranked: bool = False):
    """Active topics for a proposal to cite: by the current survey's district rank when there is one
    with answers (topics it did not ask about follow, by position), else by position. With
    ``with_ranked``, also says whether the order is the survey's ranking."""
    topics = list(db.session.scalars(select(Term).where(Term.kind == TermKind.TOPIC, Term.active.is_(True))
                                     .order_by(Term.position, Term.name)))
    survey = latest_survey(today)
    ranking = district_ranking(survey) if survey is not None else []
    ranks = {f.term.id: f.rank for f in ranking if f.responses}
    if ranks:
        topics.sort(key=lambda t: (ranks.get(t.id) is None, ranks.get(t.id) or 0))
    return (topics, bool(ranks)) if with_ranked else topics


def district_ranking(survey: NeedsSurvey) -> list[TopicFigures]:
    """Just the district ranking (one statement), for ordering choices."""
    high = func.sum(case((SurveyRating.rating >= HIGH_NEED, 1), else_=0))
    rows = db.session.execute(
        select(SurveyRating.term_id, func.count(), func.sum(SurveyRating.rating), high)
        .join(SurveyResponse, SurveyRating.response_id == SurveyResponse.id)
        .where(SurveyResponse.survey_id == survey.id, SurveyResponse.respondent_id.is_not(None))
        .group_by(SurveyRating.term_id)).all()
    figures = {t.id: TopicFigures(t) for t in survey.topics}
    for term_id, n, total, n_high in rows:
        if term_id in figures:
            f = figures[term_id]
            f.responses, f.total, f.high = n, int(total or 0), int(n_high or 0)
    return rank(list(figures.values()))


def survey_shown(surveys: list[NeedsSurvey], survey_id: int | None, today: date) -> NeedsSurvey | None:
    """The survey the priorities page (and its CSV) is about: the one chosen from ``surveys`` (the
    opened ones), else the current one."""
    if survey_id:
        return next((s for s in surveys if s.id == survey_id), None)
    return latest_survey(today)


def chart(survey: NeedsSurvey, scope: Scope | None) -> Markup | None:
    """The bar chart of a scope's mean rating per topic; none when nobody answered or the school is
    under the privacy threshold (the table next to it says why)."""
    if scope is None or scope.suppressed or not scope.responses:
        return None
    return bar_chart(
        f"Mean need rating by topic: {scope.name}",
        [f.term.name for f in scope.topics], [f.mean for f in scope.topics], series="Mean rating",
        max_value=5, name=f"Bar chart of the mean need rating (1 to 5) for each topic, {scope.name}, "
                          f"{survey.title}. The table below gives the same figures.")


CSV_HEADER = ["Scope", "Rank", "Topic", "Responses", "Mean rating (1-5)", "High need (4-5)", "High need share (%)",
              "Response rate (%)", "Team responses", "Team mean", "Proposals citing it",
              "Published PL opportunities", "PL requests addressing it"]


def csv_rows(r: Rollup) -> Iterator[list]:
    """The rollup table (``CSV_HEADER``): the district, then each school at or over the privacy threshold."""
    teams = {t.term.id: t for t in r.teams}
    for scope in [r.district, *r.shown_schools]:
        for f in scope.topics:
            team = teams.get(f.term.id)
            district = scope.school is None
            yield [scope.name, f.rank, f.term.name, f.responses, f.mean, f.high, f.high_percent, scope.rate_percent,
                   team.responses if district and team else "", team.mean if district and team else "",
                   r.proposals.get(f.term.id, 0), r.opportunities.get(f.term.id, 0), r.pl_requests.get(f.term.id, 0)]


def csv_bytes(r: Rollup) -> bytes:
    return csvfile.to_bytes(CSV_HEADER, csv_rows(r))
