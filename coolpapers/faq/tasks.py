"""The FAQ's Celery task, routed to the `llm` queue (settings.CELERY_TASK_ROUTES)."""

from __future__ import annotations

from celery import shared_task

from coolpapers.faq import services


@shared_task(name="faq.generate", acks_late=True, reject_on_worker_lost=True)
def generate(faq_id: int | None = None) -> str:
    """A turn of work: answer the most urgent waiting FAQ (services.run_next). Acknowledged
    late, so a message whose worker died is delivered again; a second copy for a row another
    worker holds finds nothing to take and ends."""
    outcome = services.run_next()
    return f"{outcome.faq_id}: {outcome.status}"
