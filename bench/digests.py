"""Digest benchmark: a day's digests for 10,000 readers with 2 Celery worker processes.

    COOLPAPERS_DATA_DIR=... python -m bench.digests [--readers 10000] [--workers 2]
        [--chunk 200] [--size 10] [--ups 3] [--downs 2] [--day-papers 2000] [--port 8142]
        [--keep]

Needs a data directory with papers and their BM25 model (`manage.py load_demo` then
`manage.py compute_related --sync`); uses the embedded filesystem broker (REDIS_URL is
cleared) and the data directory's database (or DATABASE_URL).

The day: arXiv announces about 2,000 new and cross-listed papers on a weekday, more than any
day of the demo data; so (unless --day-papers 0) a bench day after the latest one is made of
`--day-papers` random papers of the database, and removed at the end.

Setup (not timed): `--readers` simulated readers are bulk-created (users with a confirmed
address, one profile each with its digest on, `--ups` 👍 and `--downs` 👎 of random papers of
earlier days) and every profile is trained (coolpapers.ranking.profiles.train), as after
readers' clicks. A local SMTP sink (aiosmtpd) counts what it receives.

Timed: from the dispatcher (coolpapers.digests.sending.dispatch, the latest day of the
database) sending its chunks to the broker until the sink has every message; one `celery
worker -Q celery --concurrency N` does the work, as `make run` and the compose file start it.
Checks that every reader got exactly one message. Prints minutes and the rate; the bench
readers are deleted at the end unless --keep.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coolpapers.settings")
os.environ["REDIS_URL"] = ""  # the embedded broker, as the worker uses it

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "digestbench-"
TARGET_MINUTES = 10


class Sink:
    """Counts the messages an aiosmtpd server receives, by recipient."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received[rcpt] += 1
            self.bytes += len(envelope.content)
        return "250 OK"

    @property
    def total(self) -> int:
        with self.lock:
            return sum(self.received.values())


def setup_readers(readers: int, size: int, ups: int, downs: int, day, seed: int) -> list[int]:
    """Bulk-create the simulated readers; returns their profiles' ids."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from coolpapers.digests.models import DigestSettings
    from coolpapers.library.models import Collection, Rating
    from coolpapers.papers.models import Paper

    User = get_user_model()
    rng = random.Random(seed)
    earlier = list(
        Paper.objects.filter(announced__lte=day).order_by("pk").values_list("pk", flat=True)
    )
    if len(earlier) < ups + downs:
        sys.exit("bench.digests: too few papers before the latest day to rate")
    password = make_password(None)  # unusable
    batch = 2000
    users = [
        User(username=f"{PREFIX}{i}", email=f"{PREFIX}{i}@example.org", password=password)
        for i in range(readers)
    ]
    User.objects.bulk_create(users, batch_size=batch)
    users = list(User.objects.filter(username__startswith=PREFIX).order_by("pk"))
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users],
        batch_size=batch,
    )
    Collection.objects.bulk_create(
        [Collection(owner=u, name="Reading list", is_profile=True) for u in users],
        batch_size=batch,
    )
    profiles = list(
        Collection.objects.filter(owner__username__startswith=PREFIX).values_list("pk", flat=True)
    )
    DigestSettings.objects.bulk_create(
        [DigestSettings(collection_id=cid, enabled=True, size=size) for cid in profiles],
        batch_size=batch,
    )
    ratings = []
    for cid in profiles:
        chosen = rng.sample(earlier, ups + downs)
        ratings += [Rating(collection_id=cid, paper_id=pid, value=1) for pid in chosen[:ups]]
        ratings += [Rating(collection_id=cid, paper_id=pid, value=-1) for pid in chosen[ups:]]
    Rating.objects.bulk_create(ratings, batch_size=batch)
    return profiles


def train_all(profiles: list[int]) -> float:
    """Trains every profile here (setup, as the ranking queue would have); returns seconds."""
    from coolpapers.ranking.profiles import train

    started = time.perf_counter()
    for n, cid in enumerate(profiles, 1):
        train(cid)
        if n % 1000 == 0:
            print(f"  trained {n:,} profiles ({time.perf_counter() - started:.0f} s)", flush=True)
    return time.perf_counter() - started


def make_day(latest, papers: int, seed: int):
    """A bench announcement day after `latest` holding `papers` random papers."""
    from datetime import timedelta

    from coolpapers.papers.announcements import ANNOUNCE_NEW
    from coolpapers.papers.models import Announcement, Paper

    day = latest + timedelta(days=1)
    ids = list(Paper.objects.order_by("pk").values_list("pk", flat=True))
    chosen = random.Random(seed).sample(ids, min(papers, len(ids)))
    Announcement.objects.bulk_create(
        [Announcement(paper_id=pid, date=day, kind=ANNOUNCE_NEW) for pid in chosen],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return day


def delete_readers(bench_day=None) -> None:
    from django.contrib.auth import get_user_model

    from coolpapers.digests.models import Delivery, Dispatch
    from coolpapers.papers.models import Announcement

    users = get_user_model().objects.filter(username__startswith=PREFIX)
    ids = list(users.values_list("pk", flat=True))
    for start in range(0, len(ids), 1000):
        get_user_model().objects.filter(pk__in=ids[start : start + 1000]).delete()
    Dispatch.objects.all().delete()
    if bench_day is not None:
        Announcement.objects.filter(date=bench_day).delete()
        Delivery.objects.filter(day=bench_day).delete()


def start_worker(concurrency: int, port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "REDIS_URL": "",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_USE_TLS": "false",
        "SEARCH_AUTO_INDEX": "off",
        "RELATED_AUTO": "off",
    }
    argv = [sys.executable, "-m", "celery", "-A", "coolpapers", "worker", "-Q", "celery"]
    argv += ["--concurrency", str(concurrency), "--without-gossip", "--without-mingle"]
    argv += ["--loglevel", "WARNING", "--hostname", f"digestbench-{os.getpid()}@%h"]
    return subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def stop(process: subprocess.Popen) -> None:
    import signal

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--chunk", type=int, default=200, help="profiles per chunk task")
    parser.add_argument("--size", type=int, default=10, help="papers per digest")
    parser.add_argument("--ups", type=int, default=3)
    parser.add_argument("--downs", type=int, default=2)
    parser.add_argument("--day-papers", type=int, default=2000, help="0: the latest day")
    parser.add_argument("--port", type=int, default=8142, help="the SMTP sink's port")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--keep", action="store_true", help="keep the bench readers")
    args = parser.parse_args()

    django.setup()
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from kombu import Connection

    from bench.results import record
    from coolpapers.digests import sending
    from coolpapers.digests.models import Delivery
    from coolpapers.digests.tasks import send_digest_chunk
    from coolpapers.interests import foryou
    from coolpapers.related import store

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per command
    settings.DIGEST_CHUNK_SIZE = args.chunk
    latest = foryou.latest_day()
    if latest is None or store.current_model() is None:
        sys.exit("bench.digests: no papers or no BM25 model: run load_demo and compute_related")
    delete_readers(latest + timedelta(days=1))  # a previous run's, if it was stopped
    day = make_day(latest, args.day_papers, args.seed) if args.day_papers else latest
    bench_day = day if args.day_papers else None
    candidates = len(foryou.day_candidates(day))
    print(f"day {day}: {candidates:,} papers; database {settings.DATABASES['default']['ENGINE']}")

    started = time.perf_counter()
    profiles = setup_readers(args.readers, args.size, args.ups, args.downs, day, args.seed)
    print(f"setup: {len(profiles):,} readers in {time.perf_counter() - started:.0f} s", flush=True)
    train_s = train_all(profiles)
    print(f"setup: trained {len(profiles):,} profiles in {train_s:.0f} s", flush=True)

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=args.port)
    controller.start()
    log = settings.DATA_DIR / "logs" / "bench-digests-worker.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    worker = start_worker(args.workers, args.port, log)
    broker = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    try:
        time.sleep(5)  # the worker's processes start (not timed)
        if worker.poll() is not None:
            sys.exit(f"bench.digests: the worker stopped:\n{log.read_text()[-3000:]}")
        t0 = time.perf_counter()
        with Connection("filesystem://", transport_options=broker) as conn, conn.Producer() as p:

            def enqueue(day_text: str, ids: list[int]) -> None:
                send_digest_chunk.apply_async(args=[day_text, ids], producer=p)

            result = sending.dispatch(enqueue, day=day)
        dispatch_s = time.perf_counter() - t0
        print(f"dispatch: {result.profiles:,} profiles in {result.chunks} chunks, "
              f"{dispatch_s:.1f} s", flush=True)  # fmt: skip
        last_report = t0
        loads: list[float] = []
        while sink.total < result.profiles:
            if time.perf_counter() - t0 > args.timeout:
                sys.exit(f"bench.digests: timed out with {sink.total:,} messages")
            if worker.poll() is not None:
                sys.exit(f"bench.digests: the worker stopped:\n{log.read_text()[-3000:]}")
            if time.perf_counter() - last_report > 30:
                last_report = time.perf_counter()
                loads.append(os.getloadavg()[0])
                print(
                    f"  {sink.total:,} messages after {last_report - t0:.0f} s, "
                    f"load {loads[-1]:.1f}",
                    flush=True,
                )
            time.sleep(0.2)
        elapsed = time.perf_counter() - t0
        time.sleep(2)  # any duplicate would arrive now
    finally:
        stop(worker)
        controller.stop()

    statuses = Counter(
        Delivery.objects.filter(day=day, collection_id__in=profiles).values_list(
            "status", flat=True
        )
    )
    duplicates = sum(1 for n in sink.received.values() if n > 1)
    minutes = elapsed / 60
    rate = result.profiles / elapsed
    print()
    print("| measure | result |\n|---|---|")
    print(f"| readers (profiles with a digest on) | {result.profiles:,} |")
    print(f"| papers ranked per profile (the day's) | {candidates:,} |")
    print(f"| worker processes / chunk size | {args.workers} / {args.chunk} |")
    print(f"| all digests sent | {minutes:.2f} min ({elapsed:.0f} s) |")
    print(f"| rate | {rate:,.1f} messages/s, {1000 * args.workers / rate:.0f} ms per message "
          f"per process |")  # fmt: skip
    print(f"| readers with more than one message | {duplicates} |")
    print(f"| delivery rows | {dict(statuses)} |")
    print(f"| mail received | {sink.bytes / 1e6:,.0f} MB |")
    print(f"| setup: train every profile (not timed) | {train_s:.0f} s |")
    if loads:
        mean_load = sum(loads) / len(loads)
        print(f"| machine load (1-min average, every 30 s) | mean {mean_load:.1f}, "
              f"max {max(loads):.1f} on {os.cpu_count()} cores |")  # fmt: skip
    verdict = "met" if minutes < TARGET_MINUTES else "NOT met"
    print(f"\ntarget < {TARGET_MINUTES} min: {verdict}")
    record("digests.readers", result.profiles, "")
    record("digests.minutes", minutes, "min", f"{args.workers} worker processes")
    record("digests.rate", rate, "messages/s")
    record("digests.duplicates", duplicates, "")
    if not args.keep:
        delete_readers(bench_day)
    if duplicates or sink.total != result.profiles:
        sys.exit("bench.digests: some reader got no message or more than one")


if __name__ == "__main__":
    main()
