"""GET/POST /api/papers/<id>/faq: 404 until asked, 202 with a status URL while written, 200
with the stored answer; 429 over budget, 503 without a model; in the OpenAPI schema."""

from __future__ import annotations

import pytest

from coolpapers.faq import services
from coolpapers.llm import base, budget
from tests.faq.conftest import ANSWER

pytestmark = pytest.mark.django_db


def test_the_api_codes(client, papers, llm) -> None:
    url = f"/api/papers/{papers[0].arxiv_id}/faq"
    assert client.get(url).status_code == 404
    assert client.get(f"{url}?lang=fr").status_code == 400
    assert client.get("/api/papers/nonsense/faq").status_code == 400
    assert client.get("/api/papers/2501.99999/faq").status_code == 404

    response = client.post(f"{url}?lang=en")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["status_url"].endswith(f"{url}?lang=en")
    assert client.get(url).status_code == 202
    assert client.post(url).status_code == 202  # asked twice: still one FAQ

    services.run_next()
    response = client.get(url)
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "done" and data["markdown"] == ANSWER.strip()
    assert data["html"].startswith("<h2>") and data["model"]
    assert (data["prompt_tokens"], data["completion_tokens"]) == (321, 54)
    assert data["generated_at"] and data["language"] == "en"
    assert client.post(url).status_code == 200  # stored: at once
    assert len(llm.requests) == 1


def test_budget_and_no_model(client, papers, llm, settings) -> None:
    url = f"/api/papers/{papers[0].arxiv_id}/faq"
    settings.LLM_DAILY_TOKENS = 5
    budget.record("someone", base.Usage(5, 0))
    response = client.post(url)
    assert response.status_code == 429 and "budget" in response.json()["detail"]
    settings.LLM_DAILY_TOKENS = 0
    settings.LLM_API_URL = ""
    from coolpapers.llm import local

    if not local.available():
        response = client.post(url)
        assert response.status_code == 503 and "not configured" in response.json()["detail"]


def test_in_the_schema(client, db) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operations = schema["paths"]["/api/papers/{id}/faq"]
    assert set(operations) >= {"get", "post"}
    assert {"200", "202", "404"} <= set(operations["get"]["responses"])
    assert {"202", "429", "503"} <= set(operations["post"]["responses"])
