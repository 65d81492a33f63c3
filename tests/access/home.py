"""The home sections' full lists (``/home/<key>``): a section of a role the person holds, else 403;
no such section: 404."""
from tests.access import Case

CASES = [
    Case("home.section", lambda w: "/home/screen", expect={"staff": 200}, missing=lambda w: "/home/no-such-section",
         label="staff"),
    Case("home.section", lambda w: "/home/reviews_due", expect={p: 200 for p in (
        "reviewer_btu", "reviewer_unassigned", "co_chair_btu", "co_chair_bps")}, label="reviewer"),
    Case("home.section", lambda w: "/home/ready?page=2", expect={"co_chair_btu": 200, "co_chair_bps": 200},
         label="co-chair"),
    Case("home.section", lambda w: "/home/decided?page=x", expect={"lead": 200, "member": 200, "outsider": 200},
         label="educator"),
]
