"""Demo data: a realistic funding round, built through the services so the audit trail is real.

``seed()`` creates Boston schools of every level, a joint committee of six (three reviewers per
side, one co-chair per side among them), two program staff, an admin, a school leader, 40+
educators in 18 teams (school-based and cross-school) and one open cycle ($300,000 pool, $15,000
maximum award, two reviews per side, a five-criterion weighted rubric) with proposals in every
state from draft to approved and declined, plus withdrawn and revisions requested.

Every act goes through ``app.services``: teams through ``teams``, drafts through ``proposals``,
state changes through ``advance()`` (via ``app.cases.advance.fire`` and ``decisions.confirm``), reviewer
assignments through ``screening``, conflicts and reviews through ``review``, joint decisions
through ``decisions``. So the timelines, history and home pages are what real use would leave.

**Dates.** Everything is placed relative to a "today" (by default ``clock.today()``, the day you
seed): the cycle opened 45 days earlier and closes in 21 days, and each act happens on a fixed
day before today (the clock is staged while seeding, so audit events carry those dates). Names,
texts, amounts, scores and the order of events are fixed, so seeding on the same day gives the
same data; seeding with ``seed(today=date(...))`` gives the same data on any day.

Every demo user's password is ``DEMO_PASSWORD``.
"""
from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select, text

from app.cases.advance import fire
from app.core import clock
from app.demo.artifacts import bar_chart, handout
from app.demo.learning import make_taxonomy, seed_learning
from app.demo.stories import (
    ACTIVE,
    ACTIVE_OVERDUE,
    COMPLETED,
    PUBLISHED_OVERRIDE,
    PUBLISHED_RETURNED,
    REPORT_SUBMITTED,
    STORIES,
    UNPUBLISHED,
    GrantStory,
)
from app.extensions import db
from app.grants import agreement as grants
from app.grants import ledger, reports
from app.home import digest
from app.models import (
    BudgetCategory,
    BudgetReallocation,
    Expenditure,
    FinalReport,
    FlagStatus,
    GrantType,
    LearningSummary,
    OutboxMessage,
    PrivacyFlag,
    ProgressReport,
    Proposal,
    ProposalState,
    Recommendation,
    ReviewAssignment,
    School,
    SchoolLevel,
    SummaryArtifact,
    Team,
    TeamScope,
    Term,
    TermKind,
    User,
)
from app.people import accounts as people
from app.people import teams
from app.proposals import cycles, screening
from app.proposals import drafting as proposals
from app.proposals.cycles import CriterionInput, CycleInput
from app.proposals.drafting import LineData
from app.review import decisions
from app.review import reviews as review
from app.review.reviews import ReviewInput
from app.sharing import privacy, summaries

DEMO_PASSWORD = "tlf-demo-2026"
EMAIL_DOMAIN = "example.org"

C = BudgetCategory
L = SchoolLevel

# -- schools ---------------------------------------------------------------------------------
# (name, level, neighborhood)
SCHOOLS = [
    ("Mather Elementary School", L.ELEMENTARY, "Dorchester"),
    ("Perkins Elementary School", L.ELEMENTARY, "South Boston"),
    ("Manning Elementary School", L.ELEMENTARY, "Jamaica Plain"),
    ("Curley K-8 School", L.K8, "Jamaica Plain"),
    ("Hernández K-8 School", L.K8, "Roxbury"),
    ("Eliot K-8 Innovation School", L.K8, "North End"),
    ("McCormack Middle School", L.MIDDLE, "Dorchester"),
    ("Irving Middle School", L.MIDDLE, "Roslindale"),
    ("Brighton High School", L.HIGH, "Brighton"),
    ("Excel High School", L.HIGH, "South Boston"),
    ("Madison Park Technical Vocational High School", L.HIGH, "Roxbury"),
    ("Boston Latin School", L.OTHER, "Fenway"),  # exam school, grades 7-12
    ("Henderson K-12 Inclusion School", L.OTHER, "Dorchester"),
    ("Horace Mann School for the Deaf and Hard of Hearing", L.OTHER, "Allston"),
    ("McKinley Schools", L.OTHER, "South End"),  # special education day school
]

# -- people ----------------------------------------------------------------------------------
# The committee: three reviewers per side, one co-chair per side among them.
COMMITTEE = [
    # (name, side, co-chair?, job title)
    ("Theresa Flanagan", "BTU", True, "BTU Vice President"),
    ("Marcus Bell", "BTU", False, "Teacher, BTU Professional Learning Committee"),
    ("Ana Lucia Reyes", "BTU", False, "Teacher, BTU Professional Learning Committee"),
    ("David Chen", "BPS", True, "Director of Professional Learning, BPS"),
    ("Keisha Robinson", "BPS", False, "Office of Equity, BPS"),
    ("Patrick O'Neil", "BPS", False, "Office of Teaching and Learning, BPS"),
]
STAFF = [("Rosa Delgado", "TLF Program Manager"), ("Ethan Park", "TLF Program Coordinator")]
ADMIN = ("Grace Whitfield", "Systems Administrator")
SCHOOL_LEADER = ("Angela Brooks", "Principal", "Mather Elementary School")

TEACHER = "Classroom teacher"
SPED = "Special educator"
ESL = "ESL / multilingual learner teacher"
PARA = "Paraprofessional"
COUNSELOR = "School counselor"
LIBRARIAN = "Librarian / media specialist"
NURSE = "School nurse"
COACH = "Instructional coach"

# (name, school, job title)
EDUCATORS = [
    ("Lan Nguyen", "Mather Elementary School", ESL),
    ("Marie-Claude Pierre", "Mather Elementary School", TEACHER),
    ("Fatima Hassan", "Mather Elementary School", PARA),
    ("Jasmine Carter", "Mather Elementary School", TEACHER),
    ("Kevin Murphy", "Perkins Elementary School", TEACHER),
    ("Rosa Martínez", "Perkins Elementary School", ESL),
    ("Brianna Walsh", "Perkins Elementary School", COACH),
    ("Hannah Goldberg", "Manning Elementary School", SPED),
    ("Luis Ortega", "Manning Elementary School", PARA),
    ("Andre Williams", "Curley K-8 School", COUNSELOR),
    ("Megan O'Brien", "Curley K-8 School", TEACHER),
    ("Tomás Rivera", "Curley K-8 School", TEACHER),
    ("Carmen Díaz", "Hernández K-8 School", TEACHER),
    ("Yesenia Morales", "Hernández K-8 School", ESL),
    ("Ramón Castillo", "Hernández K-8 School", TEACHER),
    ("Priya Raman", "Eliot K-8 Innovation School", TEACHER),
    ("Giovanni Russo", "Eliot K-8 Innovation School", COACH),
    ("Tanisha Greene", "McCormack Middle School", SPED),
    ("Sean Doyle", "McCormack Middle School", TEACHER),
    ("Quynh Tran", "McCormack Middle School", COUNSELOR),
    ("Yasmin Ali", "McCormack Middle School", ESL),
    ("Michelle Joseph", "Irving Middle School", COUNSELOR),
    ("Darnell Thompson", "Irving Middle School", TEACHER),
    ("Abigail Stein", "Irving Middle School", NURSE),
    ("Carlos Mendes", "Brighton High School", TEACHER),
    ("Erin Sullivan", "Brighton High School", COUNSELOR),
    ("Wei Zhang", "Brighton High School", TEACHER),
    ("Naomi Baptiste", "Excel High School", TEACHER),
    ("Ryan Kelly", "Excel High School", LIBRARIAN),
    ("Jerome Jackson", "Madison Park Technical Vocational High School", TEACHER),
    ("Lisa Ferreira", "Madison Park Technical Vocational High School", SPED),
    ("Ayesha Khan", "Madison Park Technical Vocational High School", TEACHER),
    ("Olivia Grant", "Boston Latin School", TEACHER),
    ("Samuel Adeyemi", "Boston Latin School", TEACHER),
    ("Rachel Cohen", "Boston Latin School", COUNSELOR),
    ("Amy Lin", "Henderson K-12 Inclusion School", COACH),
    ("Jamal Price", "Henderson K-12 Inclusion School", SPED),
    ("Katie Moran", "Henderson K-12 Inclusion School", TEACHER),
    ("Elena Petrova", "Horace Mann School for the Deaf and Hard of Hearing", TEACHER),
    ("Daniel Foster", "Horace Mann School for the Deaf and Hard of Hearing", PARA),
    ("Monique Douglas", "McKinley Schools", SPED),
    ("Brian Callahan", "McKinley Schools", COUNSELOR),
    ("Gloria Santos", "McKinley Schools", PARA),
]

# -- the cycle and its rubric ----------------------------------------------------------------
RUBRIC = [
    ("Focus on students who have been historically marginalized", Decimal("3"),
     "The proposal names a challenge facing students who have been historically marginalized, "
     "describes those students, and keeps them at the center of the work."),
    ("Clarity and feasibility of the plan", Decimal("2"),
     "The plan is concrete, sequenced and realistic for this team in one school year."),
    ("Measuring impact", Decimal("2"),
     "The team says how it will know whether the work made a difference for students, with "
     "evidence it can actually collect."),
    ("Sharing the learning", Decimal("1.5"),
     "The team will share what it learns with colleagues, families and the district."),
    ("Budget justification", Decimal("1.5"),
     "Every budget line serves the plan, and the amounts are reasonable."),
]

# Review profiles: one score (1-4) per rubric criterion, in rubric order.
PROFILES = {
    "strong": (4, 4, 3, 4, 4),
    "good": (4, 3, 3, 3, 4),
    "solid": (3, 3, 3, 3, 3),
    "mixed": (3, 2, 2, 3, 2),
    "weak": (2, 2, 1, 2, 1),
}
CRITERION_COMMENTS = [
    ("The students and the inequity they face are named plainly, with school data behind it.",
     "The proposal says who the students are but not what the team knows about their experience."),
    ("The steps, roles and calendar are clear and fit the school year.",
     "The plan tries to do a great deal; it is not clear who does what, or when."),
    ("The measures are realistic and tied to the goal, with a baseline in the fall.",
     "The measures are mostly counts of activities; add evidence of change for students."),
    ("Sharing reaches colleagues beyond the team and the families involved.",
     "Sharing stops at the team's own school; say how others will learn from it."),
    ("Each line of the budget serves the plan and the amounts are reasonable.",
     "Several lines are not explained; justify the equipment and the consultant costs."),
]
OVERALL_COMMENTS = {
    "strong": "A clear, well-grounded proposal from a team that knows its students. I would fund it as written.",
    "good": "Strong need and a workable plan. Fund, and ask the team to firm up its measures in the fall.",
    "solid": "A reasonable plan; the committee should weigh it against the pool and the cohort's balance.",
    "mixed": "An important need, but the plan and the measures need more work before funding.",
    "weak": "The need is real but the proposal does not yet show how the money would change things for students.",
}


def recommendation_for(profile: str) -> Recommendation:
    mean = sum(PROFILES[profile]) / len(PROFILES[profile])
    if mean >= 3.5:
        return Recommendation.FUND
    if mean >= 2.75:
        return Recommendation.FUND_WITH_CHANGES
    return Recommendation.DO_NOT_FUND


# -- teams and their proposals ---------------------------------------------------------------
@dataclass
class TeamSpec:
    name: str
    lead: str
    members: tuple[str, ...]
    school: str | None  # None: cross-school
    title: str
    grant_type: GrantType
    challenge: str
    students: str
    plan: str
    success_measures: str
    sharing_plan: str
    timeline: str
    budget: tuple[tuple[BudgetCategory, str, str], ...]
    # What happens to the proposal (see ``Seeder.play``).
    story: str
    reviews: tuple[str, ...] = ()  # review profiles, BTU then BPS
    decision: dict = field(default_factory=dict)

    @property
    def amount(self) -> Decimal:
        return sum((Decimal(a) for _, _, a in self.budget), Decimal(0))


YEAR_TIMELINE = (
    "September: plan together and collect baseline data. October to December: first cycle of the work. "
    "January: look at the evidence and adjust. February to May: second cycle. "
    "June: final data, reflection and sharing."
)

TEAMS = [
    TeamSpec(
        "Mather Family Literacy Team", "Lan Nguyen", ("Marie-Claude Pierre", "Fatima Hassan", "Jasmine Carter"),
        "Mather Elementary School", "Family Literacy Nights in Five Languages", GrantType.ACTION,
        "Two thirds of our K-2 students are multilingual learners, and many of their families tell us they "
        "want to support reading at home but receive our materials only in English. Our Vietnamese, Haitian "
        "Creole, Cape Verdean Creole, Spanish and Somali speaking families attend school events far less "
        "often than English-speaking families.",
        "About 120 kindergarten to grade 2 students who are English learners, and their families.",
        "Six evening literacy nights, each run in five language groups with a bilingual educator or family "
        "liaison. Families take home a book bag with dual-language books and a short guide, made with "
        "families, on reading together in their home language. Dinner and childcare at every session.",
        "Attendance by language group against last year's event attendance; a short family survey in each "
        "language in October and May; home reading logs; and the students' fall-to-spring growth on the "
        "district's early literacy screener compared with last year's cohort.",
        "A session at the district's multilingual family engagement convening, a public learning summary, "
        "and the book-bag guides shared with every BPS elementary school in the five languages.",
        YEAR_TIMELINE,
        ((C.BOOKS, "Dual-language books for 120 take-home book bags", "5200.00"),
         (C.STIPENDS, "Evening stipends for 4 educators, 6 nights x 3 hours", "3600.00"),
         (C.FAMILY_EVENTS, "Dinner and childcare for 6 family nights", "2700.00"),
         (C.CONSULTANTS, "Translation of the family guides into 4 languages", "1000.00")),
        story="approved", reviews=("strong", "good", "strong", "good"),
        decision={"by": "BTU", "award": "12500.00",
                  "conditions": "Work with the BPS Office of Language Access on the translated guides.",
                  "feedback": "The committee was moved by how closely this plan follows what families asked "
                              "for. Funded in full."},
    ),
    TeamSpec(
        "Perkins Math Talk", "Kevin Murphy", ("Rosa Martínez", "Brianna Walsh"),
        "Perkins Elementary School", "Math Talk Circles for Multilingual Learners", GrantType.ACTION,
        "Our grade 3-5 multilingual learners rarely speak during math lessons, and their scores on open "
        "response items lag far behind their computation scores.",
        "Forty-five grade 3-5 students at WIDA levels 1-3 in three classrooms.",
        "Three teachers co-plan weekly math talk routines with sentence frames in students' home languages, "
        "visit each other's classrooms every month, and video one lesson a month to study who talks.",
        "Student talk tallies from monthly videos; open-response scores from fall to spring; a student "
        "survey on how comfortable they feel explaining their thinking.",
        "A demonstration lesson for the Perkins staff and a short video guide for the district math office.",
        YEAR_TIMELINE,
        ((C.STIPENDS, "Planning stipends, 3 teachers x 20 hours", "3000.00"),
         (C.SUBSTITUTES, "Substitute coverage for 9 peer visits", "1800.00"),
         (C.MATERIALS, "Math manipulatives and bilingual anchor charts", "1200.00"),
         (C.TECHNOLOGY, "Two classroom video kits", "900.00")),
        story="submitted",
    ),
    TeamSpec(
        "Manning Calm Start", "Hannah Goldberg", ("Luis Ortega",),
        "Manning Elementary School", "Sensory-Friendly Morning Routines for Students with Autism",
        GrantType.ACTION,
        "Students with autism in our inclusion classrooms lose much of the first hour of the day to "
        "dysregulation after arrival.",
        "Eighteen students with autism in four inclusion classrooms, K-5.",
        "Buy sensory equipment for a calm-start corner in each classroom and run a morning routine.",
        "Count of morning incidents.",
        "Share with the Manning staff.",
        YEAR_TIMELINE,
        ((C.MATERIALS, "Sensory corner equipment for four classrooms", "9800.00"),
         (C.STIPENDS, "Planning stipends", "1200.00")),
        story="declined", reviews=("mixed", "weak", "weak", "mixed"),
        decision={"by": "BPS",
                  "feedback": "The need is real and we hope you apply again. Most of the request is equipment, "
                              "and the plan does not yet say how the routines will be taught, who will "
                              "coach them, or how the team will know whether students' mornings improve. "
                              "The BPS special education office can connect you with a sensory-regulation "
                              "coach for a stronger proposal next round."},
    ),
    TeamSpec(
        "Curley Restorative Practices Team", "Andre Williams", ("Megan O'Brien", "Tomás Rivera"),
        "Curley K-8 School", "Restorative Circles to Reduce Exclusionary Discipline in Grades 6-8",
        GrantType.ACTION,
        "Black and Latino boys in our middle grades are suspended at three times the rate of their peers, "
        "and each suspension costs days of learning and trust.",
        "About 210 students in grades 6-8, with a focus on the 40 students who had a suspension or "
        "repeated office referrals last year.",
        "Train 12 middle-grades staff in restorative circles with a local restorative justice organization, "
        "hold weekly community circles in every advisory, and use repair circles instead of suspension for "
        "eligible incidents. The team meets every two weeks to review referrals.",
        "Suspensions and office referrals by student group against the last two years; a student survey on "
        "belonging in October and May; how many repair circles are held and what students say about them.",
        "A circle-keeper guide for other K-8 schools, a session at the BTU's spring professional learning "
        "day, and a learning summary.",
        YEAR_TIMELINE,
        ((C.CONSULTANTS, "Restorative circle training for 12 staff (4 days)", "7200.00"),
         (C.STIPENDS, "Stipends for 12 staff for training days", "4800.00"),
         (C.SUBSTITUTES, "Substitute coverage for 2 school-day trainings", "2200.00"),
         (C.MATERIALS, "Circle materials and talking pieces for 10 advisories", "800.00")),
        story="approved", reviews=("strong", "strong", "good", "strong"),
        decision={"by": "BPS", "award": "15000.00",
                  "feedback": "A strong, well-measured plan on an urgent equity issue. Funded in full; we "
                              "look forward to the circle-keeper guide."},
    ),
    TeamSpec(
        "Hernández Dual-Language Science", "Carmen Díaz", ("Yesenia Morales", "Ramón Castillo"),
        "Hernández K-8 School", "Dual-Language Science Notebooks", GrantType.ACTION,
        "In our two-way Spanish-English program, science is taught in English in grades 3-5, and our "
        "Spanish-dominant students write far less in science than in any other subject.",
        "About 130 students in grades 3-5 of the dual-language program, half of them Spanish-dominant.",
        "Design bilingual science notebooks with sentence frames and a word wall in both languages, and "
        "let students write their lab conclusions in either language for one unit per term.",
        "Length and quality of notebook entries scored on a shared rubric in each unit; a student "
        "interview sample each term; science unit assessments.",
        "Notebook templates posted for every BPS dual-language program and a workshop at the district's "
        "dual-language institute.",
        YEAR_TIMELINE,
        ((C.MATERIALS, "Printed bilingual notebooks for 130 students", "2600.00"),
         (C.BOOKS, "Spanish and bilingual science readers", "3100.00"),
         (C.STIPENDS, "Design stipends, 3 teachers x 25 hours", "3750.00")),
        story="in_review_in_progress", reviews=("good",),
    ),
    TeamSpec(
        "Eliot Math Pathways Inquiry", "Priya Raman", ("Giovanni Russo",),
        "Eliot K-8 Innovation School", "Why Do Our Newcomers Leave Advanced Math? A Study of Course Placement",
        GrantType.STUDY,
        "Students who arrived in the US in the last three years are half as likely as their peers to be "
        "placed in our grade 7-8 advanced math course, even with similar grades.",
        "Newcomer students in grades 5-8 and their families.",
        "Study three years of placement data, interview students and families, and observe placement "
        "meetings to learn how decisions are made.",
        "We will know we have learned something if we can describe the placement process and where "
        "newcomers drop out of it.",
        "A report to the Eliot leadership team.",
        YEAR_TIMELINE,
        ((C.STIPENDS, "Research stipends, 2 educators x 40 hours", "4000.00"),
         (C.CONSULTANTS, "Interpreters for family interviews", "1500.00"),
         (C.OTHER, "Gift cards for family interview participants", "600.00")),
        story="revisions_by_committee", reviews=("mixed", "solid", "mixed", "solid"),
        decision={"by": "BPS",
                  "feedback": "An important question. Please (1) say how students and families will be "
                              "chosen and asked for consent, (2) add how you will test what you find, for "
                              "instance by changing one step of the placement process in the spring, and "
                              "(3) share beyond the Eliot: other K-8 schools have the same question."},
    ),
    TeamSpec(
        "McCormack Student Voice", "Tanisha Greene", ("Sean Doyle", "Quynh Tran"),
        "McCormack Middle School", "Student-Led Conferences for Students with IEPs", GrantType.ACTION,
        "Students with IEPs at McCormack rarely attend their own IEP meetings or conferences, and many "
        "cannot name their own goals.",
        "Ninety students with IEPs in grades 6-8.",
        "Teach students to lead a conference about their goals through a six-week advisory unit; each "
        "student prepares a portfolio and leads a spring conference with family and teachers.",
        "Share of students who lead their own conference; student self-advocacy survey in the fall and "
        "spring; family feedback forms in the families' languages.",
        "A student-made video, the advisory unit shared with every BPS middle school, and a learning summary.",
        YEAR_TIMELINE,
        ((C.STIPENDS, "Unit-writing stipends, 3 educators x 20 hours", "3000.00"),
         (C.TECHNOLOGY, "Six tablets for student portfolios", "2400.00"),
         (C.FAMILY_EVENTS, "Interpretation and refreshments at spring conferences", "1600.00"),
         (C.MATERIALS, "Portfolio binders and printing", "500.00")),
        story="resubmitted",
    ),
    TeamSpec(
        "Irving Attendance Inquiry", "Michelle Joseph", ("Darnell Thompson", "Abigail Stein"),
        "Irving Middle School", "Understanding Chronic Absence in Grade 6: Listening to Students and Families",
        GrantType.STUDY,
        "Chronic absence in our sixth grade doubled in two years, and it is highest among students who "
        "receive special education services and students experiencing housing instability.",
        "About 60 chronically absent sixth graders and their families.",
        "A counselor, a teacher and the school nurse interview 30 students and 20 families, map the reasons "
        "for absence by week and season, and test two small changes (a morning check-in and a nurse "
        "follow-up call) with consenting families in the spring.",
        "A clear map of the reasons students give; attendance of students in the spring changes against "
        "similar students; what families say about the follow-up calls.",
        "A short report and a workshop for the district's attendance and family engagement teams.",
        YEAR_TIMELINE,
        ((C.STIPENDS, "Interview and analysis stipends, 3 educators x 30 hours", "4500.00"),
         (C.CONSULTANTS, "Interpreters for family interviews", "1800.00"),
         (C.FAMILY_EVENTS, "Family listening sessions with dinner", "1200.00"),
         (C.MATERIALS, "Morning check-in supplies", "300.00")),
        story="in_review_ready", reviews=("good", "solid", "good", "strong"),
    ),
    TeamSpec(
        "Brighton Ninth Grade On-Track", "Carlos Mendes", ("Erin Sullivan", "Wei Zhang"),
        "Brighton High School", "Ninth Grade On-Track: Peer Mentors for First-Generation Students",
        GrantType.ACTION,
        "A third of our ninth graders, most of them first-generation students and English learners, fail "
        "at least one core course in the first term.",
        "About 80 ninth graders flagged as off-track after the first progress report.",
        "Train 20 eleventh- and twelfth-grade peer mentors; each meets weekly with four ninth graders in a "
        "structured advisory block, with a counselor and teacher coaching the mentors every two weeks.",
        "Share of mentored ninth graders on track at the end of each term; course passing rates against "
        "last year's ninth grade; a mentor and mentee survey.",
        "The mentor training guide shared with every BPS high school and a session at the district's "
        "ninth-grade success network.",
        YEAR_TIMELINE,
        ((C.STIPENDS, "Stipends for 20 student mentors", "6000.00"),
         (C.STIPENDS, "Coaching stipends, 2 educators x 30 hours", "3000.00"),
         (C.STUDENT_EXPERIENCES, "College visit for mentors and mentees", "1500.00"),
         (C.MATERIALS, "Mentor training materials", "500.00")),
        story="in_review_pending", reviews=("strong", "good", "good", "solid"),
        decision={"by": "BTU", "award": "11000.00",
                  "feedback": "A thoughtful plan that puts students at the center. Approve in full.",
                  # Two keys both ways: the BTU side first asked for revisions; the BPS side sent that back.
                  "sent_back": {"outcome": "request_revisions",
                                "feedback": "Tighten the mentor training plan and say how mentors are chosen.",
                                "comment": "The reviews on both sides are strong and the mentor selection is in "
                                           "the plan's appendix; revisions would only delay a plan we can fund "
                                           "now. I would confirm an approval in full."}},
    ),
    TeamSpec(
        "Excel Readers", "Naomi Baptiste", ("Ryan Kelly",),
        "Excel High School", "Culturally Sustaining Book Clubs in Grade 10 English", GrantType.ACTION,
        "Our tenth graders tell us they rarely see themselves in the books we assign.",
        "", "", "", "", "", (),
        story="draft_incomplete",
    ),
    TeamSpec(
        "Madison Park Career Pathways", "Jerome Jackson", ("Lisa Ferreira", "Ayesha Khan"),
        "Madison Park Technical Vocational High School",
        "Career Pathway Internships for Students with Disabilities", GrantType.ACTION,
        "Students with disabilities in our career and technical programs complete work-based learning at "
        "half the rate of their peers.",
        "Thirty-five juniors and seniors with IEPs in the automotive, culinary and health programs.",
        "Place students in paid internships with local employers, with job coaching from our special "
        "educators.",
        "Number of students completing an internship.",
        "Share with Madison Park staff.",
        YEAR_TIMELINE,
        ((C.STUDENT_EXPERIENCES, "Student internship wages", "9000.00"),
         (C.STIPENDS, "Job coaching stipends", "4000.00")),
        story="returned_by_staff",
    ),
    TeamSpec(
        "BLS Belonging Study", "Olivia Grant", ("Samuel Adeyemi", "Rachel Cohen"),
        "Boston Latin School", "Who Stays at BLS? A Study of Belonging for Black and Latinx Seventh Graders",
        GrantType.STUDY,
        "Black and Latinx students leave Boston Latin School after seventh or eighth grade at much higher "
        "rates than their peers, and the reasons they give in exit surveys are about belonging, not grades.",
        "About 150 Black and Latinx seventh graders and the students who left BLS in the past two years.",
        "Focus groups with current seventh graders each term, interviews with 20 students who left and "
        "their families, and a review of exit surveys; the team then tests one change to the seventh-grade "
        "advisory program in the spring.",
        "A report on what helps and hinders belonging; the spring advisory change's effect on a belonging "
        "survey; retention into eighth grade against the two previous years.",
        "Findings presented to the BLS faculty and the district's exam school working group, and a public "
        "learning summary.",
        YEAR_TIMELINE,
        ((C.STIPENDS, "Research stipends, 3 educators x 30 hours", "4500.00"),
         (C.FAMILY_EVENTS, "Family interview sessions with interpretation", "1200.00"),
         (C.OTHER, "Thank-you gift cards for interview participants", "800.00")),
        story="approved", reviews=("good", "strong", "good", "good"),
        decision={"by": "BTU", "award": "6500.00",
                  "feedback": "A well-designed study of a question that matters across the exam schools. "
                              "Funded in full."},
    ),
    TeamSpec(
        "Henderson Inclusive Math", "Amy Lin", ("Jamal Price", "Katie Moran"),
        "Henderson K-12 Inclusion School", "Co-Teaching Coaching Cycles for Inclusive Math", GrantType.ACTION,
        "In our inclusive grade 6-8 math classes, students with IEPs are too often pulled aside to work "
        "with a paraprofessional instead of doing the grade-level task with their classmates.",
        "About 70 students with IEPs in six inclusive math classrooms, grades 6-8.",
        "Three co-teaching pairs each complete two six-week coaching cycles with our instructional coach, "
        "focused on one co-teaching model for grade-level tasks; pairs film and study one lesson a cycle.",
        "Observation tallies of where students with IEPs work during tasks; unit assessment results by "
        "group; a student survey on whether they feel part of the class.",
        "Video clips and a co-teaching guide for the district's inclusion office, and a session at the "
        "Henderson's annual inclusion conference.",
        YEAR_TIMELINE,
        ((C.STIPENDS, "Coaching cycle stipends, 6 teachers x 20 hours", "6000.00"),
         (C.SUBSTITUTES, "Substitute coverage for lesson studies", "2400.00"),
         (C.MATERIALS, "Math manipulatives for six classrooms", "1100.00")),
        story="in_review_conflict", reviews=("good", "solid"),
    ),
    TeamSpec(
        "Horace Mann ASL Stories", "Elena Petrova", ("Daniel Foster",),
        "Horace Mann School for the Deaf and Hard of Hearing",
        "ASL Storytelling Videos for Families of Deaf Preschoolers", GrantType.ACTION,
        "Most of our Deaf preschoolers are born to hearing families who are just learning ASL, so children "
        "arrive with little shared language at home.",
        "Twenty-five Deaf and hard of hearing preschoolers and their families.",
        "Film 30 short ASL storytelling videos of favorite picture books with Deaf adult storytellers, with "
        "captions and a guide for families in English and Spanish, and hold four family ASL story nights.",
        "Family use of the videos (views and a short survey); families' self-rated ASL confidence in the "
        "fall and spring; children's ASL vocabulary on our school's assessment.",
        "The video library made public for every BPS family and the state's early intervention programs.",
        YEAR_TIMELINE,
        ((C.CONSULTANTS, "Deaf adult storytellers, 30 videos", "4500.00"),
         (C.TECHNOLOGY, "Camera, lighting and captioning software", "2000.00"),
         (C.BOOKS, "Picture books for families to keep", "1500.00"),
         (C.FAMILY_EVENTS, "Four family ASL story nights", "1000.00")),
        story="draft_complete",
    ),
    TeamSpec(
        "McKinley Re-Engagement Study", "Monique Douglas", ("Brian Callahan", "Gloria Santos"),
        "McKinley Schools", "Trauma-Informed Classroom Routines: A Study of What Helps Students Re-Engage",
        GrantType.STUDY,
        "Our students, all with emotional and behavioral disabilities, spend many hours outside class after "
        "a crisis, and we do not know which of our re-entry routines actually help them return to learning.",
        "About 90 students in grades 6-12 at our middle and high school campuses.",
        "For two terms, staff log every re-entry after a crisis and the routine used; the team interviews "
        "students about what helped, then tests the two most promising routines in six classrooms in the "
        "spring.",
        "Minutes from crisis to re-engagement by routine; student interviews; staff survey.",
        "A re-entry routines guide for the district's special education day programs and a learning summary.",
        YEAR_TIMELINE,
        ((C.STIPENDS, "Research stipends, 3 educators x 40 hours", "6000.00"),
         (C.CONSULTANTS, "Trauma-informed practice consultant, 8 sessions", "4800.00"),
         (C.SUBSTITUTES, "Coverage for classroom observations", "2400.00"),
         (C.MATERIALS, "Calm-space materials for six classrooms", "1000.00")),
        story="in_review_pending", reviews=("good", "good", "strong", "good"),
        decision={"by": "BPS", "award": "14200.00",
                  "feedback": "A careful study that will help every special education day program. Approve in "
                              "full."},
    ),
    TeamSpec(
        "Dorchester Newcomer Network", "Yasmin Ali", ("Fatima Hassan", "Katie Moran", "Quynh Tran"),
        None, "Newcomer Welcome Toolkit Across Three Dorchester Schools", GrantType.ACTION,
        "Newcomer students who move between our three Dorchester schools start over each time: no one "
        "passes on what the previous school learned about them, and families are asked the same questions "
        "again in English.",
        "About 160 newcomer students at Mather Elementary, McCormack Middle and the Henderson, and their "
        "families.",
        "Build a shared welcome process: a family intake conversation in the home language, a one-page "
        "student profile that moves with the student, peer buddies, and a welcome week; the team meets "
        "monthly across the three schools.",
        "Share of newcomers with a completed profile within two weeks; attendance in the first 60 days "
        "against last year; family and student survey after the welcome week.",
        "The toolkit posted for every BPS school in six languages and a session at the district's newcomer "
        "convening.",
        YEAR_TIMELINE,
        ((C.STIPENDS, "Stipends, 4 educators x 30 hours", "6000.00"),
         (C.CONSULTANTS, "Interpretation for family intake conversations", "4200.00"),
         (C.MATERIALS, "Welcome kits for 160 students", "3200.00"),
         (C.FAMILY_EVENTS, "Welcome week family events at three schools", "1400.00")),
        story="approved", reviews=("strong", "strong", "strong", "good"),
        decision={"by": "BPS", "award": "14800.00",
                  "feedback": "A model of cross-school work. Funded in full."},
    ),
    TeamSpec(
        "Girls of Color in Computing", "Wei Zhang", ("Darnell Thompson", "Ayesha Khan"),
        None, "Bringing Girls of Color into Computer Science, Grades 7-12", GrantType.ACTION,
        "Girls of color make up 40% of our students but 12% of the students in our computer science "
        "electives, and the gap opens in middle school.",
        "About 75 girls of color in grades 7-12 at Irving Middle, Brighton High and Madison Park.",
        "An after-school coding club at each school with near-peer mentors from Brighton and Madison Park, "
        "two visits to women-led tech workplaces, and a spring showcase of student projects.",
        "Club attendance; enrollment of girls of color in next year's CS electives against this year; a "
        "computing identity survey in the fall and spring.",
        "The club curriculum shared with the district's computer science team and a student-led showcase "
        "open to families.",
        YEAR_TIMELINE,
        ((C.STIPENDS, "Club advisor stipends, 3 teachers x 40 hours", "6000.00"),
         (C.STUDENT_EXPERIENCES, "Two tech workplace visits with transportation", "2200.00"),
         (C.TECHNOLOGY, "Microcontroller kits for three clubs", "2400.00"),
         (C.FAMILY_EVENTS, "Spring showcase", "800.00")),
        story="in_review_ready", reviews=("solid", "good", "solid", "mixed"),
    ),
    TeamSpec(
        "South Boston Story Keepers", "Ryan Kelly", ("Brianna Walsh", "Naomi Baptiste"),
        None, "Murals and Memory: Student Oral Histories of South Boston", GrantType.ACTION,
        "Our students from public housing and immigrant families rarely see their own neighborhood's "
        "history in the curriculum.",
        "About 60 students in grades 4-5 at Perkins and grade 11 at Excel.",
        "High school students interview elders and families, elementary students illustrate the stories, "
        "and a local artist helps both schools paint a mural.",
        "Number of interviews recorded; a student reflection at the end of each term.",
        "A mural unveiling and a podcast.",
        YEAR_TIMELINE,
        ((C.CONSULTANTS, "Muralist residency", "6000.00"),
         (C.MATERIALS, "Paint and mural supplies", "2000.00"),
         (C.TECHNOLOGY, "Recording equipment", "1000.00")),
        story="withdrawn",
    ),
]

# Who to sign in as (the README and ``flask --app app demo`` show this table).
DEMO_LOGINS = [
    ("Educator, team lead (approved grant; last year's summary published)", "Lan Nguyen"),
    ("Educator, team lead (active grant: spending, a reallocation)", "Carlos Mendes"),
    ("Educator, team lead (active grant, progress update overdue)", "Michelle Joseph"),
    ("Educator, team lead (revisions requested; last year's report returned, then published)", "Priya Raman"),
    ("Educator, team lead (draft to submit)", "Elena Petrova"),
    ("Educator, team member (daily email digest)", "Marie-Claude Pierre"),
    ("Reviewer (BTU), has an overdue review", "Ana Lucia Reyes"),
    ("Reviewer (BPS), has an overdue review", "Patrick O'Neil"),
    ("Co-chair (BTU) and reviewer", "Theresa Flanagan"),
    ("Co-chair (BPS) and reviewer", "David Chen"),
    ("Program staff", "Rosa Delgado"),
    ("Admin", "Grace Whitfield"),
    ("School leader", "Angela Brooks"),
]


def email_for(name: str) -> str:
    """"Marie-Claude Pierre" -> "marie-claude.pierre@example.org" (accents and apostrophes dropped)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    parts = [p.replace("'", "").lower() for p in plain.split()]
    return ".".join(parts) + "@" + EMAIL_DOMAIN


def demo_logins() -> list[tuple[str, str, str]]:
    """(what the account shows, name, email) for each demo login; the password is DEMO_PASSWORD."""
    return [(role, name, email_for(name)) for role, name in DEMO_LOGINS]


def cycle_name(today: date) -> str:
    """The school year that ``today`` falls in: "2026-27 Teacher Leadership Fund"."""
    start = today.year if today.month >= 7 else today.year - 1
    return f"{start}-{(start + 1) % 100:02d} Teacher Leadership Fund"


# -- last year's round ----------------------------------------------------------------------
# Days relative to the seed's today: last year's cycle opened a year ago; its progress updates were
# due five months ago and its final reports are due in six weeks (some teams finished early).
EARLIER_START = -365
PROGRESS_DUE = -150
FINAL_DUE = 45

# Who is paid for each kind of budget line (the receipts are made in code: app.demo.artifacts).
PAYEES = {
    C.STIPENDS: "Boston Public Schools payroll (educator stipends)",
    C.SUBSTITUTES: "Boston Public Schools substitute office",
    C.MATERIALS: "W.B. Mason",
    C.BOOKS: "Frugal Bookstore",
    C.TECHNOLOGY: "B&H Photo Video",
    C.PROFESSIONAL_LEARNING: "Teachers College Reading and Writing Project",
    C.FAMILY_EVENTS: "Merengue Restaurant (catering)",
    C.STUDENT_EXPERIENCES: "Eastern Bus Company",
    C.CONSULTANTS: "Boston Community Interpreters and Consultants",
    C.OTHER: "Various vendors",
}
CHALLENGES = (
    "Finding time to meet as a team during the school day; we moved our meetings to Wednesday mornings.",
    "Two weeks of snow days and state testing pushed the second round of the work into April.",
    "Getting consent forms back from families took longer than planned; our family liaison helped.",
    "One team member was on leave for six weeks; the others covered her part of the work.",
)


def after_award_counts() -> dict[str, int]:
    """How much of the after-award work the demo holds (printed by ``seed-demo``)."""
    def count(query) -> int:
        return db.session.scalar(query) or 0

    counts = {
        ("expenditure", "expenditures"): count(select(func.count(Expenditure.id))),
        ("budget reallocation", "budget reallocations"): count(select(func.count(BudgetReallocation.id))),
        ("progress update submitted", "progress updates submitted"): count(
            select(func.count(ProgressReport.id)).where(ProgressReport.submitted_at.is_not(None))),
        ("progress update overdue", "progress updates overdue"): count(select(func.count(Proposal.id)).where(
            Proposal.state == ProposalState.ACTIVE, Proposal.progress_report_due < clock.today(),
            ~Proposal.progress_report.has(ProgressReport.submitted_at.is_not(None)))),
        ("final report written", "final reports written"): count(select(func.count(FinalReport.id))),
        ("learning summary published", "learning summaries published"): count(
            select(func.count(LearningSummary.id)).where(LearningSummary.published_at.is_not(None))),
        ("public artifact", "public artifacts"): count(select(func.count(SummaryArtifact.id))),
        ("privacy flag overridden", "privacy flags overridden"): count(
            select(func.count(PrivacyFlag.id)).where(PrivacyFlag.status == FlagStatus.OVERRIDDEN)),
        ("message queued in the outbox", "messages queued in the outbox"): count(select(func.count(OutboxMessage.id))),
    }
    return {(one if n == 1 else many): n for (one, many), n in counts.items()}


def split(total: Decimal, parts: int) -> list[Decimal]:
    """``total`` in ``parts`` payments of whole cents that add up to it exactly."""
    each = (total / parts).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    return [each] * (parts - 1) + [total - each * (parts - 1)]


def receipt_pdf(payee: str, description: str, amount: Decimal, on: date) -> bytes:
    return handout(f"Receipt: {payee}", [f"Date: {on:%B %-d, %Y}", f"For: {description}",
                                        f"Amount paid: ${amount:,.2f}", "Paid in full. Thank you."])


TEAM_BY_NAME = {spec.name: spec for spec in TEAMS}
TIMELINE_EARLIER = YEAR_TIMELINE
MAX_DEMO_FILE = 1024 * 1024


# -- the staged clock ------------------------------------------------------------------------
class StagedClock:
    """Stands in for ``clock.now`` / ``clock.today`` while seeding, so each act happens on its day.

    ``at(day, hour)`` sets the moment (``day`` relative to the seed's today, Boston time); each
    call to ``now()`` moves it on a minute, so events keep their order.
    """

    def __init__(self, today: date):
        self.base = today
        self.moment = self._moment(0, 8, 0)

    def _moment(self, day: int, hour: int, minute: int) -> datetime:
        local = datetime.combine(self.base + timedelta(days=day), time(hour, minute), tzinfo=clock.BOSTON)
        return local.astimezone(UTC)

    def at(self, day: int, hour: int = 9, minute: int = 0) -> None:
        self.moment = self._moment(day, hour, minute)

    def now(self) -> datetime:
        moment = self.moment
        self.moment = moment + timedelta(minutes=1)
        return moment

    def today(self) -> date:
        return self.moment.astimezone(clock.BOSTON).date()


@contextmanager
def shared_password_hash(password: str) -> Iterator[None]:
    """Hash the demo password once for every demo user (scrypt takes a noticeable moment per call).

    The users still get a real scrypt hash of ``password``, made by ``User.set_password``; they
    share its salt, which is fine for demo accounts that share one published password anyway.
    """
    real = User.set_password
    probe = User()
    real(probe, password)
    hashed = probe.password_hash

    def set_password(self: User, value: str) -> None:
        if value == password:
            self.password_hash = hashed
        else:
            real(self, value)

    User.set_password = set_password
    try:
        yield
    finally:
        User.set_password = real


@contextmanager
def staged_clock(today: date) -> Iterator[StagedClock]:
    staged = StagedClock(today)
    real_now, real_today = clock.now, clock.today
    clock.now, clock.today = staged.now, staged.today
    try:
        yield staged
    finally:
        clock.now, clock.today = real_now, real_today


# -- seeding ---------------------------------------------------------------------------------
class DemoError(RuntimeError):
    pass


def has_data() -> bool:
    return bool(db.session.scalar(select(func.count(User.id))))


def wipe() -> None:
    """Delete every row of every table (the schema stays, as the migrations made it)."""
    db.session.rollback()
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for t in tables:
            db.session.execute(t.delete())
    db.session.commit()


@dataclass
class Summary:
    schools: int
    users: int
    educators: int
    teams: int
    proposals: dict[str, int]
    awarded: Decimal
    pool: Decimal
    cycle: str
    earlier_cycle: str = ""
    earlier_awarded: Decimal = Decimal(0)
    after_award: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """What ``seed-demo`` and ``demo`` print."""
        states = ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in self.proposals.items() if n)
        out = [f"Seeded {self.schools} schools, {self.users} users ({self.educators} educators), "
               f"{self.teams} teams and two cycles ({self.earlier_cycle}, closed; {self.cycle}, open): "
               f"{sum(self.proposals.values())} proposals, {states}.",
               f"Awarded ${self.awarded:,.2f} of the ${self.pool:,.2f} pool in {self.cycle}, "
               f"${self.earlier_awarded:,.2f} in {self.earlier_cycle}."]
        if self.after_award:
            out.append("After the award: " + ", ".join(f"{n} {what}" for what, n in self.after_award.items()) + ".")
        return out


def seed(today: date | None = None, reset: bool = False) -> Summary:
    """Create the demo data and commit. Refuses when the database has users, unless ``reset``."""
    if has_data():
        if not reset:
            raise DemoError(
                "The database already has data, so the demo data was not added. "
                "Use --reset to wipe the database and seed the demo data again."
            )
        wipe()
    today = today or clock.today()
    try:
        with staged_clock(today) as staged, shared_password_hash(DEMO_PASSWORD):
            summary = Seeder(staged).run()
        db.session.commit()
    except Exception:
        # Each act committed as a request would; a failure part-way leaves nothing behind.
        db.session.rollback()
        wipe()
        raise
    return summary


class Seeder:
    def __init__(self, staged: StagedClock):
        self.clock = staged
        self.today = staged.base
        self.users: dict[str, User] = {}
        self.schools: dict[str, School] = {}
        self.teams: dict[str, Team] = {}
        self.proposals: dict[str, Proposal] = {}
        self.btu: list[User] = []
        self.bps: list[User] = []
        self.earlier: dict[str, Proposal] = {}  # last year's grants, by team name
        self.terms: dict[tuple[TermKind, str], Term] = {}  # the taxonomy, by (kind, name)

    # -- who -----------------------------------------------------------------------------
    def u(self, name: str) -> User:
        return self.users[name]

    @property
    def staff(self) -> User:
        return self.users[STAFF[0][0]]

    @property
    def coordinator(self) -> User:
        return self.users[STAFF[1][0]]

    def co_chair(self, side: str) -> User:
        return (self.btu if side == "BTU" else self.bps)[0]

    def at(self, day: int, hour: int = 9, minute: int = 0) -> None:
        self.clock.at(day, hour, minute)

    @staticmethod
    def done() -> None:
        """Each act is one request: the service flushes, the request commits once."""
        db.session.commit()

    # -- the whole story -----------------------------------------------------------------
    def run(self) -> Summary:
        self.at(EARLIER_START - 30, 8)
        self.make_schools()
        self.make_people()
        self.done()
        self.terms = make_taxonomy(self.coordinator)  # the one vocabulary: survey, catalog, summaries' tags
        self.done()
        # The teams formed for last year's round; each held a grant in it (``app.demo.stories``).
        for i, spec in enumerate(TEAMS):
            self.at(EARLIER_START - 25 + i // 4, 15 + i % 4)
            self.make_team(spec)
        self.at(EARLIER_START - 20, 10)
        self.earlier_cycle = self.make_earlier_cycle()
        self.done()
        for i, story in enumerate(STORIES):
            self.play_earlier(story, i)
        self.finish_earlier()

        self.at(-50, 10)
        self.cycle = self.make_cycle()
        self.done()
        # The first wave's reviews were due before the second wave was assigned, so the second
        # wave (the proposal with a declared conflict) is played last.
        for spec in sorted(TEAMS, key=lambda s: s.story == "in_review_conflict"):
            self.play(spec)
        db.session.flush()
        seed_learning(self)  # ASK and CONNECT: taxonomy, survey, catalog, registrations, PL requests

        counts = dict.fromkeys((s.value for s in ProposalState), 0)
        for state, n in db.session.execute(select(Proposal.state, func.count()).group_by(Proposal.state)):
            counts[state.value] = n
        return Summary(
            schools=len(self.schools), users=len(self.users),
            educators=sum(1 for u in self.users.values() if u.has_role("educator")),
            teams=len(self.teams), proposals=counts, awarded=self.cycle.awarded_total(),
            pool=self.cycle.pool, cycle=self.cycle.name, earlier_cycle=self.earlier_cycle.name,
            earlier_awarded=self.earlier_cycle.awarded_total(), after_award=after_award_counts(),
        )

    # -- people and places ---------------------------------------------------------------
    def make_schools(self) -> None:
        for name, level, neighborhood in SCHOOLS:
            self.schools[name] = people.create_school(name=name, level=level, neighborhood=neighborhood)

    def _user(self, name: str, roles, side=None, school=None, job_title="") -> User:
        user = people.create_user(email=email_for(name), name=name, password=DEMO_PASSWORD, roles=roles, side=side,
                           school=self.schools[school] if school else None, job_title=job_title)
        self.users[name] = user
        return user

    def make_people(self) -> None:
        name, title = ADMIN
        self._user(name, ["admin"], job_title=title)
        for name, title in STAFF:
            self._user(name, ["staff"], job_title=title)
        for name, side, chair, title in COMMITTEE:
            user = self._user(name, ["reviewer", "co_chair"] if chair else ["reviewer"], side=side,
                              job_title=title)
            (self.btu if side == "BTU" else self.bps).append(user)
        name, title, school = SCHOOL_LEADER
        self._user(name, ["school_leader"], school=school, job_title=title)
        for name, school, title in EDUCATORS:
            self._user(name, ["educator"], school=school, job_title=title)
        # One person chose the daily digest (her account page): her messages wait for DIGEST_AT.
        digest.set_delivery(self.users["Marie-Claude Pierre"], "daily")

    def make_cycle(self):
        t = self.today
        return cycles.create_cycle(CycleInput(
            name=cycle_name(t), opens_on=t - timedelta(days=45), closes_on=t + timedelta(days=21),
            revision_deadline=t + timedelta(days=35), pool=Decimal("300000.00"), max_award=Decimal("15000.00"),
            reviews_per_side=2, review_due_on=t - timedelta(days=3),
            criteria=[CriterionInput(name=n, weight=w, description=d, position=i)
                      for i, (n, w, d) in enumerate(RUBRIC)],
            progress_report_due=t + timedelta(days=150), final_report_due=t + timedelta(days=270),
        ))

    def make_earlier_cycle(self):
        t, d = self.today, EARLIER_START
        return cycles.create_cycle(CycleInput(
            name=cycle_name(t + timedelta(days=d)), opens_on=t + timedelta(days=d),
            closes_on=t + timedelta(days=d + 30), revision_deadline=t + timedelta(days=d + 40),
            pool=Decimal("300000.00"), max_award=Decimal("15000.00"), reviews_per_side=2,
            review_due_on=t + timedelta(days=d + 48),
            criteria=[CriterionInput(name=n, weight=w, description=d, position=i)
                      for i, (n, w, d) in enumerate(RUBRIC)],
            progress_report_due=t + timedelta(days=PROGRESS_DUE), final_report_due=t + timedelta(days=FINAL_DUE),
        ))

    def make_team(self, spec: TeamSpec) -> None:
        lead = self.u(spec.lead)
        if spec.school:
            team = teams.create_team(lead, spec.name, TeamScope.SCHOOL, self.schools[spec.school])
        else:
            team = teams.create_team(lead, spec.name, TeamScope.CROSS_SCHOOL, None)
        for member in spec.members:
            teams.add_member(team, self.u(member).email)
        self.done()
        self.teams[spec.name] = team

    # -- proposals -----------------------------------------------------------------------
    def draft(self, spec: TeamSpec, day: int) -> Proposal:
        team, lead = self.teams[spec.name], self.u(spec.lead)
        self.at(day, 16)
        p = proposals.create_draft(team, self.cycle, lead)
        self.done()
        # The lead writes the first version; a member fills in the rest two days later.
        first = {"challenge": spec.challenge, "students": spec.students}
        proposals.save_draft(p, lead, grant_type=spec.grant_type, title=spec.title, sections=first,
                   amount_requested=None, lines=[])
        self.done()
        if spec.story == "draft_incomplete":
            self.proposals[spec.name] = p
            return p
        self.at(day + 2, 19, 30)
        member = self.u(spec.members[0]) if spec.members else lead
        sections = {"challenge": spec.challenge, "students": spec.students, "plan": spec.plan,
                    "success_measures": spec.success_measures, "sharing_plan": spec.sharing_plan,
                    "timeline": spec.timeline}
        lines = [LineData(category=c, description=d, amount=Decimal(a)) for c, d, a in spec.budget]
        proposals.save_draft(p, member, grant_type=spec.grant_type, title=spec.title, sections=sections,
                   amount_requested=spec.amount, lines=lines)
        self.done()
        self.proposals[spec.name] = p
        return p

    def fire(self, p: Proposal, trigger: str, actor: User, day: int, hour: int = 10, **kw) -> None:
        self.at(day, hour)
        fire(p, trigger, actor, **kw)
        self.done()

    def assign(self, p: Proposal, reviewers: list[User], day: int) -> list[ReviewAssignment]:
        self.at(day, 11)
        made = screening.assign(p, [r.id for r in reviewers], self.staff)
        self.done()
        return made

    def review(self, p: Proposal, reviewer: User, profile: str, day: int, submit: bool = True) -> None:
        assignment = next(a for a in p.assignments if a.reviewer_id == reviewer.id)
        criteria = p.cycle.criteria
        scores = PROFILES[profile]
        data = ReviewInput(
            scores={c.id: scores[i] for i, c in enumerate(criteria)},
            criterion_comments={c.id: CRITERION_COMMENTS[i][0 if scores[i] >= 3 else 1]
                                for i, c in enumerate(criteria)},
            recommendation=recommendation_for(profile),
            comments=OVERALL_COMMENTS[profile],
        )
        self.at(day, 20)
        review.save_review(assignment, reviewer, data, submit=submit)
        self.done()

    def reviewers_for(self, index: int) -> tuple[list[User], list[User]]:
        """Two reviewers per side, rotating so the work is shared."""
        pick = [(0, 1), (1, 2), (0, 2)][index % 3]
        return [self.btu[i] for i in pick], [self.bps[i] for i in pick]

    def decide(self, p: Proposal, spec: TeamSpec, outcome: str, day: int, confirm: bool = True) -> None:
        d = spec.decision
        side = d["by"]
        other = "BPS" if side == "BTU" else "BTU"
        if "sent_back" in d:  # an earlier decision the other side did not confirm, with its comment
            back = d["sent_back"]
            self.at(day - 3, 15)
            earlier = decisions.propose(p, self.co_chair(side), back["outcome"], feedback=back["feedback"])
            self.done()
            self.at(day - 2, 10)
            decisions.not_confirm(earlier, self.co_chair(other), back["comment"])
            self.done()
        self.at(day, 14)
        decision = decisions.propose(p, self.co_chair(side), outcome, award=d.get("award"),
                           conditions=d.get("conditions", ""), feedback=d["feedback"])
        self.done()
        if confirm:
            self.at(day + 1, 9, 30)
            decisions.confirm(decision, self.co_chair(other))
            self.done()

    def reviewed(self, p: Proposal, spec: TeamSpec, index: int, submit_day: int, begin_day: int,
                 review_days: tuple[int, ...]) -> tuple[list[User], list[User]]:
        """Submit, assign two reviewers a side, begin review, and the reviews in ``spec.reviews``."""
        btu, bps = self.reviewers_for(index)
        self.fire(p, "submit", self.u(spec.lead), submit_day)
        self.assign(p, btu + bps, begin_day)
        self.fire(p, "begin_review", self.staff, begin_day, 11)
        for reviewer, profile, day in zip(btu + bps, spec.reviews, review_days, strict=False):
            self.review(p, reviewer, profile, day)
        return btu, bps

    def play(self, spec: TeamSpec) -> None:
        index = TEAMS.index(spec)
        story = spec.story
        lead = self.u(spec.lead)

        if story == "draft_incomplete":
            self.draft(spec, -1)
            return
        if story == "draft_complete":
            self.draft(spec, -4)
            return

        if story in ("approved", "declined", "revisions_by_committee", "in_review_pending",
                     "in_review_ready", "in_review_in_progress"):
            # The first wave: submitted early, reviewed over the following weeks.
            p = self.draft(spec, -42 + index % 3)
            review_days = (-25 + index % 4, -22 + index % 3, -20 + index % 5, -16 + index % 4)
            self.reviewed(p, spec, index, submit_day=-37 + index % 4, begin_day=-32 + index % 2,
                          review_days=review_days)
            if story == "approved":
                self.decide(p, spec, "approve", -8 + index % 4)
                if spec is [t for t in TEAMS if t.story == "approved"][-1]:
                    # One lead has accepted the agreement already: the grant waits on staff to activate it.
                    self.at(-3, 16)
                    grants.accept_agreement(p, lead)
                    self.done()
            elif story == "declined":
                self.decide(p, spec, "decline", -7)
            elif story == "revisions_by_committee":
                self.decide(p, spec, "request_revisions", -6)
            elif story == "in_review_pending":
                self.decide(p, spec, "approve", -2 + index % 2, confirm=False)
            elif story == "in_review_in_progress":
                # One BTU review in; the other BTU reviewer saved a draft; the BPS side has not started.
                btu, _ = self.reviewers_for(index)
                self.review(p, btu[1], "solid", -4, submit=False)
            return

        if story == "in_review_conflict":
            # The second wave, after staff set a later review due date for it.
            self.at(-14, 9)
            self.extend_review_due_date(self.today + timedelta(days=10))
            self.done()
            p = self.draft(spec, -20)
            self.fire(p, "submit", lead, -13)
            reyes, bell, flanagan = self.btu[2], self.btu[1], self.btu[0]
            bps = [self.bps[1], self.bps[2]]
            self.assign(p, [reyes, flanagan, *bps], -11)
            self.at(-10, 17)
            review.declare_conflict(p, reyes, "I coached two members of this team at the Henderson last year.")
            self.done()
            # Staff replace her: unassign (the begin_review guard requires it) and assign Marcus Bell.
            self.at(-9, 10)
            recused = next(a for a in p.assignments if a.reviewer_id == reyes.id)
            screening.unassign(p, recused, self.staff)
            self.done()
            self.assign(p, [bell], -9)
            self.fire(p, "begin_review", self.staff, -9, 14)
            self.review(p, flanagan, spec.reviews[0], -5)
            self.review(p, bps[0], spec.reviews[1], -3)
            return

        if story == "resubmitted":
            p = self.draft(spec, -26)
            self.fire(p, "submit", lead, -21)
            self.fire(p, "return_for_revision", self.coordinator, -18, comment=(
                "Thank you for a strong proposal. Before review: the budget lists six tablets but the plan "
                "does not say how students will use them, and the family feedback form needs to be offered "
                "in the families' languages. Please explain both and resubmit."))
            self.at(-8, 18)
            sections = {k: getattr(spec, k) for k in
                        ("challenge", "students", "plan", "success_measures", "sharing_plan", "timeline")}
            sections["plan"] += (" Students record a short video reflection on a tablet after each advisory "
                                 "session, which becomes part of the portfolio they present.")
            proposals.save_draft(p, lead, grant_type=spec.grant_type, title=spec.title, sections=sections,
                       amount_requested=spec.amount,
                       lines=[LineData(category=c, description=d, amount=Decimal(a)) for c, d, a in spec.budget])
            self.done()
            self.fire(p, "resubmit", lead, -6)
            # Staff have started assigning: the BTU side is complete, the BPS side has one of two.
            self.assign(p, [self.btu[1], self.btu[2], self.bps[2]], -2)
            return

        if story == "returned_by_staff":
            p = self.draft(spec, -14)
            self.fire(p, "submit", lead, -9)
            self.fire(p, "return_for_revision", self.staff, -5, comment=(
                "Please name the employers you will partner with and how each internship connects to "
                "students' IEP transition goals, explain how you will measure more than completion (for "
                "example skills gained or job offers), and say how you will share the model beyond Madison "
                "Park."))
            return

        if story == "submitted":
            p = self.draft(spec, -9)
            self.fire(p, "submit", lead, -3, 21)
            return

        if story == "withdrawn":
            p = self.draft(spec, -24)
            self.fire(p, "submit", lead, -19)
            self.fire(p, "withdraw", lead, -7, 12, reason=(
                "Two of our three members are changing schools next year, so we cannot carry out the plan "
                "as written. We hope to apply again next cycle."))
            return

        raise ValueError(f"unknown story {story!r}")

    # -- last year's round, from proposal to public summary ------------------------------
    def play_earlier(self, story: GrantStory, i: int) -> None:
        """One of last year's grants, played through the services as far as ``story.ending``."""
        E = EARLIER_START
        team, lead = self.teams[story.team], self.u(TEAM_BY_NAME[story.team].lead)
        members = [self.u(m) for m in TEAM_BY_NAME[story.team].members]
        member = members[0] if members else lead
        self.at(E + 2 + i % 5, 16)
        p = proposals.create_draft(team, self.earlier_cycle, lead)
        self.done()
        self.at(E + 3 + i % 5, 19)
        sections = {"challenge": story.challenge, "students": story.students, "plan": story.plan,
                    "success_measures": story.success_measures, "sharing_plan": story.sharing_plan,
                    "timeline": TIMELINE_EARLIER}
        proposals.save_draft(p, member, grant_type=story.grant_type, title=story.title, sections=sections,
                             amount_requested=story.amount,
                             lines=[LineData(category=c, description=d, amount=Decimal(a))
                                    for c, d, a in story.budget])
        self.done()
        self.earlier[story.team] = p
        btu, bps = self.reviewers_for(i)
        self.fire(p, "submit", lead, E + 8 + i % 6)
        self.assign(p, btu + bps, E + 16)
        self.fire(p, "begin_review", self.staff, E + 16, 11)
        for k, (reviewer, profile) in enumerate(zip(btu + bps, story.reviews, strict=True)):
            self.review(p, reviewer, profile, E + 20 + (i + 3 * k) % 20)
        decider = story.decided_by
        self.at(E + 50 + i % 3, 14)
        decision = decisions.propose(p, self.co_chair(decider), "approve", award=str(story.amount),
                                     feedback=story.feedback)
        self.done()
        self.at(E + 51 + i % 3, 9, 30)
        decisions.confirm(decision, self.co_chair("BPS" if decider == "BTU" else "BTU"))
        self.done()

        # The lead accepts the agreement; staff activate the grant (report due dates from the cycle).
        self.at(E + 58 + i % 4, 20)
        grants.accept_agreement(p, lead)
        self.done()
        staff = self.staff if i % 2 == 0 else self.coordinator
        self.fire(p, "activate", staff, E + 62 + i % 4, 9)

        finished = story.ending not in (ACTIVE, ACTIVE_OVERDUE)
        self.spend(p, story, i, lead, members, last_day=-75 if finished else -12)
        if "reallocate" in story.extra:
            source, target, amount, reason = story.extra["reallocate"]
            self.at(-101, 13)
            lines = p.budget_lines
            asked = ledger.request_reallocation(p, lead, from_line_id=lines[source].id, to_line_id=lines[target].id,
                                                amount=Decimal(amount), reason=reason)
            self.done()
            self.at(-100, 10)
            fire(asked, "approve", self.staff)
            self.done()
            self.void_a_duplicate(p, lead)
        self.reimburse(p, lead, finished, last_day=-75 if finished else -12,
                       showcase="reallocate" in story.extra)
        if "reallocate" in story.extra:
            # a second request, still waiting for staff: the team wants the rest of the repair money for tutors
            source, target, _, _ = story.extra["reallocate"]
            self.at(-4, 15)
            ledger.request_reallocation(p, members[0] if members else lead, from_line_id=p.budget_lines[source].id,
                                        to_line_id=p.budget_lines[target].id, amount=Decimal("150.00"),
                                        reason="The spring tutoring block runs two weeks longer than planned.")
            self.done()
        self.progress(p, story, i, lead, member)
        if not finished:
            return

        # The final report and the learning summary, written by the team.
        self.at(-70 + i % 10, 19)
        reports.save_final_report(p, member, self.final_sections(story))
        self.done()
        body = story.summary_markdown()
        if "blocked" in story.extra:
            body += "\n" + story.extra["blocked"][1] + "\n"
        self.at(-68 + i % 10, 20)
        summaries.save(p, lead, title=story.title, body=body, tags=self.tags(story))
        self.done()
        for artifact in story.artifacts:
            data = (bar_chart(list(artifact.pairs)) if artifact.kind == "png"
                    else handout(artifact.title, list(artifact.lines)))
            self.at(-67 + i % 10, 20)
            summaries.add_artifact(p, lead, filename=artifact.filename, stream=io.BytesIO(data),
                                   description=artifact.description, max_bytes=MAX_DEMO_FILE)
            self.done()
        if story.ending != COMPLETED:
            self.at(-66 + i % 10, 21)
            summaries.give_consent(p, lead)
            self.done()
        self.fire(p, "submit_final_report", lead, -65 + i % 10, 21)
        if story.ending == REPORT_SUBMITTED:
            return
        if story.ending == PUBLISHED_RETURNED:
            self.fire(p, "return_report", self.staff, -58, 10, comment=story.extra["return"])
            self.at(-56, 19)
            sections = self.final_sections(story)
            sections["what_happened"] += (" Ninety families came to at least one night, about sixty to each: "
                                          "dinner was for each night's families, not for all ninety at once.")
            reports.save_final_report(p, lead, sections)
            self.done()
            self.fire(p, "submit_final_report", lead, -55, 20)
        self.fire(p, "accept_report", self.staff if i % 2 else self.coordinator, -50 + i % 10, 11)
        if story.ending == COMPLETED:
            return

        # Staff check the summary for private details, then publish it.
        summary = p.learning_summary
        if "blocked" in story.extra:
            name, _ = story.extra["blocked"]
            self.at(-40 + i % 10, 10)
            privacy.add_blocked_name(summary, name, self.staff)  # and the check runs again
            self.done()
            # The team takes the student's name out; the next check passes.
            self.at(-39 + i % 10, 18)
            summaries.save(p, lead, title=story.title, body=story.summary_markdown(), tags=self.tags(story))
            self.done()
        self.at(-38 + i % 10, 10)
        privacy.run_check(summary, self.staff)
        self.done()
        if story.ending == PUBLISHED_OVERRIDE:
            self.at(-38 + i % 10, 11)
            for flag in summary.flags:
                if flag.status is FlagStatus.OPEN:
                    privacy.override_flag(flag, story.extra["override"], self.staff)
            self.done()
        self.fire(p, "publish", self.staff, -30 + i % 12, 12)
        if story.ending == UNPUBLISHED:
            self.fire(p, "unpublish", self.staff, -6, 15, reason=story.extra["unpublish"])

    def finish_earlier(self) -> None:
        """Nothing left half-done: every earlier grant reached its ending."""
        want = {ACTIVE: ProposalState.ACTIVE, ACTIVE_OVERDUE: ProposalState.ACTIVE,
                REPORT_SUBMITTED: ProposalState.FINAL_REPORT_SUBMITTED, COMPLETED: ProposalState.COMPLETED,
                UNPUBLISHED: ProposalState.COMPLETED}
        for story in STORIES:
            p = self.earlier[story.team]
            assert p.state is want.get(story.ending, ProposalState.PUBLISHED), (story.team, p.state)

    @staticmethod
    def tags(story: GrantStory) -> dict[TermKind, tuple[str, ...]]:
        return {TermKind.TOPIC: story.topics, TermKind.GRADE_BAND: story.grades, TermKind.SUBJECT: story.subjects}

    @staticmethod
    def final_sections(story: GrantStory) -> dict[str, str]:
        return {"what_we_tried": story.tried, "what_happened": story.happened,
                "what_we_learned": " ".join(story.learned), "what_we_would_change": story.change}

    def spend(self, p: Proposal, story: GrantStory, i: int, lead: User, members: list[User], last_day: int) -> None:
        """Payments against each line (``story.spent`` per cent of it), spread from activation to ``last_day``."""
        first_day = EARLIER_START + 68 + i % 4
        payments = []
        for line, pct in zip(p.budget_lines, story.spent, strict=True):
            total = (line.amount * pct / 100).quantize(Decimal("0.01"))
            if total <= 0:
                continue
            parts = 1 if total < 1000 else 2 if total < 3000 else 3
            payments += [(line, amount, k, parts) for k, amount in enumerate(split(total, parts))]
        people_ = [lead, *members]
        for n, (line, amount, k, parts) in enumerate(payments):
            day = first_day + (last_day - first_day) * (k + 1) // (parts + 1) + n % 5
            spent_on = self.today + timedelta(days=day - 2)
            self.at(day, 17, 10 * (n % 5))
            payee = PAYEES[line.category]
            ledger.log_expenditure(
                p, people_[n % len(people_)], spent_on=spent_on, payee=payee, budget_line_id=line.id,
                amount=amount, note=f"{line.description} ({k + 1} of {parts})" if parts > 1 else line.description,
                receipt_filename=f"receipt-{spent_on:%Y-%m-%d}-{n + 1}.pdf",
                receipt_stream=io.BytesIO(receipt_pdf(payee, line.description, amount, spent_on)),
                max_bytes=MAX_DEMO_FILE,
            )
            self.done()

    def reimburse(self, p: Proposal, lead: User, finished: bool, last_day: int, showcase: bool) -> None:
        """Program staff approve and pay each logged reimbursement (``workflows.expenditure``), a few days after
        the last spending; on a grant still running the latest ones wait: the newest for approval, the one
        before it for payment, and on the showcase grant one more was returned with a reason for the team to
        correct. Voided expenditures are never approved or paid."""
        counted = sorted((e for e in ledger.ledger_for(p).expenditures if e.voided_at is None), key=lambda e: e.id)
        plan = {e.id: ("approve", "pay") for e in counted}
        if not finished and len(counted) > 2:
            plan[counted[-1].id] = ()  # awaiting approval
            plan[counted[-2].id] = ("approve",)  # awaiting payment
            if showcase:
                plan[counted[-3].id] = ("return",)  # returned, for the team to correct
        returned = ("The receipt does not show what was bought: attach an itemized receipt or say in the note "
                    "what it paid for.")
        for n, e in enumerate(counted):
            for k, trigger in enumerate(plan[e.id]):
                self.at(last_day + 6 + k, 10 + n % 6, 5 * (n % 10))
                fire(e, trigger, self.staff if n % 2 == 0 else self.coordinator, reason=returned)
                self.done()

    def void_a_duplicate(self, p: Proposal, lead: User) -> None:
        """A payment logged twice by mistake; the lead voids the second with a reason (it stays on the
        ledger, marked void, and no total counts it)."""
        book = ledger.ledger_for(p)
        first = min((e for e in book.expenditures if book.balance_of(e.budget_line_id).left >= e.amount),
                    key=lambda e: (e.amount, e.id))  # the line has room for it twice
        self.at(-20, 16)
        twice = ledger.log_expenditure(
            p, lead, spent_on=first.spent_on, payee=first.payee, budget_line_id=first.budget_line_id,
            amount=first.amount, note=first.note, receipt_filename=first.receipt_filename,
            receipt_stream=io.BytesIO(ledger.receipt_bytes(first)), max_bytes=MAX_DEMO_FILE)
        self.done()
        self.at(-19, 9)
        ledger.void_expenditure(p, twice, lead, reason=f"Logged twice: the same receipt as the {first.payee} "
                                                       f"payment of {first.spent_on:%B %-d}.")
        self.done()

    def progress(self, p: Proposal, story: GrantStory, i: int, lead: User, member: User) -> None:
        """The mid-grant progress update: a member drafts it, the lead submits it (one team never does)."""
        so_far, early, hurdle, nxt = story.midyear
        sections = {
            "progress_so_far": so_far or story.tried,
            "early_evidence": early or story.happened.split(". ")[0].rstrip(".") + " (early signs at mid-year).",
            "challenges": hurdle or CHALLENGES[i % len(CHALLENGES)],
            "next_steps": nxt or "Carry on through the spring and collect the end-of-year evidence we planned.",
        }
        self.at(PROGRESS_DUE - 12 + i % 5, 19)
        if story.ending == ACTIVE_OVERDUE:
            sections = {"progress_so_far": sections["progress_so_far"], "early_evidence": "",
                        "challenges": "", "next_steps": ""}
            reports.save_progress(p, member, sections)
            self.done()
            return
        reports.save_progress(p, member, sections)
        self.done()
        self.at(PROGRESS_DUE - 9 + i % 5, 20)
        reports.save_progress(p, lead, sections, submit=True)
        self.done()

    def extend_review_due_date(self, due: date) -> None:
        c = self.cycle
        cycles.update_cycle(c, CycleInput(
            name=c.name, opens_on=c.opens_on, closes_on=c.closes_on, revision_deadline=c.revision_deadline,
            pool=c.pool, max_award=c.max_award, reviews_per_side=c.reviews_per_side, review_due_on=due,
            criteria=[CriterionInput(name=k.name, weight=k.weight, description=k.description,
                                     position=k.position, id=k.id) for k in c.criteria],
            progress_report_due=c.progress_report_due, final_report_due=c.final_report_due,
        ))
