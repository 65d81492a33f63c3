"""Template filters and globals: money, Boston time, labels."""
from __future__ import annotations

from decimal import Decimal

from flask import Flask

from app.core import clock
from app.models.types import to_money


def money(value) -> str:
    if value is None or value == "":
        return "—"
    return "$" + format(to_money(Decimal(str(value))), ",")


def local_dt(dt, fmt: str = "%b %-d, %Y %-I:%M %p") -> str:
    value = clock.local(dt)
    return value.strftime(fmt) + " " + value.tzname() if value else "—"


def local_date(d, fmt: str = "%b %-d, %Y") -> str:
    if d is None:
        return "—"
    if hasattr(d, "tzinfo"):
        d = clock.local(d)
    return d.strftime(fmt)


def init_app(app: Flask) -> None:
    from app.core.markdown import render as render_markdown

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["local_dt"] = local_dt
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.globals["today"] = clock.today
    from app.core.once import submission_field

    app.jinja_env.globals["submission_field"] = submission_field  # inside every create form (app.core.once)

    from app.cases.diagram import diagram_for
    from workflows.expenditure import EXPENDITURE, REALLOCATION
    from workflows.pl_request import PL_REQUEST
    from workflows.proposal import PROPOSAL

    app.jinja_env.globals["workflow_diagram"] = diagram_for
    # States and state groups by name: ``proposal.state in proposal_states.AWARDED``, never a string.
    app.jinja_env.globals["proposal_states"] = PROPOSAL.names
    app.jinja_env.globals["pl_states"] = PL_REQUEST.names
    app.jinja_env.globals["payment_states"] = EXPENDITURE.names
    app.jinja_env.globals["reallocation_states"] = REALLOCATION.names
    # The other enumerations templates compare with: never their values as strings.
    from app.models import DecisionOutcome, RegistrationStatus, ReviewStatus, Side

    app.jinja_env.globals.update(DecisionOutcome=DecisionOutcome, RegistrationStatus=RegistrationStatus,
                                 ReviewStatus=ReviewStatus, Side=Side)
