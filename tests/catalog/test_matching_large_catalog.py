"""“Recommended for you” over a catalog larger than 500 upcoming opportunities sends as many statements as
over three (selectin loading would send one more per 500 for their terms and one for their sessions), and
still reads each opportunity's terms and sessions right: the soonest start comes first among equal scores,
dated by its first session."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from app.catalog import matching as M
from app.core import clock
from app.extensions import db
from app.models import Opportunity, OpportunitySession, PLFormat, ProviderKind
from tests.sqlcount import statements as sql_statements


def _add(terms, count: int, first_day_offset: int) -> None:
    """``count`` opportunities with two sessions each, added in one flush (later session first)."""
    for i in range(count):
        day = clock.today() + timedelta(days=first_day_offset + i)
        o = Opportunity(slug=f"bulk-{first_day_offset}-{i}", title=f"Bulk workshop {first_day_offset}-{i}",
                        provider_kind=ProviderKind.BTU, provider_name="Boston Teachers Union",
                        format=PLFormat.IN_PERSON, cost=Decimal("0"), pdps=3, hours=Decimal("3"), terms=list(terms))
        o.sessions = [
            OpportunitySession(starts_at=datetime.combine(day + timedelta(days=k), time(20), tzinfo=UTC),
                               ends_at=datetime.combine(day + timedelta(days=k), time(22), tzinfo=UTC))
            for k in (7, 0)
        ]
        db.session.add(o)
    db.session.flush()


def test_statements_do_not_grow_past_500_candidates(factory):
    literacy = factory.term("Literacy")
    survey = factory.survey([literacy])
    me = factory.user("educator")
    factory.response(survey, {literacy: 5}, respondent=me)

    def count() -> tuple[int, list[M.Recommendation]]:
        db.session.expire_all()
        with sql_statements() as statements:
            recs = M.recommend(me, limit=3)
        return len(statements), recs

    _add([literacy], 3, first_day_offset=600)
    small, _ = count()
    _add([literacy], 1100, first_day_offset=2)
    large, recs = count()

    assert large == small
    assert [r.opportunity.title for r in recs] == ["Bulk workshop 2-0", "Bulk workshop 2-1", "Bulk workshop 2-2"]
    first = recs[0].opportunity
    assert clock.local(first.starts_at).date() == clock.today() + timedelta(days=2)
    assert [t.name for t in first.terms] == ["Literacy"]
    assert recs[0].reasons == [f"You rated Literacy 5 of 5 in the {survey.school_year} needs survey"]
