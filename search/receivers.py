"""Changed papers reach the index through the index queue (or at once, or not at all)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def index_changed_papers(sender: Any, paper_ids: list[str], **kwargs: Any) -> None:
    mode = settings.SEARCH_AUTO_INDEX
    if mode == "celery":
        from search.tasks import index_papers_task

        index_papers_task.apply_async(args=[list(paper_ids)])
    elif mode == "sync":
        from search.indexing import index_papers

        index_papers(paper_ids)
