"""The API's refusals as JSON (``app.api.schemas.Problem``): the same shape for a refused parameter (422),
an address that names nothing (404) and any other error under ``/api/``, so a client never has to read HTML."""
from __future__ import annotations

from flask import abort, current_app

from app.api.schemas import Problem, ProblemItem

PREFIX = "/api/"


def response(status: int, title: str, detail: str, errors: list[tuple[str, str]] = ()):
    body = Problem(status=status, title=title, detail=detail,
                   errors=[ProblemItem(parameter=p, message=m) for p, m in errors])
    resp = current_app.response_class(body.model_dump_json(), status=status, mimetype="application/json")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def refuse(errors: list[tuple[str, str]], status: int = 422):
    """Stop the request with the parameters' problems (parameter, message)."""
    names = ", ".join(dict.fromkeys(p for p, _ in errors))
    abort(response(status, "Invalid parameters", f"Check these parameters: {names}.", errors))


def not_found(detail: str):
    abort(response(404, "Not found", detail))


def spectree_before(req, resp, error, instance, adapter) -> None:
    """spectree's hook after it checked the query: a refusal in our shape, each parameter with its message."""
    if error is not None:
        refuse([(".".join(str(part) for part in e["loc"]) or "query", e["msg"]) for e in error.errors()])
