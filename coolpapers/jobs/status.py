"""A job's life cycle, which ingestion, embedding and every later kind of job share."""

from __future__ import annotations

from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class JobStateError(Exception):
    """The job is not in a state that allows the action."""


class JobProgress:
    """`percent` and `is_active` for a job model with a `status` field.

    A plain mixin, not an abstract model, so the job tables and migrations stay as they are.
    """

    status: str

    def done_percent(self) -> float:
        """How far along an unfinished job is, 0 to 100."""
        raise NotImplementedError

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        return round(self.done_percent())

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES
