"""Links that would answer 403 or 404 are not shown: "Request this PL" to a signed-in person who may not
request PL, "Read the learning summary" when there is none, a notification's link to a case its reader may
no longer open (the notice stays, with the reason instead of the link)."""
from __future__ import annotations

from html import unescape

from app.extensions import db
from app.models import Notification, ProposalState

S = ProposalState


def text(resp) -> str:
    return unescape(resp.get_data(as_text=True))


def test_request_this_pl_is_offered_to_educators_and_to_the_public_only(browser, world):
    page = f"/catalog/{world.learning.paid.slug}"
    assert "Request this PL" in text(browser.get(page))  # not signed in: the link leads to sign-in
    browser.login(world.member)
    assert "Request this PL" in text(browser.get(page))
    assert browser.get(f"/pl/requests/new?opportunity={world.learning.paid.id}").status_code == 200
    for person in (world.staff, world.reviewer_btu):
        browser.reset().login(person)
        assert not person.has_role("educator")
        assert "Request this PL" not in text(browser.get(page))
        assert browser.get("/pl/requests/new").status_code == 403  # where the link would have led


def test_staff_are_not_offered_a_summary_that_does_not_exist(browser, world, factory):
    p = world.proposals[S.FINAL_REPORT_SUBMITTED]
    browser.login(world.staff)
    assert p.learning_summary is None
    assert "Read the learning summary" not in text(browser.get(f"/proposals/{p.id}/final-report"))
    assert browser.get(f"/proposals/{p.id}/summary/preview").status_code == 404  # where it would have led
    factory.summary(p)
    db.session.commit()
    page = text(browser.get(f"/proposals/{p.id}/final-report"))
    assert "Read the learning summary" in page
    assert browser.get(f"/proposals/{p.id}/summary/preview").status_code == 200


def test_a_notice_about_a_case_the_reader_can_no_longer_open_has_no_link(browser, world, factory):
    draft = world.draft  # team members only
    outsider = world.outsider
    db.session.add_all([
        Notification(user_id=outsider.id, subject="You were on this draft", body="", link=f"/proposals/{draft.id}"),
        Notification(user_id=outsider.id, subject="Gone", body="", link="/proposals/999999"),
        Notification(user_id=world.lead.id, subject="Your draft", body="", link=f"/proposals/{draft.id}"),
    ])
    db.session.commit()
    browser.login(outsider)
    assert browser.get(f"/proposals/{draft.id}").status_code == 403
    page = text(browser.get("/notifications"))
    assert "You were on this draft" in page and "Gone" in page  # the notices stay
    assert f'href="/proposals/{draft.id}"' not in page and 'href="/proposals/999999"' not in page
    assert "No link: You can no longer open it." in page and "No link: It has been deleted." in page
    browser.reset().login(world.lead)
    assert f'href="/proposals/{draft.id}"' in text(browser.get("/notifications"))
