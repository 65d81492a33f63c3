"""Access matrix for registration: register and cancel (educators), my registrations (educators), and the
roster, its CSV and attendance (program staff).

``world.learning.free`` is a free BTU workshop with 2 seats and ``lead`` registered (the owner); ``member``
and ``outsider`` are educators without a registration (non-owners): their cancel is refused with a flash
and a redirect, not a 403. A paid outside course has no roster (403 with the reason); attendance before
the first session is 403 with the reason; attendance for someone not registered is 422 with the reason.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.core import clock
from app.extensions import db
from app.models import Opportunity
from tests.access import Case
from tests.factories import Factory

EDUCATORS = {"lead": 302, "member": 302, "outsider": 302}


def _free(w) -> int:
    return w.learning.free.id


def _paid(w) -> int:
    return w.learning.paid.id


def _started(w) -> Opportunity:
    """A free workshop whose first session began an hour ago, with ``lead`` and ``member`` registered."""
    opp = db.session.scalar(select(Opportunity).where(Opportunity.title == "Started circle"))
    if opp is None:
        f = Factory()
        opp = f.opportunity("Started circle", capacity=5)
        opp.sessions[0].starts_at = clock.now() - timedelta(hours=1)
        f.registration(opp, w.lead)
        f.registration(opp, w.member)
        db.session.commit()
    return opp


def _reg_id(w, who="lead") -> int:
    from app.models import Registration

    opp, user_id = _started(w), getattr(w, who).id
    return db.session.scalar(select(Registration.id).where(Registration.opportunity_id == opp.id,
                                                          Registration.user_id == user_id))


CASES = [
    # -- register and cancel (educators; a refusal is a flash and a redirect) --
    Case("registrations.register", lambda w: f"/catalog/{_free(w)}/register", method="POST", expect=EDUCATORS,
         missing=lambda w: "/catalog/999999/register", missing_as="member"),
    Case("registrations.register", lambda w: f"/catalog/{_paid(w)}/register", method="POST", label="paid",
         expect=EDUCATORS),
    Case("registrations.cancel", lambda w: f"/catalog/{_free(w)}/cancel", method="POST", expect=EDUCATORS,
         data=lambda w: {"confirm_step": "yes"},
         missing=lambda w: "/catalog/999999/cancel", missing_as="lead"),
    # -- my registrations --
    Case("registrations.mine", lambda w: "/my/registrations",
         expect={"lead": 200, "member": 200, "outsider": 200}),
    # -- roster, CSV and attendance (staff) --
    Case("registrations.roster", lambda w: f"/catalog/{_free(w)}/roster", expect={"staff": 200},
         missing=lambda w: "/catalog/999999/roster"),
    Case("registrations.roster", lambda w: f"/catalog/{_started(w).id}/roster", label="started",
         expect={"staff": 200}),
    Case("registrations.roster", lambda w: f"/catalog/{_paid(w)}/roster", label="paid"),
    Case("registrations.roster_csv", lambda w: f"/catalog/{_free(w)}/roster.csv", expect={"staff": 200},
         missing=lambda w: "/catalog/999999/roster.csv"),
    Case("registrations.roster_csv", lambda w: f"/catalog/{_paid(w)}/roster.csv", label="paid"),
    Case("registrations.attendance", lambda w: f"/catalog/{_started(w).id}/attendance", method="POST",
         data=lambda w: {"attended": str(_reg_id(w))}, expect={"staff": 302},
         missing=lambda w: "/catalog/999999/attendance"),
    Case("registrations.attendance", lambda w: f"/catalog/{_started(w).id}/attendance", method="POST",
         label="not-registered", data=lambda w: {"attended": "999999"}, expect={"staff": 422}),
    Case("registrations.attendance", lambda w: f"/catalog/{_free(w)}/attendance", method="POST",
         label="not-started", data=lambda w: {"attended": str(w.learning.registration.id)}),
    Case("registrations.attendance", lambda w: f"/catalog/{_paid(w)}/attendance", method="POST", label="paid",
         data=lambda w: {}),
]
