"""PL request pages: a request from the catalog and described, save and submit (bad input kept with its
message on every form), the case page (timeline, diagram, only the viewer's actions), the co-chairs'
decision panel, completion, the queues, the CSV and the PL budget page."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.extensions import db
from app.models import PLBudget, PLRequest, PLRequestState

S = PLRequestState


@pytest.fixture
def lw(world):
    return world.learning


def count_requests() -> int:
    return db.session.scalar(select(func.count(PLRequest.id)))


def good_form(lw, **kw) -> dict:
    start = clock.today() + timedelta(days=40)
    data = {"opportunity": "", "title": "Orton-Gillingham course", "provider_name": "IMSE",
            "description": "Multi-sensory literacy.", "url": "https://imse.example.org/og", "cost": "1,250.00",
            "starts_on": start.isoformat(), "ends_on": (start + timedelta(days=2)).isoformat(), "hours": "30",
            "pdps": "30", "rationale": "Decoding gaps in grade 2.", "need": str(lw.topics[1].id)}
    data.update(kw)
    return data


def text(resp) -> str:
    return resp.get_data(as_text=True)


# -- a new request ----------------------------------------------------------------------------
def test_new_from_the_catalog_is_prefilled(login_as, world, lw):
    browser = login_as(world.lead)
    resp = browser.get(f"/pl/requests/new?opportunity={lw.paid.id}")
    html = text(resp)
    assert resp.status_code == 200 and 'id="error-summary"' not in html
    assert re.search(rf'<option selected value="{lw.paid.id}">', html)
    start = clock.local(lw.paid.starts_at).date()
    for value in ("Orton-Gillingham course", "Outside Provider Inc.", "450.00", start.isoformat()):
        assert f'value="{value}"' in html, value
    for name in ("hours", "pdps"):  # six hours, six PDPs
        assert re.search(rf'<input[^>]*name="{name}"[^>]*value="6"', html), name
    assert "Literacy" in html  # the need select lists the active topics


def test_save_an_incomplete_draft_then_submit_it(login_as, world, lw):
    browser = login_as(world.lead)
    resp = browser.post("/pl/requests/new", {"title": "Half a thought", "save": "1"})
    assert resp.status_code == 302
    r = db.session.scalar(select(PLRequest).where(PLRequest.title == "Half a thought"))
    assert r.state is S.DRAFT and r.school_id == world.school.id and r.requester_id == world.lead.id
    assert resp.headers["Location"].endswith(f"/pl/requests/{r.id}/edit")

    resp = browser.post(f"/pl/requests/{r.id}/edit", {**good_form(lw), "submit": "1"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/pl/requests/{r.id}")
    db.session.expire_all()
    r = db.session.get(PLRequest, r.id)
    assert r.state is S.SUBMITTED and str(r.cost) == "1250.00" and r.budget_year
    assert "Your request is submitted" in text(browser.get(f"/pl/requests/{r.id}"))


def test_submitting_an_incomplete_request_creates_nothing_and_keeps_what_was_typed(login_as, world, lw):
    browser = login_as(world.lead)
    before = count_requests()
    resp = browser.post("/pl/requests/new", {"title": "My typed title", "rationale": "My typed reason", "submit": "1"})
    html = text(resp)
    assert resp.status_code == 422
    assert 'id="error-summary"' in html
    assert "Choose the opportunity from the catalog, or describe it: its title and its provider." in html
    assert "Give the cost (enter 0 if it is free)." in html
    assert "Explain why: choose the need it addresses." in html
    assert 'value="My typed title"' in html and "My typed reason" in html
    assert count_requests() == before


def test_a_refused_submit_of_an_edited_draft_changes_nothing(login_as, world, lw):
    r = lw.pl_requests[S.DRAFT]
    browser = login_as(world.lead)
    resp = browser.post(f"/pl/requests/{r.id}/edit", {**good_form(lw, need="", rationale="New words"), "submit": "1"})
    assert resp.status_code == 422 and "Explain why: choose the need it addresses." in text(resp)
    assert "New words" in text(resp)
    db.session.expire_all()
    r = db.session.get(PLRequest, r.id)
    assert r.state is S.DRAFT and r.rationale != "New words"


BAD_DRAFT_INPUT = [
    ({"cost": "abc"}, "“abc” is not an amount of money"),
    ({"cost": "-5"}, "not a negative amount"),
    ({"cost": "12.345"}, "at most two decimal places"),
    ({"starts_on": "2026-13-01"}, "“2026-13-01” is not a date"),
    ({"starts_on": "2026-10-10", "ends_on": "2026-10-01"}, "The end date cannot be before the start date."),
    ({"url": "javascript:alert(1)"}, "Give a web address starting with http:// or https://."),
    ({"opportunity": "999999"}, "Choose an opportunity from the list, or describe it below."),
    ({"need": "999999"}, "Choose a need from the list."),
    ({"hours": "-3"}, "Enter a number of hours more than 0."),
    ({"hours": "lots"}, "“lots” is not a number of hours"),
    ({"pdps": "ten"}, "“ten” is not a whole number"),
    ({"hours": "6.5", "pdps": "7"},
     "7 PDPs is more than the 6.5 expected hours: Massachusetts gives one PDP per clock hour, so expect at most 6 PDPs."),
    ({"title": "x" * 201}, "Keep the title to 200 characters or fewer."),
]


@pytest.mark.parametrize(("change", "message"), BAD_DRAFT_INPUT, ids=[m[:30] for _, m in BAD_DRAFT_INPUT])
def test_bad_draft_input_is_reported_and_kept(login_as, world, lw, change, message):
    browser = login_as(world.lead)
    before = count_requests()
    form = {**good_form(lw, rationale="Kept rationale"), **change, "save": "1"}
    for url in ("/pl/requests/new", f"/pl/requests/{lw.pl_requests[S.DRAFT].id}/edit"):
        resp = browser.post(url, form)
        html = text(resp)
        assert resp.status_code == 422, url
        assert 'id="error-summary"' in html and message in html
        assert "Kept rationale" in html
    assert count_requests() == before


def test_a_described_request_needs_no_catalog_entry(login_as, world, lw):
    browser = login_as(world.outsider)
    resp = browser.post("/pl/requests/new", {**good_form(lw), "submit": "1"})
    assert resp.status_code == 302
    r = db.session.scalar(select(PLRequest).where(PLRequest.requester_id == world.outsider.id))
    assert r.state is S.SUBMITTED and r.opportunity_id is None and r.school_id == world.other_school.id


# -- the case page ------------------------------------------------------------------------------
def test_case_page_shows_timeline_diagram_and_only_the_viewers_actions(login_as, world, lw):
    r = lw.pl_requests[S.SUBMITTED]
    browser = login_as(world.school_leader)
    html = text(browser.get(f"/pl/requests/{r.id}"))
    assert html.count("<h1") == 1
    assert 'data-state="submitted" data-current="true"' in html
    assert "Current stage: <strong>Submitted</strong>" in html
    assert 'aria-labelledby="pl-request-wf-title pl-request-wf-desc"' in html
    for label in ("Endorse", "Return to educator", "Deny"):
        assert f">{label}</button>" in html
    assert ">Cancel request</button>" not in html

    browser = login_as(world.lead)
    html = text(browser.get(f"/pl/requests/{r.id}"))
    assert ">Cancel request</button>" in html and ">Endorse</button>" not in html


def test_endorse_then_return_with_the_comment_on_the_timeline(login_as, world, lw):
    r = lw.pl_requests[S.SUBMITTED]
    browser = login_as(world.school_leader)
    resp = browser.post(f"/pl/requests/{r.id}/actions/endorse", {}, token_from=f"/pl/requests/{r.id}")
    assert resp.status_code == 302
    resp = browser.post(f"/pl/requests/{r.id}/actions/return", {"comment": ""}, token_from=f"/pl/requests/{r.id}")
    assert resp.status_code == 422
    assert "Write a comment telling the educator what to change." in text(resp)
    resp = browser.post(f"/pl/requests/{r.id}/actions/return", {"comment": "Add the syllabus."})
    assert resp.status_code == 302
    html = text(login_as(world.lead).get(f"/pl/requests/{r.id}"))
    assert "Endorse</strong>" in html and "Submitted → Endorsed" in html
    assert "Return to educator</strong>" in html and "Endorsed → Draft" in html
    assert "Add the syllabus." in html


def test_joint_decision_through_the_panel(login_as, world, lw):
    r = lw.pl_requests[S.ENDORSED]
    url = f"/pl/requests/{r.id}"
    browser = login_as(world.co_chair_btu)
    html = text(browser.get(url))
    assert "Record decision</button>" in html and "left in the" in html
    resp = browser.post(f"{url}/decision", {"outcome": "approve", "feedback": ""}, token_from=url)
    assert resp.status_code == 422 and "Write feedback for the educator." in text(resp)
    resp = browser.post(f"{url}/decision", {"outcome": "approve", "feedback": "A good fit."})
    assert resp.status_code == 302
    html = text(browser.get(url))
    assert "A decision is waiting for confirmation." in html and "waiting for a" in html
    assert "Confirm: Approve" not in html

    browser = login_as(world.co_chair_bps)
    html = text(browser.get(url))
    assert "Confirm: Approve</button>" in html
    decision_id = db.session.get(PLRequest, r.id).pending_decision.id
    resp = browser.post(f"/pl/decisions/{decision_id}/confirm", {}, token_from=url)
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(PLRequest, r.id).state is S.APPROVED
    html = text(login_as(world.lead).get(url))
    assert "Carla Chair (BTU side)" in html and "Colin Chair (BPS side)" in html and "A good fit." in html
    assert ">Record completion</a>" in html


def test_a_decision_the_budget_cannot_cover_is_refused_on_the_page(login_as, world, lw):
    lw.budget.amount = lw.budget.amount.__class__("900.00")
    db.session.commit()
    r = lw.pl_requests[S.ENDORSED]
    browser = login_as(world.co_chair_bps)
    resp = browser.post(f"/pl/requests/{r.id}/decision", {"outcome": "approve", "feedback": "Fine."},
                        token_from=f"/pl/requests/{r.id}")
    assert resp.status_code == 422
    assert "is more than the $0.00 left in the" in text(resp)
    assert "Fine." in text(resp)


# -- completion ---------------------------------------------------------------------------------
def test_completion_bad_input_and_refusals_keep_what_was_typed(login_as, world, lw):
    r = lw.pl_requests[S.APPROVED]
    url = f"/pl/requests/{r.id}/complete"
    browser = login_as(world.lead)
    html = text(browser.get(url))
    assert 'id="error-summary"' not in html and 'value="12"' in html  # expected hours prefilled
    for form, message in (
        ({"reflection": "Typed reflection", "hours_completed": "abc", "pdps_earned": "3"}, "“abc” is not a number"),
        ({"reflection": "Typed reflection", "hours_completed": "0", "pdps_earned": "3"}, "more than 0"),
        ({"reflection": "Typed reflection", "hours_completed": "4", "pdps_earned": "-1"}, "is not a whole number"),
        ({"reflection": "Typed reflection", "hours_completed": "4", "pdps_earned": "3"}, "Confirm that you attended."),
        ({"attended": "y", "reflection": "", "hours_completed": "4", "pdps_earned": "3"},
         "Write a reflection on what you learned"),
    ):
        resp = browser.post(url, form, token_from=url)
        assert resp.status_code == 422 and message in text(resp), message
        if form["reflection"]:
            assert "Typed reflection" in text(resp)
    db.session.expire_all()
    assert db.session.get(PLRequest, r.id).state is S.APPROVED
    good = {"attended": "y", "reflection": "Daily groups.", "hours_completed": "5.5", "pdps_earned": "5"}
    resp = browser.post(url, good, token_from=url)
    assert resp.status_code == 422 and "Record completion after the PL has ended" in text(resp)  # not over yet
    assert "Daily groups." in text(resp)
    _end(lw.paid)
    for typed, field, message in (
        ({"hours_completed": "12", "pdps_earned": "40"}, "hours_completed",
         "You recorded 12 hours, more than the 6 hours this PL is scheduled for."),
        ({"hours_completed": "5.5", "pdps_earned": "40"}, "pdps_earned",
         "40 PDPs is more than the 5.5 hours you attended: Massachusetts gives one PDP per clock hour, so record "
         "at most 5 PDPs."),
    ):
        resp = browser.post(url, {**good, **typed}, token_from=url)
        html = text(resp)
        assert resp.status_code == 422 and message in html
        # beside its field (linked from the summary), with what was typed kept
        assert f'id="{field}-error"' in html and message in html.split(f'id="{field}-error"')[1].split("</div>")[0]
        assert f'href="#{field}"' in html and f'value="{typed[field]}"' in html and "Daily groups." in html
    db.session.expire_all()
    assert db.session.get(PLRequest, r.id).state is S.APPROVED
    resp = browser.post(url, good, token_from=url)
    assert resp.status_code == 302
    db.session.expire_all()
    r = db.session.get(PLRequest, r.id)
    assert r.state is S.COMPLETED and str(r.hours_completed) == "5.50" and r.pdps_earned == 5


def _end(opportunity, days: int = 30) -> None:
    """Move the opportunity's sessions ``days`` earlier, committed (its last session is then over)."""
    for s in opportunity.sessions:
        s.starts_at, s.ends_at = s.starts_at - timedelta(days=days), s.ends_at - timedelta(days=days)
    db.session.commit()


# -- lists, CSV and the budget ------------------------------------------------------------------------
def test_mine_lists_my_requests_with_their_states(login_as, world, lw):
    html = text(login_as(world.lead).get("/pl/requests"))
    assert "New request" in html
    for state in S:
        assert f"/pl/requests/{lw.pl_requests[state].id}\"" in html
    assert "Cancelled" in html and "Completed" in html
    assert "You have not made a PL request yet." in text(login_as(world.member).get("/pl/requests"))


def test_queues_per_role(login_as, world, lw):
    html = text(login_as(world.school_leader).get("/pl/queue"))
    assert "Waiting for your endorsement" in html and f"/pl/requests/{lw.pl_requests[S.SUBMITTED].id}\"" in html
    assert f"/pl/requests/{lw.pl_requests[S.ENDORSED].id}\"" not in html
    html = text(login_as(world.co_chair_btu).get("/pl/queue"))
    assert "Waiting for the committee's decision" in html and "None recorded yet" in html
    assert f"/pl/requests/{lw.pl_requests[S.ENDORSED].id}\"" in html
    assert "All requests" not in html
    html = text(login_as(world.staff).get("/pl/queue?state=completed"))
    assert f"/pl/requests/{lw.pl_requests[S.COMPLETED].id}\"" in html
    assert f"/pl/requests/{lw.pl_requests[S.DRAFT].id}\"" not in html
    resp = login_as(world.staff).get("/pl/queue?state=bogus&year=1999-00")
    assert resp.status_code == 200
    assert "Choose a state from the list." in text(resp) and "Choose a school year from the list." in text(resp)


def test_a_school_leaders_queue_comes_fifty_a_page_oldest_first_with_a_count(login_as, world, lw, factory):
    from datetime import timedelta

    from app.core import clock
    from app.pl.requests import PER_PAGE

    made = []
    for i in range(PER_PAGE + 2):
        r = factory.pl_request(world.lead, S.SUBMITTED, title=f"Course {i:02d}")
        r.submitted_at = clock.now() - timedelta(days=400 - i)  # older than the world's own request
        made.append(r)
    db.session.commit()
    total = PER_PAGE + 2 + 1  # and the world's submitted request
    first = text(login_as(world.school_leader).get("/pl/queue"))
    assert f"{total} requests wait for your endorsement; page 1 of 2." in first
    assert f"/pl/requests/{made[0].id}\"" in first and f"/pl/requests/{lw.pl_requests[S.SUBMITTED].id}\"" not in first
    assert "endorse_page=2" in first
    second = text(login_as(world.school_leader).get("/pl/queue?endorse_page=2"))
    assert f"/pl/requests/{lw.pl_requests[S.SUBMITTED].id}\"" in second and f"/pl/requests/{made[0].id}\"" not in second


def test_csv_export_with_filters_and_formula_safe_cells(login_as, world, lw, factory):
    factory.pl_request(world.lead, S.SUBMITTED, title="=HYPERLINK(1)", provider_name="X")
    db.session.commit()
    browser = login_as(world.staff)
    resp = browser.get("/pl/queue.csv?state=submitted")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Request", "Educator", "School"]
    assert {r[9] for r in rows[1:]} == {"Submitted"} and len(rows) == 3
    assert "'=HYPERLINK(1)" in {r[3] for r in rows}
    assert browser.get("/pl/queue.csv?state=bogus").status_code == 400


def test_budget_page_sets_a_year_and_refuses_bad_input(login_as, world, lw):
    year = lw.budget.school_year
    browser = login_as(world.staff)
    html = text(browser.get("/pl/budgets"))
    assert "$20,000.00" in html and "$900.00" in html and "$19,100.00" in html
    for form, message in (
        ({"school_year": year, "amount": "lots"}, "“lots” is not an amount of money"),
        ({"school_year": "2026", "amount": "100"}, "Write the school year as 2026-27."),
        ({"school_year": year, "amount": ""}, "Enter the budget in dollars"),
        ({"school_year": year, "amount": "899.99"}, "cannot be less than the $900.00 already committed"),
    ):
        resp = browser.post("/pl/budgets", form, token_from="/pl/budgets")
        assert resp.status_code == 422 and message in text(resp), message
        assert f'value="{form["amount"]}"' in text(resp)
    resp = browser.post("/pl/budgets", {"school_year": year, "amount": "25,000"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert str(db.session.scalar(select(PLBudget.amount).where(PLBudget.school_year == year))) == "25000.00"


def test_case_page_links_to_the_educators_transcript_for_those_who_may_read_it(browser, world):
    row = world.learning.pl_requests[PLRequestState.SUBMITTED]
    for who, link in [(world.lead, 'href="/pl/transcript"'),
                      (world.school_leader, f'href="/people/{world.lead.id}/transcript"'),
                      (world.staff, f'href="/people/{world.lead.id}/transcript"'),
                      (world.co_chair_btu, None)]:
        browser.reset()
        browser.login(who)
        html = browser.get(f"/pl/requests/{row.id}").get_data(as_text=True)
        if link:
            assert link in html and ">PL transcript</a>" in html, who.name
        else:
            assert ">PL transcript</a>" not in html, who.name


def test_my_pl_requests_links_to_the_transcript_and_registrations(browser, world):
    browser.login(world.lead)
    html = browser.get("/pl/requests").get_data(as_text=True)
    assert 'href="/pl/transcript"' in html and 'href="/my/registrations"' in html
