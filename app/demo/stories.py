"""The demo's earlier, closed round: what each team proposed last year and what came of it.

Every team of the current round also held a grant in the previous cycle; ``ending`` says how far
that grant has come (see ``app.demo.seeder.PostAwardSeeder``). The texts are what the team wrote: the
proposal, the progress update (``midyear``), the final report and the public learning summary
(``tried``, ``happened``, ``learned``, ``change``), which the demo turns into Markdown.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from app.models import BudgetCategory, GrantType

C = BudgetCategory

# How a story ends, furthest first.
PUBLISHED = "published"  # privacy check passed, published
PUBLISHED_OVERRIDE = "published_override"  # a privacy flag overridden by staff with a reason
PUBLISHED_RETURNED = "published_returned"  # final report returned once with a comment, then accepted
UNPUBLISHED = "unpublished"  # published, then unpublished by staff with a reason
COMPLETED = "completed"  # report accepted; the team has not consented to publish yet
REPORT_SUBMITTED = "final_report_submitted"  # waiting for staff to accept the report
ACTIVE = "active"  # spending under way, progress update filed
ACTIVE_OVERDUE = "active_overdue"  # spending under way, progress update not filed and overdue

ENDINGS = (PUBLISHED, PUBLISHED_OVERRIDE, PUBLISHED_RETURNED, UNPUBLISHED, COMPLETED, REPORT_SUBMITTED, ACTIVE,
           ACTIVE_OVERDUE)


@dataclass
class Artifact:
    kind: str  # "png" (a bar chart of before/after pairs) or "pdf" (a one-page handout)
    filename: str
    description: str
    pairs: tuple[tuple[int, int], ...] = ()
    title: str = ""
    lines: tuple[str, ...] = ()


@dataclass
class GrantStory:
    team: str  # a team of ``app.demo.seeder.TEAMS``
    title: str
    grant_type: GrantType
    challenge: str
    students: str
    plan: str
    success_measures: str
    sharing_plan: str
    budget: tuple[tuple[BudgetCategory, str, str], ...]
    ending: str
    reviews: tuple[str, ...]  # review profiles, BTU then BPS
    decided_by: str  # the side whose co-chair records the approval
    feedback: str
    midyear: tuple[str, str, str, str] = ("", "", "", "")  # so far, early evidence, challenges, next steps
    tried: str = ""
    happened: str = ""
    learned: tuple[str, ...] = ()
    change: str = ""
    link: tuple[str, str] | None = None  # (words, URL) in the summary
    topics: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    artifacts: tuple[Artifact, ...] = ()
    # Share of each budget line spent (in line order), as a percentage.
    spent: tuple[int, ...] = ()
    extra: dict = field(default_factory=dict)

    @property
    def amount(self) -> Decimal:
        return sum((Decimal(a) for _, _, a in self.budget), Decimal(0))

    def summary_markdown(self) -> str:
        parts = ["## What we tried", "", self.tried, "", "## What happened for students", "", self.happened, "",
                 "## What we learned", ""]
        parts += [f"- {item}" for item in self.learned]
        parts += ["", "## What we would change", "", self.change]
        if self.link:
            words, url = self.link
            parts += ["", f"More: [{words}]({url})."]
        return "\n".join(parts).strip() + "\n"


TIMELINE = (
    "September: plan and collect baseline data. October to January: first round of the work. "
    "February: look at the evidence together. March to May: second round. June: results and sharing."
)

STORIES: list[GrantStory] = [
    GrantStory(
        "Mather Family Literacy Team", "Bilingual Read-Aloud Videos for K-2 Families", GrantType.ACTION,
        "Families of our K-2 multilingual learners tell us they want to read with their children but are not "
        "sure how to do it in English, and our read-aloud nights reach only a few of them.",
        "About 110 students in kindergarten to grade 2 who speak Vietnamese, Haitian Creole, Cape Verdean "
        "Creole or Spanish at home, and their families.",
        "Record 24 short read-aloud videos in four languages with bilingual staff and parent volunteers, each "
        "with three questions to ask while reading, and send one home each week with a matching library book.",
        "How many families watch the videos; a short survey in each language in November and May; our "
        "students' fall-to-spring growth on the early literacy screener against last year's cohort.",
        "A session for Mather families in June and the video library shared with other BPS elementary schools.",
        ((C.STIPENDS, "Recording and editing stipends, 4 educators x 20 hours", "4000.00"),
         (C.TECHNOLOGY, "Camera, microphone and lights", "1400.00"),
         (C.BOOKS, "Library books to match each video", "2600.00")),
        PUBLISHED, ("strong", "good", "good", "strong"), "BTU",
        "A clear plan built on what families asked for. Funded in full.",
        midyear=("We recorded 14 of the 24 videos and families receive one each Friday.",
                 "Two thirds of families opened at least one video in the first month.",
                 "Editing takes longer than we planned; two volunteers left in December.",
                 "Record the last ten videos with our family liaison by March."),
        tried="Bilingual staff and parent volunteers recorded 24 read-aloud videos of picture books in four "
              "languages. Each video stops three times to ask a question families can ask at home, and a "
              "matching library book went home every Friday in the child's book bag.",
        happened="By May, 78 of our 110 families had watched at least five videos, and families who watched "
                 "most weeks reported reading together on more days. Our K-2 multilingual learners grew more "
                 "on the early literacy screener than last year's cohort did.",
        learned=("Families watched on phones, usually in the evening: short videos (under six minutes) worked "
                 "best.", "Parent volunteers as readers drew more families than staff did.",
                 "The pause-and-ask questions were what families said they used most."),
        change="We would start recording in the summer so videos go home from the first week of school, and "
               "we would add Somali, which we could not staff this year.",
        link=("the BPS Office of Family and Community Advancement", "https://www.bostonpublicschools.org/"),
        topics=("Family engagement", "Literacy", "Multilingual learners"), grades=("PK-2",), subjects=("ELA",),
        artifacts=(Artifact("png", "families-watching-by-month.png",
                            "Share of families who watched a video, fall and spring, by language group",
                            pairs=((35, 72), (28, 66), (40, 81), (31, 70))),),
        spent=(100, 96, 99),
    ),
    GrantStory(
        "Perkins Math Talk", "Number Talks Every Morning in Grades 3-5", GrantType.ACTION,
        "Our multilingual learners compute accurately but rarely explain their thinking, and open-response "
        "items are where their math scores fall furthest behind.",
        "Sixty students in three grade 3-5 classrooms, half of them English learners.",
        "Fifteen-minute number talks every morning with sentence frames, teachers visiting each other's "
        "number talks monthly, and a shared log of the strategies students name.",
        "Monthly tallies of how many students explain a strategy aloud; open-response scores fall to spring.",
        "A demonstration for the Perkins staff and a short guide for the district math office.",
        ((C.STIPENDS, "Planning stipends, 3 teachers x 15 hours", "2250.00"),
         (C.SUBSTITUTES, "Coverage for 6 peer visits", "1200.00"),
         (C.MATERIALS, "Dot cards, easels and sentence-frame posters", "650.00")),
        PUBLISHED, ("good", "good", "solid", "good"), "BPS",
        "A focused, practical plan. Funded in full.",
        tried="Every morning began with a fifteen-minute number talk: one problem, mental strategies only, "
              "and sentence frames on the wall in English and Spanish. Once a month we watched each other's "
              "number talks and kept a shared log of the strategies students named.",
        happened="In September about one student in five explained a strategy aloud in a typical talk; by May "
                 "it was more than half, and English learners were as likely to speak as their classmates. "
                 "Open-response scores rose in all three classrooms.",
        learned=("Sentence frames mattered most in the first six weeks, then students stopped needing them.",
                 "Peer visits changed our own questions more than any workshop had.",
                 "Starting with dot images, not equations, let every student in."),
        change="We would video one talk a month so we could study who speaks, not just how many.",
        link=("the district's mathematics resources", "https://www.bostonpublicschools.org/"),
        topics=("Math", "Multilingual learners"), grades=("3-5",), subjects=("Math",),
        spent=(100, 100, 92),
    ),
    GrantStory(
        "Curley Restorative Practices Team", "What Students Say About Discipline: A Middle Grades Study",
        GrantType.STUDY,
        "Our suspension data show large gaps by race and disability, but we have never asked students what "
        "discipline at Curley feels like to them.",
        "Students in grades 6-8, especially the forty who were suspended or sent out of class most often.",
        "Focus groups with 48 students each term, interviews with families, and a review of two years of "
        "referrals, coded together by the team with a university partner.",
        "A clear account of what students say helps and harms; a plan the faculty adopts in June.",
        "Findings presented to the Curley faculty and families, and a public learning summary.",
        ((C.STIPENDS, "Research stipends, 3 educators x 30 hours", "4500.00"),
         (C.CONSULTANTS, "University partner for coding and analysis", "2500.00"),
         (C.FAMILY_EVENTS, "Family listening dinners with interpretation", "1000.00")),
        PUBLISHED, ("good", "strong", "good", "good"), "BTU",
        "An important question, asked the right way. Funded in full.",
        tried="We held 12 focus groups with 48 students in grades 6-8, talked with 20 families over dinner, "
              "and coded two years of office referrals with a university partner.",
        happened="Students named being sent out of class, more than suspension itself, as what broke their "
                 "trust, and they described which adults repaired things afterwards and how. In June the "
                 "faculty adopted a plan for restorative circles in every advisory, which is this year's grant.",
        learned=("Students were candid when a peer co-led the focus group.",
                 "Most referrals came from the same few hours of the day.",
                 "Families wanted to be called before a problem, not only after."),
        change="We would bring students onto the research team from the start, not only as participants.",
        topics=("Social-emotional learning (SEL)",), grades=("6-8",), subjects=(),
        artifacts=(Artifact("pdf", "what-students-said.pdf", "Two-page summary of the focus group findings",
                            title="What students said about discipline at Curley",
                            lines=("Being sent out of class broke trust more than suspension.",
                                   "Students named the adults who repaired things afterwards.",
                                   "Most referrals came from the same few hours of the day.",
                                   "Families asked to be called before a problem, not only after.")),),
        spent=(100, 100, 95),
        extra={"blocked": ("Jaylen", "“I felt like somebody finally asked me,” said Jaylen, a seventh grader in "
                                     "one of our focus groups.")},
    ),
    GrantStory(
        "Hernández Dual-Language Science", "Science Word Walls in Two Languages", GrantType.ACTION,
        "Spanish-dominant students in our grade 3-5 dual-language classes rarely use science vocabulary in "
        "either language when they explain an investigation.",
        "About 120 students in grades 3-5, half of them Spanish-dominant.",
        "Build interactive word walls in Spanish and English for each science unit, with pictures made by "
        "students, and a weekly talk routine that uses them.",
        "Science vocabulary in students' written conclusions, scored on a shared rubric each unit.",
        "Word-wall kits shared with every BPS dual-language program.",
        ((C.MATERIALS, "Word-wall boards and printing", "1800.00"),
         (C.BOOKS, "Bilingual science picture books", "2200.00"),
         (C.STIPENDS, "Design stipends, 3 teachers x 20 hours", "3000.00")),
        PUBLISHED, ("good", "solid", "good", "good"), "BPS",
        "A well-designed plan for an under-served group. Funded in full.",
        tried="For each science unit students drew the pictures for a word wall in Spanish and English, and "
              "every week they used the wall in a short partner talk before writing a lab conclusion.",
        happened="Scored on our shared rubric, the share of conclusions that used unit vocabulary correctly "
                 "grew in every unit, and it grew most for Spanish-dominant students.",
        learned=("Student-made pictures made the words stick better than printed ones.",
                 "Partner talk before writing was the step that changed the writing.",
                 "Cognates were a bridge: we now mark them on every wall."),
        change="We would share the walls with families in a take-home version.",
        link=("Boston Public Schools' multilingual education pages", "https://www.bostonpublicschools.org/"),
        topics=("Multilingual learners",), grades=("3-5",), subjects=("Science", "World languages"),
        artifacts=(Artifact("png", "vocabulary-use-by-unit.png",
                            "Conclusions using unit vocabulary, first and last week of each unit",
                            pairs=((22, 58), (30, 64), (35, 71))),),
        spent=(98, 100, 100),
    ),
    GrantStory(
        "McCormack Student Voice", "Self-Advocacy Mini-Lessons for Students with IEPs", GrantType.ACTION,
        "Many of our students with IEPs cannot say what their accommodations are or ask for them.",
        "Ninety students with IEPs in grades 6-8.",
        "Twelve advisory mini-lessons on knowing and asking for accommodations, written with students, and "
        "a one-page profile each student keeps.",
        "A self-advocacy survey in the fall and spring; how often students ask for an accommodation.",
        "The lessons shared with every BPS middle school.",
        ((C.STIPENDS, "Lesson-writing stipends, 3 educators x 20 hours", "3000.00"),
         (C.MATERIALS, "Printing for student profiles", "400.00")),
        PUBLISHED_OVERRIDE, ("good", "good", "solid", "good"), "BTU",
        "A clear plan that puts students in charge. Funded in full.",
        tried="We wrote twelve advisory mini-lessons with a group of eighth graders: what an IEP is, what my "
              "accommodations are, and how to ask for one. Every student made a one-page profile to keep.",
        happened="On the spring survey most students could name at least two of their accommodations, up from "
                 "fewer than half in the fall, and teachers logged students asking for them far more often. "
                 "Families who want the lessons in their language can call the BPS Welcome Services line at "
                 "617-635-9010.",
        learned=("Eighth graders teaching sixth graders worked better than adults teaching them.",
                 "Role-playing the ask was the lesson students remembered.",
                 "Teachers needed a quick way to see each student's profile."),
        change="We would share the profiles with every teacher in the first week of school.",
        topics=("Special education", "Social-emotional learning (SEL)"), grades=("6-8",), subjects=("Special education",),
        spent=(100, 90),
        extra={"override": "This is the district's public Welcome Services telephone line, not a person's "
                           "number; the team included it so families know where to call."},
    ),
    GrantStory(
        "Irving Attendance Inquiry", "Morning Check-Ins for Sixth Graders Who Miss School", GrantType.ACTION,
        "Chronic absence in our sixth grade is highest among students experiencing housing instability.",
        "About 40 chronically absent sixth graders.",
        "Each student is paired with an adult for a two-minute morning check-in, and the nurse calls home "
        "after any absence.",
        "Attendance of the students in the program against the same months last year.",
        "A short guide for the district's attendance team.",
        ((C.STIPENDS, "Check-in mentor stipends, 8 staff", "4000.00"),
         (C.MATERIALS, "Breakfast and check-in supplies", "1500.00"),
         (C.FAMILY_EVENTS, "Family breakfast mornings", "900.00")),
        ACTIVE_OVERDUE, ("solid", "good", "good", "solid"), "BPS",
        "A practical plan with a clear measure. Funded in full.",
        midyear=("Eight staff mentors check in with 38 students each morning, and the nurse calls home after "
                 "every absence.", "", "", ""),
        topics=("Social-emotional learning (SEL)",), grades=("6-8",),
        spent=(55, 97, 30),
    ),
    GrantStory(
        "Brighton Ninth Grade On-Track", "Ninth Grade Study Hall Redesign", GrantType.ACTION,
        "Ninth graders who fail a course in the first term rarely recover the credit, and our study hall is "
        "unstructured time.",
        "About 120 ninth graders, with a focus on those with a D or F at the first progress report.",
        "Turn study hall into a structured block with a weekly grade check, peer tutors from grades 11-12, "
        "and a teacher coach for each group.",
        "Course failures at the end of each term against last year's ninth grade.",
        "The study hall plan shared with the district's ninth-grade success network.",
        ((C.STIPENDS, "Peer tutor stipends, 12 students", "3600.00"),
         (C.STIPENDS, "Teacher coach stipends, 4 teachers", "2400.00"),
         (C.MATERIALS, "Planners and study hall supplies", "800.00"),
         (C.TECHNOLOGY, "Chromebook cart repairs", "1200.00")),
        ACTIVE, ("good", "good", "strong", "good"), "BTU",
        "A strong plan for a pivotal year. Funded in full.",
        midyear=("The redesigned study hall started in October with 12 peer tutors and four teacher coaches.",
                 "First-term course failures fell compared with last year's ninth grade.",
                 "Tutor attendance dropped during winter sports season.",
                 "Recruit four more tutors and move the grade check to Mondays."),
        topics=("Social-emotional learning (SEL)",), grades=("9-12",),
        spent=(70, 96, 60, 20),
        extra={"reallocate": (3, 1, "400.00", "Chromebook repairs cost less than planned; the money pays two more "
                                              "peer tutors for the spring term.")},
    ),
    GrantStory(
        "BLS Belonging Study", "Seventh Grade Affinity Lunches", GrantType.ACTION,
        "Black and Latinx seventh graders tell us they do not feel they belong at BLS by the end of their "
        "first year.",
        "About 150 Black and Latinx seventh graders.",
        "Weekly affinity lunches led by faculty and older students, with a monthly guest from the BLS "
        "alumni community.",
        "A belonging survey in October and May, and retention into eighth grade.",
        "Findings shared with the BLS faculty and the exam school working group.",
        ((C.STIPENDS, "Faculty facilitator stipends", "2400.00"),
         (C.FAMILY_EVENTS, "Lunch and family celebration", "1800.00"),
         (C.STUDENT_EXPERIENCES, "Visit to a Boston university campus", "1300.00")),
        PUBLISHED, ("strong", "good", "good", "good"), "BPS",
        "A thoughtful pilot that students asked for. Funded in full.",
        tried="Every Wednesday seventh graders could join an affinity lunch led by a faculty member and two "
              "older students. Once a month a BLS graduate came to talk about their own first year.",
        happened="Students who came to at least half the lunches scored higher on the May belonging survey "
                 "than in October, and all but a few of them returned for eighth grade.",
        learned=("Older students were the draw; faculty were the glue.",
                 "Guests who had struggled in seventh grade mattered most.",
                 "Students wanted a space, not a program."),
        change="We would start in September, before the first report card, not in November.",
        link=("the BTU's professional learning pages", "https://btu.org/"),
        topics=("Culturally responsive teaching", "Social-emotional learning (SEL)"), grades=("6-8",),
        subjects=(),
        spent=(100, 94, 100),
    ),
    GrantStory(
        "Henderson Inclusive Math", "Universal Design for Learning in Inclusive Science", GrantType.ACTION,
        "In our inclusive grade 6-8 science classes, students with IEPs often complete a different task from "
        "their classmates.",
        "About 70 students with IEPs in six inclusive science classrooms.",
        "Redesign four units with Universal Design for Learning: several ways in, several ways to show what "
        "you know, planned by co-teaching pairs.",
        "Where students with IEPs work during labs; unit results by group.",
        "A UDL unit-planning guide for the district's inclusion office.",
        ((C.STIPENDS, "Planning stipends, 6 teachers x 15 hours", "4500.00"),
         (C.MATERIALS, "Lab materials with multiple entry points", "1500.00"),
         (C.SUBSTITUTES, "Coverage for co-planning days", "1600.00")),
        PUBLISHED, ("good", "strong", "good", "solid"), "BTU",
        "A strong plan for inclusion. Funded in full.",
        tried="Three co-teaching pairs redesigned four science units together so that every lab had several "
              "ways in and several ways to show learning: drawings, models, video and writing.",
        happened="Students with IEPs did the same lab as their classmates in almost every lesson we observed, "
                 "up from about half in the fall, and unit results for students with IEPs rose.",
        learned=("Planning time together was the whole game.",
                 "Choice boards helped every student, not only those with IEPs.",
                 "Students chose video more often than we expected."),
        change="We would include the paraprofessionals in the planning from the first unit.",
        topics=("Special education",), grades=("6-8",), subjects=("Science", "Special education"),
        artifacts=(Artifact("pdf", "udl-unit-planner.pdf", "One-page UDL unit planner",
                            title="UDL unit planner",
                            lines=("1. Name the goal every student works toward.",
                                   "2. Plan three ways in: text, video, hands-on.",
                                   "3. Plan three ways to show learning.",
                                   "4. Decide who supports which group in each lab.")),),
        spent=(100, 99, 100),
    ),
    GrantStory(
        "Horace Mann ASL Stories", "ASL Math Vocabulary Videos", GrantType.ACTION,
        "Our Deaf students meet math vocabulary in English print before they have an ASL sign for it.",
        "Forty Deaf and hard of hearing students in grades 1-5 and their families.",
        "Film 40 short videos of math vocabulary in ASL with Deaf adults, with examples, for school and home.",
        "Students' math vocabulary on our own assessment in the fall and spring; family use of the videos.",
        "The videos shared with schools for the Deaf across the state.",
        ((C.CONSULTANTS, "Deaf adult presenters, 40 videos", "3200.00"),
         (C.TECHNOLOGY, "Captioning and editing software", "800.00"),
         (C.STIPENDS, "Planning stipends, 2 educators", "1500.00")),
        PUBLISHED, ("strong", "strong", "good", "good"), "BPS",
        "A gap no one else is filling. Funded in full.",
        tried="Deaf adults signed 40 short videos of math words, from place value to fractions, each with "
              "an example and a short story, captioned in English.",
        happened="Students' scores on our math vocabulary assessment rose for every grade, and families told "
                 "us the videos were the first math help at home they could use.",
        learned=("Deaf adults as models matter as much as the signs themselves.",
                 "Short videos (under two minutes) were watched most.",
                 "Families used the videos to learn signs alongside their children."),
        change="We would plan a family night in the fall to introduce the videos.",
        topics=("Special education", "Math", "Family engagement"), grades=("PK-2", "3-5"),
        subjects=("Math", "World languages"),
        spent=(100, 100, 93),
    ),
    GrantStory(
        "McKinley Re-Engagement Study", "Calm Spaces Pilot in Two Classrooms", GrantType.ACTION,
        "After a crisis our students often leave class for the rest of the day.",
        "About 30 students in grades 6-8 at our middle school campus.",
        "Set up a calm space in two classrooms with a short, taught routine for using it and returning.",
        "Minutes out of class after a crisis, before and after the calm spaces.",
        "A guide for special education day programs.",
        ((C.MATERIALS, "Calm-space furniture and sensory tools", "2400.00"),
         (C.STIPENDS, "Planning stipends, 3 educators", "1800.00")),
        REPORT_SUBMITTED, ("good", "solid", "good", "solid"), "BTU",
        "A careful pilot. Funded in full.",
        midyear=("Calm spaces are set up in both classrooms and the routine is taught.",
                 "Minutes out of class after a crisis are down in both classrooms.",
                 "One classroom's space is too close to the door.",
                 "Move that space and log every use until May."),
        tried="We set up a calm space in two classrooms and taught a five-step routine for using it and "
              "coming back to work.",
        happened="Minutes out of class after a crisis fell by more than half in both classrooms.",
        learned=("The taught routine mattered more than the furniture.",
                 "Students used the space before a crisis once they trusted it."),
        change="We would study which routine steps help most, which is this year's proposal.",
        topics=("Social-emotional learning (SEL)", "Special education"), grades=("6-8",), subjects=("Special education",),
        spent=(100, 100),
    ),
    GrantStory(
        "Dorchester Newcomer Network", "Newcomer Family Nights Across Three Schools", GrantType.ACTION,
        "Newcomer families at our three Dorchester schools rarely come to school events, which are run in "
        "English.",
        "About 150 newcomer students and their families at Mather, McCormack and the Henderson.",
        "Four family nights a year rotating across the three schools, run in the families' languages, with "
        "dinner, childcare and a short session on how Boston schools work.",
        "Attendance by language; a family survey after each night.",
        "The family-night plan shared with the district's newcomer convening.",
        ((C.FAMILY_EVENTS, "Dinner and childcare for 4 nights", "3600.00"),
         (C.CONSULTANTS, "Interpreters for 4 nights", "2400.00"),
         (C.STIPENDS, "Stipends, 4 educators", "2000.00")),
        PUBLISHED, ("strong", "good", "strong", "good"), "BPS",
        "A model of cross-school work. Funded in full.",
        tried="We ran four family nights, rotating across our three schools, in Haitian Creole, Spanish, "
              "Vietnamese, Somali and Cape Verdean Creole, with dinner, childcare and a session on how Boston "
              "schools work.",
        happened="Attendance grew at each night, and families who came asked for the welcome toolkit that "
                 "became this year's grant.",
        learned=("Families came for dinner and stayed for each other.",
                 "Interpreters who were also parents made the sessions feel safe.",
                 "Rotating schools let families see where their younger and older children would go."),
        change="We would ask families to plan the last night with us.",
        topics=("Family engagement", "Multilingual learners"), grades=("PK-2", "3-5", "6-8"), subjects=("ESL",),
        artifacts=(Artifact("png", "family-night-attendance.png",
                            "Families attending each night, fall and spring sessions",
                            pairs=((30, 45), (42, 60), (38, 66), (51, 84))),),
        spent=(100, 100, 95),
    ),
    GrantStory(
        "Girls of Color in Computing", "A Coding Club Pilot at Brighton High", GrantType.ACTION,
        "Few girls of color take our computer science electives.",
        "About 25 girls of color in grades 9-12 at Brighton High.",
        "A weekly after-school coding club with a near-peer mentor and a spring showcase.",
        "Club attendance; enrollment of girls of color in next year's CS electives.",
        "The club plan shared with the district's computer science team.",
        ((C.STIPENDS, "Club advisor stipend", "2000.00"),
         (C.TECHNOLOGY, "Microcontroller kits", "1600.00"),
         (C.FAMILY_EVENTS, "Spring showcase", "500.00")),
        PUBLISHED, ("good", "good", "good", "solid"), "BTU",
        "A promising pilot. Funded in full.",
        tried="Every Thursday after school, girls of color met to build projects with microcontrollers, with "
              "a near-peer mentor from a Boston university and a showcase for families in May.",
        happened="Twenty-two students came regularly, and enrollment of girls of color in next year's computer "
                 "science electives more than doubled.",
        learned=("Projects that did something visible on day one kept students coming.",
                 "The near-peer mentor mattered more than the kits.",
                 "The showcase brought families into the school for the first time."),
        change="We would open the club to middle schoolers, which is this year's cross-school proposal.",
        link=("the district's computer science pages", "https://www.bostonpublicschools.org/"),
        topics=("Technology", "Culturally responsive teaching"), grades=("9-12",), subjects=("Science",),
        artifacts=(Artifact("png", "cs-enrollment.png",
                            "Girls of color in CS electives, the year before and the year after the club",
                            pairs=((12, 31),)),),
        spent=(100, 98, 100),
    ),
    GrantStory(
        "Madison Park Career Pathways", "Culinary Arts Family Showcase and Mentors", GrantType.ACTION,
        "Students with disabilities in our culinary program rarely connect with working chefs.",
        "Twenty culinary students with IEPs in grades 10-12.",
        "Monthly visits from working chefs as mentors and a spring showcase dinner cooked by students.",
        "Students' skills checklist in the fall and spring; showcase attendance.",
        "The mentor plan shared with other career and technical programs.",
        ((C.CONSULTANTS, "Chef mentor honoraria", "2400.00"),
         (C.MATERIALS, "Ingredients for practice and the showcase", "1800.00"),
         (C.FAMILY_EVENTS, "Showcase dinner for families", "700.00")),
        ACTIVE, ("solid", "good", "solid", "good"), "BPS",
        "A practical plan. Funded in full.",
        midyear=("Four chef mentors have visited and students cook with them each month.",
                 "Students' skills checklists show growth in knife skills and kitchen safety.",
                 "Scheduling mentors around restaurant hours is hard.",
                 "Plan the showcase dinner for May with the mentors."),
        topics=("Special education",), grades=("9-12",), subjects=(),
        spent=(50, 98, 0),
    ),
    GrantStory(
        "Excel Readers", "What Tenth Graders Choose to Read: A Survey Study", GrantType.STUDY,
        "We do not know what our tenth graders read by choice, or why many say they do not read at all.",
        "All 180 tenth graders at Excel.",
        "A reading survey and 20 student interviews, then a student panel to discuss the results.",
        "A clear picture of students' reading lives to plan next year's book clubs.",
        "Findings shared with the Excel English department.",
        ((C.STIPENDS, "Research stipends, 2 educators", "2000.00"),
         (C.BOOKS, "Books chosen by the student panel", "1500.00")),
        UNPUBLISHED, ("solid", "good", "good", "solid"), "BTU",
        "A useful study. Funded in full.",
        tried="We surveyed 180 tenth graders about their reading lives and interviewed 20 of them.",
        happened="Most students read every day, mostly online, and wanted books about people like them.",
        learned=("Students read more than they say they do.",
                 "Choice matters more than length."),
        change="We would include ninth graders next time.",
        topics=("Literacy", "Culturally responsive teaching"), grades=("9-12",), subjects=("ELA",),
        spent=(100, 100),
        extra={"unpublish": "The team asked to take the summary down while it checks two quotations with the "
                            "students who said them."},
    ),
    GrantStory(
        "Manning Calm Start", "Visual Schedules for Students with Autism", GrantType.ACTION,
        "Transitions between activities are the hardest moments of the day for our students with autism.",
        "Eighteen students with autism in four inclusion classrooms.",
        "Visual schedules and first-then boards for every student, taught and used the same way in every "
        "classroom.",
        "Counts of difficult transitions per day, before and after.",
        "A short guide for the Manning staff.",
        ((C.MATERIALS, "Visual schedule boards and laminating", "1200.00"),
         (C.STIPENDS, "Planning stipends, 2 educators", "1000.00")),
        COMPLETED, ("solid", "solid", "good", "solid"), "BPS",
        "A small, practical grant. Funded in full.",
        tried="Every student with autism in our four inclusion classrooms got a visual schedule and a "
              "first-then board, used the same way by every adult.",
        happened="Difficult transitions fell in all four classrooms over the year.",
        learned=("Consistency across adults mattered more than the boards.",
                 "Students began to use the boards to ask for breaks."),
        change="We would train every adult in the building, including lunch and recess staff.",
        topics=("Special education",), grades=("PK-2", "3-5"), subjects=("Special education",),
        spent=(100, 100),
    ),
    GrantStory(
        "Eliot Math Pathways Inquiry", "Family Math Nights in Three Languages", GrantType.ACTION,
        "Families of our newcomer students tell us they cannot help with math homework taught in unfamiliar "
        "ways.",
        "About 80 newcomer students in grades 3-8 and their families.",
        "Three family math nights in Spanish, Portuguese and Arabic, with games families take home.",
        "Family attendance and a short survey after each night.",
        "The game kits shared with other K-8 schools.",
        ((C.FAMILY_EVENTS, "Dinner for 3 family nights", "1500.00"),
         (C.MATERIALS, "Math game kits to take home", "1200.00"),
         (C.CONSULTANTS, "Interpreters", "900.00")),
        PUBLISHED_RETURNED, ("good", "solid", "good", "good"), "BTU",
        "A clear, modest plan. Funded in full.",
        tried="We held three family math nights in Spanish, Portuguese and Arabic. Families played the games "
              "their children play in class and took a game kit home.",
        happened="Ninety families came to at least one night. On the survey, most said they now play math "
                 "games at home each week, and teachers saw more homework returned.",
        learned=("Games crossed language better than worksheets.",
                 "Children as teachers of their parents was the best part of each night.",
                 "Families asked why newcomers leave advanced math, which became our study question."),
        change="We would hold the first night in September, before families form their views of math class.",
        link=("the district's family math resources", "https://www.bostonpublicschools.org/"),
        topics=("Family engagement", "Math", "Multilingual learners"), grades=("3-5", "6-8"), subjects=("Math",),
        spent=(100, 100, 100),
        extra={"return": "Thank you. Before we accept it: the report says ninety families came, but the "
                         "spending reconciliation shows dinner for about sixty. Please explain the difference "
                         "in what happened for students, and resubmit."},
    ),
    GrantStory(
        "South Boston Story Keepers", "Neighborhood Oral History Podcast", GrantType.ACTION,
        "Our students rarely hear their own neighborhood's history in school.",
        "About 40 grade 11 students at Excel and grade 5 students at Perkins.",
        "High school students interview elders and record a six-episode podcast; fifth graders draw the "
        "episode art.",
        "Episodes completed; a student reflection after each episode.",
        "The podcast published for the community.",
        ((C.TECHNOLOGY, "Recorders and microphones", "1400.00"),
         (C.STIPENDS, "Advisor stipends, 3 educators", "2400.00"),
         (C.CONSULTANTS, "Audio producer workshops", "1200.00")),
        PUBLISHED, ("good", "good", "solid", "good"), "BPS",
        "A lovely cross-school plan. Funded in full.",
        tried="Eleventh graders interviewed neighborhood elders and produced a six-episode podcast with a "
              "local audio producer; fifth graders at Perkins drew the art for each episode.",
        happened="Students finished all six episodes, and the launch event filled the Excel library with "
                 "families and elders. Students wrote that they see their neighborhood differently now.",
        learned=("Interviewing an elder taught listening better than any lesson.",
                 "Older and younger students working together raised both groups' care for the work.",
                 "Editing audio took twice as long as recording."),
        change="We would plan editing time into the school day, not after school.",
        topics=("Culturally responsive teaching",), grades=("3-5", "9-12"), subjects=("Social studies", "Arts"),
        spent=(100, 100, 100),
    ),
]
