"""Double submissions (issue 9): every create form carries a one-time token, so the same form sent twice
(a double click, a resent page) is saved once, and the second answer is the first one's page.

``FORMS`` is the table of forms with a token: who sends it, where it is shown and posted, what a valid
post holds (the access matrix's data builders, mostly) and what a second save would add that the user
would see twice. Each test reads the token from the form's page, as a browser does. ``WITHOUT_TOKEN``
says, for every other POST route, why it needs none; a new POST route must be put in one or the other.
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.core import once as submissions
from app.extensions import db
from app.models import (
    Attachment,
    AuditEvent,
    BlockedName,
    BudgetReallocation,
    ConflictOfInterest,
    Cycle,
    Decision,
    Expenditure,
    LearningSummary,
    NeedsSurvey,
    Opportunity,
    OutboxMessage,
    PLBudget,
    PLDecision,
    PLRequest,
    Proposal,
    ProposalState,
    ReviewAssignment,
    School,
    Submission,
    SummaryArtifact,
    SurveyResponse,
    Team,
    TeamMember,
    Term,
    User,
)
from tests.access import catalog as catalog_cases
from tests.access import core as core_cases
from tests.access import grants as grant_cases
from tests.access import people_import as people_import_cases
from tests.access import pl_requests as pl_cases
from tests.access import review as review_cases
from tests.access import staff as staff_cases
from tests.access import summaries as summary_cases
from tests.access import surveys as survey_cases
from tests.factories import Factory

S = ProposalState
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FORM_RE = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
TOKEN_RE = re.compile(r'name="submission_token" value="([^"]*)"')


def token_on(page, action: str, page_url: str) -> str:
    """The submission token of the form on ``page`` that posts to ``action``."""
    text = page.data.decode()
    for attrs, body in FORM_RE.findall(text):
        m = re.search(r'action="([^"]*)"', attrs)
        target = html.unescape(m.group(1)) if m else page_url
        found = TOKEN_RE.search(body)
        if target.split("#")[0] == action and found:
            return found.group(1)
    raise AssertionError(f"no form posting to {action} with a submission token on {page_url}")


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _newcomer(w) -> User:
    """An educator at the team's school who is on no team yet (made on first use)."""
    user = User.by_email("newcomer@example.org")
    if user is None:
        user = Factory().user("educator", name="Nell Newcomer", email="newcomer@example.org",
                              school=w.team.school or w.school)
        db.session.commit()
    return user


def _endorsed(w) -> PLRequest:
    return w.learning.pl_requests[pl_cases.S.ENDORSED]


def _draft_request(w) -> PLRequest:
    return w.learning.pl_requests[pl_cases.S.DRAFT]


def _completed(w) -> int:
    from app.models import PLRequestState

    return w.learning.pl_requests[PLRequestState.COMPLETED].id


def _edit_data(w) -> dict:
    return {"title": "A new title", "version": str(w.draft.version)}


@dataclass
class CreateForm:
    name: str
    persona: str
    url: Callable  # where the form posts
    data: Callable  # a valid post (made afresh for each post: files are streams)
    rows: Callable  # what a second save would add, counted
    page: Callable | None = None  # where the form is shown, when not at ``url``
    added: int = 1
    note: str = submissions.ALREADY_SAVED  # what the second answer says

    def page_url(self, w) -> str:
        return (self.page or self.url)(w)

    @property
    def endpoint(self) -> str:
        return self.name.split(" ")[0]


FORMS = [
    CreateForm("proposals.new", "lead", lambda w: "/proposals/new",
               lambda w: {"team": str(w.team.id), "cycle": str(w.cycle.id)},
               lambda w: count(Proposal, Proposal.team_id == w.team.id)),
    CreateForm("proposals.edit", "lead", lambda w: f"/proposals/{w.draft.id}/edit", _edit_data,
               lambda w: db.session.scalar(select(Proposal.version).where(Proposal.id == w.draft.id))),
    CreateForm("proposals.upload", "lead", lambda w: f"/proposals/{w.draft.id}/attachments",
               lambda w: {"file": (BytesIO(PDF), "budget-notes.pdf")},
               lambda w: count(Attachment, Attachment.proposal_id == w.draft.id),
               page=lambda w: f"/proposals/{w.draft.id}/edit"),
    CreateForm("teams.new", "lead", lambda w: "/teams/new",
               lambda w: {"name": "Matrix Makers", "scope": "cross_school", "school": ""}, lambda w: count(Team)),
    CreateForm("teams.add_member", "lead", lambda w: f"/teams/{w.team.id}/members",
               lambda w: {"email": _newcomer(w).email},
               lambda w: count(TeamMember, TeamMember.team_id == w.team.id), page=lambda w: f"/teams/{w.team.id}"),
    CreateForm("grants.new_expenditure", "lead", lambda w: f"/proposals/{w.proposals[S.ACTIVE].id}/spending/new",
               grant_cases._spend, lambda w: count(Expenditure, Expenditure.proposal_id == w.proposals[S.ACTIVE].id)),
    CreateForm("grants.reallocate", "staff", lambda w: f"/proposals/{w.proposals[S.ACTIVE].id}/spending/reallocate",
               grant_cases._realloc,
               lambda w: count(BudgetReallocation, BudgetReallocation.proposal_id == w.proposals[S.ACTIVE].id)),
    CreateForm("pl.new", "lead", lambda w: "/pl/requests/new", lambda w: pl_cases._draft_form(),
               lambda w: count(PLRequest, PLRequest.requester_id == w.lead.id)),
    CreateForm("pl.edit", "lead", lambda w: f"/pl/requests/{_draft_request(w).id}/edit",
               lambda w: pl_cases._draft_form(),
               lambda w: count(AuditEvent, AuditEvent.case_id == _draft_request(w).id, AuditEvent.trigger == "edit",
                               AuditEvent.case_type == "pl_request")),
    CreateForm("pl.decide", "co_chair_btu", lambda w: f"/pl/requests/{_endorsed(w).id}/decision",
               lambda w: {"outcome": "approve", "feedback": "A good fit."},
               lambda w: count(PLDecision, PLDecision.request_id == _endorsed(w).id),
               page=lambda w: f"/pl/requests/{_endorsed(w).id}"),
    CreateForm("pl.ask_certificate", "staff", lambda w: f"/pl/requests/{_completed(w)}/certificate/ask",
               lambda w: {"note": "Please upload the certificate."},
               lambda w: count(AuditEvent, AuditEvent.trigger == "ask_certificate"),
               page=lambda w: f"/pl/requests/{_completed(w)}"),
    CreateForm("pl.certificate", "lead", lambda w: f"/pl/requests/{_completed(w)}/certificate",
               lambda w: {"file": (BytesIO(PDF), "certificate.pdf")},
               lambda w: count(AuditEvent, AuditEvent.trigger == "upload_certificate"),
               page=lambda w: f"/pl/requests/{_completed(w)}"),
    CreateForm("pl.budgets", "staff", lambda w: "/pl/budgets", lambda w: {"school_year": "2031-32", "amount": "9000.00"},
               lambda w: count(PLBudget)),
    CreateForm("catalog.new", "staff", lambda w: "/catalog/new", catalog_cases._form, lambda w: count(Opportunity)),
    CreateForm("catalog.import_csv", "staff", lambda w: "/catalog/import", catalog_cases._import,
               lambda w: count(Opportunity)),
    CreateForm("surveys.new", "staff", lambda w: "/surveys/new", survey_cases._new_survey, lambda w: count(NeedsSurvey)),
    CreateForm("surveys.answer", "lead", lambda w: (w.learning, "/survey")[1], survey_cases._answer,
               lambda w: count(SurveyResponse, SurveyResponse.respondent_id == w.lead.id)),
    CreateForm("surveys.team_answer", "lead", lambda w: f"/survey/teams/{(w.learning, w.team)[1].id}",
               lambda w: {**survey_cases._ratings(w, "3"), "comment": "Team view"},
               lambda w: count(SurveyResponse, SurveyResponse.team_id == w.team.id)),
    # a toggle sent twice would undo itself: counted, what it turns on
    CreateForm("taxonomy.toggle", "staff", lambda w: f"/taxonomy/{w.learning.topics[0].id}/toggle", lambda w: {},
               lambda w: count(Term, Term.active.is_(False)), page=lambda w: "/taxonomy/"),
    CreateForm("committee.select", "co_chair_btu", lambda w: f"/committee/proposals/{w.in_review.id}/select",
               lambda w: {}, lambda w: count(Proposal, Proposal.tentatively_selected.is_(True)),
               page=lambda w: f"/committee/cycles/{w.cycle.id}"),
    CreateForm("taxonomy.new", "staff", lambda w: "/taxonomy/new",
               lambda w: {"kind": "topic", "name": "Family engagement", "description": "", "position": ""},
               lambda w: count(Term)),
    CreateForm("admin.new_user", "admin", lambda w: "/admin/users/new", staff_cases._user_data, lambda w: count(User)),
    CreateForm("admin.import_people", "staff", lambda w: "/admin/people/import", people_import_cases._import,
               lambda w: count(User)),
    CreateForm("admin.send_password_link", "admin", lambda w: f"/admin/users/{w.member.id}/password-link",
               lambda w: {}, lambda w: count(OutboxMessage, OutboxMessage.to_email == w.member.email),
               page=lambda w: f"/admin/users/{w.member.id}/edit"),
    # sent by someone not signed in: asking for a link, and setting a password from one
    CreateForm("auth.forgot_password", "anon", lambda w: "/password/forgot", lambda w: {"email": w.member.email},
               lambda w: count(OutboxMessage, OutboxMessage.to_email == w.member.email)),
    CreateForm("auth.reset_password", "anon", core_cases.reset_url, lambda w: dict(core_cases.SET),
               lambda w: count(AuditEvent, AuditEvent.trigger == "password_reset_by_link")),
    CreateForm("auth.accept_invitation", "anon", core_cases.invitation_url, lambda w: dict(core_cases.SET),
               lambda w: count(AuditEvent, AuditEvent.trigger == "invitation_accepted")),
    CreateForm("admin.new_school", "staff", lambda w: "/admin/schools/new",
               lambda w: {"name": "Hennigan K-8", "level": "k8", "neighborhood": "Jamaica Plain"},
               lambda w: count(School)),
    CreateForm("staff.new_cycle", "staff", lambda w: "/staff/cycles/new", staff_cases._cycle_data,
               lambda w: count(Cycle)),
    CreateForm("staff.reviewers", "staff", lambda w: f"/staff/proposals/{w.proposals[S.SUBMITTED].id}/reviewers",
               lambda w: {"reviewers": [str(w.reviewer_unassigned.id)]},
               lambda w: count(ReviewAssignment, ReviewAssignment.proposal_id == w.proposals[S.SUBMITTED].id)),
    CreateForm("committee.decide", "co_chair_btu", lambda w: f"/committee/proposals/{w.in_review.id}/decide",
               lambda w: {"outcome": "decline", "feedback": "Not this round."},
               lambda w: count(Decision, Decision.proposal_id == w.in_review.id)),
    CreateForm("review.conflict", "reviewer_btu", lambda w: f"/review/proposals/{w.in_review.id}/conflict",
               lambda w: {"reason": "My cousin leads this team."},
               lambda w: count(ConflictOfInterest, ConflictOfInterest.proposal_id == w.in_review.id),
               note="You have already declared a conflict of interest"),  # its view knew; the token: at once
    CreateForm("summaries.edit", "lead", lambda w: summary_cases._base(w, with_summary=False),
               lambda w: dict(summary_cases.EDIT),
               lambda w: count(LearningSummary, LearningSummary.proposal_id == w.proposals[S.ACTIVE].id)),
    CreateForm("summaries.upload_artifact", "lead", lambda w: summary_cases._base(w) + "/artifacts",
               summary_cases._upload,
               lambda w: count(SummaryArtifact, SummaryArtifact.summary_id == summary_cases._summary(w).id),
               page=summary_cases._base),
    CreateForm("summaries.privacy (add a name)", "staff", lambda w: summary_cases._base(w, S.COMPLETED) + "/privacy",
               lambda w: {"action": "add_name", "name": "Jordan Smith"},
               lambda w: count(BlockedName, BlockedName.summary_id == summary_cases._summary(w, S.COMPLETED).id)),
    # Sending a decision back and voiding an expenditure: the second post of the same form changes nothing.
    CreateForm("committee.not_confirm", "co_chair_bps",
               lambda w: f"/committee/decisions/{_sent_back(w, 'proposal')}/not-confirmed",
               lambda w: {"comment": "Let us talk before declining it."},
               lambda w: count(Decision, Decision.proposal_id == w.in_review.id, Decision.not_confirmed_at.is_not(None)),
               page=lambda w: f"/committee/proposals/{w.in_review.id}/decide"),
    CreateForm("pl.not_confirm", "co_chair_bps", lambda w: f"/pl/decisions/{_sent_back(w, 'pl')}/not-confirmed",
               lambda w: {"comment": "Not from this year's budget."},
               lambda w: count(PLDecision, PLDecision.not_confirmed_at.is_not(None)),
               page=lambda w: f"/pl/requests/{w.learning.pl_requests[pl_cases.S.ENDORSED].id}"),
    CreateForm("grants.void_expenditure", "lead",
               lambda w: f"/proposals/{w.proposals[S.ACTIVE].id}/spending/{grant_cases._expenditure(w).id}/void",
               lambda w: {"reason": "Logged twice."},
               lambda w: count(Expenditure, Expenditure.proposal_id == w.proposals[S.ACTIVE].id,
                               Expenditure.voided_at.is_not(None))),
]


def _sent_back(w, kind: str) -> int:
    """The decision this world's form sends back: made once (the access builders make a new one once the
    first is no longer pending), then the same id for every post."""
    key = f"_sent_back_{kind}"
    if not hasattr(w, key):
        setattr(w, key, review_cases._pending_decision(w) if kind == "proposal" else pl_cases._pending(w))
    return getattr(w, key)


WITHOUT_TOKEN = {
    "auth.login": "signing in saves nothing a person would see twice (the sign-in work owns it)",
    "auth.logout": "signing out twice is signing out",
    "auth.change_password": "sent twice, the second is refused: its current password is no longer the current one",
    "admin.edit_user": "an edit: sent twice, it saves the same values",
    "admin.edit_school": "an edit: sent twice, it saves the same values",
    "admin.sign_in_settings": "an edit of the sign-in settings: sent twice, it saves the same values",
    "admin.sign_out_everywhere": "signing someone out twice is signing them out (it changes their session token)",
    "taxonomy.edit": "an edit: sent twice, it saves the same values",
    "surveys.edit": "an edit: sent twice, it saves the same values",
    "staff.edit_cycle": "an edit: rubric rows keep their ids, so a row added and sent twice replaces itself",
    "catalog.edit": "an edit: session rows keep their ids, so a row added and sent twice replaces itself "
                    "(the form shares the new form's template; its view ignores the token)",
    "review.review": "one review per assignment, saved in place; submitting twice is refused (already submitted)",
    "grants.progress": "one progress update per grant, saved in place; once submitted, the second is refused",
    "grants.final_report": "one final report per grant, saved in place",
    "transcript.cycle": "sets the person's licensure cycle start: the same date twice is the same",
    "grants.agreement": "accepted once: the second is refused with when and by whom it was accepted",
    "proposals.fire": "a transition: the state machine refuses the second (the case is no longer in the "
                      "state it leaves)",
    "pl.fire": "a transition: the state machine refuses the second",
    "pl.complete": "a transition with its own page: the second is refused (403: completion is recorded once "
                   "a request is approved; it is completed)",
    "committee.confirm": "confirms a pending decision: the second finds none pending and is refused",
    "pl.confirm": "confirms a pending decision: the second finds none pending and is refused",
    "committee.withdraw_decision": "withdraws a pending decision: the second finds it withdrawn and is refused",
    "pl.withdraw_decision": "withdraws a pending decision: the second finds it withdrawn and is refused",
    "surveys.open": "a survey's state: opening an open survey is refused",
    "surveys.close": "a survey's state: closing a closed survey is refused",
    "summaries.consent": "consent is given once (the second is refused) and withdrawn once",
    "summaries.override_flag": "the flag is no longer open the second time: refused",
    "notifications.read": "marks read: the second says it was already read",
    "notifications.read_all": "marks all read: the second finds none unread",
    "notifications.email_settings": "sets the person's email delivery: the same choice twice is the same",
    "proposals.delete_attachment": "a delete: the second finds nothing (404)",
    "summaries.delete_artifact": "a delete: the second finds nothing (404)",
    "teams.remove_member": "a removal: the second finds no such member (404)",
    "staff.unassign": "a removal: the second finds nothing (404)",
    "registrations.register": "one registration per person and opportunity (unique, taken under the "
                              "opportunity's row lock): the second is refused, already registered; a token "
                              "would wrongly refuse registering again from a page kept open after cancelling",
    "registrations.cancel": "the second is refused: not registered any more",
    "registrations.attendance": "sets who attended: the same ticks twice are the same",
    "grants.expenditure_action": "a transition of a reimbursement (approve, pay, return): the state machine "
                                 "refuses the second (it is no longer in the state it leaves)",
    "grants.reallocation_action": "a transition of a reallocation request (approve, decline): the state machine "
                                  "refuses the second",
    "grants.correct_expenditure": "the resubmit transition with its corrections: the second is refused (the "
                                  "reimbursement is no longer returned)",
    "grants.revise_budget": "an edit of the budget lines' amounts: sent twice, it saves the same amounts",
}


def test_every_post_route_carries_a_token_or_says_why_it_needs_none(app):
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    tokened = {f.endpoint for f in FORMS}
    assert not tokened & set(WITHOUT_TOKEN)
    assert posts - tokened - set(WITHOUT_TOKEN) == set(), "a new POST route: give its form a token or say why not"
    assert set(WITHOUT_TOKEN) <= posts


def _send(browser, world, form: CreateForm, token: str, **changes):
    resp = browser.post(form.url(world), data={**form.data(world), **changes, "submission_token": token})
    resp.close()  # as a server closes it: what is done once the answer is sent (a link asked for) is done
    return resp


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.name)
def test_a_create_form_sent_twice_is_saved_once_and_both_answers_go_to_what_was_saved(world, browser, form):
    form.data(world)  # what it needs, made first (the access builders make their objects on first use)
    if form.persona != "anon":
        browser.login(getattr(world, form.persona))
    url, page_url = form.url(world), form.page_url(world)
    page = browser.get(page_url)
    assert page.status_code == 200, page.data[:300]
    token = token_on(page, url, page_url)
    before = form.rows(world)

    first = _send(browser, world, form, token)
    assert first.status_code == 302, first.data[:800]
    assert form.rows(world) == before + form.added

    again = _send(browser, world, form, token)
    assert again.status_code == 302, again.data[:800]
    assert again.location == first.location
    assert form.rows(world) == before + form.added
    shown = browser.get(again.location)
    assert form.note in shown.data.decode()


# -- the token on the page, and the page shown again ------------------------------------------
def _expenditure_url(world) -> str:
    return f"/proposals/{world.proposals[S.ACTIVE].id}/spending/new"


def _expenditures(world) -> int:
    return count(Expenditure, Expenditure.proposal_id == world.proposals[S.ACTIVE].id)


def test_each_showing_of_a_form_gets_a_new_token(world, browser):
    browser.login(world.lead)
    url = _expenditure_url(world)
    tokens = {token_on(browser.get(url), url, url) for _ in range(3)}
    assert len(tokens) == 3
    assert all(submissions.TOKEN.fullmatch(t) for t in tokens)


def test_a_refused_form_keeps_its_token_so_the_corrected_form_is_saved_once(world, browser):
    browser.login(world.lead)
    url = _expenditure_url(world)
    token = token_on(browser.get(url), url, url)
    form = next(f for f in FORMS if f.name == "grants.new_expenditure")

    refused = _send(browser, world, form, token, amount="")
    assert refused.status_code == 422
    assert token_on(refused, url, url) == token  # the page shown again is the same submission
    assert _expenditures(world) == 0

    fixed = _send(browser, world, form, token)
    assert fixed.status_code == 302 and fixed.location.endswith("/spending")
    again = _send(browser, world, form, token)
    assert again.status_code == 302 and again.location == fixed.location
    assert _expenditures(world) == 1


def test_a_page_with_two_create_forms_shown_again_keeps_the_token_only_for_the_refused_one(world, browser):
    """The draft's page has the edit form and the upload form: a refused upload keeps the upload's token,
    and the edit form gets a new one (else saving the draft would be taken for the upload)."""
    browser.login(world.lead)
    edit_url, upload_url = f"/proposals/{world.draft.id}/edit", f"/proposals/{world.draft.id}/attachments"
    token = token_on(browser.get(edit_url), upload_url, edit_url)
    refused = browser.post(upload_url, data={"submission_token": token})  # no file
    assert refused.status_code == 422
    assert token_on(refused, upload_url, upload_url) == token
    assert token_on(refused, edit_url, upload_url) != token


# -- tokens that are not ours, and posts without one -------------------------------------------
@pytest.mark.parametrize("token", ["short", "x" * 65, "has spaces in it, sixteen+", "semi;colons;and;more;x"])
def test_a_token_this_site_could_not_have_made_is_refused_and_nothing_is_saved(world, browser, token):
    browser.login(world.lead)
    form = next(f for f in FORMS if f.name == "grants.new_expenditure")
    resp = _send(browser, world, form, token)
    assert resp.status_code == 400
    assert "submission token is not one this site made" in resp.data.decode()
    assert _expenditures(world) == 0


def test_another_persons_token_is_refused_and_saves_nothing_more(world, browser):
    form = next(f for f in FORMS if f.name == "grants.new_expenditure")
    browser.login(world.lead)
    url = _expenditure_url(world)
    token = token_on(browser.get(url), url, url)
    assert _send(browser, world, form, token).status_code == 302

    browser.reset().login(world.member)
    resp = _send(browser, world, form, token)
    assert resp.status_code == 400
    assert "first submitted by someone else" in resp.data.decode()
    assert _expenditures(world) == 1


def test_a_post_without_a_token_is_processed_as_before(world, browser):
    """Scripts and pages loaded before the tokens existed still work (each post is its own submission)."""
    form = next(f for f in FORMS if f.name == "grants.new_expenditure")
    browser.login(world.lead)
    for _ in range(2):
        assert browser.post(form.url(world), data=form.data(world)).status_code == 302
    assert _expenditures(world) == 2
    assert count(Submission) == 0


def test_the_claim_is_stored_with_who_made_it_and_where_they_were_sent(world, browser):
    form = next(f for f in FORMS if f.name == "pl.new")
    browser.login(world.lead)
    token = token_on(browser.get("/pl/requests/new"), "/pl/requests/new", "/pl/requests/new")
    resp = _send(browser, world, form, token)
    row = db.session.get(Submission, token)
    assert (row.user_id, row.result_url) == (world.lead.id, resp.location)


def test_claims_older_than_a_day_are_pruned_when_a_new_one_is_made(world, browser):
    old, recent = clock.now() - submissions.KEEP - timedelta(minutes=1), clock.now() - timedelta(hours=1)
    db.session.add_all([Submission(token="o" * 43, user_id=world.lead.id, created_at=old, result_url="/"),
                        Submission(token="r" * 43, user_id=world.lead.id, created_at=recent, result_url="/")])
    db.session.commit()
    form = next(f for f in FORMS if f.name == "grants.new_expenditure")
    browser.login(world.lead)
    url = _expenditure_url(world)
    assert _send(browser, world, form, token_on(browser.get(url), url, url)).status_code == 302
    db.session.expire_all()
    assert db.session.get(Submission, "o" * 43) is None
    assert db.session.get(Submission, "r" * 43) is not None
