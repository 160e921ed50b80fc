"""schemathesis on the feed API (ratings, For you, read marks) with a reader's token, so the
generated requests reach the handlers (the site-wide fuzz test sends none and gets 401s):
no 5xx, and every response as the schema describes it."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode, checks

from coolpapers.wsgi import application
from tests.fuzz.test_api_schema import keep_test_connection, no_rate_limits  # noqa: F401
from tests.personal.foryou_support import *  # noqa: F403 (its fixtures)

FEED = {"/api/ratings", "/api/ratings/{id}", "/api/for-you", "/api/read/{id}"}
EXAMPLES = 40


@pytest.mark.django_db
@pytest.mark.usefixtures("no_rate_limits", "keep_test_connection", "own_cache")
def test_the_feed_api_answers_generated_requests_as_documented(papers, reader, profile):
    token = Token.objects.create(user=reader).key
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    sent: Counter[str] = Counter()
    operations = [
        op for op in (result.ok() for result in schema.get_all_operations()) if op.path in FEED
    ]
    assert {op.path for op in operations} == FEED
    for operation in operations:
        # Invalid requests where the schema constrains something: query parameters or a body.
        modes = [GenerationMode.POSITIVE]
        if operation.body or any(p.location.value == "query" for p in operation.iter_parameters()):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis_settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def fuzz(case: schemathesis.Case) -> None:
                sent[case.operation.label] += 1
                response = case.call(
                    headers={"Accept-Encoding": "identity", "Authorization": f"Token {token}"}
                )
                case.validate_response(
                    response, excluded_checks=[checks.positive_data_acceptance, checks.ignored_auth]
                )

            fuzz()
    assert len(sent) == 6 and min(sent.values()) >= 5, sent
