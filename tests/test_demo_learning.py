"""The ASK and CONNECT demo data: what a visitor checks (the taxonomy, a survey most educators answered,
25+ catalog entries across providers and topics, a full session with a waitlist, PL requests in every
state, transcripts), that it was made through the services (registration rules, the workflow's audit
trail, joint decisions by both sides, a budget never over-committed) and that the demo's pages render."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.core import clock
from app.demo.learning import FULL, GRADE_BANDS, NOT_ANSWERED, SCHOOL_NEEDS, SUBJECTS, TOPICS
from app.demo.seeder import DEMO_PASSWORD, EDUCATORS, email_for
from app.extensions import db
from app.models import (
    AuditEvent,
    NeedsSurvey,
    Notification,
    Opportunity,
    PLBudget,
    PLDecision,
    PLRequest,
    PLRequestState,
    ProviderKind,
    Registration,
    RegistrationStatus,
    SurveyResponse,
    Term,
    TermKind,
    User,
)
from app.pl import transcript
from tests.conftest import Browser, all_
from workflows.pl_request import PL_REQUEST, school_year_of

S = PLRequestState


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.email == email_for(name)))


def test_the_taxonomy(ctx):
    by_kind = defaultdict(list)
    for t in sorted(all_(Term), key=lambda t: t.position):
        by_kind[t.kind].append(t.name)
    assert by_kind[TermKind.TOPIC] == [name for name, _ in TOPICS]
    assert "Culturally responsive teaching" in by_kind[TermKind.TOPIC] and "Family engagement" in by_kind[TermKind.TOPIC]
    assert by_kind[TermKind.GRADE_BAND] == GRADE_BANDS == ["PK-2", "3-5", "6-8", "9-12"]
    assert by_kind[TermKind.SUBJECT] == SUBJECTS and "ESL" in SUBJECTS and "Special education" in SUBJECTS


def test_a_survey_for_this_year_answered_by_most_educators(ctx):
    (survey,) = all_(NeedsSurvey)
    assert survey.school_year == school_year_of(clock.today()) and survey.is_open(clock.today())
    assert len(survey.topics) == 8
    individual = [r for r in survey.responses if r.respondent_id is not None]
    teams = [r for r in survey.responses if r.team_id is not None]
    educators = [u for u in all_(User) if u.has_role("educator")]
    assert len(individual) == len(educators) - len(NOT_ANSWERED) and len(individual) >= 0.8 * len(educators)
    assert len(teams) == 1 and teams[0].team.name == "Mather Family Literacy Team"
    assert all(len(r.ratings) == 8 for r in survey.responses)
    assert sum(1 for r in individual if r.comment) >= 5
    # Respondents have grade bands (and most a subject) on their profiles.
    respondents = [r.respondent for r in individual]
    assert all(any(t.kind is TermKind.GRADE_BAND for t in u.profile_terms) for u in respondents)
    assert sum(any(t.kind is TermKind.SUBJECT for t in u.profile_terms) for u in respondents) >= 30


def test_each_school_rates_its_own_needs_highest(ctx):
    (survey,) = all_(NeedsSurvey)
    by_school = defaultdict(lambda: defaultdict(list))
    for r in survey.responses:
        if r.respondent_id is None:
            continue
        for rating in r.ratings:
            by_school[r.school.name][rating.term.name].append(rating.rating)
    for school, topics in by_school.items():
        means = {t: sum(v) / len(v) for t, v in topics.items()}
        top = SCHOOL_NEEDS[school][0]
        assert means[top] == max(means.values()), (school, means)
    counts = Counter(len(next(iter(t.values()))) for t in by_school.values())
    assert counts[1] == 4  # four schools fall under the privacy threshold of 3
    assert survey.privacy_threshold == 3


def test_the_catalog_has_25_entries_across_providers_topics_and_dates(ctx):
    opps = all_(Opportunity)
    assert len(opps) >= 25
    assert {o.provider_kind for o in opps} == set(ProviderKind)
    assert len({o.provider_name for o in opps if o.provider_kind is ProviderKind.OUTSIDE}) >= 8
    topics = {t.name for o in opps for t in o.terms if t.kind is TermKind.TOPIC}
    assert topics == {name for name, _ in TOPICS}
    now = clock.now()
    past = [o for o in opps if o.ends_at < now]
    coming = [o for o in opps if o.starts_at > now]
    assert len(past) >= 5 and len(coming) >= 18
    assert max(o.starts_at for o in opps) > now + timedelta(days=90)  # sessions over the coming months
    assert any(o.cost > 0 for o in opps) and any(o.direct_registration for o in opps)
    assert all(o.sessions and o.hours > 0 and o.description for o in opps)


def test_one_full_session_with_a_waitlist_and_a_promotion(ctx):
    opp = db.session.scalar(select(Opportunity).where(Opportunity.title == FULL))
    regs = db.session.scalars(select(Registration).where(Registration.opportunity_id == opp.id)).all()
    status = Counter(r.status for r in regs)
    assert status[RegistrationStatus.REGISTERED] == opp.capacity == 6
    assert status[RegistrationStatus.WAITLISTED] == 2 and status[RegistrationStatus.CANCELLED] == 1
    (promoted,) = [r for r in regs if r.promoted_at is not None]
    assert promoted.status is RegistrationStatus.REGISTERED
    note = db.session.scalar(select(Notification).where(Notification.user_id == promoted.user_id,
                                                        Notification.subject.contains(FULL)))
    assert note is not None


def test_attendance_was_recorded_and_educators_have_transcripts(ctx):
    attended = db.session.scalars(select(Registration).where(Registration.attended.is_(True))).all()
    missed = db.session.scalars(select(Registration).where(Registration.attended.is_(False))).all()
    assert len(attended) >= 25 and missed
    with_transcripts = [u for u in all_(User) if u.has_role("educator") and transcript.transcript_for(u).entries]
    assert len(with_transcripts) >= 25
    lan = transcript.transcript_for(user("Lan Nguyen"))
    assert "WIDA Workshop: Scaffolding Language for Content Learning" in [e.title for e in lan.entries]
    assert not lan.cycle.assumed and lan.cycle.pdps_earned == lan.total_pdps > 0
    assert lan.cycle.still_needed == 150 - lan.cycle.pdps_earned


def test_pl_requests_in_every_state_through_the_workflow(ctx):
    requests = all_(PLRequest)
    assert {r.state for r in requests} == set(S)
    events = defaultdict(list)
    for e in db.session.scalars(select(AuditEvent).where(AuditEvent.case_type == "pl_request")
                                .order_by(AuditEvent.at, AuditEvent.id)):
        events[e.case_id].append(e)
    triggers = {t.trigger for t in PL_REQUEST.transitions}
    for r in requests:
        state = S.DRAFT.value
        for e in events[r.id]:
            if e.trigger in triggers:
                assert e.from_state == state, (r.display_title, e.trigger)
                state = e.to_state
        assert state == r.state.value, r.display_title
        assert events[r.id][0].trigger == "create"
    leader = user("Angela Brooks")
    # Mather's requests are endorsed by its school leader; a school with no school leader has program staff
    # endorse: one such request waits for staff, another was endorsed by them.
    for r in requests:
        endorse = next((e for e in events[r.id] if e.trigger == "endorse"), None)
        if r.school_id == leader.school_id:
            assert endorse is None or endorse.actor_id == leader.id, r.display_title
        else:
            assert not r.school_has_leader
            assert endorse is None or endorse.actor.has_role("staff"), r.display_title
    elsewhere = [r for r in requests if r.school_id != leader.school_id]
    assert {r.state for r in elsewhere} == {S.SUBMITTED, S.ENDORSED}


def test_joint_decisions_by_both_sides_and_a_free_request_approved_on_endorsement(ctx):
    requests = all_(PLRequest)
    for r in requests:
        if r.state in (S.APPROVED, S.COMPLETED) and r.cost > 0 or r.state is S.DENIED:
            confirmed = [d for d in r.decisions if d.confirmed_at is not None]
            assert len(confirmed) == 1, r.display_title
            assert confirmed[0].proposed_side != confirmed[0].confirmed_side
    free = [r for r in requests if r.is_free]
    assert free and all(r.state is S.APPROVED for r in free)
    auto = db.session.scalar(select(AuditEvent).where(AuditEvent.case_id == free[0].id,
                                                      AuditEvent.case_type == "pl_request",
                                                      AuditEvent.trigger == "approve"))
    assert auto.actor_id is None and "automatically" in auto.comment
    pending = [d for d in all_(PLDecision) if d.is_pending]
    assert len(pending) == 1 and pending[0].request.state is S.ENDORSED
    returned = db.session.scalar(select(AuditEvent).where(AuditEvent.trigger == "return"))
    assert returned is not None and returned.comment
    completed = [r for r in requests if r.state is S.COMPLETED]
    assert all(r.attended and r.reflection and r.hours_completed and r.pdps_earned for r in completed)


def test_the_pl_budget_is_never_over_committed(ctx):
    budgets = {b.school_year: b.amount for b in all_(PLBudget)}
    assert school_year_of(clock.today()) in budgets
    committed = defaultdict(Decimal)
    for r in all_(PLRequest):
        if r.state in (S.APPROVED, S.COMPLETED):
            committed[r.budget_year] += r.cost
    assert committed and all(amount <= budgets[year] for year, amount in committed.items())


def test_the_demo_pages_render(ctx, app):
    client = Browser(app.test_client())
    full = db.session.scalar(select(Opportunity).where(Opportunity.title == FULL))
    page = client.get("/catalog/").get_data(as_text=True)
    assert "Culturally Responsive Read-Alouds for K-2" in page
    page = client.get(f"/catalog/{full.slug}").get_data(as_text=True)
    assert FULL in page
    assert client.get(f"/catalog/{full.slug}.ics").status_code == 200

    lan = user("Lan Nguyen")
    client.login(lan, DEMO_PASSWORD)
    for url in ("/", "/survey", "/pl/requests", "/my/registrations", "/catalog/", "/priorities"):
        assert client.get(url).status_code == 200, url
    home = client.get("/").get_data(as_text=True)
    assert "Program staff asked you for a certificate" in home  # the WIDA workshop's, asked by Rosa Delgado
    page = client.get("/pl/transcript").get_data(as_text=True)
    assert "WIDA Workshop: Scaffolding Language for Content Learning" in page and "of 150 PDPs" in page
    assert client.get("/pl/transcript.pdf").status_code == 200
    for r in db.session.scalars(select(PLRequest).where(PLRequest.requester_id == lan.id)):
        assert client.get(f"/pl/requests/{r.id}").status_code == 200

    client.reset().login(user("Angela Brooks"), DEMO_PASSWORD)
    page = client.get("/pl/queue").get_data(as_text=True)
    assert "Culturally Responsive Teaching and the Brain" in page
    assert client.get(f"/people/{lan.id}/transcript").status_code == 200

    client.reset().login(user("David Chen"), DEMO_PASSWORD)
    assert client.get("/pl/queue").status_code == 200
    for r in all_(PLRequest):
        if r.state is not S.DRAFT:  # a draft is the educator's own until submitted
            assert client.get(f"/pl/requests/{r.id}").status_code == 200, r.display_title

    client.reset().login(user("Rosa Delgado"), DEMO_PASSWORD)
    for url in ("/surveys/", "/taxonomy/", "/priorities", "/pl/budgets", "/pl/queue", f"/catalog/{full.id}/roster"):
        assert client.get(url).status_code == 200, url
    queue = client.get("/pl/queue").get_data(as_text=True)
    assert "<strong>1</strong> request waits for your endorsement" in queue  # Kevin Murphy's: Perkins has no leader
    assert "Math Talk Facilitation Institute" in client.get("/pl/queue?endorser=staff").get_data(as_text=True)
    roster = client.get(f"/catalog/{full.id}/roster").get_data(as_text=True)
    assert "Darnell Thompson" in roster and "Rachel Cohen" in roster


def test_most_educators_answered_and_names_match_the_demo(ctx):
    answered = {r.respondent.name for r in all_(SurveyResponse) if r.respondent_id}
    assert answered == {name for name, _, _ in EDUCATORS} - set(NOT_ANSWERED)



def test_demo_proposals_cite_priorities_and_the_rollup_counts_them(ctx):
    from app.models import NeedsSurvey, Proposal, ProposalState
    from app.needs import priorities

    proposals = all_(Proposal)
    citing = [p for p in proposals if p.priorities]
    assert len(citing) >= len(proposals) // 2
    assert len({t.name for p in citing for t in p.priorities}) >= 5
    counted = [p for p in citing if p.state not in (ProposalState.DRAFT, ProposalState.WITHDRAWN)]
    expected = Counter(t.id for p in counted for t in p.priorities)
    survey = db.session.scalars(select(NeedsSurvey)).one()
    assert priorities.rollup(survey).proposals == dict(expected)
