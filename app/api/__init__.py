"""The open API: ``GET /api/v1/...`` JSON for what the public pages already show (published learning
summaries, the PL catalog, the ranked priorities over the privacy threshold), its OpenAPI 3.1 document
(written by spectree from the views and the pydantic models) and its reference page."""
