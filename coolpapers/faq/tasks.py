"""The FAQ's Celery tasks, routed to the `llm` queue (settings.CELERY_TASK_ROUTES)."""

from __future__ import annotations

from celery import shared_task

from coolpapers.faq import batch, services


@shared_task(name="faq.generate", acks_late=True, reject_on_worker_lost=True)
def generate(faq_id: int | None = None) -> str:
    """A turn of work: answer the most urgent waiting FAQ (services.run_next). Acknowledged
    late, so a message whose worker died is delivered again; a second copy for a row another
    worker holds finds nothing to take and ends. Staff's batches that asked for the FAQ
    count it."""
    outcome = services.run_next()
    if outcome.faq_id is not None and outcome.status in ("done", "failed"):
        batch.refresh_for(outcome.faq_id)
    return f"{outcome.faq_id}: {outcome.status}"


@shared_task(name="faq.batch", acks_late=True, reject_on_worker_lost=True)
def run_batch(job_id: int) -> str:
    """Staff's batch: request every FAQ of a day's list (batch.run)."""
    return batch.run(job_id)


def start_batch(job) -> None:
    batch.start(job, lambda job_id: run_batch.delay(job_id))
