"""The one spectree instance: it checks each API view's query against its pydantic model, checks each
answer against its response model, and writes the OpenAPI 3.1 document from those views (``mode="strict"``:
only the views it decorates; the site's HTML pages are not part of the API)."""
from __future__ import annotations

from spectree import Response, SpecTree

from app.api import problems
from app.api.schemas import Problem

TITLE = "Teacher Leadership Fund: open API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Read-only JSON for what the public pages of the Teacher Leadership Fund already show: the published "
    "learning summaries of the gallery, the PL catalog and the ranked learning priorities over the needs "
    "survey's privacy threshold. No sign-in, no key. Lists are paged (`page`; `links` and `paging.total` "
    "in each answer) and take the same filters as their pages. Answers carry an `ETag`: send it back in "
    "`If-None-Match` and an unchanged answer is `304 Not Modified` with no body. A refused parameter is "
    "`422` with each parameter's reason; an unknown address `404`, both as JSON."
)

spec = SpecTree(
    "flask", mode="strict", title=TITLE, version=VERSION, description=DESCRIPTION,
    path="api/v1/_spectree",  # spectree's own routes are never registered: the API blueprint serves the document
    # Schemas named as in the code (spectree's default adds a hash of the module); our names are unique.
    naming_strategy=lambda model: model.__name__, nested_naming_strategy=lambda _parent, child: child,
    before=problems.spectree_before, validation_error_model=Problem, validation_error_status=422,
)


def answers(model, *, not_found: bool = False) -> Response:
    """An operation's answers: ``model`` (200), 304 to a matching ``If-None-Match``, 422 with the reasons
    (and 404 when what it reads may not exist yet)."""
    if not_found:
        return Response("HTTP_304", HTTP_200=model, HTTP_404=Problem, HTTP_422=Problem)
    return Response("HTTP_304", HTTP_200=model, HTTP_422=Problem)
