"""Acts that cannot be undone ask first: the first POST shows "Are you sure? This cannot be undone: ..." with
everything the person sent in hidden fields and Confirm / Go back (plain form buttons, no script); nothing
happens until the confirmed POST. Go back shows the form again as typed."""
from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from app.extensions import db
from app.models import (
    AuditEvent,
    Proposal,
    ProposalState,
    Registration,
    RegistrationStatus,
    ReviewAssignment,
    ReviewStatus,
)
from tests.review.test_review_pages import criteria_ids, fresh  # noqa: F401  (fixture)

S = ProposalState


def text(resp) -> str:
    return unescape(resp.get_data(as_text=True))


def hidden(page: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page):
        out.setdefault(name, []).append(value)
    return out


def triggers(p: Proposal) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.trigger).where(AuditEvent.case_type == "proposal",
                                                                    AuditEvent.case_id == p.id)))


def test_submitting_a_proposal_asks_first_and_only_the_confirmed_post_submits(browser, world):
    p = world.draft
    browser.login(world.lead)
    url = f"/proposals/{p.id}/actions/submit"
    page = browser.post(url, {"submission_token": "t" * 32}, token_from=f"/proposals/{p.id}")
    assert page.status_code == 200
    words = text(page)
    assert "<h1>Are you sure?</h1>" in words and "This cannot be undone:" in words
    assert "the proposal goes to program staff" in words and p.display_title in words
    fields = hidden(words)
    assert fields["csrf_token"] and fields["submission_token"] == ["t" * 32]  # carried as sent
    assert 'name="confirm_step" value="yes"' in words and 'name="confirm_step" value="back"' in words
    assert f'action="{url}"' in words
    db.session.expire_all()
    assert db.session.get(Proposal, p.id).state is S.DRAFT and "submit" not in triggers(p)

    back = browser.post(url, {**{k: v[0] for k, v in fields.items()}, "confirm_step": "back"})
    assert back.status_code in (200, 422) and "Are you sure?" not in text(back)
    assert "Submit proposal" in text(back)  # the case page again, its button there
    db.session.expire_all()
    assert db.session.get(Proposal, p.id).state is S.DRAFT

    done = browser.post(url, {**{k: v[0] for k, v in fields.items()}, "confirm_step": "yes"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, p.id).state is S.SUBMITTED and triggers(p).count("submit") == 1


def test_submitting_a_review_keeps_every_score_through_the_question_and_back(browser, world, fresh):  # noqa: F811
    p, a, reviewer = fresh
    c1, c2, c3 = criteria_ids(world)
    browser.login(reviewer)
    typed = {f"score_{c1}": "4", f"score_{c2}": "3", f"score_{c3}": "2", "recommendation": "fund_with_changes",
             "comments": "Tighten the timeline, then fund it.", "submit_review": "Submit review"}
    ask = browser.post(f"/review/proposals/{p.id}", typed)
    page = text(ask)
    assert ask.status_code == 200 and "Are you sure?" in page and "you can no longer change them" in page
    fields = hidden(page)
    for name, value in typed.items():
        assert fields[name] == [value], name
    db.session.expire_all()
    assert db.session.get(ReviewAssignment, a.id).status is not ReviewStatus.SUBMITTED

    back = browser.post(f"/review/proposals/{p.id}", {**typed, "confirm_step": "back"})
    form = text(back)
    assert "Are you sure?" not in form and "Tighten the timeline, then fund it." in form
    assert re.search(rf'name="score_{c1}"[^>]*value="4"[^>]*checked|value="4"[^>]*name="score_{c1}"[^>]*checked|'
                     rf'checked[^>]*name="score_{c1}"[^>]*value="4"', form)
    db.session.expire_all()
    assert db.session.get(ReviewAssignment, a.id).status is not ReviewStatus.SUBMITTED

    assert browser.post(f"/review/proposals/{p.id}", {**typed, "confirm_step": "yes"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ReviewAssignment, a.id).status is ReviewStatus.SUBMITTED


def test_saving_a_review_draft_asks_nothing(browser, world, fresh):  # noqa: F811
    p, a, reviewer = fresh
    c1, _, _ = criteria_ids(world)
    browser.login(reviewer)
    assert browser.post(f"/review/proposals/{p.id}", {f"score_{c1}": "3", "save": "Save draft"}).status_code == 302


def test_cancelling_a_registration_asks_first_and_going_back_keeps_the_seat(browser, world):
    free = world.learning.free
    browser.login(world.member)
    assert browser.post(f"/catalog/{free.id}/register", {"next": "/my/registrations"}).status_code == 302
    ask = browser.post(f"/catalog/{free.id}/cancel", {"next": "/my/registrations"}, token_from="/my/registrations")
    assert ask.status_code == 200 and "Are you sure?" in text(ask) and free.title in text(ask)
    fields = {k: v[0] for k, v in hidden(text(ask)).items()}
    assert fields["next"] == "/my/registrations"
    back = browser.post(f"/catalog/{free.id}/cancel", {**fields, "confirm_step": "back"})
    assert back.status_code == 302 and back.headers["Location"].endswith("/my/registrations")

    def status():
        db.session.expire_all()
        return db.session.scalar(select(Registration.status).where(Registration.user_id == world.member.id,
                                                                   Registration.opportunity_id == free.id))

    assert status() is RegistrationStatus.REGISTERED
    assert browser.post(f"/catalog/{free.id}/cancel", {**fields, "confirm_step": "yes"}).status_code == 302
    assert status() is RegistrationStatus.CANCELLED
