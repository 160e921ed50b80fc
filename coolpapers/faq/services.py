"""Asking for a FAQ and generating it: the row is the job, a Celery message is a turn of work.

Why the message does not name the row it runs: any `faq.generate` message takes the most
urgent FAQ no worker holds (today's papers first, then by request time), so the order is the
database's, exact on any broker (the filesystem broker has no priorities), and a duplicate
message (a redelivery, beat's sweep) finds nothing to take and ends. A worker holds its row by
a lease it renews with every save; a killed worker's row lapses and is taken again, from the
start: a half answer is never stored as done.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from coolpapers.faq.models import ACTIVE, FAQ, FaqStatus, Priority
from coolpapers.faq.streaming import render_answer, render_partial
from coolpapers.jobs.leases import lapsed, lease_until
from coolpapers.llm import base, budget, prompt
from coolpapers.papers.models import Announcement, Paper
from coolpapers.rendering.tex import RENDERER_VERSION

log = logging.getLogger(__name__)

LANGUAGES = prompt.LANGUAGES
# Seconds a worker's hold on a row lasts without a save; every save renews it.
LEASE_SECONDS = float(os.environ.get("FAQ_LEASE_SECONDS", "60"))
# The partial answer is saved (and rendered) at most this often while it streams.
SAVE_INTERVAL = float(os.environ.get("FAQ_SAVE_INTERVAL", "0.5"))
# Runs one request may start (killed workers, crashes) before it is failed for staff to see,
# so an answer that kills its worker every time does not loop for ever.
MAX_ATTEMPTS = int(os.environ.get("FAQ_MAX_ATTEMPTS", "3"))
# Completion tokens one FAQ may take (six answers).
MAX_TOKENS = int(os.environ.get("FAQ_MAX_TOKENS", "1500"))


class LeaseLost(Exception):
    """Another worker took the row (this one stalled past its lease): stop without saving."""


def latest_day() -> date | None:
    """The latest announcement day: "today" for the queue's order."""
    return Announcement.objects.aggregate(day=Max("date"))["day"]


def priority_for(paper: Paper) -> Priority:
    """Today's papers (those on the latest day's lists) go first."""
    day = latest_day()
    if day is not None and paper.announcements.filter(date=day).exists():
        return Priority.TODAY
    return Priority.OLDER


def find(paper: Paper, language: str) -> FAQ | None:
    """The FAQ of the paper's current version in a language, if anyone asked for it."""
    return FAQ.objects.filter(paper=paper, version=paper.version, language=language).first()


def request(paper: Paper, language: str, client: str = "", *, retry: bool = True) -> FAQ:
    """The paper's FAQ in `language`: the stored one, the one under way, or a new one queued.

    A failed one is queued again when `retry`. Raises ProviderUnavailable when no model is
    configured and BudgetExceeded when today's tokens (overall or the client's) are spent;
    nothing is queued then.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}")
    faq = find(paper, language)
    if faq is not None and (faq.status != FaqStatus.FAILED or not retry):
        if faq.batch_id and client:  # a reader waits for it now: a batch's cancel keeps it
            FAQ.objects.filter(pk=faq.pk).update(batch=None)
            faq.batch_id = None
        return faq
    if not base.configured():
        raise base.ProviderUnavailable(base.NOT_CONFIGURED)
    budget.check(client)
    if faq is None:
        faq, created = FAQ.objects.get_or_create(
            paper=paper,
            version=paper.version,
            language=language,
            defaults={"priority": priority_for(paper), "client": client[:64]},
        )
        if not created:  # someone else asked at the same moment: theirs is queued
            return faq
    else:
        # Only a failed row is reset: two Retry clicks queue it once.
        if not FAQ.objects.filter(pk=faq.pk, status=FaqStatus.FAILED).update(
            status=FaqStatus.QUEUED,
            error="",
            markdown="",
            html="",
            requested_at=timezone.now(),
            client=client[:64],
            lease_owner="",
            lease_expires=None,
            attempts=0,
        ):
            faq.refresh_from_db()
            return faq
        faq.refresh_from_db()
    send(faq)
    return faq


def regenerate(faq: FAQ) -> None:
    """Staff's Regenerate: the row goes back to the queue at once (its old answer with it, so
    no reader is served an answer staff judged wrong while the new one is written)."""
    FAQ.objects.filter(pk=faq.pk).update(
        status=FaqStatus.QUEUED,
        error="",
        markdown="",
        html="",
        requested_at=timezone.now(),
        lease_owner="",
        lease_expires=None,
        attempts=0,
        priority=priority_for(faq.paper),
    )
    send(faq)


def send(faq: FAQ) -> None:
    """Queue a turn of work once the row is committed. A broker that is down leaves the row
    queued, and beat's sweep (ops.tasks.resume_stranded_jobs) sends it later."""
    from coolpapers.faq.tasks import generate

    def publish() -> None:
        try:
            generate.apply_async(args=[faq.pk])
        except Exception:  # the broker is down: the sweep sends it when it is back
            log.warning("FAQ #%s could not be queued now; beat will send it", faq.pk, exc_info=True)

    transaction.on_commit(publish)


# --- the worker's side ----------------------------------------------------------------------


def claimable(now=None):
    """FAQs waiting for a worker: queued, or generating under a lease that lapsed."""
    now = now or timezone.now()
    return FAQ.objects.filter(status__in=ACTIVE).filter(lapsed(now))


def claim() -> tuple[FAQ, str] | None:
    """Take the most urgent FAQ no worker holds (a guarded UPDATE: of two workers one wins)."""
    now = timezone.now()
    order = ("priority", "requested_at", "pk")
    pks = list(claimable(now).order_by(*order).values_list("pk", flat=True)[:20])
    for pk in pks:
        owner = uuid.uuid4().hex
        taken = (
            claimable(now)
            .filter(pk=pk)
            .update(
                status=FaqStatus.GENERATING,
                lease_owner=owner,
                lease_expires=lease_until(LEASE_SECONDS),
                started_at=now,
                attempts=F("attempts") + 1,
                markdown="",  # a run starts over: a dead run's half answer goes
                html="",
                error="",
            )
        )
        if taken:
            return FAQ.objects.select_related("paper").get(pk=pk), owner
    return None


def _save(faq: FAQ, owner: str, **fields) -> None:
    """Save fields of a row this worker holds, renewing the lease; LeaseLost if it is not."""
    fields.setdefault("lease_expires", lease_until(LEASE_SECONDS))
    if not FAQ.objects.filter(pk=faq.pk, lease_owner=owner).update(**fields):
        raise LeaseLost(f"FAQ #{faq.pk} was taken by another worker")


@dataclass
class Outcome:
    faq_id: int | None
    status: str
    saves: int = 0


def run_next() -> Outcome:
    """One turn of work: generate the most urgent waiting FAQ, if any."""
    claimed = claim()
    if claimed is None:
        return Outcome(None, "idle")
    faq, owner = claimed
    if faq.attempts > MAX_ATTEMPTS:
        return _fail(faq, owner, f"Gave up after {MAX_ATTEMPTS} attempts that did not finish.")
    try:
        return generate_claimed(faq, owner)
    except LeaseLost:
        log.warning("FAQ #%s: lease lost, another worker answers it", faq.pk)
        return Outcome(faq.pk, "lost")


def generate_claimed(faq: FAQ, owner: str) -> Outcome:
    """Ask the model, saving the partial answer (and its HTML) at most every SAVE_INTERVAL."""
    try:
        provider = base.get_provider()
        sources = prompt.sources_for(faq.paper)
        messages = prompt.build_messages(sources, faq.language)
    except base.ProviderError as exc:
        return _fail(faq, owner, str(exc))
    kinds = list(dict.fromkeys(source.kind for source in sources))
    _save(faq, owner, model=provider.model[:200], sources=kinds)
    parts: list[str] = []
    usage: base.Usage | None = None
    saves = 0
    last = float("-inf")  # the first piece is saved at once: the reader sees the model start
    try:
        for item in provider.stream(messages, max_tokens=MAX_TOKENS):
            if isinstance(item, base.Usage):
                usage = item
                continue
            parts.append(item.text)
            if time.monotonic() - last >= SAVE_INTERVAL:
                text = "".join(parts)
                _save(faq, owner, markdown=text, html=render_partial(text))
                saves += 1
                last = time.monotonic()
    except base.ProviderError as exc:
        return _fail(faq, owner, str(exc))
    text = "".join(parts).strip()
    if not text:
        return _fail(faq, owner, "The model returned an empty answer.")
    usage = usage or base.Usage(0, 0)
    _save(
        faq,
        owner,
        status=FaqStatus.DONE,
        markdown=text,
        html=render_answer(text),
        html_version=RENDERER_VERSION,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        finished_at=timezone.now(),
        lease_owner="",
        lease_expires=None,
    )
    budget.record(faq.client, usage)
    return Outcome(faq.pk, FaqStatus.DONE, saves)


def _fail(faq: FAQ, owner: str, error: str) -> Outcome:
    log.warning("FAQ #%s failed: %s", faq.pk, error)
    _save(
        faq,
        owner,
        status=FaqStatus.FAILED,
        error=error[:2000],
        finished_at=timezone.now(),
        lease_owner="",
        lease_expires=None,
    )
    return Outcome(faq.pk, FaqStatus.FAILED)


def stranded(now=None):
    """Rows a dead worker left: generating under a lapsed lease."""
    now = now or timezone.now()
    return FAQ.objects.filter(status=FaqStatus.GENERATING).filter(lapsed(now))


def llm_backlog() -> int | None:
    """Messages waiting in the llm queue (None: the broker cannot say)."""
    from coolpapers.celery import app

    try:
        with app.connection_for_write() as conn:
            return conn.default_channel.queue_declare(queue="llm").message_count
    except Exception:  # any broker error: the length is unknown
        log.warning("FAQ sweep: llm queue length unknown", exc_info=True)
        return None


def resend_waiting(interval: float) -> int:
    """Beat's sweep: send a turn of work for each FAQ a dead worker left (generating under a
    lapsed lease; its message is gone on the filesystem broker and late on Redis), and, when
    the llm queue is empty, for FAQs queued longer than `interval` (their message was lost,
    e.g. sent while the broker was down). Returns how many it sent; a spare one does nothing."""
    now = timezone.now()
    count = stranded(now).count()
    old = FAQ.objects.filter(
        status=FaqStatus.QUEUED, requested_at__lt=now - timedelta(seconds=interval)
    ).count()
    if old and llm_backlog() == 0:
        count += old
    if not count:
        return 0
    from coolpapers.faq.tasks import generate

    sent = 0
    for _ in range(count):
        try:
            generate.apply_async()
        except Exception:  # the broker is down: next sweep
            log.warning("FAQ sweep: the broker is down", exc_info=True)
            break
        sent += 1
    if sent:
        log.warning("FAQ sweep: sent %d turns of work (%d stranded)", sent, stranded(now).count())
    return sent
