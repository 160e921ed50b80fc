"""Beat's dispatcher in a real Celery worker: it sends the chunks to the workers, which rank
and mail each profile's day through the SMTP server; a second run and a redelivered chunk
send nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from coolpapers.digests.models import Delivery, Dispatch
from coolpapers.digests.tasks import dispatch_digests, send_digest_chunk
from coolpapers.library.models import Collection
from tests.conftest import stop_process_group
from tests.digests.conftest import SMTP_PORT, announce_today, make_reader
from tests.workers import filesystem_broker, producer, start_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_dispatcher_and_chunks_in_a_worker(tmp_path: Path, smtp, related, settings) -> None:
    day = announce_today(20)
    readers = [make_reader(f"r{i}", size=3) for i in range(5)]
    # r0's profile starts from keywords: ranked by them, each paper with its why.
    Collection.objects.filter(pk=readers[0][1].pk).update(keywords="image, segmentation")
    data = tmp_path  # the `related` fixture's model lives in tmp_path/related, as DATA_DIR has it
    options = filesystem_broker(data)
    env = {
        "COOLPAPERS_DATA_DIR": str(data),
        "REDIS_URL": "",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(SMTP_PORT),
        "EMAIL_USE_TLS": "false",
        "SEARCH_BACKEND": "whoosh",
    }
    log = tmp_path / "worker.log"
    worker = start_worker(log, queues="celery", concurrency=2, env=env)
    try:
        with producer(options=options) as sender:
            dispatch_digests.apply_async(producer=sender)
        wait_for(lambda: len(smtp.messages) == 5, "five digests", log, timeout=120)
        assert Dispatch.objects.get(day=day).profiles == 5

        # Beat's next run, and a chunk delivered again: nothing more is sent.
        with producer(options=options) as sender:
            dispatch_digests.apply_async(producer=sender)
            ids = [profile.pk for _, profile in readers]
            send_digest_chunk.apply_async(args=[day.isoformat(), ids], producer=sender)
        wait_for(lambda: log.read_text().count("succeeded") >= 4, "the reruns", log, 60)
    finally:
        stop_process_group(worker)
    assert len(smtp.messages) == 5
    assert sorted(r[0] for r in smtp.recipients) == [f"r{i}@example.org" for i in range(5)]
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.SENT}
    for message in smtp.messages:
        assert message.get_body(("plain",)).get_content().count("127.0.0.1:8000/arxiv/") == 3
    # Ranked by the profile (coolpapers.ranking): the words that weighed most are in the mail.
    text = smtp.to("r0@example.org")[0].get_body(("plain",)).get_content()
    assert text.count("Why: ") == 3
