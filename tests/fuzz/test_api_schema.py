"""schemathesis against the site's own OpenAPI schema (/api/schema/), in-process through the
WSGI application: every generated request gets no 5xx and a response the schema describes.

Bounded: FUZZ_EXAMPLES requests per operation, for valid and for invalid parameters, at least
MIN_REQUESTS in all (about 750, some 20 s on two cores).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode, checks

from coolpapers.wsgi import application

FUZZ_EXAMPLES = 150
MIN_REQUESTS = 500


@pytest.fixture
def no_rate_limits(settings) -> None:
    """The fuzzer sends hundreds of requests from one address: lift the throttles (a 429
    would be valid, but would hide the handlers behind it)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000000/min", "user": "1000000/min"},
    }


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """Requests go straight to the WSGI application, which would close the test's database
    connection after each one (Django's test client switches that off the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_generated_requests_get_no_5xx_and_match_the_schema(
    index, no_rate_limits, keep_test_connection
):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    sent: Counter[str] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {
        "GET /api/search",
        "GET /api/papers/",
        "GET /api/papers/{id}",
        "GET /api/categories/",
    }
    for operation in operations:
        # Valid requests, then invalid ones (which must be refused with a 4xx) where the schema
        # constrains something: query parameters (a path id is any string, so never invalid).
        modes = [GenerationMode.POSITIVE]
        if any(p.location.value == "query" for p in operation.iter_parameters()):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis_settings(
                max_examples=FUZZ_EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def fuzz(case: schemathesis.Case) -> None:
                sent[f"{case.operation.label} {case.meta.generation.mode.value}"] += 1
                # The WSGI transport does not undo gzip as an HTTP client does: ask for none.
                response = case.call(headers={"Accept-Encoding": "identity"})
                # A query language cannot be described by a schema: valid-looking input such as
                # an unknown field or category is a 400 naming the parameter, as documented.
                case.validate_response(response, excluded_checks=[checks.positive_data_acceptance])

            fuzz()
    assert sum(sent.values()) >= MIN_REQUESTS, sent
