"""A job's life cycle, which ingestion, embedding and every later kind of job share."""

from __future__ import annotations

from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    # Staff asked a running job to stop; its worker has not confirmed yet (it stops before
    # storing another batch, then the job is CANCELLED with its counts at that point).
    CANCELLING = "cancelling"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


# A worker may still be at work on a job in one of these (or about to take it).
ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.CANCELLING)
# A job that ended and may run again (retry from the start, resume from its checkpoint).
RESTARTABLE = (JobStatus.FAILED, JobStatus.CANCELLED)


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
