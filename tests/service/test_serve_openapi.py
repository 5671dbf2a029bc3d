"""Schemathesis against the served OpenAPI document: bad input is a 4xx, never a 500.

The service runs on a loopback port (paced at real time, so nothing a
generated request asks for can flood it); every operation but the event
stream (it is endless when followed) and the clock (pausing it would hold
later submissions undecided) gets generated valid and invalid calls, and
every response is checked against the document: no server error, a
documented status code and content type, a body matching its schema, and
invalid data refused. One check is left out: that any schema-valid body is
accepted. A body can satisfy the document and still ask for the impossible
(a node the data center lacks, a pair from a node to itself); the service
refuses those with a 422 naming the field, as it should.

Every call carries the operator's token (a generated one would only be
refused at the door, 401, and nothing behind it checked); tokens, roles and
quotas have their own tests (test_serve_tenants.py).
"""

from __future__ import annotations

import hypothesis
import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance
from service_fixtures import OPERATOR_TOKEN, serving

#: Generated calls per operation (valid and invalid data alike).
EXAMPLES = 40


def test_api_answers_every_call_within_its_document(tmp_path):
    checked, statuses = [], []
    with serving(f"sqlite:///{tmp_path / 'journal.db'}", mode="paced", pace=1.0) as (_, client):
        schema = (schemathesis.openapi.from_url(f"{client.base_url}/openapi.json")
                  .exclude(path="/v1/events").exclude(path="/v1/clock", method="PATCH"))
        for result in schema.get_all_operations():
            operation = result.ok()

            @hypothesis.given(case=operation.as_strategy())
            @hypothesis.settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                                 database=None, suppress_health_check=list(
                                     hypothesis.HealthCheck))
            def call(case):
                if case.query and "wait" in case.query:
                    # Bounded wall time: a generated wait of a minute would only be slow.
                    case.query["wait"] = 0.2
                case.headers = {**(case.headers or {}),
                                "Authorization": f"Bearer {OPERATOR_TOKEN}"}
                response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
                statuses.append(response.status_code)

            call()
            checked.append(operation.label)
    assert len(checked) >= 10, checked
    # Both kinds of data were sent: accepted calls and refused ones.
    assert any(200 <= code < 300 for code in statuses)
    assert sum(400 <= code < 500 for code in statuses) >= 20
    assert not [code for code in statuses if code >= 500]
