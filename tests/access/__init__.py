"""The route x role x owner matrix, one module of CASES per area.

Each area adds ``tests/access/<area>.py`` with ``CASES = [Case(...), ...]``. The test in
``tests/test_access_matrix.py`` runs every case for every persona, and fails when any
endpoint in ``app.url_map`` has no case (so a new route cannot skip the matrix).

Personas are attributes of ``tests.factories.World`` (plus ``anon``):
``anon, lead, member, outsider, school_leader, reviewer_btu, reviewer_unassigned, co_chair_btu,
co_chair_bps, staff, admin``. ``reviewer_btu`` / ``reviewer_bps`` are assigned to (and have reviewed)
every proposal from in_review on; ``lead`` and ``member`` are on ``world.team``, which owns one
proposal in each state (``world.proposals[state]``); ``outsider`` leads ``world.other_team``.

``expect`` maps persona -> status; personas not named get ``default``. For a login-required route
``anon`` defaults to 302 (to the sign-in page). A POST case is sent with a valid CSRF token and
``data(world)``; "allowed" then usually means 200 (the form re-rendered with messages) or 302.
``missing`` builds a URL whose object does not exist: it is requested as ``missing_as`` and must 404.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PERSONAS = (
    "anon", "lead", "member", "outsider", "school_leader", "reviewer_btu", "reviewer_unassigned",
    "co_chair_btu", "co_chair_bps", "staff", "admin",
)


@dataclass
class Case:
    endpoint: str
    url: Callable[[Any], str]
    expect: dict[str, int | tuple[int, ...]] = field(default_factory=dict)
    default: int | tuple[int, ...] = 403
    method: str = "GET"
    data: Callable[[Any], dict] | None = None
    missing: Callable[[Any], str] | None = None
    missing_as: str = "staff"
    public: bool = False  # no sign-in needed: anon follows `default`/`expect` like anyone else
    label: str = ""

    def expected(self, persona: str):
        if persona in self.expect:
            return self.expect[persona]
        if persona == "anon" and not self.public:
            return 302
        return self.default
