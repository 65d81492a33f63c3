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


DATE_FORMAT = "%b %-d, %Y"
DATETIME_FORMAT = "%b %-d, %Y %-I:%M %p"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _date_text(d) -> str:
    """``d`` as DATE_FORMAT writes it ("Dec 7, 2026"), without ``strftime`` (about 12 µs a call here,
    and a list page formats a date or two per row)."""
    return f"{_MONTHS[d.month - 1]} {d.day}, {d.year}"


def local_dt(dt, fmt: str = DATETIME_FORMAT) -> str:
    value = clock.local(dt)
    if not value:
        return "—"
    if fmt == DATETIME_FORMAT:
        hour = value.hour % 12 or 12
        text = f"{_date_text(value)} {hour}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"
    else:
        text = value.strftime(fmt)
    return text + " " + value.tzname()


def local_date(d, fmt: str = DATE_FORMAT) -> str:
    if d is None:
        return "—"
    if hasattr(d, "tzinfo"):
        d = clock.local(d)
    return _date_text(d) if fmt == DATE_FORMAT else d.strftime(fmt)


def init_app(app: Flask) -> None:
    from app.core.markdown import render as render_markdown

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["local_dt"] = local_dt
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.globals["today"] = clock.today
    from app.core.once import submission_field

    app.jinja_env.globals["submission_field"] = submission_field  # inside every create form (app.core.once)
    from app.core.urls import id_urls

    app.jinja_env.globals["id_urls"] = id_urls  # a list's row addresses from one url_for a page

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
