"""Who gets a digest of which day, and the sending of a chunk of them through one connection.

The dispatcher (tasks.dispatch_digests, run by beat) picks the latest announcement day once
its harvest is over, and sends the profiles that have not had it to workers in chunks; a
chunk ranks each profile's day (interests.foryou.todays_ranking) and sends every message
through one SMTP connection. A Delivery row per (profile, day), created before the message
leaves, makes every step safe to repeat.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from coolpapers.digests.mail import build_message, paper_entry, with_why
from coolpapers.digests.models import Delivery, DigestSettings, Dispatch
from coolpapers.ingestion.models import IngestionJob, JobKind
from coolpapers.interests import foryou
from coolpapers.jobs.status import ACTIVE_STATUSES
from coolpapers.papers.models import Paper
from coolpapers.papers.schedule import latest_announcement

log = logging.getLogger(__name__)


def chunk_size() -> int:
    """Profiles per chunk task: small enough to spread over workers, big enough that one
    SMTP connection and one task carry many messages."""
    return int(getattr(settings, "DIGEST_CHUNK_SIZE", 200))


def max_age() -> timedelta:
    """A latest day older than this (before the calendar's latest announcement) is not sent:
    a site restarted after a week off does not mail last week's papers."""
    return timedelta(days=int(getattr(settings, "DIGEST_MAX_AGE_DAYS", 3)))


def resweep_after() -> timedelta:
    """A dispatched day is swept again for profiles still without it (a lost chunk, a failed
    send, a digest turned on later that day) no sooner than this."""
    return timedelta(seconds=int(getattr(settings, "DIGEST_RESWEEP_SECONDS", 3600)))


def require_verified() -> bool:
    """Mail only addresses the reader confirmed (allauth's EmailAddress.verified)."""
    return bool(getattr(settings, "DIGEST_REQUIRE_VERIFIED", True))


# --- who --------------------------------------------------------------------------------------


# A harvest job still "running" after this long is stranded (ops.tasks resumes those): the
# digests of the day it left do not wait for it any longer.
HARVEST_WAIT = timedelta(hours=6)


def harvest_running(now: datetime) -> bool:
    """Today's harvest has not finished: its day is not complete yet."""
    return IngestionJob.objects.filter(
        kind=JobKind.TODAY, status__in=ACTIVE_STATUSES, created_at__gte=now - HARVEST_WAIT
    ).exists()


def due_day(now: datetime | None = None) -> tuple[date | None, str]:
    """The day to send, or None and why not."""
    now = now or timezone.now()
    day = foryou.latest_day()
    if day is None:
        return None, "no announcement day"
    expected = latest_announcement(now)
    if day < expected - max_age():
        return None, f"latest day {day} is older than {max_age().days} days"
    if harvest_running(now):
        return None, "today's harvest is still running"
    return day, ""


def verified_owner_ids(user_ids: Iterable[int]) -> set[int]:
    """Readers whose account address is confirmed."""
    from allauth.account.models import EmailAddress

    rows = EmailAddress.objects.filter(user_id__in=list(user_ids), verified=True)
    pairs = rows.values_list("user_id", "email", "user__email")
    return {uid for uid, email, current in pairs if email.lower() == (current or "").lower()}


def eligible() -> QuerySet[DigestSettings]:
    """Digest settings of profiles that may be mailed (before the verified-address check)."""
    return DigestSettings.objects.filter(
        enabled=True, collection__is_profile=True, collection__owner__is_active=True
    ).exclude(collection__owner__email="")


def pending_profiles(day: date) -> list[int]:
    """Profiles due a digest of `day` that have none yet (or whose sending failed)."""
    done = Delivery.objects.filter(day=day).exclude(status=Delivery.FAILED)
    rows = eligible().exclude(collection_id__in=done.values("collection_id"))
    pairs = list(
        rows.order_by("collection_id").values_list("collection_id", "collection__owner_id")
    )
    if require_verified():
        verified = verified_owner_ids({owner for _, owner in pairs})
        pairs = [(cid, owner) for cid, owner in pairs if owner in verified]
    return [cid for cid, _ in pairs]


@dataclass
class DispatchResult:
    day: date | None
    profiles: int = 0
    chunks: int = 0
    reason: str = ""


def dispatch(
    enqueue: Callable[[str, list[int]], None],
    now: datetime | None = None,
    day: date | None = None,
) -> DispatchResult:
    """Send the due profiles of the day (the latest one, unless given) to `enqueue` in chunks.

    Nothing is sent when there is no new day: a day already dispatched is swept again only
    after resweep_after(), and then only for profiles still without their digest.
    """
    now = now or timezone.now()
    if day is None:
        day, reason = due_day(now)
        if day is None:
            return DispatchResult(None, reason=reason)
        earlier = Dispatch.objects.filter(day=day).first()
        if earlier is not None and earlier.swept_at > now - resweep_after():
            return DispatchResult(day, reason="already dispatched")
    pending = pending_profiles(day)
    size = chunk_size()
    chunks = [pending[i : i + size] for i in range(0, len(pending), size)]
    for ids in chunks:
        enqueue(day.isoformat(), ids)
    # Recorded after the chunks left: a broker failure above leaves the day to the next run.
    row, created = Dispatch.objects.get_or_create(
        day=day, defaults={"swept_at": now, "profiles": len(pending), "chunks": len(chunks)}
    )
    if not created:
        Dispatch.objects.filter(pk=row.pk).update(
            swept_at=now, profiles=F("profiles") + len(pending), chunks=F("chunks") + len(chunks)
        )
    log.info("digests of %s: %d profiles in %d chunks", day, len(pending), len(chunks))
    return DispatchResult(day, len(pending), len(chunks), "" if pending else "nobody pending")


# --- sending ----------------------------------------------------------------------------------


@dataclass
class ChunkResult:
    sent: int = 0
    empty: int = 0
    skipped: int = 0
    failed: int = 0
    already: int = 0
    errors: list[str] = field(default_factory=list)


def claim(collection_id: int, day: date) -> Delivery | None:
    """The delivery row of this profile and day, now ours to send; None when another run has
    it (sent, being sent, or nothing to send). A failed one is taken again."""
    try:
        with transaction.atomic():
            return Delivery.objects.create(collection_id=collection_id, day=day)
    except IntegrityError:
        retaken = Delivery.objects.filter(
            collection_id=collection_id, day=day, status=Delivery.FAILED
        ).update(status=Delivery.SENDING, attempts=F("attempts") + 1, error="")
        if retaken:
            return Delivery.objects.get(collection_id=collection_id, day=day)
        return None


def _finish(delivery: Delivery, status: str, **fields: object) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(status=status, **fields)


class _Papers(dict):
    """Papers as digest entries by id, made as the chunk needs them: readers share many top
    papers, and making an entry (TeX to text, links) costs more than a reader's ranking."""

    def need(self, ids: list[str]) -> None:
        missing = [pid for pid in ids if pid not in self]
        if missing:
            fields = ("arxiv_id", "title", "authors", "abstract", "primary_category_id")
            for paper in Paper.objects.filter(pk__in=missing).only(*fields):
                self[paper.pk] = paper_entry(paper)


FLUSH_EVERY = 50


def send_chunk(day: date, collection_ids: list[int], connection=None) -> ChunkResult:
    """Rank and mail each profile's digest of `day`, all through one connection."""
    result = ChunkResult()
    rows = list(
        DigestSettings.objects.filter(collection_id__in=collection_ids)
        .select_related("collection", "collection__owner")
        .order_by("collection_id")
    )
    done = set(
        Delivery.objects.filter(day=day, collection_id__in=collection_ids)
        .exclude(status=Delivery.FAILED)
        .values_list("collection_id", flat=True)
    )
    verified = verified_owner_ids({row.collection.owner_id for row in rows})
    # The day's papers read once for the chunk rather than once per reader.
    candidates = foryou.day_candidates(day)
    papers = _Papers()
    sent: list[Delivery] = []  # marked sent in batches: their rows say "sending" till then
    connection = connection or get_connection()
    try:
        for row in rows:
            collection, owner = row.collection, row.collection.owner
            if collection.pk in done:
                result.already += 1
                continue
            mailable = (
                row.enabled
                and collection.is_profile
                and owner.is_active
                and owner.email
                and (owner.pk in verified or not require_verified())
            )
            if not mailable:
                if (delivery := claim(collection.pk, day)) is not None:
                    _finish(delivery, Delivery.SKIPPED)
                result.skipped += 1
                continue
            ranked = foryou.todays_ranking(
                collection, day, row.size, explain=row.size, candidates=candidates
            )
            delivery = claim(collection.pk, day)
            if delivery is None:
                result.already += 1
                continue
            papers.need([scored.arxiv_id for scored in ranked])
            entries = [with_why(papers[s.arxiv_id], s) for s in ranked if s.arxiv_id in papers]
            if not entries:
                _finish(delivery, Delivery.EMPTY)
                result.empty += 1
                continue
            message = build_message(collection, owner.email, day, entries)
            try:
                connection.open()  # no-op while open; reopens after a failure
                connection.send_messages([message])
            except (smtplib.SMTPException, OSError) as error:
                log.warning("digest of %s for profile %s failed: %s", day, collection.pk, error)
                _finish(delivery, Delivery.FAILED, error=str(error)[:500])
                result.failed += 1
                result.errors.append(f"{collection.pk}: {error}")
                _close(connection)
                continue
            delivery.status, delivery.sent_at = Delivery.SENT, timezone.now()
            delivery.papers = [e.arxiv_id for e in entries]
            sent.append(delivery)
            result.sent += 1
            if len(sent) >= FLUSH_EVERY:
                _mark_sent(sent, day)
    finally:
        _close(connection)
        _mark_sent(sent, day)
    return result


def _mark_sent(sent: list[Delivery], day: date) -> None:
    """Record a batch of sent messages (two queries, not two per message)."""
    if not sent:
        return
    Delivery.objects.bulk_update(sent, ["status", "papers", "sent_at"])
    collections = [delivery.collection_id for delivery in sent]
    DigestSettings.objects.filter(collection_id__in=collections).update(last_sent_day=day)
    sent.clear()


def _close(connection) -> None:
    try:
        connection.close()
    except Exception:  # a dropped connection may fail to say QUIT; it is closed anyway
        log.debug("closing the mail connection failed", exc_info=True)
