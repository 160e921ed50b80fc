"""Stored results: compute_related --sync stores twenty related papers per paper, is
idempotent, finds stale results; ingestion triggers the work as RELATED_AUTO says."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from coolpapers.papers.models import Paper
from coolpapers.related import services, store
from coolpapers.related.models import PaperKeywords, RelatedPaper
from coolpapers.related.tasks import update_related_task
from tests.conftest import SAMPLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def ingested(model_dir) -> int:
    call_command("ingest_arxiv", str(SAMPLE), verbosity=0)
    return Paper.objects.count()


def compute(*args: str) -> str:
    out = StringIO()
    call_command("compute_related", "--sync", *args, stdout=out, verbosity=0)
    return out.getvalue()


def stored_lists() -> set[tuple[str, str, int, float]]:
    return set(RelatedPaper.objects.values_list("paper_id", "related_id", "rank", "score"))


def assert_complete(count: int) -> None:
    version = store.current_version()
    assert RelatedPaper.objects.count() == 20 * count
    for paper in Paper.objects.all():
        links = list(RelatedPaper.objects.filter(paper=paper).order_by("rank"))
        assert [link.rank for link in links] == list(range(1, 21))
        assert paper.pk not in {link.related_id for link in links}
        scores = [link.score for link in links]
        assert scores == sorted(scores, reverse=True)
        state = PaperKeywords.objects.get(paper=paper)
        assert state.model_version == version and state.content_hash == paper.content_hash
        assert 1 <= len(state.keywords) <= 10
    assert services.stale_ids() == []


def test_compute_related_sync_stores_twenty_related_papers_each(ingested):
    assert services.stale_ids() == sorted(Paper.objects.values_list("pk", flat=True))
    out = compute()
    assert f"Related papers of {ingested} papers" in out
    assert_complete(ingested)


def test_recomputing_is_idempotent(ingested):
    compute()
    lists, keywords = stored_lists(), dict(PaperKeywords.objects.values_list("pk", "keywords"))
    ids = set(RelatedPaper.objects.values_list("pk", flat=True))
    assert "Related papers of 0 papers" in compute()  # nothing stale: nothing rewritten
    assert set(RelatedPaper.objects.values_list("pk", flat=True)) == ids
    # Everything changed today, in chunks of 7: the same lists again.
    assert f"of {ingested} papers" in compute(
        "--since", date.today().isoformat(), "--workers-chunk", "7"
    )
    assert stored_lists() == lists
    # A rebuilt model of the same papers gives the same lists under a new version.
    version = store.current_version()
    compute("--all")
    assert store.current_version() != version
    assert stored_lists() == lists
    assert dict(PaperKeywords.objects.values_list("pk", "keywords")) == keywords
    assert_complete(ingested)


def test_a_changed_paper_is_stale_and_recomputed_alone(ingested):
    compute()
    paper = Paper.objects.get(pk="2503.11685")  # CORDIC Is All You Need
    donor = Paper.objects.get(pk="2503.11750")  # jailbreaking vision-language models
    before = PaperKeywords.objects.get(paper=paper).keywords
    Paper.objects.filter(pk=paper.pk).update(abstract=donor.abstract, content_hash="0" * 40)
    assert services.is_stale(paper.pk) and not services.is_stale(donor.pk)
    assert services.stale_ids() == [paper.pk]
    assert "Related papers of 1 papers" in compute()
    after = PaperKeywords.objects.get(paper=paper)
    assert after.content_hash == "0" * 40 and after.keywords != before
    assert RelatedPaper.objects.get(paper=paper, rank=1).related_id == donor.pk
    assert store.current_model().added_rows == 1  # a new row under the same model version
    assert_complete(ingested)


def test_sync_ingestion_computes_and_rebuilds_after_five_percent_new_papers(
    settings, model_dir, django_capture_on_commit_callbacks
):
    settings.RELATED_AUTO = "sync"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest_arxiv", str(SAMPLE), "--batch-size", "40", verbosity=0)
    # The first batch built a model of 40 papers; 26 more are over 5%: rebuilt with all 66.
    model = store.current_model()
    assert model.base_rows == 66 and model.added_rows == 0
    assert not (model_dir / store.REBUILD_MARKER).exists()
    assert_complete(66)


def test_celery_mode_queues_each_ingested_batch(
    settings, model_dir, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(update_related_task, "apply_async", lambda args, **kw: sent.append(args[0]))
    settings.RELATED_AUTO = "celery"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest_arxiv", str(SAMPLE), "--batch-size", "40", verbosity=0)
    assert [len(batch) for batch in sent] == [40, 26]
    settings.RELATED_AUTO = "off"
    Paper.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest_arxiv", str(SAMPLE), verbosity=0)
    assert len(sent) == 2 and not PaperKeywords.objects.exists()


def test_results_for_pages_and_deleted_papers(ingested):
    compute()
    related = services.related_papers("2503.11750", limit=5)
    assert [r.rank for r in related] == [1, 2, 3, 4, 5]
    assert all(isinstance(r.paper, Paper) and r.score > 0 for r in related)
    keywords = services.keywords_for(["2503.11750", "2503.11685", "no-such-paper"])
    assert set(keywords) == {"2503.11750", "2503.11685"}
    assert {"attack", "adversarial"} <= set(keywords["2503.11750"])
    gone = related[0].paper.pk
    Paper.objects.filter(pk=gone).delete()
    assert not RelatedPaper.objects.filter(related_id=gone).exists()
    assert len(services.related_papers("2503.11750")) == 19


def test_each_process_picks_up_rows_and_models_other_processes_write(ingested):
    compute()
    mine = store.current_model()
    # Another worker process: its own copy of the model, adding a changed paper's row.
    other = store.load_model(mine.version)
    paper = Paper.objects.get(pk="2503.11685")
    text = services.paper_texts([paper.pk])[0]
    store.add_rows(other, [paper.pk], ["other"], other.weigh([text.analyze()]))
    assert store.current_model() is mine and mine.added_rows == 1
    assert mine.hashes[mine.row_of[paper.pk]] == "other"
    # A rebuild elsewhere: the next look loads the new version.
    rebuilt = services.build_model()
    assert store.current_model() is rebuilt and rebuilt.version != mine.version
