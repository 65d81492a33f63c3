"""“Recommended for you”: catalog opportunities ranked by fit to an educator's own signals.

The only signals are the educator's own: their ratings in the most recent needs survey they
answered (a topic rated higher weighs more) and their profile's grade bands and subjects
(``User.profile_terms``). Every point of a score comes with a reason the educator reads.

Never recommended: unpublished opportunities, ones whose first session has started, full ones
(no seat left, even with a waitlist), and ones the educator is already registered or waitlisted
for, or has a PL request for (other than a cancelled one). Order: score (highest first), then
the soonest start, then id. The statement count does not grow with the catalog: the candidates
are one statement (with their terms and sessions eager-loaded by one statement each, however many
candidates there are) and the seat counts one grouped statement.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import exists, func, select
from sqlalchemy.orm import subqueryload

from app.catalog import registrations
from app.core import clock
from app.extensions import db
from app.models import (
    NeedsSurvey,
    Opportunity,
    OpportunitySession,
    PLRequest,
    Registration,
    SurveyResponse,
    TermKind,
    User,
)
from workflows.pl_request import PLRequestState

# Points per matched topic, by the educator's rating of that topic's need (1 little ... 5 a lot).
RATING_WEIGHT = {1: 0, 2: 1, 3: 2, 4: 4, 5: 6}
REASON_RATING = 4  # ratings this high are named as a reason
PROFILE_WEIGHT = 3  # per matching grade band or subject


@dataclass
class Recommendation:
    opportunity: Opportunity
    score: int
    reasons: list[str] = field(default_factory=list)
    seats_left: int | None = None


@dataclass
class Signals:
    """What the educator told us: the latest survey's ratings and their profile's terms."""

    survey: NeedsSurvey | None
    ratings: dict[int, tuple[str, int]]  # term id -> (topic name, rating)
    grade_bands: dict[int, str]
    subjects: dict[int, str]

    @property
    def empty(self) -> bool:
        return not (self.ratings or self.grade_bands or self.subjects)


def latest_response(user: User) -> SurveyResponse | None:
    """The user's own answers to the most recent survey they answered (ratings and topics eager-loaded)."""
    return db.session.scalar(
        select(SurveyResponse).join(NeedsSurvey, NeedsSurvey.id == SurveyResponse.survey_id)
        .where(SurveyResponse.respondent_id == user.id)
        .order_by(NeedsSurvey.opens_on.desc(), NeedsSurvey.id.desc())
        .limit(1)
    )


def signals_for(user: User) -> Signals:
    response = latest_response(user)
    ratings = {r.term_id: (r.term.name, r.rating) for r in response.ratings} if response else {}
    bands = {t.id: t.name for t in user.profile_terms if t.kind is TermKind.GRADE_BAND}
    subjects = {t.id: t.name for t in user.profile_terms if t.kind is TermKind.SUBJECT}
    return Signals(response.survey if response else None, ratings, bands, subjects)


def has_signals(user: User) -> bool:
    return not signals_for(user).empty


def _cutoff(today: date | None) -> datetime:
    """Opportunities whose first session starts at or before this are past."""
    if today is None:
        return clock.now()
    return datetime.combine(today, time.min, tzinfo=clock.BOSTON).astimezone(UTC)


def _candidates(user: User, cutoff: datetime) -> list[Opportunity]:
    first_start = (select(func.min(OpportunitySession.starts_at))
                   .where(OpportunitySession.opportunity_id == Opportunity.id).scalar_subquery())
    registered = exists().where(Registration.opportunity_id == Opportunity.id, Registration.user_id == user.id,
                                Registration.status.in_(registrations.ACTIVE))
    requested = exists().where(PLRequest.opportunity_id == Opportunity.id, PLRequest.requester_id == user.id,
                               PLRequest.state != PLRequestState.CANCELLED)
    # Terms and sessions by subquery: one statement each for any number of candidates (the models'
    # selectin loading sends one more statement per 500 opportunities).
    return list(db.session.scalars(
        select(Opportunity).where(Opportunity.published.is_(True), first_start > cutoff, ~registered, ~requested)
        .options(subqueryload(Opportunity.terms), subqueryload(Opportunity.sessions))
    ))


def _grade_words(name: str) -> str:
    return name[0].lower() + name[1:] if name.lower().startswith("grade") else name


def score(opportunity: Opportunity, signals: Signals) -> tuple[int, list[str]]:
    points, reasons = 0, []
    year = signals.survey.school_year if signals.survey else ""
    matched = [(signals.ratings[t.id], t) for t in opportunity.terms_of(TermKind.TOPIC) if t.id in signals.ratings]
    for (name, rating), _term in sorted(matched, key=lambda m: (-m[0][1], m[1].position, m[1].name)):
        points += RATING_WEIGHT.get(rating, 0)
        if rating >= REASON_RATING:
            reasons.append(f"You rated {name} {rating} of 5 in the {year} needs survey")
    for t in opportunity.terms_of(TermKind.GRADE_BAND):
        if t.id in signals.grade_bands:
            points += PROFILE_WEIGHT
            reasons.append(f"For {_grade_words(t.name)}, your grade band")
    for t in opportunity.terms_of(TermKind.SUBJECT):
        if t.id in signals.subjects:
            points += PROFILE_WEIGHT
            reasons.append(f"In {t.name}, your subject")
    return points, reasons


def recommend(user: User, today: date | None = None, limit: int = 6,
              signals: Signals | None = None) -> list[Recommendation]:
    """The best ``limit`` opportunities for ``user`` with the reasons for each (only ones that fit).

    ``today``: opportunities starting before that day (Boston) are past; by default, before now."""
    signals = signals or signals_for(user)
    if signals.empty:
        return []
    candidates = _candidates(user, _cutoff(today))
    counts = registrations.counts_for(o.id for o in candidates)
    out = []
    for o in candidates:
        left = registrations.seats_left(o, counts[o.id][0]) if o.capacity is not None else None
        if left == 0:
            continue  # full: a waitlist is no recommendation
        points, reasons = score(o, signals)
        if points > 0:
            out.append(Recommendation(o, points, reasons, left))
    out.sort(key=lambda r: (-r.score, r.opportunity.starts_at, r.opportunity.id))
    return out[:limit]


__all__ = ["Recommendation", "Signals", "has_signals", "latest_response", "recommend", "score", "signals_for"]
