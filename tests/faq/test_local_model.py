"""End to end with the real local model (llama.cpp's server running SmolLM2-135M, the
`local-llm` extra): a request, the Celery task's body, a stored answer naming the model and
its tokens, then the next reader served from the row with nothing generated again."""

from __future__ import annotations

import time

import pytest

from coolpapers.faq import services, tasks
from coolpapers.faq.models import FAQ, FaqStatus
from coolpapers.llm import budget

pytestmark = pytest.mark.django_db


def test_a_faq_from_the_real_local_model(
    client, papers, local_model, settings, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    settings.LLM_API_URL = local_model.url
    settings.LLM_API_KEY = ""
    settings.LLM_MODEL = local_model.model
    monkeypatch.setattr(services, "MAX_TOKENS", 64)  # a start of the answers, fast on 2 cores
    paper = papers[0]
    url = f"/arxiv/{paper.arxiv_id}/faq"

    with django_capture_on_commit_callbacks() as sent:
        response = client.post(url, {"lang": "en"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and len(sent) == 1
    started = time.monotonic()
    assert tasks.generate(FAQ.objects.get().pk).endswith("done")  # what the worker runs
    seconds = time.monotonic() - started

    faq = FAQ.objects.get()
    assert faq.status == FaqStatus.DONE and faq.model == local_model.model
    assert faq.completion_tokens > 0 and faq.prompt_tokens > 100
    assert faq.markdown.strip() and faq.html.strip()
    assert "<script" not in faq.html
    assert budget.usage_today()["total_tokens"] == faq.prompt_tokens + faq.completion_tokens
    print(f"local model: {faq.completion_tokens} tokens in {seconds:.1f} s")

    # The next reader: the stored answer at once, no new message.
    with django_capture_on_commit_callbacks() as sent:
        page = client.get(url)
        again = client.post(url, {"lang": "en"})
    assert not sent and again.status_code == 302
    text = page.content.decode()
    assert local_model.model in text and "tokens" in text and "faq-meta" in text
    api = client.get(f"/api/papers/{paper.arxiv_id}/faq").json()
    assert api["model"] == local_model.model and api["completion_tokens"] == faq.completion_tokens
    assert FAQ.objects.count() == 1
