"""Checked by tools nobody here wrote: schemathesis generates requests from the OpenAPI document for every
operation (a few hundred in all, on the demo data) and sends them to the app through its WSGI runner; no
answer may be a 5xx, carry a status the document does not list, or break the document's schema, content
type or headers. (openapi-spec-validator checks the document itself: tests/api/test_api.py.)"""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
# Cases per operation: valid requests, then requests that break the document (wrong types, out of range...).
EXAMPLES = {schemathesis.GenerationMode.POSITIVE: 45, schemathesis.GenerationMode.NEGATIVE: 25}


def test_every_operation_against_its_document(ctx, app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 3
    sent = []
    for operation in operations:
        for mode, examples in EXAMPLES.items():
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            def run(case):
                response = case.call_and_validate(checks=CHECKS)
                sent.append((case.operation.label, response.status_code))

            run()
    statuses = {status for _, status in sent}
    assert len(sent) >= 200 and 200 in statuses and 422 in statuses, (len(sent), statuses)
