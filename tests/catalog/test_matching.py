"""“Recommended for you”: a crafted educator's ratings and grade band put the expected opportunities first,
in the expected order, with the right reasons; past, full, unpublished, registered and requested ones never
appear; the statement count does not grow with the catalog."""
from __future__ import annotations

from datetime import timedelta

from app.catalog import matching as M
from app.catalog import registrations as R
from app.core import clock
from app.extensions import db
from app.models import PLRequestState, ProviderKind, TermKind
from tests.sqlcount import statements as sql_statements


def crafted(factory):
    """Topics rated Literacy 5, Math 4, SEL 2, CRT 1 in 2026-27 (and an older survey rated otherwise);
    profile: grades 3-5 and ELA."""
    t = {n: factory.term(n, position=i) for i, n in enumerate(["Culturally responsive teaching", "Literacy", "Math",
                                                                 "SEL", "Technology"])}
    band = factory.term("Grades 3-5", TermKind.GRADE_BAND)
    other_band = factory.term("Grades 9-12", TermKind.GRADE_BAND)
    ela = factory.term("English language arts", TermKind.SUBJECT)
    staff = factory.user("staff")
    old = factory.survey(list(t.values()), school_year="2025-26", created_by=staff,
                         opens_on=clock.today() - timedelta(days=400), closes_on=clock.today() - timedelta(days=380))
    new = factory.survey(list(t.values()), school_year="2026-27", created_by=staff)
    me = factory.user("educator", name="Erin Educator")
    me.profile_terms = [band, ela]
    factory.response(old, {t["Technology"]: 5, t["Math"]: 1}, respondent=me)
    factory.response(new, {t["Literacy"]: 5, t["Math"]: 4, t["SEL"]: 2, t["Culturally responsive teaching"]: 1},
                     respondent=me)
    db.session.flush()
    return me, t, band, other_band, ela


def test_expected_opportunities_come_first_in_order_with_reasons(factory):
    me, t, band, other_band, ela = crafted(factory)
    f = factory.opportunity
    lit_band = f("Literacy for grades 3-5", terms=[t["Literacy"], band], starts_in_days=20)     # 6 + 3 = 9
    lit_math = f("Literacy and math", terms=[t["Literacy"], t["Math"]], starts_in_days=30)      # 6 + 4 = 10
    lit_soon = f("Literacy basics", terms=[t["Literacy"]], starts_in_days=5)                    # 6
    lit_late = f("Literacy again", terms=[t["Literacy"]], starts_in_days=25)                    # 6, later
    ela_only = f("ELA writing", terms=[ela, other_band], starts_in_days=10)                     # 3
    sel = f("SEL circles", terms=[t["SEL"]], starts_in_days=10)                                 # 1
    f("CRT book study", terms=[t["Culturally responsive teaching"]])                            # 0: not shown
    f("Technology", terms=[t["Technology"]])  # rated only in the older survey: 0, not shown
    f("High school only", terms=[other_band])                                                   # 0

    recs = M.recommend(me, limit=10)
    assert [r.opportunity for r in recs] == [lit_math, lit_band, lit_soon, lit_late, ela_only, sel]
    assert [r.score for r in recs] == [10, 9, 6, 6, 3, 1]
    assert recs[0].reasons == ["You rated Literacy 5 of 5 in the 2026-27 needs survey",
                               "You rated Math 4 of 5 in the 2026-27 needs survey"]
    assert recs[1].reasons == ["You rated Literacy 5 of 5 in the 2026-27 needs survey",
                               "For grades 3-5, your grade band"]
    assert recs[4].reasons == ["In English language arts, your subject"]
    assert recs[5].reasons == []  # a rating of 2 adds a little weight but is not named as a reason
    assert [r.opportunity for r in M.recommend(me, limit=3)] == [lit_math, lit_band, lit_soon]


def test_past_full_unpublished_registered_and_requested_never_appear(factory):
    me, t, band, *_ = crafted(factory)
    f = factory.opportunity
    ok = f("Open literacy", terms=[t["Literacy"]], capacity=3)
    past = f("Past literacy", terms=[t["Literacy"], band], starts_in_days=-3)
    started = f("Started literacy", terms=[t["Literacy"], band], sessions=3)
    started.sessions[0].starts_at = clock.now() - timedelta(minutes=1)
    started.sessions[0].ends_at = clock.now() + timedelta(hours=2)
    full = f("Full literacy", terms=[t["Literacy"], band], capacity=1)
    hidden = f("Hidden literacy", terms=[t["Literacy"], band], published=False)
    mine = f("My literacy", terms=[t["Literacy"], band], capacity=5)
    waiting = f("Waiting literacy", terms=[t["Literacy"], band], capacity=1)
    requested = f("Requested course", terms=[t["Literacy"], band], provider_kind=ProviderKind.OUTSIDE, cost="300.00")
    cancelled_req = f("Once requested", terms=[t["Literacy"]], provider_kind=ProviderKind.OUTSIDE, cost="300.00")
    someone = factory.user("educator")
    R.register(full, someone)
    R.register(waiting, someone)
    factory.registration(full, factory.user("educator"), status="waitlisted")  # full even with a waitlist
    R.register(mine, me)
    R.register(waiting, me)
    factory.pl_request(me, PLRequestState.SUBMITTED, opportunity=requested)
    factory.pl_request(me, PLRequestState.CANCELLED, opportunity=cancelled_req)
    db.session.flush()

    shown = [r.opportunity for r in M.recommend(me, limit=20)]
    assert ok in shown and cancelled_req in shown
    for never in (past, started, full, hidden, mine, waiting, requested):
        assert never not in shown, never.title
    assert next(r for r in M.recommend(me, limit=20) if r.opportunity == ok).seats_left == 3
    # with a seat freed, the full one comes back
    R.cancel(full, someone)
    R.fill_open_seats(full)  # the waitlisted person takes it: still full
    assert full not in [r.opportunity for r in M.recommend(me, limit=20)]


def test_today_moves_the_cutoff(factory):
    me, t, *_ = crafted(factory)
    soon = factory.opportunity("Soon", terms=[t["Literacy"]], starts_in_days=3)
    assert soon in [r.opportunity for r in M.recommend(me)]
    assert soon not in [r.opportunity for r in M.recommend(me, today=clock.today() + timedelta(days=5))]


def test_no_signals_no_recommendations(factory):
    t = factory.term("Literacy")
    factory.opportunity("Literacy", terms=[t])
    nobody = factory.user("educator")
    assert M.recommend(nobody) == [] and not M.has_signals(nobody)


def test_profile_only_educator_gets_grade_band_matches(factory):
    band = factory.term("Grades K-2", TermKind.GRADE_BAND)
    me = factory.user("educator")
    me.profile_terms = [band]
    o = factory.opportunity("Early grades", terms=[band])
    [rec] = M.recommend(me)
    assert rec.opportunity == o and rec.reasons == ["For grades K-2, your grade band"]


def test_statements_do_not_grow_with_the_catalog(factory):
    me, t, band, *_ = crafted(factory)

    def count() -> int:
        db.session.expire_all()
        with sql_statements() as statements:
            M.recommend(me, limit=50)
        return len(statements)

    for i in range(3):
        factory.opportunity(f"A{i}", terms=[t["Literacy"], band], capacity=4, sessions=2)
    small = count()
    for i in range(25):
        o = factory.opportunity(f"B{i}", terms=[t["Math"], t["SEL"], band], capacity=3, sessions=3)
        factory.registration(o, factory.user("educator"))
    db.session.flush()
    assert count() == small
