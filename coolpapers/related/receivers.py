"""Changed papers get keywords and related papers in a Celery task (or at once, or not at all).

RELATED_AUTO: "celery" (default), "sync" (in the ingesting process), "off".
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def relate_changed_papers(sender: Any, paper_ids: list[str], **kwargs: Any) -> None:
    mode = settings.RELATED_AUTO
    if mode == "celery":
        from coolpapers.jobs.sending import send_or_leave_to_sweep
        from coolpapers.related.tasks import update_related_task

        # A broker outage must not fail the job whose batch is stored: repair_related
        # catches up.
        send_or_leave_to_sweep(update_related_task, [list(paper_ids)], "related update")
    elif mode == "sync":
        from coolpapers.related.services import update_papers

        update_papers(paper_ids)
