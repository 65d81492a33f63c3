"""Demo data for ASK and CONNECT: the taxonomy, this school year's needs survey with most educators'
answers, the PL catalog, registrations (one session full with a waitlist), the PL budget, PL requests in
every state and the transcripts they leave.

Called once from ``app.demo.seeder.Seeder.run`` (``seed_learning(self)``) after the funding round is played,
with the seeder's staged clock: every act happens on its own day, relative to the seed's "today", and
goes through the services a page would call (``taxonomy``, ``surveys``, ``catalog``, ``registrations``,
``pl_budgets``, ``pl_requests``, ``pl_decisions``, ``transcript``). States change only through
``advance`` (inside ``app.cases.advance.fire``/``complete`` and ``pl_decisions.confirm``). Ratings are a
fixed pattern per school (each school's own needs, each educator's role) with a small deterministic
wobble from a hash of the name, so the same seed gives the same data on every run.

The survey's privacy threshold is 3 (the demo's schools have two to four educators): schools with three
or more answers show their breakdown, the two-educator schools (one answer each) show none.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.cases.advance import fire
from app.catalog import opportunities as catalog
from app.catalog import registrations
from app.extensions import db
from app.models import Opportunity, PLRequest, Proposal, Term, TermKind, User
from app.needs import surveys, taxonomy
from app.pl import budgets as pl_budgets
from app.pl import certificates as pl_certificates
from app.pl import decisions as pl_decisions
from app.pl import requests as pl_requests
from app.pl import transcript as transcript_svc
from app.pl.requests import DraftData
from workflows.pl_request import school_year_of

# -- the taxonomy ------------------------------------------------------------------------------
CRT = "Culturally responsive teaching"
LIT = "Literacy"
MATH = "Math"
SPED = "Special education"
ML = "Multilingual learners"
SEL = "Social-emotional learning (SEL)"
FAM = "Family engagement"
TECH = "Technology"

TOPICS = [
    (CRT, "Teaching that draws on students' cultures, languages and experiences."),
    (LIT, "Reading and writing across the grades, including foundational skills."),
    (MATH, "Mathematics content and teaching practice."),
    (SPED, "Inclusion, specially designed instruction and IEPs."),
    (ML, "Teaching English learners and students who speak more than one language."),
    (SEL, "Social-emotional learning, relationships and classroom community."),
    (FAM, "Partnering with families and caregivers."),
    (TECH, "Digital tools, accessibility and computer science."),
]
# Words in a proposal that show which priority it addresses.
PRIORITY_WORDS = [
    (CRT, ("cultur", "equity", "identity", "anti-racis")),
    (LIT, ("read", "literacy", "writ", "book")),
    (MATH, ("math", "algebra", "fraction", "numera")),
    (SPED, ("special educ", "iep", "inclusi", "disabilit", "udl")),
    (ML, ("multilingual", "english learner", "newcomer", "bilingual", "language")),
    (SEL, ("social-emotional", "restorative", "belonging", "wellbeing", "well-being", "discipline")),
    (FAM, ("famil", "caregiver", "parent")),
    (TECH, ("digital", "technolog", "computer", "coding", "video")),
]
GRADE_BANDS = ["PK-2", "3-5", "6-8", "9-12"]
SUBJECTS = ["ELA", "Math", "Science", "Social studies", "Arts", "World languages", "Special education", "ESL"]

# -- the needs survey ----------------------------------------------------------------------------
SURVEY_THRESHOLD = 3
# What each school asks for most (rated 4-5); other topics sit around 2.
SCHOOL_NEEDS = {
    "Mather Elementary School": (LIT, ML, FAM),
    "Perkins Elementary School": (MATH, LIT),
    "Manning Elementary School": (SPED, LIT),
    "Curley K-8 School": (SEL, MATH),
    "Hernández K-8 School": (ML, FAM),
    "Eliot K-8 Innovation School": (TECH, MATH),
    "McCormack Middle School": (SEL, CRT),
    "Irving Middle School": (MATH, SEL),
    "Brighton High School": (ML, TECH),
    "Excel High School": (CRT, LIT),
    "Madison Park Technical Vocational High School": (TECH, SPED),
    "Boston Latin School": (CRT, SEL),
    "Henderson K-12 Inclusion School": (SPED, SEL),
    "Horace Mann School for the Deaf and Hard of Hearing": (SPED, TECH),
    "McKinley Schools": (SEL, SPED),
}
# Each role's own need, whatever the school.
ROLE_NEEDS = {
    "Special educator": SPED,
    "ESL / multilingual learner teacher": ML,
    "School counselor": SEL,
    "Paraprofessional": SPED,
    "Instructional coach": CRT,
    "Librarian / media specialist": LIT,
    "School nurse": SEL,
}
# The demo educators who did not answer (each the second educator of a two-educator school, so those
# schools fall under the privacy threshold).
NOT_ANSWERED = ("Luis Ortega", "Giovanni Russo", "Ryan Kelly", "Daniel Foster")
COMMENTS = {
    "Lan Nguyen": "Our newcomer families need materials in Vietnamese and Haitian Creole, and I need time with "
                  "colleagues to plan for them.",
    "Kevin Murphy": "Fractions in grades 3-5: I would like coaching in the classroom, not another slide deck.",
    "Carmen Díaz": "Family engagement PL that is in Spanish, or at least interpreted, would help our whole team.",
    "Tanisha Greene": "More co-teaching time with general educators, please.",
    "Darnell Thompson": "Math talk routines for middle school. Our students need to explain their thinking.",
    "Wei Zhang": "Tools that help my multilingual students use translation without losing the science.",
    "Jamal Price": "Training for paraprofessionals and teachers together on the same day.",
    "Monique Douglas": "De-escalation and restorative practice, for all staff, including lunch and recess staff.",
    "Olivia Grant": "Ethnic studies content for my history classes.",
}
TEAM_RESPONSE = ("Mather Family Literacy Team",
                 "As a team we need help running family events in five languages and measuring what families "
                 "take home.")

# -- the PL catalog ----------------------------------------------------------------------------------
BTU_HALL = "BTU Hall, 180 Mount Vernon St, Dorchester"
BOLLING = "Bolling Building, 2300 Washington St, Roxbury"
ONLINE = "Online (the link is emailed to registrants)"


@dataclass
class Entry:
    title: str
    kind: str  # btu, bps, outside
    fmt: str  # in_person, virtual, hybrid
    topics: tuple[str, ...]
    bands: tuple[str, ...]
    subjects: tuple[str, ...]
    # (day relative to today, "HH:MM", "HH:MM", location)
    sessions: tuple[tuple[int, str, str, str], ...]
    hours: str
    pdps: int
    description: str
    cost: str = "0.00"
    capacity: int | None = None
    provider: str = ""
    url: str = ""


E = Entry
CATALOG = [
    # -- BTU (free: direct registration) --
    E("Culturally Responsive Read-Alouds for K-2", "btu", "in_person", (CRT, LIT), ("PK-2",), ("ELA",),
      ((12, "16:00", "19:00", BTU_HALL), (19, "16:00", "19:00", BTU_HALL)), "6", 6,
      "Choose, plan and lead read-alouds that reflect your students' families and languages. Bring a book "
      "you love and one you are unsure about.", capacity=25),
    E("Restorative Circles Practicum", "btu", "in_person", (SEL, CRT), ("6-8", "9-12"), (),
      ((9, "15:30", "18:30", BTU_HALL), (16, "15:30", "18:30", BTU_HALL)), "6", 6,
      "A small-group practicum: each participant plans, leads and debriefs a circle with colleagues "
      "before running one with students. Six seats so everyone leads.", capacity=6),
    E("Co-Teaching That Works: Planning with Your Special Educator", "btu", "hybrid", (SPED,),
      ("PK-2", "3-5", "6-8", "9-12"), ("Special education", "ELA", "Math"),
      ((30, "16:00", "18:30", BTU_HALL), (44, "16:00", "18:30", BTU_HALL)), "5", 5,
      "Come with your co-teacher. Structures for shared planning, the six co-teaching models and how to "
      "divide the work fairly.", capacity=30),
    E("Family Engagement Nights Families Come To", "btu", "in_person", (FAM,), ("PK-2", "3-5"), (),
      ((21, "17:00", "19:30", BTU_HALL),), "2.5", 2,
      "What makes families show up: timing, food, childcare, interpretation and a reason to come back.",
      capacity=40),
    E("New Teacher Series: Classroom Routines", "btu", "virtual", (SEL,), ("PK-2", "3-5", "6-8", "9-12"), (),
      ((-60, "16:00", "17:30", ONLINE), (-53, "16:00", "17:30", ONLINE), (-46, "16:00", "17:30", ONLINE)),
      "4.5", 4, "Three evenings for educators in their first three years: routines for the first weeks, "
      "transitions and calm corrections."),
    E("BTU Summer Institute: Teaching for Equity", "btu", "in_person", (CRT, SEL),
      ("PK-2", "3-5", "6-8", "9-12"), (), ((-75, "09:00", "15:00", BTU_HALL), (-74, "09:00", "15:00", BTU_HALL)),
      "12", 12, "Two days with colleagues from across the district on equity in everyday teaching "
      "decisions: grouping, grading, discipline and whose stories are on the walls.", capacity=60),
    E("Writing a Strong Teacher Leadership Fund Proposal", "btu", "virtual", (CRT,), (), (),
      ((5, "16:00", "17:30", ONLINE),), "1.5", 1,
      "For teams applying this cycle: the rubric, the budget lines and what the committee looks for."),
    E("Data Teams for ESL Teachers", "btu", "in_person", (ML,), ("3-5", "6-8"), ("ESL",),
      ((35, "15:30", "17:30", BTU_HALL), (49, "15:30", "17:30", BTU_HALL)), "4", 4,
      "Use your students' language data to plan small groups, with ESL colleagues from other schools.",
      capacity=20),
    # -- BPS (free: direct registration) --
    E("Illustrative Mathematics 6-8: Unit Launch", "bps", "in_person", (MATH,), ("6-8",), ("Math",),
      ((14, "15:30", "18:30", BOLLING),), "3", 3,
      "Plan the next unit with grade-level colleagues: the big ideas, the warm-ups and the cool-downs.",
      capacity=35),
    E("Focus on K2: Building Blocks Math", "bps", "hybrid", (MATH,), ("PK-2",), ("Math",),
      ((28, "15:30", "18:00", BOLLING),), "2.5", 2, "Math centers and number talks from the Focus on K2 "
      "curriculum, with materials to take back.", capacity=40),
    E("EL Education Module Planning, Grades 3-5", "bps", "in_person", (LIT,), ("3-5",), ("ELA",),
      ((10, "15:30", "18:30", BOLLING), (24, "15:30", "18:30", BOLLING)), "6", 6,
      "Internalize the next module: texts, protocols and the writing task.", capacity=30),
    E("Specially Designed Instruction in Inclusive Classrooms", "bps", "virtual", (SPED,),
      ("PK-2", "3-5", "6-8", "9-12"), ("Special education",), ((40, "16:00", "18:00", ONLINE),), "2", 2,
      "What SDI looks like in a general education classroom, and how to write it into the IEP."),
    E("WIDA ACCESS Scores: From Data to Instruction", "bps", "virtual", (ML,), ("PK-2", "3-5", "6-8", "9-12"),
      ("ESL",), ((-40, "16:00", "18:00", ONLINE),), "2", 2,
      "Read your students' ACCESS score reports and turn them into language goals for the year."),
    E("Digital Tools for Every Learner: Accessibility on Chromebooks", "bps", "hybrid", (TECH, SPED),
      ("3-5", "6-8", "9-12"), (), ((60, "15:30", "17:30", BOLLING),), "2", 2,
      "Built-in accessibility: read aloud, dictation, captions and high contrast, and when to use which.",
      capacity=50),
    E("Trauma-Sensitive Schools: Foundations", "bps", "in_person", (SEL,), ("PK-2", "3-5", "6-8", "9-12"), (),
      ((-30, "09:00", "12:00", BOLLING),), "3", 3,
      "How trauma shows up in school, and the classroom practices that help every student feel safe.",
      capacity=45),
    E("Ethnic Studies in High School Social Studies", "bps", "in_person", (CRT,), ("9-12",), ("Social studies",),
      ((75, "15:30", "18:00", BOLLING), (89, "15:30", "18:00", BOLLING), (103, "15:30", "18:00", BOLLING)),
      "7.5", 7, "Planning units from the district's ethnic studies course with the teachers who piloted it.",
      capacity=30),
    E("Science Notebooks in Two Languages", "bps", "in_person", (ML,), ("3-5", "6-8"), ("Science", "ESL"),
      ((50, "15:30", "18:00", BOLLING),), "2.5", 2,
      "Sentence frames, word walls and notebook routines that let students do science in both languages.",
      capacity=25),
    E("Family Liaison Partnerships: Two-Way Communication", "bps", "virtual", (FAM,), (), (),
      ((120, "16:00", "17:30", ONLINE),), "1.5", 1,
      "Working with your school's family liaison so information flows both ways."),
    E("Inclusive Practices for Paraprofessionals", "bps", "in_person", (SPED,), ("PK-2", "3-5", "6-8", "9-12"),
      ("Special education",), ((-25, "09:00", "14:00", BOLLING),), "5", 5,
      "Prompting, fading support and data collection, for paraprofessionals and the teachers they work "
      "with.", capacity=40),
    # -- outside providers (through a PL request) --
    E("Orton-Gillingham Classroom Educator Course", "outside", "hybrid", (LIT, SPED), ("PK-2", "3-5"),
      ("ELA", "Special education"), tuple((d, "08:30", "15:00", "Cambridge, MA and online") for d in range(45, 50)),
      "30", 30, "A structured literacy course: phonics, phonemic awareness and multisensory practice, with "
      "a supervised practicum.", cost="1250.00", capacity=30, provider="Institute for Multi-Sensory Education",
      url="https://www.orton-gillingham.com/"),
    E("WIDA Workshop: Scaffolding Language for Content Learning", "outside", "virtual", (ML,),
      ("PK-2", "3-5", "6-8", "9-12"), ("ESL",),
      ((-70, "09:00", "13:00", ONLINE), (-69, "09:00", "13:00", ONLINE), (-68, "09:00", "13:00", ONLINE)),
      "12", 12, "Plan lessons with language supports built in, across content areas.", cost="395.00",
      provider="WIDA, University of Wisconsin-Madison", url="https://wida.wisc.edu/"),
    E("Responsive Classroom Core Course", "outside", "in_person", (SEL,), ("PK-2", "3-5", "6-8"), (),
      tuple((d, "08:30", "15:30", "Boston Marriott Newton") for d in range(60, 64)), "26", 26,
      "Morning meeting, interactive modeling, logical consequences and the teacher language behind them.",
      cost="925.00", provider="Center for Responsive Schools", url="https://www.responsiveclassroom.org/"),
    E("Culturally Responsive Teaching and the Brain: Online Book Study", "outside", "virtual", (CRT,),
      ("PK-2", "3-5", "6-8", "9-12"), (), tuple((d, "19:00", "20:30", ONLINE) for d in (20, 27, 34, 41)), "6", 6,
      "Four evening sessions on the book, with an independent learner routine to try with students between "
      "sessions.", cost="300.00", provider="Equity Literacy Collaborative"),
    E("Math Talk Facilitation Institute", "outside", "in_person", (MATH,), ("3-5", "6-8"), ("Math",),
      ((90, "08:30", "15:30", "Lesley University, Cambridge"), (91, "08:30", "15:30", "Lesley University, Cambridge")),
      "13", 13, "Number talks and discourse routines that get every student explaining their thinking.",
      cost="650.00", capacity=40, provider="Lesley University"),
    E("Universal Design for Learning Summer Institute", "outside", "in_person", (SPED, TECH),
      ("PK-2", "3-5", "6-8", "9-12"), ("Special education",),
      tuple((d, "08:30", "15:30", "Wakefield, MA") for d in (-85, -84, -83)), "18", 18,
      "Design lessons that work for every learner from the start: options for engagement, representation "
      "and expression.", cost="1100.00", provider="CAST", url="https://www.cast.org/"),
    E("Teaching with Primary Sources", "outside", "in_person", (CRT,), ("6-8", "9-12"), ("Social studies",),
      ((33, "09:00", "15:00", "Massachusetts Historical Society, 1154 Boylston St"),), "6", 6,
      "Use letters, diaries and maps from the Society's collections with students; free for educators.",
      provider="Massachusetts Historical Society", url="https://www.masshist.org/"),
    E("Google for Education Certified Educator Level 1 Bootcamp", "outside", "virtual", (TECH,),
      ("3-5", "6-8", "9-12"), (), ((55, "09:00", "15:00", ONLINE), (56, "09:00", "15:00", ONLINE)), "12", 12,
      "Two days of hands-on practice and the certification exam voucher.", cost="199.00",
      provider="Tech Coaches Collaborative"),
    E("Sheltered English Immersion Endorsement Course", "outside", "hybrid", (ML,), ("PK-2", "3-5", "6-8", "9-12"),
      (), tuple((d, "16:00", "19:00", "Northampton, MA and online") for d in range(100, 156, 7)), "45", 45,
      "The DESE-approved course for the SEI teacher endorsement.", cost="600.00", capacity=35,
      provider="Collaborative for Educational Services"),
    E("Family Engagement Leadership Academy", "outside", "in_person", (FAM,), (), (),
      tuple((d, "09:00", "16:00", "Cambridge, MA") for d in (70, 71, 72)), "21", 21,
      "A three-day academy for school teams leading family engagement.", cost="2400.00",
      provider="Harvard Graduate School of Education, Professional Education"),
    E("Reading Science for Middle and High School", "outside", "virtual", (LIT,), ("6-8", "9-12"), ("ELA",),
      tuple((d, "16:00", "18:00", ONLINE) for d in (65, 72, 79)), "6", 6,
      "Fluency, morphology and comprehension for adolescent readers who are still building foundational skills.",
      cost="450.00", provider="Reading Institute of New England"),
]

# -- registrations -------------------------------------------------------------------------------
# Past sessions: who registered, and who staff then recorded as attending (the rest missed it).
PAST_REGISTRATIONS = {
    "New Teacher Series: Classroom Routines": (
        ("Jasmine Carter", "Megan O'Brien", "Sean Doyle", "Naomi Baptiste", "Katie Moran", "Ayesha Khan"),
        ("Jasmine Carter", "Megan O'Brien", "Sean Doyle", "Naomi Baptiste", "Katie Moran")),
    "BTU Summer Institute: Teaching for Equity": (
        ("Lan Nguyen", "Marie-Claude Pierre", "Carmen Díaz", "Tanisha Greene", "Olivia Grant", "Samuel Adeyemi",
         "Andre Williams", "Darnell Thompson", "Priya Raman", "Jerome Jackson"),
        ("Lan Nguyen", "Marie-Claude Pierre", "Carmen Díaz", "Tanisha Greene", "Olivia Grant", "Samuel Adeyemi",
         "Andre Williams", "Darnell Thompson", "Jerome Jackson")),
    "WIDA ACCESS Scores: From Data to Instruction": (
        ("Lan Nguyen", "Rosa Martínez", "Yesenia Morales", "Yasmin Ali", "Wei Zhang"),
        ("Lan Nguyen", "Rosa Martínez", "Yesenia Morales", "Yasmin Ali", "Wei Zhang")),
    "Trauma-Sensitive Schools: Foundations": (
        ("Andre Williams", "Quynh Tran", "Michelle Joseph", "Erin Sullivan", "Rachel Cohen", "Brian Callahan",
         "Monique Douglas", "Fatima Hassan"),
        ("Andre Williams", "Quynh Tran", "Michelle Joseph", "Erin Sullivan", "Rachel Cohen", "Brian Callahan",
         "Monique Douglas")),
    "Inclusive Practices for Paraprofessionals": (
        ("Fatima Hassan", "Luis Ortega", "Daniel Foster", "Gloria Santos", "Hannah Goldberg", "Jamal Price"),
        ("Fatima Hassan", "Luis Ortega", "Daniel Foster", "Gloria Santos", "Jamal Price")),
}
# Coming sessions: who registered (in this order).
UPCOMING_REGISTRATIONS = {
    "Culturally Responsive Read-Alouds for K-2": ("Marie-Claude Pierre", "Jasmine Carter", "Kevin Murphy",
                                                  "Carmen Díaz", "Elena Petrova"),
    "Co-Teaching That Works: Planning with Your Special Educator": ("Hannah Goldberg", "Tanisha Greene",
                                                                    "Lisa Ferreira", "Sean Doyle", "Jamal Price"),
    "Family Engagement Nights Families Come To": ("Lan Nguyen", "Fatima Hassan", "Carmen Díaz",
                                                  "Yesenia Morales", "Rosa Martínez"),
    "Data Teams for ESL Teachers": ("Yasmin Ali", "Rosa Martínez", "Yesenia Morales"),
    "Illustrative Mathematics 6-8: Unit Launch": ("Darnell Thompson", "Sean Doyle", "Priya Raman"),
    "EL Education Module Planning, Grades 3-5": ("Kevin Murphy", "Brianna Walsh", "Megan O'Brien"),
    "Writing a Strong Teacher Leadership Fund Proposal": ("Wei Zhang", "Naomi Baptiste", "Katie Moran", "Amy Lin"),
    "Science Notebooks in Two Languages": ("Wei Zhang", "Lan Nguyen"),
}
# The full one: six seats. Seven register (the seventh waits), one gives up a seat (the seventh is
# promoted and told), then two more join the waitlist.
FULL = "Restorative Circles Practicum"
FULL_FIRST = ("Tanisha Greene", "Quynh Tran", "Michelle Joseph", "Monique Douglas", "Andre Williams",
              "Sean Doyle", "Erin Sullivan")
FULL_CANCELS = "Sean Doyle"
FULL_LATER = ("Darnell Thompson", "Rachel Cohen")

# Educators who said when their licensure cycle started: (years before the seed's year, month, day).
CYCLE_STARTS = {"Lan Nguyen": (3, 9, 1), "Jasmine Carter": (2, 7, 1), "Tanisha Greene": (4, 1, 15)}

# -- PL requests (all from the one school with a school leader in the demo) ------------------------------
LEADER = "Angela Brooks"
STAFF_ENDORSER = "Rosa Delgado"  # program staff endorse requests from schools with no school leader
RATIONALE = {
    "wida": "Half of my students are at WIDA levels 1-2. I want lesson-planning routines that give them access "
            "to grade-level content while their English grows.",
    "udl": "Two of my students have IEPs with accommodations I struggle to plan for every day. UDL would let me "
           "design lessons that work for them from the start instead of retrofitting.",
    "rc": "Our survey put social-emotional learning at the top for my grade team; I would bring Responsive "
          "Classroom routines back to our weekly team meeting.",
    "mhs": "Our fourth graders study Boston's history; primary sources would let my multilingual students work "
           "from images and maps as well as text.",
    "og": "Many of my second graders are still decoding below grade level; the school's literacy plan names "
          "structured literacy as our priority.",
    "book": "I want to build independent learners among my newcomer students; this book study is the "
            "background our ESL team keeps coming back to.",
    "math": "Math talk is the need my grade team named first.",
    "hgse": "I coordinate our school's family events and want to lead them with a plan, not just logistics.",
    "google": "I want to help colleagues use our Chromebooks well.",
    "rc_mccormack": "Our sixth graders arrive from a dozen schools; Responsive Classroom routines would give my "
                    "advisory a shared start to every day.",
    "math_perkins": "My third graders can compute but rarely explain; number talks would get every one of them "
                    "talking about their thinking.",
}


@dataclass
class LearningCounts:
    terms: int = 0
    responses: int = 0
    opportunities: int = 0
    registrations: int = 0
    waitlisted: int = 0
    pl_requests: dict[str, int] = field(default_factory=dict)


def wobble(*parts: str) -> int:
    """-1, 0 or +1, fixed for its inputs (a hash, not a random generator)."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return digest[0] % 3 - 1


def rating_for(name: str, school: str, job_title: str, topic: str) -> int:
    """An educator's rating of a topic: high for their school's needs and their role's, low elsewhere."""
    needs = SCHOOL_NEEDS.get(school, ())
    if topic in needs[:1]:
        base = 5
    elif topic in needs[1:] or ROLE_NEEDS.get(job_title) == topic:
        base = 4
    else:
        base = 2
    return max(1, min(5, base + wobble(name, topic)))


def profile_for(name: str, school_level: str, job_title: str) -> tuple[list[str], list[str]]:
    """An educator's grade bands and subjects, from their school's level and their role."""
    h = wobble(name, "bands") + 1  # 0, 1 or 2
    options = {
        "elementary": (["PK-2"], ["3-5"], ["PK-2", "3-5"]),
        "k8": (["PK-2", "3-5"], ["3-5", "6-8"], ["6-8"]),
        "middle": (["6-8"], ["6-8"], ["6-8"]),
        "high": (["9-12"], ["9-12"], ["9-12"]),
    }.get(school_level, (["PK-2", "3-5"], ["6-8", "9-12"], ["9-12"]))
    bands = options[h]
    if job_title == "Special educator":
        subjects = ["Special education", ["ELA", "Math", "ELA"][h]]
    elif job_title == "ESL / multilingual learner teacher":
        subjects = ["ESL", "ELA"]
    elif job_title in ("Classroom teacher", "Instructional coach"):
        options = ["ELA", "Math", "Science", "Social studies", "Arts", "World languages"]
        first = options[int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(options)]
        subjects = [first] if h else [first, "ELA" if first != "ELA" else "Social studies"]
    elif job_title == "Paraprofessional":
        subjects = ["Special education"]
    else:
        subjects = []
    return bands, subjects


class LearningSeeder:
    def __init__(self, seeder):
        self.s = seeder
        self.today: date = seeder.today
        self.terms: dict[tuple[TermKind, str], Term] = {}
        self.opps: dict[str, Opportunity] = {}
        self.counts = LearningCounts()

    # -- helpers -------------------------------------------------------------------------------
    def u(self, name: str) -> User:
        return self.s.u(name)

    def at(self, day: int, hour: int = 9, minute: int = 0) -> None:
        self.s.at(day, hour, minute)

    def done(self) -> None:
        self.s.done()

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def topic(self, name: str) -> Term:
        return self.terms[(TermKind.TOPIC, name)]

    # -- the story ---------------------------------------------------------------------------
    def run(self) -> LearningCounts:
        self.at(-130, 9)
        self.make_taxonomy()
        self.cite_priorities()
        self.at(-125, 10)
        self.make_catalog()
        self.at(-124, 9)
        self.make_budgets()
        self.register_past()
        self.play_requests_before_survey()
        self.at(-12, 16)
        self.record_past_attendance()
        self.make_survey()
        self.register_upcoming()
        self.fill_the_full_one()
        self.play_recent_requests()
        self.set_cycle_starts()
        self.counts.pl_requests = {}
        for r in db.session.scalars(select(PLRequest)):
            self.counts.pl_requests[r.state.value] = self.counts.pl_requests.get(r.state.value, 0) + 1
        return self.counts

    # -- taxonomy ------------------------------------------------------------------------------
    def make_taxonomy(self) -> None:
        """The taxonomy was made before last year's round (``make_taxonomy`` below, from the seeder)."""
        self.terms = self.s.terms
        self.counts.terms = len(self.terms)

    def cite_priorities(self) -> None:
        """The district priorities each demo proposal addresses, read from its own words (a team ticks
        them on the proposal's edit page; the demo's proposals were written before the taxonomy existed)."""
        for p in db.session.scalars(select(Proposal).order_by(Proposal.id)):
            text = f"{p.title} {p.challenge} {p.plan}".lower()
            cited = [name for name, words in PRIORITY_WORDS if any(w in text for w in words)]
            p.priorities = [self.topic(name) for name in cited[:3]]
        self.done()

    # -- catalog -----------------------------------------------------------------------------------
    def make_catalog(self) -> None:
        staff = self.s.coordinator
        for i, e in enumerate(CATALOG):
            self.at(-125 + i // 10, 10 + i % 10)
            fields = {
                "title": e.title, "description": e.description, "provider_kind": e.kind,
                "provider_name": e.provider, "format": e.fmt, "cost": e.cost,
                "capacity": str(e.capacity) if e.capacity else "", "pdps": str(e.pdps), "hours": e.hours,
                "url": e.url, "contact_email": "pl@btu.org" if e.kind == "btu" else "",
                "published": True, "topics": list(e.topics), "grade_bands": list(e.bands),
                "subjects": list(e.subjects),
                "sessions": "; ".join(f"{self.day(d).isoformat()} {a}-{b} @ {where}" for d, a, b, where in e.sessions),
            }
            data, problems = catalog.validate(fields)
            if problems:
                raise ValueError(f"demo catalog entry {e.title!r}: {problems}")
            self.opps[e.title] = catalog.create(data, staff)
            self.done()
        self.counts.opportunities = len(self.opps)

    # -- budget -------------------------------------------------------------------------------------
    def make_budgets(self) -> None:
        """The PL budget for this school year, and for any other year a demo request falls in."""
        current = school_year_of(self.today)
        years = {current} | {school_year_of(self.day(e.sessions[0][0])) for e in CATALOG if e.cost != "0.00"}
        for year in sorted(years):
            amount = Decimal("25000.00") if year == current else Decimal("20000.00")
            pl_budgets.set_budget(year, amount, self.s.staff)
        self.done()

    # -- registrations -------------------------------------------------------------------------------
    def register_past(self) -> None:
        for i, (title, (names, _)) in enumerate(PAST_REGISTRATIONS.items()):
            for j, name in enumerate(names):
                self.at(-110 + i, 12 + j // 4, (j % 4) * 13)
                registrations.register(self.opps[title], self.u(name))
                self.done()
                self.counts.registrations += 1

    def record_past_attendance(self) -> None:
        coordinator = self.s.coordinator
        for title, (_, attended) in PAST_REGISTRATIONS.items():
            opp = self.opps[title]
            ids = [registrations.registration_of(opp, self.u(n)).id for n in attended]
            registrations.record_attendance(opp, ids, coordinator)
            self.done()

    def register_upcoming(self) -> None:
        for i, (title, names) in enumerate(UPCOMING_REGISTRATIONS.items()):
            for j, name in enumerate(names):
                self.at(-9 + i // 2, 7 + j, 5 * i)
                registrations.register(self.opps[title], self.u(name))
                self.done()
                self.counts.registrations += 1

    def fill_the_full_one(self) -> None:
        opp = self.opps[FULL]
        for j, name in enumerate(FULL_FIRST):
            self.at(-8, 8 + j)
            registrations.register(opp, self.u(name))
            self.done()
        self.at(-6, 17)
        registrations.cancel(opp, self.u(FULL_CANCELS))  # the first on the waitlist is promoted and told
        self.done()
        for j, name in enumerate(FULL_LATER):
            self.at(-4, 9 + j)
            registrations.register(opp, self.u(name))
            self.done()
        self.counts.registrations += len(FULL_FIRST) + len(FULL_LATER)
        self.counts.waitlisted = registrations.waitlist_length(opp)

    # -- the needs survey ------------------------------------------------------------------------
    def make_survey(self) -> None:
        staff = self.s.staff
        year = school_year_of(self.today)
        self.at(-32, 10)
        survey = surveys.create_survey(
            staff, school_year=year, title=f"PL needs survey {year}",
            intro="Tell us where professional learning would help your own practice most this year. Your "
                  "answers shape the catalog, the PL budget and the Teacher Leadership Fund's priorities.",
            opens_on=self.day(-30), closes_on=self.day(21), threshold=SURVEY_THRESHOLD,
            topic_ids=[self.topic(name).id for name, _ in TOPICS])
        self.done()
        self.at(-31, 9)
        surveys.open_survey(survey, staff, self.day(-31))
        self.done()
        from app.demo.seeder import EDUCATORS, SCHOOLS

        levels = {name: level.value for name, level, _ in SCHOOLS}
        for i, (name, school, job_title) in enumerate(EDUCATORS):
            if name in NOT_ANSWERED:
                continue
            self.at(-29 + i * 27 // len(EDUCATORS), 15 + i % 5, (i * 7) % 60)
            ratings = {self.topic(t).id: rating_for(name, school, job_title, t) for t, _ in TOPICS}
            bands, subjects = profile_for(name, levels[school], job_title)
            profile = [self.terms[(TermKind.GRADE_BAND, b)].id for b in bands]
            profile += [self.terms[(TermKind.SUBJECT, s)].id for s in subjects]
            surveys.save_response(survey, self.u(name), self.day(-29 + i * 27 // len(EDUCATORS)), ratings=ratings,
                                  comment=COMMENTS.get(name, ""), profile_term_ids=profile)
            self.done()
            self.counts.responses += 1
        team_name, comment = TEAM_RESPONSE
        team = self.s.teams[team_name]
        self.at(-5, 16)
        ratings = {self.topic(t).id: 5 if t in (FAM, ML, LIT) else 2 for t, _ in TOPICS}
        surveys.save_team_response(survey, team, team.lead, self.day(-5), ratings=ratings, comment=comment)
        self.done()

    # -- PL requests -----------------------------------------------------------------------------------
    def draft(self, who: str, title: str, why: str, need: str, **extra) -> PLRequest:
        opp = self.opps[title]
        first = clock_day(opp.starts_at)
        last = clock_day(opp.ends_at)
        data = DraftData(opportunity_id=opp.id, cost=opp.cost, starts_on=first, ends_on=last, hours=opp.hours,
                         pdps=opp.pdps, rationale=RATIONALE[why], need_term_id=self.topic(need).id)
        for k, v in extra.items():
            setattr(data, k, v)
        request = pl_requests.create_draft(self.u(who), data)
        self.done()
        return request

    def fire(self, request: PLRequest, trigger: str, who: str, **kw) -> None:
        fire(request, trigger, self.u(who) if isinstance(who, str) else who, **kw)
        self.done()

    def decide(self, request: PLRequest, outcome: str, side: str, feedback: str, confirm: bool = True) -> None:
        decision = pl_decisions.propose(request, self.s.co_chair(side), outcome, feedback)
        self.done()
        if confirm:
            self.at_next(hours=20)
            pl_decisions.confirm(decision, self.s.co_chair("BPS" if side == "BTU" else "BTU"))
            self.done()

    def at_next(self, hours: int) -> None:
        self.s.clock.moment = self.s.clock.moment + timedelta(hours=hours)

    def complete(self, request: PLRequest, who: str, reflection: str) -> None:
        pl_requests.complete(request, self.u(who), attended=True, reflection=reflection, hours=request.hours,
                             pdps=request.pdps)
        self.done()

    def play_requests_before_survey(self) -> None:
        # Completed: Jasmine Carter's UDL institute (paid; BPS records, BTU confirms), then her reflection.
        self.at(-122, 19)
        udl = self.draft("Jasmine Carter", "Universal Design for Learning Summer Institute", "udl", SPED)
        self.at(-121, 20)
        self.fire(udl, "submit", "Jasmine Carter")
        self.at(-119, 8)
        self.fire(udl, "endorse", LEADER)
        self.at(-117, 13)
        self.decide(udl, "approve", "BPS", "Approved: a strong fit with Mather's inclusion goals. Please share "
                                           "one UDL lesson with your grade team afterwards.")
        # Completed: Lan Nguyen's WIDA workshop (paid; BTU records, BPS confirms).
        self.at(-115, 18)
        wida = self.draft("Lan Nguyen", "WIDA Workshop: Scaffolding Language for Content Learning", "wida", ML)
        self.at(-114, 7)
        self.fire(wida, "submit", "Lan Nguyen")
        self.at(-112, 8)
        self.fire(wida, "endorse", LEADER)
        self.at(-110, 14)
        self.decide(wida, "approve", "BTU", "Approved. Multilingual learners are Mather's first need.")
        self.at(-80, 20)
        self.complete(udl, "Jasmine Carter",
                      "I rebuilt my science unit with three ways into every task. Both of my students with IEPs "
                      "finished the unit project for the first time this year.")
        self.at(-65, 19)
        self.complete(wida, "Lan Nguyen",
                      "I now plan a language objective and sentence frames with every content objective, and I "
                      "shared the planning template with our grade 1 team.")
        # Denied jointly: an expensive academy (BPS records the denial, BTU confirms).
        self.at(-45, 16)
        hgse = self.draft("Fatima Hassan", "Family Engagement Leadership Academy", "hgse", FAM)
        self.at(-44, 16)
        self.fire(hgse, "submit", "Fatima Hassan")
        self.at(-42, 8)
        self.fire(hgse, "endorse", LEADER, comment="")
        self.at(-40, 12)
        self.decide(hgse, "deny", "BPS",
                    "The committee cannot fund $2,400 for one person this year. The BTU's free Family Engagement "
                    "Nights workshop covers much of this; please register for it, and consider applying as a "
                    "team to the Teacher Leadership Fund.")
        # Cancelled by the educator after submitting.
        self.at(-28, 19)
        google = self.draft("Jasmine Carter", "Google for Education Certified Educator Level 1 Bootcamp", "google",
                            TECH)
        self.at(-27, 19)
        self.fire(google, "submit", "Jasmine Carter")
        self.at(-24, 7)
        self.fire(google, "cancel", "Jasmine Carter")

    def play_recent_requests(self) -> None:
        # Approved, paid: Marie-Claude Pierre's Responsive Classroom course (BPS records, BTU confirms).
        self.at(-20, 18)
        rc = self.draft("Marie-Claude Pierre", "Responsive Classroom Core Course", "rc", SEL)
        self.at(-19, 18)
        self.fire(rc, "submit", "Marie-Claude Pierre")
        self.at(-17, 8)
        self.fire(rc, "endorse", LEADER)
        self.at(-15, 11)
        self.decide(rc, "approve", "BPS", "Approved. SEL is a top need across the district's survey answers.")
        # Approved on endorsement: a free outside workshop.
        self.at(-12, 19)
        mhs = self.draft("Fatima Hassan", "Teaching with Primary Sources", "mhs", CRT)
        self.at(-11, 19)
        self.fire(mhs, "submit", "Fatima Hassan")
        self.at(-10, 8)
        self.fire(mhs, "endorse", LEADER)  # free, so approved in the same step
        # Endorsed, with the BTU co-chair's approval recorded and waiting for the BPS co-chair.
        self.at(-9, 17)
        og = self.draft("Jasmine Carter", "Orton-Gillingham Classroom Educator Course", "og", LIT)
        self.at(-8, 17)
        self.fire(og, "submit", "Jasmine Carter")
        self.at(-6, 8)
        self.fire(og, "endorse", LEADER)
        self.at(-3, 15)
        self.decide(og, "approve", "BTU", "Approve: structured literacy is Mather's stated priority and the "
                                          "budget has room.", confirm=False)
        # Submitted: returned once by the school leader, then revised and submitted again.
        self.at(-8, 20)
        book = self.draft("Lan Nguyen", "Culturally Responsive Teaching and the Brain: Online Book Study", "book",
                          CRT)
        self.at(-7, 20)
        self.fire(book, "submit", "Lan Nguyen")
        self.at(-6, 9)
        self.fire(book, "return", LEADER, comment="Please say how you will share the book study with the ESL team.")
        self.at(-5, 20)
        pl_requests.save_draft(book, self.u("Lan Nguyen"), DraftData(
            opportunity_id=book.opportunity_id, cost=book.cost, starts_on=book.starts_on, ends_on=book.ends_on,
            hours=book.hours, pdps=book.pdps, need_term_id=book.need_term_id,
            rationale=RATIONALE["book"] + " I will lead two ESL team meetings on it in the spring."))
        self.done()
        self.at(-5, 21)
        self.fire(book, "submit", "Lan Nguyen")
        # Draft: started, not finished.
        self.at(-2, 21)
        self.draft("Marie-Claude Pierre", "Math Talk Facilitation Institute", "math", MATH, rationale="")
        # From schools with no school leader in the app: program staff endorse (PRODUCT.md). One waits for
        # them; the other was endorsed by staff and waits for the committee.
        self.at(-6, 19)
        sel = self.draft("Tanisha Greene", "Responsive Classroom Core Course", "rc_mccormack", SEL)
        self.at(-6, 20)
        self.fire(sel, "submit", "Tanisha Greene")
        self.at(-5, 10)
        self.fire(sel, "endorse", STAFF_ENDORSER)
        self.at(-4, 19)
        talk = self.draft("Kevin Murphy", "Math Talk Facilitation Institute", "math_perkins", MATH)
        self.at(-4, 20)
        self.fire(talk, "submit", "Kevin Murphy")
        # Program staff ask Lan Nguyen for the certificate of the WIDA workshop she completed.
        self.at(-3, 11)
        wida = db.session.scalars(select(PLRequest).where(
            PLRequest.requester_id == self.u("Lan Nguyen").id,
            PLRequest.opportunity_id == self.opps["WIDA Workshop: Scaffolding Language for Content Learning"].id,
        )).one()
        pl_certificates.ask(wida, self.u(STAFF_ENDORSER), fields=lambda: {
            "note": "Please upload the WIDA certificate of attendance, showing your 12 hours, for our PDP records."})
        self.done()

    # -- transcripts ------------------------------------------------------------------------------
    def set_cycle_starts(self) -> None:
        self.at(-1, 20)
        for name, (years, m, d) in CYCLE_STARTS.items():
            transcript_svc.set_cycle_start(self.u(name), date(self.today.year - years, m, d), self.day(-1))
        self.done()


def clock_day(moment) -> date | None:
    from app.core import clock

    local = clock.local(moment)
    return local.date() if local is not None else None


def make_taxonomy(actor) -> dict[tuple[TermKind, str], Term]:
    """The one taxonomy (topics, grade bands, subjects) the survey, the catalog and the summaries' tags use,
    made by staff before anything is tagged with it."""
    terms: dict[tuple[TermKind, str], Term] = {}
    for i, (name, description) in enumerate(TOPICS):
        terms[(TermKind.TOPIC, name)] = taxonomy.create_term(TermKind.TOPIC, name=name, description=description,
                                                             position=i, actor=actor)
    for kind, names in ((TermKind.GRADE_BAND, GRADE_BANDS), (TermKind.SUBJECT, SUBJECTS)):
        for i, name in enumerate(names):
            terms[(kind, name)] = taxonomy.create_term(kind, name=name, position=i, actor=actor)
    return terms


def seed_learning(seeder) -> LearningCounts:
    """Seed ASK and CONNECT on top of ``app.demo.seeder``'s funding round (see the module docstring)."""
    return LearningSeeder(seeder).run()


__all__ = ["CATALOG", "FULL", "LearningCounts", "make_taxonomy", "seed_learning"]
