"""train_profile on a real Celery worker (the "profiles" queue, the embedded on-disk broker):
a rating's training arrives in the database, and a second task of the same burst skips."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from coolpapers.library.models import Collection, Rating
from coolpapers.ranking import profiles
from coolpapers.ranking.models import ProfileModel
from coolpapers.ranking.tasks import train_profile
from coolpapers.related import services
from tests.conftest import SAMPLE, stop_process_group
from tests.workers import filesystem_broker, producer, start_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_training_runs_on_a_real_worker(tmp_path, settings):
    call_command("ingest_arxiv", str(SAMPLE), verbosity=0)
    data = tmp_path / "data"
    settings.RELATED_MODEL_DIR = str(data / "related")  # the worker's, from its data dir
    services.build_model()
    user = get_user_model().objects.create_user("w", "w@example.org", "pw-12345678")
    profile = Collection.objects.create(owner=user, name="Diffusion")
    for pid in ("2503.11905", "2503.12015"):
        Rating.objects.create(collection=profile, paper_id=pid, value=Rating.UP)
    requested = time.time()
    log = tmp_path / "worker.log"
    worker = start_worker(
        log, queues="profiles", env={"COOLPAPERS_DATA_DIR": str(data), "REDIS_URL": ""}
    )
    try:
        with producer(options=filesystem_broker(data)) as sender:
            train_profile.apply_async(args=[profile.pk, requested], producer=sender)
            wait_for(
                lambda: ProfileModel.objects.filter(collection=profile).exists(), "a model", log
            )
            first = ProfileModel.objects.get(collection=profile)
            train_profile.apply_async(args=[profile.pk, requested], producer=sender)
            wait_for(lambda: log.read_text().count("succeeded") >= 2, "the second task", log)
    finally:
        stop_process_group(worker)
    again = ProfileModel.objects.get(collection=profile)
    assert again.trained_at == first.trained_at  # covered by the first training
    assert first.positives == 2 and first.random_negatives > 0
    # The stored model ranks: its scores carry its intercept (the cold start's have none).
    ranked = profiles.rank(profile, ["2503.11685", "2503.12049", "2604.21954"])
    assert {s.arxiv_id for s in ranked} == {"2503.11685", "2503.12049", "2604.21954"}
    assert all(s.score != 0 for s in ranked)
