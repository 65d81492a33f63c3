"""Registration pages: the catalog panel (every state), register / join the waitlist / cancel with their
messages, my registrations, the roster and its CSV, attendance (and its bad input), the
“Recommended for you” partial, and statement counts that do not grow."""
from __future__ import annotations

import csv
import html as htmllib
import io
import re
from datetime import timedelta

from flask import render_template_string
from flask_login import login_user
from sqlalchemy import select

from app.catalog import registrations as R
from app.core import clock
from app.extensions import db
from app.models import Notification, Registration
from app.models import RegistrationStatus as RS
from tests.sqlcount import statements as count_statements


def text(html: str | bytes) -> str:
    if isinstance(html, bytes):
        html = html.decode()
    html = re.sub(r"</?(strong|em|span|a)(\s[^>]*)?>", "", html)  # inline tags do not split words
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


def panel(app, opportunity, user=None, path="/catalog/x") -> str:
    with app.test_request_context(path):
        if user is not None:
            login_user(user)
        return render_template_string('{% include "catalog/_registration_panel.html" %}', opportunity=opportunity)


def recommended(app, user, limit=None) -> str:
    with app.test_request_context("/catalog"):
        login_user(user)
        return render_template_string('{% include "catalog/_recommended.html" %}', rec_limit=limit)


def start_now(opp):
    opp.sessions[0].starts_at = clock.now() - timedelta(hours=1)
    opp.sessions[0].ends_at = clock.now() + timedelta(hours=2)
    db.session.commit()


# -- the panel -----------------------------------------------------------------------------------
def test_panel_for_each_viewer_and_state(app, world, factory):
    free = world.learning.free  # 2 seats, lead registered
    anon = text(panel(app, free))
    assert "1 of 2 seats left" in anon and "Sign in to register" in anon
    assert "Register" in text(panel(app, free, world.member))
    mine = text(panel(app, free, world.lead))
    assert "You are registered." in mine and "Cancel my registration" in mine
    R.register(free, world.member)
    R.register(free, world.outsider)
    db.session.commit()
    full = text(panel(app, free, factory.user("educator")))
    assert "Full: all 2 seats are taken, and 1 person is waiting." in full and "Join the waitlist" in full
    waiting = text(panel(app, free, world.outsider))
    assert "You are on the waitlist: place 1 in line." in waiting and "Leave the waitlist" in waiting
    staff = text(panel(app, free, world.staff))
    assert "Roster and attendance" in staff and "Register" not in staff.replace("Registration", "")
    assert panel(app, world.learning.paid, world.member).strip() == ""  # a PL request, not a registration
    start_now(free)
    assert "Registration is closed: the first session has started." in text(panel(app, free, world.member))
    html = panel(app, factory.opportunity(capacity=3), world.member)
    assert 'name="csrf_token"' in html and 'name="next" value="/catalog/x"' in html


# -- register and cancel ---------------------------------------------------------------------------
def test_register_then_waitlist_then_cancel_promotes(browser, world, factory):
    free = world.learning.free
    browser.login(world.member)
    resp = browser.post(f"/catalog/{free.id}/register", data={"next": "/my/registrations"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/my/registrations")
    page = browser.get("/my/registrations")
    assert "You are registered for “Culturally responsive read-alouds”." in text(page.data)
    browser.reset().login(world.outsider)
    resp = browser.post(f"/catalog/{free.id}/register", follow_redirects=True)
    assert ("“Culturally responsive read-alouds” is full: you are on the waitlist, place 1 in line."
            in text(resp.data))
    assert "On the waitlist: place 1 in line" in text(resp.data)
    browser.reset().login(world.lead)
    resp = browser.post(f"/catalog/{free.id}/cancel", {"confirm_step": "yes"}, follow_redirects=True)
    assert "Your registration for “Culturally responsive read-alouds” is cancelled" in text(resp.data)
    reg = db.session.scalar(select(Registration).where(Registration.user_id == world.outsider.id))
    assert reg.status is RS.REGISTERED and reg.promoted_at is not None
    notes = db.session.scalars(select(Notification)).all()
    assert [n.user_id for n in notes] == [world.outsider.id]


def test_refusals_are_flashed_not_errors(browser, world, factory):
    browser.login(world.lead)
    free, paid = world.learning.free, world.learning.paid
    resp = browser.post(f"/catalog/{free.id}/register", data={"next": "/my/registrations"}, follow_redirects=True)
    assert "You are already registered for “Culturally responsive read-alouds”." in text(resp.data)
    resp = browser.post(f"/catalog/{paid.id}/register", follow_redirects=True)
    assert "does not take direct registration" in text(resp.data) and "Request it instead" in text(resp.data)
    hidden = factory.opportunity("Unlisted", published=False)
    past = factory.opportunity("Gone", starts_in_days=-2)
    db.session.commit()
    assert "is not published in the catalog" in text(browser.post(f"/catalog/{hidden.id}/register",
                                                                  follow_redirects=True).data)
    assert "“Gone” has already started, so registration is closed." in text(
        browser.post(f"/catalog/{past.id}/register", follow_redirects=True).data)
    browser.reset().login(world.member)
    resp = browser.post(f"/catalog/{free.id}/cancel", {"confirm_step": "yes"}, follow_redirects=True)
    assert "You are not registered or on the waitlist for “Culturally responsive read-alouds”." in text(resp.data)
    # an unsafe "next" goes to my registrations instead
    resp = browser.post(f"/catalog/{free.id}/register", data={"next": "https://evil.example/"})
    assert resp.headers["Location"].endswith("/my/registrations")


def test_register_again_after_cancel_goes_to_the_back(browser, world, factory):
    free = world.learning.free
    R.register(free, world.member)  # full now
    db.session.commit()
    browser.login(world.lead)
    browser.post(f"/catalog/{free.id}/cancel", {"confirm_step": "yes"})
    R.register(free, world.outsider)  # takes the seat lead freed
    other = factory.user("educator")
    R.register(free, other)  # waits
    db.session.commit()
    resp = browser.post(f"/catalog/{free.id}/register", follow_redirects=True)
    assert "place 2 in line" in text(resp.data)


# -- my registrations ------------------------------------------------------------------------------
def test_my_registrations_upcoming_and_past(browser, world, factory):
    assert world.learning.registration.user == world.lead
    later = factory.opportunity("Later workshop", capacity=1, starts_in_days=40)
    R.register(later, factory.user("educator"))
    R.register(later, world.lead)  # waitlisted
    past = factory.opportunity("Earlier workshop", starts_in_days=-10)
    factory.registration(past, world.lead, attended=True)
    db.session.commit()
    browser.login(world.lead)
    resp = browser.get("/my/registrations")
    page = text(resp.data)
    assert resp.status_code == 200 and len(re.findall(r"<h1[\s>]", resp.data.decode())) == 1
    upcoming = page.split("Upcoming", 1)[1].split("Past", 1)[0]
    assert "Culturally responsive read-alouds" in upcoming and "Later workshop" in upcoming
    assert upcoming.index("Culturally responsive") < upcoming.index("Later workshop")  # soonest first
    assert "On the waitlist: place 1 in line" in upcoming and "Leave the waitlist" in upcoming
    assert "Earlier workshop" in page.split("Past", 1)[1] and "Registered, attended" in page


def test_my_registrations_statements_do_not_grow(browser, world, factory):
    browser.login(world.lead)

    def count() -> int:
        db.session.expire_all()
        with count_statements() as statements:
            assert browser.get("/my/registrations").status_code == 200
        return len(statements)

    for i in range(2):
        o = factory.opportunity(f"Small {i}", capacity=1, sessions=2)
        R.register(o, factory.user("educator"))
        R.register(o, world.lead)
    db.session.commit()
    small = count()
    for i in range(12):
        o = factory.opportunity(f"Big {i}", capacity=1 if i % 2 else None, sessions=3, starts_in_days=-3 if i % 3 else 9)
        if i % 2:
            factory.registration(o, factory.user("educator"))
            factory.registration(o, world.lead, status="waitlisted")
        else:
            factory.registration(o, world.lead)
    db.session.commit()
    assert count() == small


# -- roster, CSV, attendance -------------------------------------------------------------------------
def test_roster_lists_registered_and_waitlisted_with_school_and_time(browser, world, factory):
    free = world.learning.free
    R.register(free, world.member)
    R.register(free, world.outsider)
    db.session.commit()
    browser.login(world.staff)
    resp = browser.get(f"/catalog/{free.id}/roster")
    page = text(resp.data)
    registered = page.split("Waitlist", 1)[0]
    assert "Lena Lead" in registered and "Max Member" in registered and world.lead.school.name in registered
    assert "Recorded after the first session starts" in registered and "Save attendance" not in page
    assert "Olga Outsider" in page.split("Waitlist", 1)[1]
    assert "2 of 2 seats taken · 1 waiting" in page
    assert b'id="error-summary"' not in resp.data


def test_roster_csv(browser, world, factory):
    free = world.learning.free
    world.member.name = "=HYPERLINK(evil)"
    R.register(free, world.member)
    R.register(free, world.outsider)
    db.session.commit()
    browser.login(world.staff)
    resp = browser.get(f"/catalog/{free.id}/roster.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Status", "Place in line", "Name", "Email", "School"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [("Registered", "", "'=HYPERLINK(evil)"),
                                                    ("Registered", "", "Lena Lead"),
                                                    ("Waitlisted", "1", "Olga Outsider")]


def test_attendance_after_the_start(browser, world, factory):
    free = world.learning.free
    R.register(free, world.member)
    R.register(free, world.outsider)
    start_now(free)
    lead_reg = world.learning.registration
    browser.login(world.staff)
    page = browser.get(f"/catalog/{free.id}/roster")
    assert "Save attendance" in text(page.data) and f'id="attended-{lead_reg.id}"' in page.data.decode()
    resp = browser.post(f"/catalog/{free.id}/attendance", data={"attended": [str(lead_reg.id)]},
                        follow_redirects=True)
    assert "Attendance recorded: 1 of 2 registered people attended." in text(resp.data)
    regs = {r.user_id: r for r in db.session.scalars(select(Registration))}
    assert regs[world.lead.id].attended is True and regs[world.member.id].attended is False
    assert regs[world.outsider.id].attended is None  # waitlisted: not on the checklist
    assert regs[world.lead.id].attendance_recorded_at is not None


def test_attendance_bad_input_is_refused_with_the_reason(browser, world, factory):
    free = world.learning.free
    R.register(free, world.member)
    waiting = R.register(free, world.outsider)
    start_now(free)
    lead_reg = world.learning.registration
    browser.login(world.staff)
    resp = browser.post(f"/catalog/{free.id}/attendance", data={"attended": [str(lead_reg.id), str(waiting.id)]})
    assert resp.status_code == 422
    page = text(resp.data)
    assert f"registration {waiting.id} is not on its roster" in page and "There is a problem to fix" in page
    assert 'href="#attended"' in resp.data.decode()
    assert f'value="{lead_reg.id}" id="attended-{lead_reg.id}" checked' in resp.data.decode()  # kept
    resp = browser.post(f"/catalog/{free.id}/attendance", data={"attended": ["abc"]})
    assert resp.status_code == 422 and "Each ticked box must be a person on the roster" in text(resp.data)
    assert db.session.scalar(select(Registration).where(Registration.attended.is_not(None))) is None


def test_attendance_before_the_start_or_without_registration_is_403(browser, world):
    browser.login(world.staff)
    resp = browser.post(f"/catalog/{world.learning.free.id}/attendance", data={})
    assert resp.status_code == 403 and "has not started yet" in text(resp.data)
    resp = browser.get(f"/catalog/{world.learning.paid.id}/roster")
    assert resp.status_code == 403 and "does not take direct registration" in text(resp.data)


def test_roster_statements_do_not_grow(browser, world, factory):
    free = factory.opportunity("Big room", capacity=40)
    browser.login(world.staff)

    def count() -> int:
        db.session.expire_all()
        with count_statements() as statements:
            assert browser.get(f"/catalog/{free.id}/roster").status_code == 200
        return len(statements)

    school = world.lead.school
    for _ in range(2):
        R.register(free, factory.user("educator", school=school))
    db.session.commit()
    small = count()
    for i in range(20):
        R.register(free, factory.user("educator", school=school if i % 2 else None))
    free.capacity = 10
    for _ in range(5):
        R.register(free, factory.user("educator"))
    db.session.commit()
    assert count() == small


# -- recommended for you -----------------------------------------------------------------------------
def test_recommended_partial(app, world, factory):
    lw = world.learning
    me = factory.user("educator", name="Rae Reader")
    me.profile_terms = [lw.grade_band]
    factory.response(lw.survey, {lw.topics[1]: 5, lw.topics[2]: 2}, respondent=me)
    lit = factory.opportunity("Literacy lab", terms=[lw.topics[1], lw.grade_band], capacity=10)
    db.session.commit()
    html = recommended(app, me)
    page = text(html)
    assert "<h2" in html and "Recommended for you" in page
    assert page.index("Literacy lab") < page.index("Culturally responsive read-alouds")
    assert (f"Why: You rated Literacy 5 of 5 in the {lw.survey.school_year} needs survey; "
            "For grades 3-5, your grade band." in page)
    # the paid course fits as well (Literacy, grades 3-5) and is listed first (same start, older entry)
    assert page.index("Orton-Gillingham course") < page.index("Literacy lab")
    top2 = text(recommended(app, me, limit=2))
    assert lit.title in top2 and "Orton-Gillingham" in top2 and "read-alouds" not in top2


def test_recommended_invites_the_survey_without_signals(app, world, factory):
    newcomer = factory.user("educator")
    db.session.commit()
    page = text(recommended(app, newcomer))
    assert "Recommended for you" in page and "answer the needs survey" in page
    with app.test_request_context("/"):
        login_user(world.staff)
        assert render_template_string('{% include "catalog/_recommended.html" %}').strip() == ""

