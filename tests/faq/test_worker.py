"""Real Celery workers on the `llm` queue (as `make run` starts them): a FAQ sent twice is
generated once; the worker killed (SIGKILL) mid-answer leaves the row `generating` under a
lease that lapses, beat's sweep finds it, and a restarted worker answers it from the start,
once, with nothing of the half answer kept."""

from __future__ import annotations

import os
import signal

import pytest

from coolpapers.faq import services
from coolpapers.faq.models import FAQ, FaqStatus
from coolpapers.faq.tasks import generate
from coolpapers.papers.models import Paper
from tests.browse.conftest import SAMPLE, ingest
from tests.conftest import stop_process_group
from tests.faq.conftest import ANSWER, Step, answer_stream
from tests.workers import filesystem_broker, producer, start_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_killed_worker_mid_answer_completes_once_after_restart(tmp_path, scripted) -> None:
    ingest(SAMPLE)
    paper = Paper.objects.order_by("arxiv_id").first()
    body = answer_stream()
    # The first answer stalls halfway (the worker is killed there); the second one flows.
    scripted.script(Step(body=body, pause=120, pause_after=len(body) // 2), Step(body=body))
    data = tmp_path / "data"
    options = filesystem_broker(data)
    env = {
        "COOLPAPERS_DATA_DIR": str(data),
        "REDIS_URL": "",
        "LLM_API_URL": scripted.url,
        "LLM_API_KEY": "test",
        "LLM_MODEL": "scripted-model",
        "LLM_MAX_RETRIES": "0",
        "LLM_TIMEOUT": "300",
        "FAQ_LEASE_SECONDS": "3",
        "FAQ_SAVE_INTERVAL": "0.2",
    }
    faq = FAQ.objects.create(paper=paper, version=paper.version, language="en")
    log = tmp_path / "worker.log"
    worker = start_worker(log, queues="llm", concurrency=2, env=env)
    try:
        with producer(options=options) as sender:
            # Sent twice (a redelivery, a request and the sweep): two processes take them.
            generate.apply_async(args=[faq.pk], producer=sender)
            generate.apply_async(args=[faq.pk], producer=sender)

        def row() -> FAQ:
            return FAQ.objects.get(pk=faq.pk)

        wait_for(lambda: row().markdown != "", "the first part of the answer", log)
        half = row()
        assert half.status == FaqStatus.GENERATING and ANSWER.startswith(half.markdown)
        wait_for(lambda: "idle" in log.read_text(), "the second copy to find nothing", log)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=20)
        assert row().status == FaqStatus.GENERATING  # no half answer stored as done

        worker = start_worker(log, queues="llm", concurrency=1, env=env)
        # What beat's sweep (ops.tasks.resume_stranded_jobs) finds once the lease lapses.
        wait_for(lambda: services.stranded().filter(pk=faq.pk).exists(), "the lapse", log)
        with producer(options=options) as sender:
            for _ in range(services.stranded().count()):
                generate.apply_async(producer=sender)
        wait_for(lambda: row().status == FaqStatus.DONE, "the answer after restart", log, 60)
    finally:
        stop_process_group(worker)
    done = row()
    assert done.markdown == ANSWER.strip() and done.attempts == 2
    assert (done.prompt_tokens, done.completion_tokens) == (321, 54)
    assert done.html.count('<span class="math') == 3
    assert len(scripted.requests) == 2  # the killed run and the one that finished
    assert FAQ.objects.count() == 1
