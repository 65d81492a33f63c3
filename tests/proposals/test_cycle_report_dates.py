"""The cycle's progress and final report due dates (activation copies them to each grant): set
through the service and the staff form, kept when the cycle is edited, refused out of order."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from app.core import clock
from app.extensions import db
from app.models import Cycle
from app.proposals import cycles
from app.proposals.cycles import CriterionInput, CycleError, CycleInput


def _input(**kw) -> CycleInput:
    t = clock.today()
    data = dict(name="2027-28 Teacher Leadership Fund", opens_on=t, closes_on=t + timedelta(days=30),
                revision_deadline=t + timedelta(days=40), pool=Decimal("300000.00"), max_award=Decimal("15000.00"),
                reviews_per_side=2, review_due_on=t + timedelta(days=50),
                criteria=[CriterionInput(name="Focus on students", weight=Decimal("2"))],
                progress_report_due=t + timedelta(days=150), final_report_due=t + timedelta(days=270))
    data.update(kw)
    return CycleInput(**data)


def test_the_service_sets_and_keeps_the_dates(app_ctx):
    c = cycles.create_cycle(_input())
    db.session.commit()
    assert c.progress_report_due == clock.today() + timedelta(days=150)
    assert c.final_report_due == clock.today() + timedelta(days=270)
    cycles.update_cycle(c, _input(final_report_due=clock.today() + timedelta(days=300),
                                  criteria=[CriterionInput(name="Focus on students", weight=Decimal("2"),
                                                           id=c.criteria[0].id)]))
    assert c.final_report_due == clock.today() + timedelta(days=300)


@pytest.mark.parametrize("progress, final, field, words", [
    (150, 120, "final_report_due", "before the progress report"),
    (10, 270, "progress_report_due", "before the cycle closes"),
])
def test_dates_out_of_order_are_refused(app_ctx, progress, final, field, words):
    t = clock.today()
    with pytest.raises(CycleError) as refused:
        cycles.create_cycle(_input(progress_report_due=t + timedelta(days=progress),
                                   final_report_due=t + timedelta(days=final)))
    assert any(f == field and words in m for f, m in refused.value.problems), refused.value.problems
    assert db.session.query(Cycle).count() == 0


def test_the_staff_form_shows_and_saves_the_dates(factory, browser):
    staff = factory.user("staff")
    cycle = factory.cycle("2026-27 Teacher Leadership Fund")
    db.session.commit()
    browser.login(staff)
    page = browser.get(f"/staff/cycles/{cycle.id}/edit").data.decode()
    assert "Progress reports due" in page and cycle.progress_report_due.isoformat() in page
    form = {"name": cycle.name, "opens_on": cycle.opens_on.isoformat(), "closes_on": cycle.closes_on.isoformat(),
            "revision_deadline": cycle.revision_deadline.isoformat(), "review_due_on": cycle.review_due_on.isoformat(),
            "pool": "300000", "max_award": "15000", "reviews_per_side": "1",
            "progress_report_due": (cycle.closes_on + timedelta(days=60)).isoformat(),
            "final_report_due": (cycle.closes_on + timedelta(days=200)).isoformat()}
    for i, c in enumerate(cycle.criteria):
        form |= {f"criteria-{i}-id": str(c.id), f"criteria-{i}-position": str(i + 1),
                 f"criteria-{i}-name": c.name, f"criteria-{i}-description": c.description,
                 f"criteria-{i}-weight": str(c.weight)}
    resp = browser.post(f"/staff/cycles/{cycle.id}/edit", form, token_from=f"/staff/cycles/{cycle.id}/edit")
    assert resp.status_code == 302, resp.data.decode()[:2000]
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).final_report_due == cycle.closes_on + timedelta(days=200)
