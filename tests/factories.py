"""Factories that build rows for tests. Setup may place a proposal directly in a state;
everything a test *exercises* goes through the services and the workflow engine."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from werkzeug.security import generate_password_hash

from app.core import clock
from app.extensions import db
from app.models import (
    BudgetCategory,
    BudgetLine,
    ConflictOfInterest,
    CriterionScore,
    Cycle,
    Decision,
    DecisionOutcome,
    GrantType,
    NeedsSurvey,
    Opportunity,
    OpportunitySession,
    PLBudget,
    PLFormat,
    PLRequest,
    PLRequestState,
    Proposal,
    ProposalState,
    ProviderKind,
    Recommendation,
    Registration,
    RegistrationStatus,
    ReviewAssignment,
    ReviewStatus,
    RubricCriterion,
    School,
    SchoolLevel,
    Side,
    SurveyRating,
    SurveyResponse,
    Team,
    TeamMember,
    TeamScope,
    Term,
    TermKind,
    User,
)

PASSWORD = "password123"
# Hashed once with a cheap method: factories make many users, and scrypt per user is slow.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_seq = itertools.count(1)


class Factory:
    def school(self, name=None, level=SchoolLevel.ELEMENTARY, **kw) -> School:
        s = School(name=name or f"Test School {next(_seq)}", level=level, **kw)
        db.session.add(s)
        db.session.flush()
        return s

    def user(self, *roles, name=None, email=None, side=None, school=None, job_title="Classroom teacher") -> User:
        n = next(_seq)
        u = User(
            name=name or f"Person {n}",
            email=email or f"person{n}@example.org",
            side=Side(side) if side else None,
            school=school,
            job_title=job_title,
        )
        u.password_hash = PASSWORD_HASH
        u.set_roles(roles or ("educator",))
        db.session.add(u)
        db.session.flush()
        return u

    def team(self, lead: User, *members: User, name=None, scope=TeamScope.SCHOOL, school=None) -> Team:
        t = Team(name=name or f"Team {next(_seq)}", scope=scope, school=school or lead.school, lead=lead)
        t.memberships = [TeamMember(user=u) for u in (lead, *members)]
        db.session.add(t)
        db.session.flush()
        return t

    def cycle(self, name=None, opens_on=None, closes_on=None, revision_deadline=None, pool="300000.00",
              max_award="15000.00", reviews_per_side=1, criteria=None) -> Cycle:
        today = clock.today()
        c = Cycle(
            name=name or f"Cycle {next(_seq)}",
            opens_on=opens_on or today - timedelta(days=10),
            closes_on=closes_on or today + timedelta(days=20),
            revision_deadline=revision_deadline or today + timedelta(days=40),
            pool=Decimal(pool),
            max_award=Decimal(max_award),
            reviews_per_side=reviews_per_side,
            review_due_on=today + timedelta(days=30),
            progress_report_due=today + timedelta(days=120),
            final_report_due=today + timedelta(days=240),
        )
        for i, (cname, weight) in enumerate(criteria or [("Focus on students", "2"), ("Feasible plan", "1"),
                                                          ("Sharing the learning", "1")]):
            c.criteria.append(RubricCriterion(position=i, name=cname, description=f"How well: {cname.lower()}",
                                              weight=Decimal(weight)))
        db.session.add(c)
        db.session.flush()
        return c

    def proposal(self, team: Team, cycle: Cycle, state=ProposalState.DRAFT, complete=True, amount="10000.00",
                 title=None, **kw) -> Proposal:
        p = Proposal(team=team, cycle=cycle, state=state, created_by=team.lead)
        if complete:
            p.grant_type = GrantType.ACTION
            p.title = title or f"Proposal {next(_seq)}: reading circles for newcomers"
            p.challenge = "Our multilingual newcomers are not yet reading on grade level."
            p.students = "Forty grade 3-5 newcomer students."
            p.plan = "Weekly reading circles with bilingual texts."
            p.success_measures = "Reading levels in fall and spring."
            p.sharing_plan = "A faculty meeting and a public summary."
            p.timeline = "September to June."
            p.amount_requested = Decimal(amount)
            p.budget_lines = [
                BudgetLine(position=0, category=BudgetCategory.BOOKS, description="Bilingual books",
                           amount=Decimal(amount) - Decimal("4000.00")),
                BudgetLine(position=1, category=BudgetCategory.STIPENDS, description="Planning stipends",
                           amount=Decimal("4000.00")),
            ]
        elif title:
            p.title = title
        for k, v in kw.items():
            setattr(p, k, v)
        if state is not ProposalState.DRAFT:
            p.submitted_at = clock.now()
        db.session.add(p)
        db.session.flush()
        return p

    def assign(self, proposal: Proposal, reviewer: User, assigned_by: User | None = None) -> ReviewAssignment:
        a = ReviewAssignment(proposal=proposal, reviewer=reviewer, side=reviewer.side,
                             assigned_by_id=(assigned_by or reviewer).id,
                             due_on=proposal.cycle.review_due_on)
        db.session.add(a)
        db.session.flush()
        return a

    def review(self, assignment: ReviewAssignment, score=3, submitted=True,
               recommendation=Recommendation.FUND) -> ReviewAssignment:
        for c in assignment.proposal.cycle.criteria:
            assignment.scores.append(CriterionScore(criterion=c, score=score, comment="Solid."))
        assignment.recommendation = recommendation
        assignment.comments = "A thoughtful proposal."
        assignment.status = ReviewStatus.SUBMITTED if submitted else ReviewStatus.DRAFT
        if submitted:
            assignment.submitted_at = clock.now()
        db.session.flush()
        return assignment

    def conflict(self, proposal: Proposal, user: User, reason="My sister is on this team.") -> ConflictOfInterest:
        c = ConflictOfInterest(proposal=proposal, user=user, reason=reason)
        db.session.add(c)
        db.session.flush()
        return c

    def decision(self, proposal: Proposal, by: User, outcome=DecisionOutcome.APPROVE, award="10000.00",
                 feedback="Strong plan; share widely.", confirmed_by: User | None = None) -> Decision:
        d = Decision(proposal=proposal, outcome=outcome,
                     award=Decimal(award) if outcome is DecisionOutcome.APPROVE else None,
                     feedback=feedback, proposed_by=by, proposed_side=by.side, proposed_at=clock.now())
        db.session.add(d)
        if confirmed_by is not None:
            d.confirmed_by = confirmed_by
            d.confirmed_side = confirmed_by.side
            d.confirmed_at = clock.now()
        db.session.add(d)
        db.session.flush()
        return d

    def summary(self, proposal: Proposal, title="Family literacy nights in five languages",
                body="We invited families to read with their children.", tags=None, consented=False,
                checked=False, artifacts=()):
        """A learning summary on ``proposal`` (setup only: rows written directly).

        ``tags`` maps a TermKind (or its value) to values; ``artifacts`` is a list of
        (filename, description, bytes) shared with it; ``checked`` marks the privacy check as run
        with no flags; ``consented`` records the lead's consent.
        """
        import hashlib

        from app.models import LearningSummary, SummaryArtifact

        s = LearningSummary(proposal=proposal, title=title, body=body, search_text=f"{title} {body}".lower())
        db.session.add(s)
        s.tags.extend(tag_terms(tags))
        for filename, description, data in artifacts:
            s.artifacts.append(SummaryArtifact(
                filename=filename, description=description, content_type="application/pdf", size=len(data),
                sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_by_id=proposal.team.lead_id))
        if consented:
            s.consent_given_at = clock.now()
            s.consent_by_id = proposal.team.lead_id
        if checked:
            s.privacy_checked_at = clock.now()
        db.session.add(s)
        db.session.flush()
        return s

    def world(self) -> World:
        return World.build(self)

    # -- ASK and CONNECT (issue 4) ----------------------------------------------------------
    def term(self, name=None, kind=TermKind.TOPIC, position=0, **kw) -> Term:
        name = name or f"Topic {next(_seq)}"
        t = Term(kind=TermKind(kind), name=name, slug=_slug(name), position=position, **kw)
        db.session.add(t)
        db.session.flush()
        return t

    def survey(self, topics, school_year="2026-27", opens_on=None, closes_on=None, opened=True, closed=False,
               threshold=5, created_by: User | None = None, title=None) -> NeedsSurvey:
        today = clock.today()
        creator = created_by or self.user("staff")
        s = NeedsSurvey(school_year=school_year, title=title or f"PL needs survey {school_year}",
                        opens_on=opens_on or today - timedelta(days=7), closes_on=closes_on or today + timedelta(days=21),
                        opened_at=clock.now() if opened else None, closed_at=clock.now() if closed else None,
                        privacy_threshold=threshold, created_by_id=creator.id, topics=list(topics))
        db.session.add(s)
        db.session.flush()
        return s

    def response(self, survey: NeedsSurvey, ratings: dict, respondent: User | None = None, team: Team | None = None,
                 comment="", school=None) -> SurveyResponse:
        """``ratings`` maps a Term (or its id) to 1-5."""
        author = respondent or team.lead
        school_id = (school.id if school is not None else
                     (respondent.school_id if respondent is not None else (team.school.id if team.school else None)))
        r = SurveyResponse(survey=survey, respondent=respondent, team=team, school_id=school_id, comment=comment,
                           submitted_by_id=author.id, submitted_at=clock.now(), updated_at=clock.now())
        db.session.add(r)
        r.ratings = [SurveyRating(term_id=getattr(t, "id", t), rating=v) for t, v in ratings.items()]
        db.session.flush()
        return r

    def opportunity(self, title=None, provider_kind=ProviderKind.BTU, provider_name=None, cost="0.00",
                    capacity=None, pdps=6, hours="6.0", fmt=PLFormat.IN_PERSON, terms=(), starts_in_days=14,
                    sessions=1, location="BTU Hall, 180 Mount Vernon St", published=True, **kw) -> Opportunity:
        title = title or f"Workshop {next(_seq)}"
        start_day = clock.today() + timedelta(days=starts_in_days)
        o = Opportunity(
            slug=f"{_slug(title)}-{next(_seq)}", title=title, description=kw.pop("description", f"About {title}."),
            provider_kind=ProviderKind(provider_kind),
            provider_name=provider_name or {"btu": "Boston Teachers Union", "bps": "Boston Public Schools"}.get(
                ProviderKind(provider_kind).value, "Outside Provider Inc."),
            format=PLFormat(fmt), cost=Decimal(cost), capacity=capacity, pdps=pdps, hours=Decimal(hours),
            published=published, terms=list(terms), **kw,
        )
        o.sessions = [
            OpportunitySession(
                starts_at=datetime.combine(start_day + timedelta(days=7 * i), time(20, 0), tzinfo=UTC),
                ends_at=datetime.combine(start_day + timedelta(days=7 * i), time(23, 0), tzinfo=UTC),
                location=location,
            )
            for i in range(sessions)
        ]
        db.session.add(o)
        db.session.flush()
        return o

    def registration(self, opportunity: Opportunity, user: User, status=RegistrationStatus.REGISTERED,
                     attended=None) -> Registration:
        now = clock.now()
        r = Registration(opportunity=opportunity, user=user, status=RegistrationStatus(status), queued_at=now,
                         registered_at=now if status == RegistrationStatus.REGISTERED else None, attended=attended)
        db.session.add(r)
        db.session.flush()
        return r

    def pl_budget(self, amount="5000.00", school_year=None) -> PLBudget:
        from workflows.pl_request import school_year_of

        b = PLBudget(school_year=school_year or school_year_of(clock.today() + timedelta(days=30)),
                     amount=Decimal(amount))
        db.session.add(b)
        db.session.flush()
        return b

    def pl_request(self, requester: User, state=PLRequestState.DRAFT, cost="450.00", opportunity=None,
                   need: Term | None = None, complete=True, **kw) -> PLRequest:
        """A PL request placed directly in ``state`` (setup only; tests exercise transitions via advance)."""
        state = PLRequestState(state)
        r = PLRequest(requester=requester, school_id=requester.school_id, state=state, opportunity=opportunity)
        if complete:
            start = clock.today() + timedelta(days=30)
            if opportunity is None:
                r.title = "Orton-Gillingham Classroom Educator course"
                r.provider_name = "Institute for Multi-Sensory Education"
            r.cost = Decimal(cost)
            r.starts_on, r.ends_on = start, start + timedelta(days=2)
            r.hours, r.pdps = Decimal("12.00"), 12
            r.rationale = "Many of my second graders are still decoding below grade level."
            r.need_term_id = need.id if need is not None else self.term(f"Literacy {next(_seq)}").id
            r.set_budget_year()
        if state is not PLRequestState.DRAFT:
            r.submitted_at = clock.now()
        if state is PLRequestState.COMPLETED:
            r.attended, r.reflection = True, "I now run structured phonics groups daily."
            r.hours_completed, r.pdps_earned, r.completed_at = Decimal("12.00"), 12, clock.now()
        for k, v in kw.items():
            setattr(r, k, v)
        db.session.add(r)
        db.session.flush()
        return r


@dataclass
class LearningWorld:
    """Topics, an open survey, catalog entries, a PL budget and one PL request by ``lead`` in each state.

    ``free`` is a free BTU workshop with 2 seats (``lead`` registered); ``paid`` an outside course
    costing $450. ``lead``'s requests are for ``paid``; their school leader is ``school_leader``.
    """

    topics: list[Term]
    grade_band: Term
    subject: Term
    survey: NeedsSurvey
    free: Opportunity
    paid: Opportunity
    budget: PLBudget
    registration: Registration
    pl_requests: dict[PLRequestState, PLRequest] = field(default_factory=dict)

    @classmethod
    def build(cls, f: Factory, w: World) -> LearningWorld:
        topics = [f.term(n, position=i) for i, n in enumerate(
            ["Culturally responsive teaching", "Literacy", "Math", "Special education"])]
        band = f.term("Grades 3-5", TermKind.GRADE_BAND)
        subject = f.term("English language arts", TermKind.SUBJECT)
        survey = f.survey(topics, created_by=w.staff)
        free = f.opportunity("Culturally responsive read-alouds", capacity=2, terms=[topics[0], band])
        paid = f.opportunity("Orton-Gillingham course", provider_kind=ProviderKind.OUTSIDE, cost="450.00",
                             terms=[topics[1], band, subject])
        budget = f.pl_budget("20000.00")
        reg = f.registration(free, w.lead)
        lw = cls(topics, band, subject, survey, free, paid, budget, reg)
        for state in PLRequestState:
            lw.pl_requests[state] = f.pl_request(w.lead, state, opportunity=paid, need=topics[1])
        db.session.commit()
        return lw


def tag_term(kind, name: str) -> Term:
    """Setup: the taxonomy term of ``kind`` called ``name`` (ignoring case), made when missing."""
    from sqlalchemy import func, select

    kind = TermKind(kind)
    term = db.session.scalar(select(Term).where(Term.kind == kind, func.lower(Term.name) == name.lower()))
    if term is None:
        term = Term(kind=kind, name=name, slug=_slug(name), position=0)
        db.session.add(term)
        db.session.flush()
    return term


def tag_terms(tags) -> list[Term]:
    """Setup: the terms for a ``{kind: [name, ...]}`` mapping (made when missing)."""
    return [tag_term(kind, v) for kind, values in (tags or {}).items() for v in values]


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "x"


@dataclass
class World:
    """The standard cast. Users' password is ``PASSWORD``."""

    school: School
    other_school: School
    lead: User
    member: User
    outsider: User  # an educator on another team
    school_leader: User
    reviewer_btu: User
    reviewer_bps: User
    reviewer_unassigned: User
    co_chair_btu: User
    co_chair_bps: User
    staff: User
    admin: User
    team: Team
    other_team: Team
    cycle: Cycle
    proposals: dict[ProposalState, Proposal] = field(default_factory=dict)

    _learning: LearningWorld | None = None

    @property
    def learning(self) -> LearningWorld:
        """ASK/CONNECT objects (built on first use, so other tests do not pay for them)."""
        if self._learning is None:
            self._learning = LearningWorld.build(Factory(), self)
        return self._learning

    @property
    def draft(self) -> Proposal:
        return self.proposals[ProposalState.DRAFT]

    @property
    def in_review(self) -> Proposal:
        return self.proposals[ProposalState.IN_REVIEW]

    @classmethod
    def build(cls, f: Factory) -> World:
        school = f.school("Mather Elementary", SchoolLevel.ELEMENTARY)
        other = f.school("Boston Latin Academy", SchoolLevel.HIGH)
        lead = f.user("educator", name="Lena Lead", email="lead@example.org", school=school)
        member = f.user("educator", name="Max Member", email="member@example.org", school=school,
                        job_title="Special educator")
        outsider = f.user("educator", name="Olga Outsider", email="outsider@example.org", school=other)
        outsider_peer = f.user("educator", name="Omar Peer", email="peer@example.org", school=other)
        leader = f.user("school_leader", name="Sofia Principal", email="leader@example.org", school=school)
        r_btu = f.user("reviewer", name="Rita Btu", email="rbtu@example.org", side="BTU")
        r_bps = f.user("reviewer", name="Ray Bps", email="rbps@example.org", side="BPS")
        r_un = f.user("reviewer", name="Una Unassigned", email="runassigned@example.org", side="BTU")
        cc_btu = f.user("co_chair", "reviewer", name="Carla Chair", email="ccbtu@example.org", side="BTU")
        cc_bps = f.user("co_chair", "reviewer", name="Colin Chair", email="ccbps@example.org", side="BPS")
        staff = f.user("staff", name="Stan Staff", email="staff@example.org")
        admin = f.user("admin", name="Ada Admin", email="admin@example.org")
        team = f.team(lead, member, name="Mather Readers")
        other_team = f.team(outsider, outsider_peer, name="Latin Scientists", school=other)
        cycle = f.cycle("2026-27 Teacher Leadership Fund", reviews_per_side=1)
        w = cls(school, other, lead, member, outsider, leader, r_btu, r_bps, r_un, cc_btu, cc_bps, staff, admin,
                team, other_team, cycle)
        for state in ProposalState:
            p = f.proposal(team, cycle, state=state, title=f"Mather {state.value} proposal")
            w.proposals[state] = p
            if state not in (ProposalState.DRAFT, ProposalState.SUBMITTED, ProposalState.WITHDRAWN):
                for r in (r_btu, r_bps):
                    a = f.assign(p, r, staff)
                    if state is not ProposalState.REVISIONS_REQUESTED:
                        f.review(a)
            if state in (ProposalState.APPROVED, ProposalState.ACTIVE, ProposalState.FINAL_REPORT_SUBMITTED,
                         ProposalState.COMPLETED, ProposalState.PUBLISHED):
                f.decision(p, cc_btu, confirmed_by=cc_bps)
                p.award = Decimal("10000.00")
                p.feedback = "Strong plan; share widely."
                p.decided_at = clock.now()
            if state is ProposalState.DECLINED:
                f.decision(p, cc_btu, outcome=DecisionOutcome.DECLINE, confirmed_by=cc_bps)
                p.feedback = "Not this round."
                p.decided_at = clock.now()
        db.session.commit()
        return w
