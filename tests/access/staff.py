"""Program staff (proposals, cycles, screening) and admin (people, schools) routes."""
from tests.access import Case

STAFF_ONLY = {"staff": 200}
STAFF_AND_ADMIN = {"staff": 200, "admin": 200}


def _cycle_data(w, name="2027-28 Teacher Leadership Fund"):
    data = {
        "name": name, "opens_on": "2027-09-01", "closes_on": "2027-11-01", "revision_deadline": "2027-12-01",
        "review_due_on": "2027-11-20", "pool": "300000", "max_award": "15000", "reviews_per_side": "2",
        "criteria-0-name": "Focus on students", "criteria-0-weight": "2", "criteria-0-position": "1",
    }
    return data


def _edit_cycle_data(w):
    data = _cycle_data(w, name=w.cycle.name)
    for key in [k for k in data if k.startswith("criteria-")]:
        del data[key]
    for i, c in enumerate(w.cycle.criteria):
        data.update({f"criteria-{i}-id": str(c.id), f"criteria-{i}-name": c.name,
                     f"criteria-{i}-weight": str(c.weight), f"criteria-{i}-position": str(i + 1)})
    return data


def _submitted(w):
    return w.proposals["submitted"]


def _user_data(w):
    return {"name": "Nia New", "email": "nia.new@example.org", "roles": ["educator"], "side": "",
            "school_id": str(w.school.id), "job_title": "Classroom teacher", "active": "y"}


CASES = [
    # every proposal
    Case("staff.proposals", lambda w: "/staff/proposals", expect=STAFF_ONLY),
    Case("staff.proposals_csv", lambda w: "/staff/proposals.csv", expect=STAFF_ONLY),
    Case("staff.proposals_csv", lambda w: f"/staff/proposals.csv?cycle=all&state=bogus&school_id=x&q={'q' * 500}",
         expect={"staff": 400}, label="bad-filters"),
    Case("staff.teams_csv", lambda w: "/staff/teams.csv?cycle=all", expect=STAFF_ONLY),
    # cycles
    Case("staff.cycles", lambda w: "/staff/cycles", expect=STAFF_ONLY),
    Case("staff.cycles_csv", lambda w: "/staff/cycles.csv", expect=STAFF_ONLY),
    Case("staff.new_cycle", lambda w: "/staff/cycles/new", expect=STAFF_ONLY),
    Case("staff.new_cycle", lambda w: "/staff/cycles/new", method="POST", data=_cycle_data,
         expect={"staff": 302}),
    Case("staff.edit_cycle", lambda w: f"/staff/cycles/{w.cycle.id}/edit", expect=STAFF_ONLY,
         missing=lambda w: "/staff/cycles/999999/edit"),
    Case("staff.edit_cycle", lambda w: f"/staff/cycles/{w.cycle.id}/edit", method="POST",
         data=_edit_cycle_data, expect={"staff": 302}, missing=lambda w: "/staff/cycles/999999/edit"),
    # screening
    Case("staff.reviewers", lambda w: f"/staff/proposals/{_submitted(w).id}/reviewers", expect=STAFF_ONLY,
         missing=lambda w: "/staff/proposals/999999/reviewers"),
    Case("staff.reviewers", lambda w: f"/staff/proposals/{_submitted(w).id}/reviewers", method="POST",
         data=lambda w: {"reviewers": [str(w.reviewer_unassigned.id)]}, expect={"staff": 302},
         missing=lambda w: "/staff/proposals/999999/reviewers"),
    Case("staff.unassign",
         lambda w: f"/staff/proposals/{w.in_review.id}/reviewers/{w.in_review.assignments[0].id}/unassign",
         method="POST", expect={"staff": 302},
         missing=lambda w: f"/staff/proposals/{w.in_review.id}/reviewers/999999/unassign"),
    Case("staff.unassign", lambda w: f"/staff/proposals/999999/reviewers/{w.in_review.assignments[0].id}/unassign",
         method="POST", expect={"staff": 404}, label="missing-proposal"),
    # people: admins and staff see the list; only admins add or change people
    Case("admin.users", lambda w: "/admin/users", expect=STAFF_AND_ADMIN),
    Case("admin.new_user", lambda w: "/admin/users/new", expect={"admin": 200}),
    Case("admin.new_user", lambda w: "/admin/users/new", method="POST", data=_user_data, expect={"admin": 302}),
    Case("admin.edit_user", lambda w: f"/admin/users/{w.member.id}/edit", expect={"admin": 200},
         missing=lambda w: "/admin/users/999999/edit", missing_as="admin"),
    Case("admin.edit_user", lambda w: f"/admin/users/{w.member.id}/edit", method="POST",
         data=lambda w: {**_user_data(w), "name": "Max Member", "email": w.member.email},
         expect={"admin": 302}, missing=lambda w: "/admin/users/999999/edit", missing_as="admin"),
    Case("admin.sign_out_everywhere", lambda w: f"/admin/users/{w.member.id}/sign-out-everywhere",
         method="POST", expect={"admin": 302},
         missing=lambda w: "/admin/users/999999/sign-out-everywhere", missing_as="admin"),
    Case("admin.send_password_link", lambda w: f"/admin/users/{w.member.id}/password-link",
         method="POST", expect={"admin": 302},
         missing=lambda w: "/admin/users/999999/password-link", missing_as="admin"),
    # schools: admins and staff
    Case("admin.schools", lambda w: "/admin/schools", expect=STAFF_AND_ADMIN),
    Case("admin.new_school", lambda w: "/admin/schools/new", expect=STAFF_AND_ADMIN),
    Case("admin.new_school", lambda w: "/admin/schools/new", method="POST",
         data=lambda w: {"name": "Hennigan K-8", "level": "k8", "neighborhood": "Jamaica Plain"},
         expect={"staff": 302, "admin": 302}),
    Case("admin.edit_school", lambda w: f"/admin/schools/{w.school.id}/edit", expect=STAFF_AND_ADMIN,
         missing=lambda w: "/admin/schools/999999/edit"),
    Case("admin.edit_school", lambda w: f"/admin/schools/{w.school.id}/edit", method="POST",
         data=lambda w: {"name": "Mather Elementary School", "level": "elementary", "neighborhood": "Dorchester"},
         expect={"staff": 302, "admin": 302}, missing=lambda w: "/admin/schools/999999/edit"),
]
