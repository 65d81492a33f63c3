"""The data for the ASK and CONNECT pages of ``benchmarks/run.py``: plain inserts into a fresh database.

Each ``build_*(n)`` fills the (empty, migrated) database of one section and returns what ``run.py``
needs to reach its pages (the e-mail of each person who signs in, and any ids in the URLs):

* ``build_catalog``: ``n`` published opportunities, each with two sessions and three terms (a topic,
  a grade band, a subject); one in ten is over (hidden from the catalog and from recommendations),
  one in four has a capacity of two and one in eight is full. An educator has rated every survey
  topic in the open needs survey and has a grade band and a subject in their profile, so most
  upcoming opportunities are candidates for "Recommended for you"; they are registered for one
  opportunity and have a PL request for another (both then left out of the recommendations).
* ``build_priorities``: ``n`` survey responses to one survey of eight topics, from educators spread
  over 20 schools (one in twenty is a team's response, reported apart).
* ``build_pl_requests``: ``n`` PL requests across the states, half of them from the school leader's
  school; three in ten are submitted (the leader's queue), two in ten endorsed (the co-chairs'
  queue, half of those with a decision waiting for the other side's confirmation).
* ``build_transcript``: one educator with ``n`` completed PL entries (half completed PL requests,
  half attended registrations to past catalog opportunities), at most ``TRANSCRIPT_CAP``.
"""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from werkzeug.security import generate_password_hash

from app.core import clock
from app.extensions import db
from app.models import (
    NeedsSurvey,
    Opportunity,
    OpportunitySession,
    PLBudget,
    PLDecision,
    PLDecisionOutcome,
    PLFormat,
    PLRequest,
    PLRequestState,
    ProviderKind,
    Registration,
    RegistrationStatus,
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
from workflows.pl_request import school_year_of

PASSWORD = "bench-password"
R = PLRequestState

# A whole working life of PL (about 150 PDPs every five years) is a few hundred entries at most:
# an educator with 1000 completed PL entries does not exist, so the transcript stops at this many.
TRANSCRIPT_CAP = 200

TOPICS = ("Literacy", "Math", "Science", "Family engagement", "Multilingual learners", "Special education",
          "Culturally responsive teaching", "Social-emotional learning")
GRADE_BANDS = ("PreK-K", "Grades 1-2", "Grades 3-5", "Grades 6-8", "Grades 9-12")
SUBJECTS = ("ELA", "Math", "Science", "Social studies", "ESL")
DESCRIPTION = """Four hands-on hours on **structured read-alouds** for mixed-language classrooms.

- Choosing mirror and window books
- Planning the talk before the reading

Bring a book you already use."""
PL_REQUEST_MIX = (R.SUBMITTED, R.ENDORSED, R.SUBMITTED, R.APPROVED, R.SUBMITTED, R.ENDORSED, R.COMPLETED,
                  R.DRAFT, R.DENIED, R.CANCELLED)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-").replace("--", "-")


def _schools(n: int = 20) -> list[School]:
    levels = list(SchoolLevel)
    schools = [School(name=f"Bench School {i:02d}", level=levels[i % len(levels)], neighborhood="Mattapan")
               for i in range(n)]
    db.session.add_all(schools)
    return schools


class _People:
    """Adds users with one cheap password hash."""

    def __init__(self):
        self.pw = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")

    def __call__(self, name, email, roles, school=None, side=None, **kw) -> User:
        u = User(name=name, email=email, school=school, side=Side(side) if side else None, **kw)
        u.password_hash = self.pw
        u.set_roles(roles)
        db.session.add(u)
        return u


def _terms() -> dict[TermKind, list[Term]]:
    out = {}
    for kind, names in ((TermKind.TOPIC, TOPICS), (TermKind.GRADE_BAND, GRADE_BANDS),
                        (TermKind.SUBJECT, SUBJECTS)):
        out[kind] = [Term(kind=kind, name=name, slug=_slug(name), position=i) for i, name in enumerate(names)]
        db.session.add_all(out[kind])
    return out


def _sessions(first_day, count: int = 2) -> list[OpportunitySession]:
    """``count`` weekly sessions, 4 to 7 pm in Boston (20:00-23:00 UTC)."""
    return [OpportunitySession(starts_at=datetime.combine(first_day + timedelta(days=7 * k), time(20, 0), tzinfo=UTC),
                               ends_at=datetime.combine(first_day + timedelta(days=7 * k), time(23, 0), tzinfo=UTC),
                               location="BTU Hall, 180 Mount Vernon St")
            for k in range(count)]


def _survey(topics: list[Term], creator: User) -> NeedsSurvey:
    today = clock.today()
    s = NeedsSurvey(school_year=school_year_of(today), title="PL needs survey", opens_on=today - timedelta(days=7),
                    closes_on=today + timedelta(days=21), opened_at=clock.now(), privacy_threshold=5,
                    created_by_id=creator.id, topics=list(topics))
    db.session.add(s)
    return s


def _response(survey: NeedsSurvey, ratings: list[int], topics: list[Term], respondent: User | None = None,
              team: Team | None = None, school: School | None = None) -> SurveyResponse:
    now = clock.now()
    author = respondent or team.lead
    r = SurveyResponse(survey=survey, respondent=respondent, team=team, school=school, submitted_by_id=author.id,
                       submitted_at=now, updated_at=now)
    r.ratings = [SurveyRating(term=t, rating=v) for t, v in zip(topics, ratings, strict=True)]
    db.session.add(r)
    return r


# -- the catalog and recommendations ----------------------------------------------------------
def build_catalog(n: int) -> dict:
    """``n`` published opportunities and an educator with survey ratings and a profile."""
    today = clock.today()
    person = _People()
    schools = _schools()
    terms = _terms()
    staff = person("Bench Staff", "staff@bench.example.org", ["staff"])
    me = person("Bench Educator", "educator@bench.example.org", ["educator"], school=schools[0])
    others = [person(f"Other Educator {k}", f"other{k}@bench.example.org", ["educator"], school=schools[k + 1])
              for k in range(2)]
    db.session.flush()
    topics = terms[TermKind.TOPIC]
    me.profile_terms = [terms[TermKind.GRADE_BAND][2], terms[TermKind.SUBJECT][0]]
    survey = _survey(topics, staff)
    _response(survey, [5, 4, 3, 2, 1, 4, 5, 3], topics, respondent=me, school=me.school)

    kinds = (ProviderKind.BTU, ProviderKind.BPS, ProviderKind.BTU, ProviderKind.OUTSIDE)
    formats = list(PLFormat)
    for i in range(n):
        kind = kinds[i % len(kinds)]
        title = f"Reading workshop {i}" if i % 3 else f"Math routines {i}"
        over = i % 10 == 9
        first_day = today - timedelta(days=30) if over else today + timedelta(days=7 + i % 60)
        o = Opportunity(
            slug=f"{_slug(title)}-{i}", title=title, description=DESCRIPTION, provider_kind=kind,
            provider_name={ProviderKind.BTU: "Boston Teachers Union", ProviderKind.BPS: "Boston Public Schools"}
            .get(kind, "Outside Provider Inc."),
            format=formats[i % len(formats)], cost=Decimal("350.00") if kind is ProviderKind.OUTSIDE else Decimal("0"),
            capacity=2 if i % 4 == 0 else None, pdps=10, hours=Decimal("6.0"), published=True,
            created_by_id=staff.id,
            terms=[topics[i % len(topics)], terms[TermKind.GRADE_BAND][i % len(GRADE_BANDS)],
                   terms[TermKind.SUBJECT][i % len(SUBJECTS)]],
        )
        o.sessions = _sessions(first_day)
        db.session.add(o)
        if i % 4 == 0:  # capacity two: one seat taken, or (one in eight) both
            takers = others if i % 8 == 0 else others[:1]
            for u in takers:
                db.session.add(Registration(opportunity=o, user=u, status=RegistrationStatus.REGISTERED,
                                            queued_at=clock.now(), registered_at=clock.now()))
        if i == 1:
            db.session.add(Registration(opportunity=o, user=me, status=RegistrationStatus.REGISTERED,
                                        queued_at=clock.now(), registered_at=clock.now()))
        if i == 3:
            r = PLRequest(requester=me, school_id=me.school_id, state=R.SUBMITTED, opportunity=o, cost=o.cost,
                          starts_on=first_day, ends_on=first_day + timedelta(days=7), hours=Decimal("6"), pdps=10,
                          rationale="For my newcomers.", need=topics[0], submitted_at=clock.now())
            r.set_budget_year()
            db.session.add(r)
        if i % 200 == 199:
            db.session.flush()
    db.session.commit()
    return {"educator": me.email, "topic": topics[0].slug}


# -- priorities -------------------------------------------------------------------------------
def build_priorities(n: int) -> dict:
    """``n`` responses to one open survey of eight topics, spread over 20 schools."""
    person = _People()
    schools = _schools()
    topics = _terms()[TermKind.TOPIC]
    staff = person("Bench Staff", "staff@bench.example.org", ["staff"])
    db.session.flush()
    survey = _survey(topics, staff)
    # Educators who did not answer count toward the response rate too.
    for k in range(40):
        person(f"Quiet Educator {k}", f"quiet{k}@bench.example.org", ["educator"], school=schools[k % 20])
    for i in range(n):
        school = schools[i % 20]
        ratings = [1 + (i + k * 3) % 5 for k in range(len(topics))]
        if i % 20 == 19:
            lead = person(f"Team Lead {i}", f"teamlead{i}@bench.example.org", ["educator"], school=school)
            member = person(f"Team Member {i}", f"member{i}@bench.example.org", ["educator"], school=school)
            team = Team(name=f"Bench Team {i}", scope=TeamScope.SCHOOL, school=school, lead=lead)
            team.memberships = [TeamMember(user=lead), TeamMember(user=member)]
            db.session.add(team)
            db.session.flush()
            _response(survey, ratings, topics, team=team, school=school)
        else:
            u = person(f"Educator {i}", f"educator{i}@bench.example.org", ["educator"], school=school)
            db.session.flush()
            _response(survey, ratings, topics, respondent=u, school=school)
        if i % 200 == 199:
            db.session.flush()
    db.session.commit()
    return {"staff": staff.email}


# -- PL requests ------------------------------------------------------------------------------
def build_pl_requests(n: int) -> dict:
    """``n`` PL requests across the states; half from the school leader's school."""
    today = clock.today()
    now = clock.now()
    person = _People()
    schools = _schools()
    topics = _terms()[TermKind.TOPIC]
    staff = person("Bench Staff", "staff@bench.example.org", ["staff"])
    leader = person("Bench Leader", "leader@bench.example.org", ["school_leader"], school=schools[0],
                    job_title="Principal")
    btu = person("BTU Co-chair", "btu@bench.example.org", ["co_chair", "reviewer"], side="BTU")
    bps = person("BPS Co-chair", "bps@bench.example.org", ["co_chair", "reviewer"], side="BPS")
    m = max(4, n // 2 * 2)
    educators = [person(f"Educator {j}", f"educator{j}@bench.example.org", ["educator"],
                        school=schools[0] if j % 2 == 0 else schools[1 + j % 19]) for j in range(m)]
    courses = []
    for k in range(5):
        o = Opportunity(slug=f"outside-course-{k}", title=f"Outside course {k}", description=DESCRIPTION,
                        provider_kind=ProviderKind.OUTSIDE, provider_name="Outside Provider Inc.",
                        format=PLFormat.VIRTUAL, cost=Decimal("450.00"), pdps=12, hours=Decimal("12"),
                        terms=[topics[k]])
        o.sessions = _sessions(today + timedelta(days=30))
        courses.append(o)
    db.session.add_all(courses)
    start = today + timedelta(days=30)
    db.session.add(PLBudget(school_year=school_year_of(start), amount=Decimal("10000000.00")))
    db.session.flush()
    for i in range(n):
        state = PL_REQUEST_MIX[i % len(PL_REQUEST_MIX)]
        requester = educators[(i + i // len(PL_REQUEST_MIX)) % m]  # each state at both kinds of school
        course = courses[i % len(courses)] if i % 2 else None
        r = PLRequest(requester=requester, school_id=requester.school_id, state=state, opportunity=course,
                      title="" if course else f"Orton-Gillingham course {i}",
                      provider_name="" if course else "Institute for Multi-Sensory Education",
                      cost=Decimal("0") if i % 7 == 0 else Decimal("450.00"), starts_on=start,
                      ends_on=start + timedelta(days=2), hours=Decimal("12.00"), pdps=12,
                      rationale="Many of my second graders are still decoding below grade level.",
                      need=topics[i % len(topics)], created_at=now - timedelta(minutes=i),
                      submitted_at=None if state is R.DRAFT else now - timedelta(minutes=i))
        r.set_budget_year()
        if state in (R.APPROVED, R.DENIED, R.COMPLETED):
            r.decided_at = now
        if state is R.COMPLETED:
            r.attended, r.reflection = True, "I now run structured phonics groups daily."
            r.hours_completed, r.pdps_earned, r.completed_at = Decimal("12.00"), 12, now
        db.session.add(r)
        if state is R.ENDORSED and i % 4 == 1:
            db.session.add(PLDecision(request=r, outcome=PLDecisionOutcome.APPROVE, feedback="Fits the need.",
                                      proposed_by_id=btu.id, proposed_side=Side.BTU, proposed_at=now))
        if i % 200 == 199:
            db.session.flush()
    db.session.commit()
    return {"staff": staff.email, "leader": leader.email, "co_chair": bps.email}


# -- the transcript ---------------------------------------------------------------------------
def transcript_size(n: int) -> int:
    return min(n, TRANSCRIPT_CAP)


def build_transcript(n: int) -> dict:
    """One educator with ``transcript_size(n)`` completed PL entries: completed requests and attended
    registrations to past catalog opportunities, half each (plus a few open requests that do not count)."""
    n = transcript_size(n)
    today = clock.today()
    now = clock.now()
    person = _People()
    schools = _schools(2)
    topics = _terms()[TermKind.TOPIC]
    me = person("Bench Educator", "educator@bench.example.org", ["educator"], school=schools[0],
                license_cycle_starts_on=today - timedelta(days=3 * 365))
    db.session.flush()
    for i in range(n):
        day = today - timedelta(days=10 + 7 * i)
        if i % 2:
            o = Opportunity(slug=f"past-workshop-{i}", title=f"Past workshop {i}", description=DESCRIPTION,
                            provider_kind=ProviderKind.BTU, provider_name="Boston Teachers Union",
                            format=PLFormat.IN_PERSON, cost=Decimal("0"), pdps=6, hours=Decimal("4.5"),
                            terms=[topics[i % len(topics)]])
            o.sessions = _sessions(day - timedelta(days=7))
            db.session.add(o)
            db.session.add(Registration(opportunity=o, user=me, status=RegistrationStatus.REGISTERED,
                                        queued_at=now, registered_at=now, attended=True,
                                        attendance_recorded_at=datetime.combine(day, time(15), tzinfo=UTC)))
        else:
            r = PLRequest(requester=me, school_id=me.school_id, state=R.COMPLETED, title=f"Course {i}",
                          provider_name="Institute for Multi-Sensory Education", cost=Decimal("450.00"),
                          starts_on=day - timedelta(days=2), ends_on=day, hours=Decimal("12.00"), pdps=12,
                          rationale="r", need=topics[i % len(topics)], submitted_at=now, decided_at=now,
                          attended=True, reflection="I use it every week.", hours_completed=Decimal("11.50"),
                          pdps_earned=12, completed_at=datetime.combine(day, time(15), tzinfo=UTC))
            r.set_budget_year()
            db.session.add(r)
        if i % 200 == 199:
            db.session.flush()
    for state in (R.DRAFT, R.SUBMITTED, R.APPROVED):
        r = PLRequest(requester=me, school_id=me.school_id, state=state, title=f"Open request ({state.value})",
                      provider_name="Somewhere", cost=Decimal("100.00"), starts_on=today + timedelta(days=20),
                      ends_on=today + timedelta(days=21), hours=Decimal("6"), pdps=6, need=topics[0])
        r.set_budget_year()
        db.session.add(r)
    db.session.commit()
    return {"educator": me.email}
