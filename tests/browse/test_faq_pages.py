"""The FAQ's pages: the [FAQ] action on cards, the paper page's section, the FAQ page in each
state (not asked, queued, generating, done, failed, not configured, over budget), never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from coolpapers.faq import services
from coolpapers.faq.models import FAQ, FaqStatus
from coolpapers.llm import base, budget
from tests.faq import conftest as faq_fixtures
from tests.faq.conftest import Step

# The FAQ's fixtures: real papers, the scripted chat server and the site pointed at it.
papers = faq_fixtures.papers
scripted = faq_fixtures.scripted
llm = faq_fixtures.llm

pytestmark = pytest.mark.django_db


def page(client, paper, lang="en", **kwargs):
    return client.get(f"/arxiv/{paper.arxiv_id}/faq?lang={lang}", **kwargs)


def test_cards_and_the_paper_page_link_to_the_faq(client, papers, llm) -> None:
    paper = papers[0]
    listing = client.get(f"/arxiv/{paper.primary_category_id}")
    assert f'href="/arxiv/{paper.arxiv_id}/faq"' in listing.content.decode()
    html = client.get(f"/arxiv/{paper.arxiv_id}").content.decode()
    assert 'class="action action-faq"' in html and 'id="faq-heading"' in html
    assert f'hx-get="/arxiv/{paper.arxiv_id}/faq/fragment?embed=1"' in html


def test_asking_then_reading(client, papers, llm) -> None:
    paper = papers[0]
    html = page(client, paper).content.decode()
    # Not asked yet: a form that JavaScript posts at once (a crawler following the link spends
    # nothing), and the page is not for search engines.
    assert 'hx-trigger="load, submit"' in html and 'name="csrfmiddlewaretoken"' in html
    assert page(client, paper)["X-Robots-Tag"] == "noindex"
    assert not FAQ.objects.exists()

    response = client.post(f"/arxiv/{paper.arxiv_id}/faq", {"lang": "en"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'class="faq-answer faq-live"' in text and 'hx-trigger="every 1s"' in text
    assert "Queued" in text
    faq = FAQ.objects.get()
    # Without JavaScript the page reloads itself while the answer is written.
    assert '<noscript><meta http-equiv="refresh"' in page(client, paper).content.decode()

    # Being written: the settled part shows, and the poller goes on.
    owner = services.claim()[1]
    services._save(faq, owner, markdown="## Q\n\nSo $x$ and $y", html="<h2>Q</h2><p>So …</p>")
    FAQ.objects.filter(pk=faq.pk).update(model="m-1")
    text = client.get(f"/arxiv/{paper.arxiv_id}/faq/fragment?lang=en").content.decode()
    assert "Being written by m-1" in text and 'hx-trigger="every 1s"' in text
    FAQ.objects.filter(pk=faq.pk).update(lease_expires=timezone.now() - timedelta(seconds=1))

    assert services.run_next().status == FaqStatus.DONE
    response = page(client, paper)
    text = response.content.decode()
    assert response.status_code == 200 and "X-Robots-Tag" not in response
    assert "hx-trigger" not in text.split('id="faq-answer"')[1].split(">")[0]  # polling stops
    assert 'class="faq-body tex notranslate" translate="no" lang="en"' in text
    assert '<span class="math notranslate" translate="no">' in text
    assert "&lt;script&gt;" in text and 'href="javascript' not in text
    assert "375 tokens" in text and "abstract" in text
    assert "http-equiv" not in text
    # Chinese is another answer, not yet asked for.
    assert 'hx-trigger="load, submit"' in page(client, paper, "zh-hans").content.decode()


def test_interface_language_picks_the_answers_language(client, papers, llm) -> None:
    html = client.get(
        f"/arxiv/{papers[0].arxiv_id}/faq", HTTP_ACCEPT_LANGUAGE="zh-Hans"
    ).content.decode()
    assert 'name="lang" value="zh-hans"' in html


def test_a_failure_says_so_with_a_retry(client, papers, llm) -> None:
    llm.script(Step(status=500, body=b"{}"))
    services.request(papers[0], "en", "1.2.3.4")
    services.run_next()
    text = page(client, papers[0]).content.decode()
    assert 'role="alert"' in text and "Retry" in text
    assert 'hx-trigger="load, submit"' not in text  # no automatic retry loop


def test_not_configured(client, papers, settings) -> None:
    settings.LLM_API_URL = ""
    from coolpapers.llm import local

    if local.available():
        pytest.skip("the local model is installed here")
    response = page(client, papers[0])
    assert response.status_code == 200
    assert "not configured" in response.content.decode()
    assert "<form" not in response.content.decode().split('id="faq-answer"')[1]
    response = client.post(f"/arxiv/{papers[0].arxiv_id}/faq", {"lang": "en"})
    assert response.status_code == 503 and "not configured" in response.content.decode()
    assert client.get(f"/arxiv/{papers[0].arxiv_id}").status_code == 200


def test_over_budget_is_a_clear_message(client, papers, llm, settings) -> None:
    settings.LLM_DAILY_TOKENS = 10
    budget.record("x", base.Usage(10, 1))
    response = client.post(f"/arxiv/{papers[0].arxiv_id}/faq", {"lang": "en"})
    assert response.status_code == 429
    assert "budget" in response.content.decode() and "Retry" in response.content.decode()
    htmx = client.post(f"/arxiv/{papers[0].arxiv_id}/faq", {"lang": "en"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and 'role="alert"' in htmx.content.decode()


def test_bad_ids(client, db) -> None:
    assert client.get("/arxiv/2501.99999/faq").status_code == 404
    assert client.get("/arxiv/arXiv:2501.99999v2/faq").status_code == 301
