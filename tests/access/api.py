"""Access matrix for the open API (``/api/v1/...``): read-only, public, the same answer for every persona
(anonymous included); a bad parameter is 422 for everyone, an unknown address 404 (JSON, never HTML)."""
from __future__ import annotations

from tests.access import Case

CASES = [
    Case("api.learning_summaries", lambda w: "/api/v1/learning-summaries", public=True, default=200),
    Case("api.learning_summaries", lambda w: "/api/v1/learning-summaries?year=nonsense", public=True, default=422,
         label="bad-parameter"),
    Case("api.pl_opportunities", lambda w: "/api/v1/pl-opportunities?past=true", public=True, default=200),
    Case("api.pl_opportunities", lambda w: "/api/v1/pl-opportunities?cost=expensive", public=True, default=422,
         label="bad-parameter"),
    # The standard world has no needs survey opened: 404 with its reason, for everyone.
    Case("api.priorities", lambda w: "/api/v1/priorities", public=True, default=404),
    Case("api.priorities", lambda w: "/api/v1/priorities?school=0", public=True, default=422, label="bad-parameter"),
    Case("api.openapi", lambda w: "/api/v1/openapi.json", public=True, default=200),
    Case("api.docs", lambda w: "/api/v1/docs", public=True, default=200),
]
