"""Changed papers reach the index through the index queue (or at once, or not at all)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def index_changed_papers(sender: Any, paper_ids: list[str], **kwargs: Any) -> None:
    mode = settings.SEARCH_AUTO_INDEX
    if mode == "celery":
        from coolpapers.jobs.sending import send_or_leave_to_sweep
        from search.tasks import index_papers_task

        # A broker outage must not fail the job whose batch is stored: repair_index catches up.
        send_or_leave_to_sweep(index_papers_task, [list(paper_ids)], "index update")
    elif mode == "sync":
        from search.indexing import index_papers

        index_papers(paper_ids)
