"""Reports (the cycle report, the PL report): program staff and the co-chairs, as the cohort page;
nobody else (admins neither: they manage people, not the program's figures)."""
from tests.access import Case

READERS = {"co_chair_btu": 200, "co_chair_bps": 200, "staff": 200}
YEAR = "2026-27"

CASES = [
    Case("reports.index", lambda w: "/reports/", expect=READERS),
    Case("reports.cycle", lambda w: f"/reports/cycles/{w.cycle.id}", expect=READERS,
         missing=lambda w: "/reports/cycles/999999"),
    Case("reports.cycle_pdf", lambda w: f"/reports/cycles/{w.cycle.id}/report.pdf", expect=READERS,
         missing=lambda w: "/reports/cycles/999999/report.pdf"),
    Case("reports.cycle_csv", lambda w: f"/reports/cycles/{w.cycle.id}/stages.csv", expect=READERS,
         missing=lambda w: f"/reports/cycles/{w.cycle.id}/no-such-table.csv"),
    Case("reports.pl", lambda w: f"/reports/pl/{YEAR}", expect=READERS, missing=lambda w: "/reports/pl/2026-28"),
    Case("reports.pl_pdf", lambda w: f"/reports/pl/{YEAR}/report.pdf", expect=READERS,
         missing=lambda w: "/reports/pl/not-a-year/report.pdf"),
    Case("reports.pl_csv", lambda w: f"/reports/pl/{YEAR}/budget_school.csv", expect=READERS,
         missing=lambda w: f"/reports/pl/{YEAR}/no-such-table.csv"),
]
