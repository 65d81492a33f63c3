"""Ten years of history for ``benchmarks/scale.py``: ``n`` proposals and everything around them, through
bulk inserts (``db.session.execute(insert(Model.__table__), rows)`` in batches of 5,000, ids given here so that no row has
to be read back), into a fresh migrated database.

What ``build(n)`` writes, for n proposals (a 200-proposal database is built the same way, smaller):

* 120 schools (fewer below 2,150 proposals), one school leader each; 4,300 teachers (``2n`` below
  that); a committee of 20 reviewers per side, one of them the side's co-chair; 3 program staff and an
  admin.
* Teams of two or three teachers of one school (one team per four proposals), each proposal written by
  a team and its lead.
* A current cycle (open today) with ``min(500, n/2)`` proposals: most in review (two reviewers per
  side, one review in three not yet submitted, a quarter of those fully reviewed carrying a decision
  one co-chair proposed and the other has not confirmed), some submitted, drafts, one in twenty sent
  back for revisions, one in twenty withdrawn. The rest of the proposals are in past cycles of about
  1,000 each, spread over ten years: funded ones went on to active (the last cycle only), final report
  submitted (the last cycle only), completed and published; the others were declined, withdrawn or
  left as drafts. Every state has the timestamps, reviews (five rubric scores each), confirmed
  decision, award, report dates, final report and learning summary (published, with three tags) its
  place in ``workflows/proposal.py`` implies.
* An audit event per transition each proposal went through; notifications to the team lead (submitted,
  decided: read, except in the current cycle) and to each reviewer (assigned).
* The PL catalog: ``n/20`` published opportunities over the same ten years (two sessions and three
  terms each; the newest upcoming), ``n/4`` registrations; ``n/2`` PL requests (the current school
  year's open, older ones completed, denied or cancelled) with a budget per school year.
"""
from __future__ import annotations

import random
import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Table, insert, text
from werkzeug.security import generate_password_hash

from app.core import clock
from app.extensions import db
from app.models import (
    AuditEvent,
    BudgetCategory,
    BudgetLine,
    CriterionScore,
    Cycle,
    Decision,
    DecisionOutcome,
    Expenditure,
    FinalReport,
    GrantType,
    LearningSummary,
    Notification,
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
    Team,
    TeamMember,
    TeamScope,
    Term,
    TermKind,
    User,
    UserRole,
)
from app.models.learning import opportunity_term
from app.models.sharing import summary_term
from app.needs.taxonomy import slugify
from workflows.expenditure import PaymentState
from workflows.pl_request import school_year_of

S = ProposalState
R = PLRequestState
PASSWORD = "bench-password"
BATCH = 5_000
TEACHERS = 4_300
SCHOOLS = 120
REVIEWERS_PER_SIDE = 20
PAST_CYCLE_SIZE = 1_000
YEARS = 10
CRITERIA = (("Focus on students", "3"), ("Plan", "2"), ("Impact", "2"), ("Sharing", "1.5"), ("Budget", "1.5"))
# The one taxonomy (survey, catalog and the summaries' tags), named as the demo names it.
TOPICS = ("Literacy", "Math", "Technology", "Family engagement", "Multilingual learners", "Special education",
          "Culturally responsive teaching", "Social-emotional learning (SEL)")
GRADES = ("PK-2", "3-5", "6-8", "9-12")
SUBJECTS = ("ELA", "Math", "Science", "Social studies", "ESL")
WORDS = ("reading", "circles", "family", "math", "nights", "garden", "science", "robotics", "bilingual",
         "newcomers", "writing", "workshop", "restorative", "music", "art", "coding", "debate", "library")
BODY = """## What we tried

Weekly {a} {b} with bilingual texts, led by a classroom teacher and an ESL teacher.

## What we learned

- Students read more when they could talk first in their home language.
- Families joined the last session of each month.
"""
# In twenty proposals of a past cycle; of the current cycle.
PAST_MIX = ([S.PUBLISHED] * 4 + [S.COMPLETED] * 3 + ["funded"] + [S.DECLINED] * 8 + [S.WITHDRAWN] * 2
            + [S.DRAFT] * 2)
CURRENT_MIX = [S.IN_REVIEW] * 12 + [S.SUBMITTED] * 3 + [S.DRAFT] * 3 + [S.REVISIONS_REQUESTED, S.WITHDRAWN]
FUNDED = (S.APPROVED, S.ACTIVE, S.FINAL_REPORT_SUBMITTED, S.COMPLETED, S.PUBLISHED)
# The transitions (workflows/proposal.py) that lead to each state, in order.
PATH = {
    S.DRAFT: [],
    S.SUBMITTED: [("submit", S.DRAFT, S.SUBMITTED)],
    S.IN_REVIEW: [("submit", S.DRAFT, S.SUBMITTED), ("begin_review", S.SUBMITTED, S.IN_REVIEW)],
}
PATH[S.REVISIONS_REQUESTED] = PATH[S.IN_REVIEW] + [("request_revisions", S.IN_REVIEW, S.REVISIONS_REQUESTED)]
PATH[S.WITHDRAWN] = PATH[S.SUBMITTED] + [("withdraw", S.SUBMITTED, S.WITHDRAWN)]
PATH[S.DECLINED] = PATH[S.IN_REVIEW] + [("decline", S.IN_REVIEW, S.DECLINED)]
PATH[S.APPROVED] = PATH[S.IN_REVIEW] + [("approve", S.IN_REVIEW, S.APPROVED)]
PATH[S.ACTIVE] = PATH[S.APPROVED] + [("activate", S.APPROVED, S.ACTIVE)]
PATH[S.FINAL_REPORT_SUBMITTED] = PATH[S.ACTIVE] + [("submit_final_report", S.ACTIVE, S.FINAL_REPORT_SUBMITTED)]
PATH[S.COMPLETED] = PATH[S.FINAL_REPORT_SUBMITTED] + [("accept_report", S.FINAL_REPORT_SUBMITTED, S.COMPLETED)]
PATH[S.PUBLISHED] = PATH[S.COMPLETED] + [("publish", S.COMPLETED, S.PUBLISHED)]
REVIEWED = {state for state, path in PATH.items() if any(t[0] == "begin_review" for t in path)}


class Bulk:
    """Rows per model, flushed through ``insert(Model)`` in batches; ids are handed out here."""

    def __init__(self):
        self.rows: dict[type, list[dict]] = {}
        self.next_id: dict[type, int] = {}
        self.counts: dict[str, int] = {}

    def add(self, model, **row) -> int | None:
        table = model if isinstance(model, Table) else model.__table__
        if "id" in table.c and "id" not in row:
            row["id"] = self.next_id.get(model, 1)
            self.next_id[model] = row["id"] + 1
        batch = self.rows.setdefault(model, [])
        batch.append(row)
        if len(batch) >= BATCH:
            self.flush()  # every table, in the order each was first added: parents before children
        return row.get("id")

    def flush(self) -> None:
        for m in list(self.rows):
            batch = self.rows.get(m)
            if batch:
                # The table's insert, not the ORM's: the ORM splits a batch by which values are None.
                db.session.execute(insert(m if isinstance(m, Table) else m.__table__), batch)
                name = m.name if isinstance(m, Table) else m.__tablename__
                self.counts[name] = self.counts.get(name, 0) + len(batch)
                self.rows[m] = []


def _at(day: date, hour: int = 15) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _sizes(n: int) -> tuple[int, int, int]:
    teachers = TEACHERS if n >= TEACHERS // 2 else max(40, 2 * n)
    schools = min(SCHOOLS, max(4, teachers // 36))
    current = min(500, n // 2)
    return teachers, schools, current


def build(n: int, seed: int = 11) -> dict:
    """Fill the empty migrated database with ``n`` proposals and their history; returns who signs in as
    whom (e-mail per persona), the current cycle's id, the staff list's last page and the row counts."""
    rnd = random.Random(seed)
    today = clock.today()
    now = clock.now()
    b = Bulk()
    teachers_n, schools_n, current_n = _sizes(n)
    pw = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    levels = list(SchoolLevel)

    # -- schools and people ------------------------------------------------------------------
    schools = [b.add(School, name=f"Scale School {i:03d}", level=levels[i % len(levels)],
                     neighborhood=("Dorchester", "Roxbury", "Mattapan", "East Boston", "Hyde Park")[i % 5])
               for i in range(schools_n)]
    joined = now - timedelta(days=365 * YEARS)

    def person(name, email, roles, school=None, side=None, title="Classroom teacher") -> int:
        uid = b.add(User, email=email, name=name, password_hash=pw, side=side, school_id=school, job_title=title,
                    active=True, session_token=secrets.token_hex(32), created_at=joined,
                    license_cycle_starts_on=None)
        for role in roles:
            b.add(UserRole, user_id=uid, role=role)
        return uid

    staff = [person(f"Program Staff {i}", f"staff{i}@scale.example.org", ["staff"], title="Program manager")
             for i in range(3)]
    person("Scale Admin", "admin@scale.example.org", ["admin", "staff"], title="Administrator")
    reviewers: dict[Side, list[int]] = {}
    for side in (Side.BTU, Side.BPS):
        reviewers[side] = [person(f"{side.value} Reviewer {i}", f"{side.value.lower()}{i}@scale.example.org",
                                  ["reviewer", "co_chair"] if i == 0 else ["reviewer"], side=side,
                                  title="Committee member")
                           for i in range(REVIEWERS_PER_SIDE)]
    co_chair = {side: ids[0] for side, ids in reviewers.items()}
    for i, s in enumerate(schools):
        person(f"Leader {i:03d}", f"leader{i}@scale.example.org", ["school_leader"], school=s, title="Principal")
    teachers = [person(f"Teacher {i:04d}", f"teacher{i}@scale.example.org", ["educator"],
                       school=schools[i % schools_n]) for i in range(teachers_n)]
    by_school = {s: teachers[k::schools_n] for k, s in enumerate(schools)}
    b.flush()

    # -- teams ---------------------------------------------------------------------------------
    teams = []  # (team id, lead id, school id)
    for i in range(max(10, n // 4)):
        school = schools[i % schools_n]
        pool = by_school[school]
        members = rnd.sample(pool, min(len(pool), 2 + i % 2))
        tid = b.add(Team, name=f"Scale Team {i}", scope=TeamScope.SCHOOL, school_id=school, lead_id=members[0],
                    created_at=joined)
        for u in members:
            b.add(TeamMember, team_id=tid, user_id=u, added_at=joined)
        teams.append((tid, members[0], school))

    # -- terms -----------------------------------------------------------------------------------
    terms: dict[TermKind, list[int]] = {}
    for kind, names in ((TermKind.TOPIC, TOPICS), (TermKind.GRADE_BAND, GRADES), (TermKind.SUBJECT, SUBJECTS)):
        terms[kind] = [b.add(Term, kind=kind, name=name, slug=slugify(name), position=k,
                             active=True) for k, name in enumerate(names)]

    # -- cycles ------------------------------------------------------------------------------------
    past_n = n - current_n
    past_cycles = max(1, -(-past_n // PAST_CYCLE_SIZE)) if past_n else 0
    spacing = max(30, 365 * YEARS // max(1, past_cycles))
    cycles = []  # (cycle id, opens, closes, is_current, criteria ids, k)

    def cycle(name, opens, k, current=False):
        closes = opens + timedelta(days=60)
        cid = b.add(Cycle, name=name, opens_on=opens, closes_on=closes, revision_deadline=closes + timedelta(days=15),
                    pool=Decimal("300000.00") * 100, max_award=Decimal("15000.00"), reviews_per_side=2,
                    review_due_on=closes + timedelta(days=30), progress_report_due=closes + timedelta(days=150),
                    final_report_due=closes + timedelta(days=300), created_at=_at(opens - timedelta(days=14)))
        crit = [b.add(RubricCriterion, cycle_id=cid, position=p, name=name_, description="", weight=Decimal(w))
                for p, (name_, w) in enumerate(CRITERIA)]
        cycles.append((cid, opens, closes, current, crit, k))

    for k in range(past_cycles, 0, -1):  # oldest first
        opens = today - timedelta(days=400 + (k - 1) * spacing)
        cycle(f"Cycle {opens:%Y-%m} #{k}", opens, k)
    current_opens = today - timedelta(days=45)
    cycle(f"Cycle {current_opens:%Y-%m} (current)", current_opens, 0, current=True)
    b.flush()

    # -- proposals ---------------------------------------------------------------------------------
    plan = []  # (cycle tuple, state)
    per_past = [past_n // past_cycles + (1 if k < past_n % past_cycles else 0) for k in range(past_cycles)]
    for c, count in zip(cycles[:-1], per_past, strict=True):
        for i in range(count):
            state = PAST_MIX[i % len(PAST_MIX)]
            if state == "funded":
                state = (S.ACTIVE, S.FINAL_REPORT_SUBMITTED)[i % 2] if c[5] == 1 else S.COMPLETED
            plan.append((c, state))
    for i in range(current_n):
        plan.append((cycles[-1], CURRENT_MIX[i % len(CURRENT_MIX)]))

    educator_team = teams[0]
    counters = {"pending_decisions": 0}
    for i, (c, state) in enumerate(plan):
        cid, opens, closes, current, crit, _k = c
        if current and i == len(plan) - current_n:
            team = educator_team  # the persona's team has a case in the current cycle
        else:
            team = teams[rnd.randrange(len(teams))]
        tid, lead, school = team
        created = _at(opens + timedelta(days=rnd.randrange(0, 40)), 14)
        submitted = created + timedelta(days=rnd.randrange(1, 15)) if state is not S.DRAFT else None
        if current and submitted and submitted > now:
            submitted = now - timedelta(hours=rnd.randrange(1, 200))
        if current and created > now:
            created = now - timedelta(days=3)
        decided = _at(closes + timedelta(days=35 + rnd.randrange(0, 10)), 18) if state in (
            *FUNDED, S.DECLINED, S.REVISIONS_REQUESTED) and not current else None
        if current and state is S.REVISIONS_REQUESTED:
            decided = now - timedelta(days=2)
        award = Decimal(rnd.choice(("5000.00", "8000.00", "12000.00", "15000.00"))) if state in FUNDED else None
        w1, w2 = rnd.sample(WORDS, 2)
        title = f"{w1.capitalize()} {w2} for grade {i % 12 + 1} ({i})"
        pid = b.add(
            Proposal, cycle_id=cid, team_id=tid, state=state, version=len(PATH[state]) + 1,
            grant_type=GrantType.ACTION if i % 3 else GrantType.STUDY, title=title,
            challenge=f"Our students need more {w1} time.", students="Two grade-level classrooms, 48 students.",
            plan=f"Weekly {w1} {w2} after school, planned together.", success_measures="Reading logs; surveys.",
            sharing_plan="A faculty meeting and the gallery.", timeline="October to May.",
            amount_requested=award or Decimal("10000.00"), award=award, conditions="",
            feedback="Thank you." if decided else "", decided_at=decided, tentatively_selected=False,
            withdraw_reason="Our team changed schools." if state is S.WITHDRAWN else "",
            agreement_accepted_at=decided + timedelta(days=7) if decided and state in FUNDED[1:] else None,
            agreement_accepted_by_id=lead if decided and state in FUNDED[1:] else None,
            activated_at=decided + timedelta(days=14) if decided and state in FUNDED[1:] else None,
            progress_report_due=closes + timedelta(days=150) if state in FUNDED[1:] else None,
            final_report_due=closes + timedelta(days=300) if state in FUNDED[1:] else None,
            created_by_id=lead, created_at=created, updated_at=decided or submitted or created, submitted_at=submitted,
        )
        line_id = b.add(BudgetLine, proposal_id=pid, position=0, category=BudgetCategory.STIPENDS,
                        description="Stipends", amount=award or Decimal("10000.00"))
        if decided and state in FUNDED[1:]:
            # Two reimbursements per grant: paid once the grant is over; on an active grant one awaits
            # staff's approval and one their payment (staff's payments page and home section read these).
            for k, pay_state in enumerate((PaymentState.SUBMITTED, PaymentState.APPROVED) if state is S.ACTIVE
                                          else (PaymentState.PAID, PaymentState.PAID)):
                logged = decided + timedelta(days=20 + 30 * k)
                b.add(Expenditure, proposal_id=pid, budget_line_id=line_id, spent_on=logged.date(),
                      payee=f"{w1.capitalize()} Supply", amount=Decimal("125.50") * (k + 1), note="",
                      receipt_filename="receipt.pdf", receipt_content_type="application/pdf", receipt_size=0,
                      receipt_sha256="", receipt_data=None, recorded_by_id=lead, recorded_at=logged,
                      voided_at=None, voided_by_id=None, void_reason="", payment_state=pay_state.value,
                      return_reason="", approved_at=None, approved_by_id=None, paid_at=None, paid_by_id=None)
        # The transitions it went through, and the mail the team lead got.
        at = submitted or created
        for k, (trigger, frm, to) in enumerate(PATH[state]):
            step_at = {"submit": submitted, "begin_review": submitted and submitted + timedelta(days=3)}.get(
                trigger, decided and decided + timedelta(days=30 * max(0, k - 3)))
            at = step_at or at
            actor = lead if trigger in ("submit", "submit_final_report", "withdraw") else (
                co_chair[Side.BPS] if trigger in ("approve", "decline", "request_revisions") else staff[0])
            b.add(AuditEvent, case_type="proposal", case_id=pid, trigger=trigger, from_state=frm.value,
                  to_state=to.value, actor_id=actor, at=at, comment="", data={})
        if submitted:
            b.add(Notification, user_id=lead, subject=f"Your proposal “{title}” was submitted", body="",
                  link=f"/proposals/{pid}", created_at=submitted, read_at=None if current else submitted)
        if decided:
            b.add(Notification, user_id=lead, subject=f"A decision on “{title}”", body="",
                  link=f"/proposals/{pid}", created_at=decided, read_at=None if current else decided)
        # Reviews: two per side for every proposal that went to review.
        if state in REVIEWED:
            due = closes + timedelta(days=30)
            all_done = True
            for side in (Side.BTU, Side.BPS):
                for who in rnd.sample(reviewers[side], 2):
                    done = not current or state is not S.IN_REVIEW or rnd.random() > 1 / 3
                    all_done = all_done and done
                    assigned = submitted + timedelta(days=3)
                    aid = b.add(ReviewAssignment, proposal_id=pid, reviewer_id=who, side=side,
                                status=ReviewStatus.SUBMITTED if done else ReviewStatus.ASSIGNED,
                                recommendation=(Recommendation.FUND if state in FUNDED or rnd.random() < .5
                                                else Recommendation.DO_NOT_FUND) if done else None,
                                comments="Clear plan; the budget fits." if done else "", due_on=due,
                                assigned_by_id=staff[0], assigned_at=assigned,
                                submitted_at=min(now, assigned + timedelta(days=rnd.randrange(2, 20))) if done else None)
                    if done:
                        for crit_id in crit:
                            b.add(CriterionScore, assignment_id=aid, criterion_id=crit_id, score=rnd.randint(1, 4),
                                  comment="")
                    b.add(Notification, user_id=who, subject=f"A review for you: “{title}”", body="",
                          link=f"/review/{aid}", created_at=assigned, read_at=None if current else assigned)
            outcome = {S.DECLINED: DecisionOutcome.DECLINE, S.REVISIONS_REQUESTED: DecisionOutcome.REQUEST_REVISIONS}
            if decided:
                b.add(Decision, proposal_id=pid, outcome=outcome.get(state, DecisionOutcome.APPROVE), award=award,
                      conditions="", feedback="Thank you.", proposed_by_id=co_chair[Side.BTU],
                      proposed_side=Side.BTU, proposed_at=decided - timedelta(days=1),
                      confirmed_by_id=co_chair[Side.BPS], confirmed_side=Side.BPS, confirmed_at=decided,
                      withdrawn_at=None, withdrawn_by_id=None)
            elif current and state is S.IN_REVIEW and all_done and i % 4 == 0:
                counters["pending_decisions"] += 1
                b.add(Decision, proposal_id=pid, outcome=DecisionOutcome.APPROVE, award=Decimal("8000.00"),
                      conditions="", feedback="A strong plan.", proposed_by_id=co_chair[Side.BTU],
                      proposed_side=Side.BTU, proposed_at=now - timedelta(hours=5), confirmed_by_id=None,
                      confirmed_side=None, confirmed_at=None, withdrawn_at=None, withdrawn_by_id=None)
        if state in (S.FINAL_REPORT_SUBMITTED, S.COMPLETED, S.PUBLISHED):
            b.add(FinalReport, proposal_id=pid, what_we_tried=f"Weekly {w1} {w2}.", what_happened="Most came.",
                  what_we_learned="Families want more.", what_we_would_change="Start earlier.",
                  updated_at=decided + timedelta(days=280))
        if state is S.PUBLISHED:
            published = decided + timedelta(days=320)
            sid = b.add(LearningSummary, proposal_id=pid, slug=f"{w1}-{w2}-{pid}", title=title,
                        body=BODY.format(a=w1, b=w2),
                        search_text=f"{title} weekly {w1} {w2} with bilingual texts".lower(),
                        consent_given_at=published - timedelta(days=5), consent_by_id=lead,
                        privacy_checked_at=published - timedelta(days=1), published_at=published, updated_at=published)
            for kind_terms in terms.values():
                b.add(summary_term, summary_id=sid, term_id=kind_terms[i % len(kind_terms)])
    b.flush()

    # -- the PL catalog, registrations and PL requests ----------------------------------------------
    opportunities = []
    kinds = (ProviderKind.BTU, ProviderKind.BPS, ProviderKind.BTU, ProviderKind.OUTSIDE)
    formats = list(PLFormat)
    opp_n = max(20, n // 20)
    for i in range(opp_n):
        # Oldest first, over ten years; the newest tenth (at least 10) still to come.
        upcoming = i >= opp_n - max(10, opp_n // 10)
        first = (today + timedelta(days=7 + i % 60)) if upcoming else today - timedelta(
            days=30 + (opp_n - i) * 365 * YEARS // opp_n)
        kind = kinds[i % len(kinds)]
        w1, w2 = WORDS[i % len(WORDS)], WORDS[(i * 7 + 3) % len(WORDS)]
        oid = b.add(Opportunity, slug=f"{w1}-{w2}-workshop-{i}", title=f"{w1.capitalize()} {w2} workshop {i}",
                    description="Four hands-on hours on **structured read-alouds** for mixed-language classrooms.",
                    provider_kind=kind, provider_name="Outside Provider Inc." if kind is ProviderKind.OUTSIDE else (
                        "Boston Teachers Union" if kind is ProviderKind.BTU else "Boston Public Schools"),
                    format=formats[i % len(formats)],
                    cost=Decimal("350.00") if kind is ProviderKind.OUTSIDE else Decimal("0"),
                    capacity=25 if i % 4 == 0 else None, pdps=10, hours=Decimal("6.0"), url="", contact_email="",
                    published=True, created_by_id=staff[0], created_at=_at(first - timedelta(days=40)),
                    updated_at=_at(first - timedelta(days=40)), version=1,
                    first_starts_at=_at(first, 20), last_ends_at=_at(first + timedelta(days=7), 23))
        for k in range(2):
            day = first + timedelta(days=7 * k)
            b.add(OpportunitySession, opportunity_id=oid, starts_at=_at(day, 20), ends_at=_at(day, 23),
                  location="BTU Hall, 180 Mount Vernon St")
        for term_id in (terms[TermKind.TOPIC][i % len(TOPICS)], terms[TermKind.GRADE_BAND][i % len(GRADES)],
                        terms[TermKind.SUBJECT][i % len(SUBJECTS)]):
            b.add(opportunity_term, opportunity_id=oid, term_id=term_id)
        opportunities.append((oid, first, upcoming))
    seen = set()
    for _ in range(n // 4):
        oid, first, upcoming = opportunities[rnd.randrange(opp_n)]
        uid = teachers[rnd.randrange(teachers_n)]
        if (oid, uid) in seen:
            continue
        seen.add((oid, uid))
        signed = _at(first - timedelta(days=10))
        b.add(Registration, opportunity_id=oid, user_id=uid, status=RegistrationStatus.REGISTERED, queued_at=signed,
              registered_at=signed, promoted_at=None, cancelled_at=None,
              attended=None if upcoming else True, attendance_recorded_at=None if upcoming else _at(first, 23))
    this_year = school_year_of(today)
    years = set()
    for i in range(n // 2):
        back = rnd.randrange(0, 365 * YEARS) if i % 10 else rnd.randrange(0, 120)  # a tenth this school year
        starts = today - timedelta(days=back) + timedelta(days=30)
        year = school_year_of(starts)
        years.add(year)
        current = year == this_year or starts > today
        state = (R.SUBMITTED, R.ENDORSED, R.APPROVED, R.DRAFT, R.COMPLETED)[i % 5] if current else (
            R.COMPLETED, R.COMPLETED, R.COMPLETED, R.DENIED, R.CANCELLED)[i % 5]
        if state is R.COMPLETED and starts + timedelta(days=2) > today:
            state = R.APPROVED
        j = rnd.randrange(teachers_n)
        requester = teachers[j]
        created = _at(starts - timedelta(days=40))
        submitted = None if state is R.DRAFT else created + timedelta(days=1)
        decided = created + timedelta(days=10) if state in (R.APPROVED, R.DENIED, R.COMPLETED) else None
        done = state is R.COMPLETED
        b.add(PLRequest, requester_id=requester, school_id=schools[j % schools_n], state=state, version=2, opportunity_id=None,
              title=f"{WORDS[i % len(WORDS)].capitalize()} course {i}", provider_name="Institute for Learning",
              description="", url="", cost=Decimal("0") if i % 7 == 0 else Decimal("450.00"), starts_on=starts,
              ends_on=starts + timedelta(days=2), hours=Decimal("12.00"), pdps=12,
              rationale="Many of my students are still decoding below grade level.",
              need_term_id=terms[TermKind.TOPIC][i % len(TOPICS)], budget_year=year, attended=True if done else None,
              reflection="I now run structured phonics groups daily." if done else "",
              hours_completed=Decimal("12.00") if done else None, pdps_earned=12 if done else None,
              completed_at=_at(starts + timedelta(days=5)) if done else None, created_at=created,
              updated_at=decided or submitted or created, submitted_at=submitted, decided_at=decided)
    for year in sorted(years | {this_year}):
        b.add(PLBudget, school_year=year, amount=Decimal("250000.00"), updated_at=now, version=1)
    b.flush()
    _reset_sequences()
    db.session.commit()

    educator = educator_team[1]
    total_staff_rows = n  # the staff list, filtered to every cycle
    return {
        "educator": f"teacher{teachers.index(educator)}@scale.example.org",
        "school_leader": f"leader{schools.index(educator_team[2])}@scale.example.org",
        "reviewer": f"{Side.BTU.value.lower()}1@scale.example.org",
        "co_chair": f"{Side.BPS.value.lower()}0@scale.example.org",
        "staff": "staff0@scale.example.org",
        "admin": "admin@scale.example.org",
        "cycle_id": cycles[-1][0],
        "proposals": total_staff_rows,
        "current": current_n,
        "pending_decisions": counters["pending_decisions"],
        "rows": dict(b.counts),
    }


def _reset_sequences() -> None:
    """PostgreSQL: the ids were given here, so each serial sequence starts after the largest."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement is not False:
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"))


def total(rows: dict[str, int], names: Iterable[str] | None = None) -> int:
    return sum(v for k, v in rows.items() if names is None or k in names)
