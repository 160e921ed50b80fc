"""For you page speed: server time of a signed-in reader's For you pages and For you sort.

    python -m bench.foryou --data-dir DIR [--corpus CORPUS] [--requests 60] [--spec cs.LG]

Uses the database in DIR (COOLPAPERS_DATA_DIR), migrating it and loading CORPUS first when it
holds no paper, and its related-papers corpus model (built first when there is none: the
profiles' features). A reader "bench-foryou" gets a trained profile: 👍 on 20 papers of the
busiest primary category before the latest announcement day, 👎 on 20 random other papers,
10 more of that category saved, trained synchronously (coolpapers.ranking.profiles.train).

Requests go through Django's test Client in this process (DEBUG off, the data dir's own
cache backend: the file cache without REDIS_URL): URL resolution, session and auth
middleware, view, ORM queries, ranking and template rendering, without network or WSGI
server. Timed, each `--requests` times, round robin:

    page 1       /for-you: the latest day ranked, its first 25 papers with why
    chunk 2      /for-you/<id>/chunk?page=2: the next 25 (as the page's htmx sentinel asks)
    catch-up     /for-you/<id>/catch-up?since=...: the last 7 announcement days merged, ranked
    list sort    /arxiv/<spec>?sort=foryou: a daily list in the For you order
    ... cold     page 1 and catch-up with their ranking and why deleted from the cache before
                 each request: ranked anew, as on the first view after a new 👍/👎, a
                 training or a new day (timed after the others, which find them cached)

Prints p50/p95/max (wall clock, and CPU time of this thread, which other processes on the
machine do not inflate) and the SQL queries of a request (a warm one: the cold kind's are
its own). The very first request of each kind is reported apart and not in the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

from bench import DEFAULT_CORPUS
from bench.results import record

USERNAME = "bench-foryou"
UPS, DOWNS, SAVED = 20, 20, 10
TARGET_P95_MS = 100


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _profile(seed: int, day_text: str):  # -> Collection
    """The bench reader's profile, its ratings and saved papers made (again) and trained."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from coolpapers.interests import foryou
    from coolpapers.library.models import Rating, SavedPaper, SeenMark, ensure_default
    from coolpapers.papers.models import Announcement, Paper
    from coolpapers.ranking.profiles import train

    user, _ = get_user_model().objects.get_or_create(
        username=USERNAME, defaults={"email": "bench-foryou@example.org"}
    )
    profile = ensure_default(user)
    day = date.fromisoformat(day_text) if day_text else foryou.latest_day()
    before = Announcement.objects.filter(date__lt=day, kind="new")
    busiest = (
        Paper.objects.filter(pk__in=before.values("paper_id"))
        .values("primary_category")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    rng = random.Random(seed)
    topic = list(
        Paper.objects.filter(
            pk__in=before.values("paper_id"), primary_category=busiest["primary_category"]
        )
        .order_by("-pk")
        .values_list("pk", flat=True)[:2000]
    )
    others = list(
        Paper.objects.filter(pk__in=before.values("paper_id"))
        .exclude(primary_category=busiest["primary_category"])
        .order_by("-pk")
        .values_list("pk", flat=True)[:5000]
    )
    liked = rng.sample(topic, min(len(topic), UPS + SAVED))
    Rating.objects.filter(collection=profile).delete()
    SavedPaper.objects.filter(collection=profile).delete()
    SeenMark.objects.filter(owner=user).delete()
    Rating.objects.bulk_create(
        [Rating(collection=profile, paper_id=pid, value=Rating.UP) for pid in liked[:UPS]]
        + [
            Rating(collection=profile, paper_id=pid, value=Rating.DOWN)
            for pid in rng.sample(others, min(len(others), DOWNS))
        ]
    )
    SavedPaper.objects.bulk_create(
        [SavedPaper(collection=profile, paper_id=pid) for pid in liked[UPS:]]
    )
    result = train(profile.pk)
    print(
        f"profile {profile.pk} of {USERNAME}: {UPS} 👍 and {SAVED} saved of "
        f"{busiest['primary_category']}, {DOWNS} 👎 others; trained in {result.seconds:.2f}s "
        f"({result.positives}+/{result.negatives}-/{result.random_negatives} random)",
        flush=True,
    )
    return profile


def _busiest_spec(day: date) -> str:
    """The category with the most papers on `day` (its list is the longest)."""
    from django.db.models import Count

    from coolpapers.papers.models import Announcement, PaperCategory

    ids = Announcement.objects.filter(date=day).values("paper_id")
    row = (
        PaperCategory.objects.filter(paper_id__in=ids)
        .values("category_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    from coolpapers.papers.models import Category

    return Category.objects.get(pk=row["category_id"]).code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="COOLPAPERS_DATA_DIR to use")
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="loaded when DB is empty")
    parser.add_argument("--requests", type=int, default=60, help="timed requests per kind")
    parser.add_argument("--spec", default="", help="daily list for sort=foryou (default busiest)")
    parser.add_argument("--date", default="", help="the day ranked (default the latest one)")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args(argv)
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    if args.date:
        try:
            date.fromisoformat(args.date)
        except ValueError:
            parser.error(f"--date {args.date!r} is not a date; use YYYY-MM-DD")

    # The settings Django reads at setup; put back afterwards, so a caller in the same process
    # (the test of this bench) hands no page-cache-less environment to what it starts next.
    environment = {
        "COOLPAPERS_DATA_DIR": str(Path(args.data_dir).resolve()),
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "coolpapers.settings"),
        "PAGE_CACHE_SECONDS": "0",
    }
    with mock.patch.dict(os.environ, environment):
        return _measure(args)


def _measure(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from coolpapers.browse.listing import PAGE_SIZE
    from coolpapers.interests import foryou
    from coolpapers.papers.models import Paper
    from coolpapers.related import services, store

    if settings.DEBUG:
        print("bench.foryou: DEBUG is on (DJANGO_DEBUG); figures would not be the site's")
    call_command("migrate", verbosity=0)
    if not Paper.objects.exists():
        if not Path(args.corpus).exists():
            print(f"bench.foryou: {args.corpus}: no such file (pass --corpus)", file=sys.stderr)
            return 2
        print(f"loading {args.corpus} ...", flush=True)
        call_command("ingest_arxiv", args.corpus, verbosity=0)
    if store.current_model() is None:
        print("building the corpus model ...", flush=True)
        started = time.perf_counter()
        services.build_model()
        print(f"  built in {time.perf_counter() - started:.0f}s", flush=True)
    papers = Paper.objects.count()
    print(f"{papers} papers in {connection.vendor}, cache {settings.CACHES['default']['BACKEND']}")

    with override_settings(RANKING_TRAINING="sync"):
        profile = _profile(args.seed, args.date)
    day = date.fromisoformat(args.date) if args.date else foryou.latest_day()
    dated = f"date={day.isoformat()}&" if args.date else ""  # pages of that day, not today's
    page_1 = f"/for-you?date={day.isoformat()}" if args.date else "/for-you"
    # Catch-up from the 8th latest announcement day: the 7 days after it, merged.
    since = foryou.days_after(day - timedelta(days=366), limit=8)[0]
    days = foryou.days_after(since)
    spec = args.spec or _busiest_spec(day)
    sizes = {
        "page 1": len(foryou.day_candidates(day)),
        "chunk 2": len(foryou.day_candidates(day)),
        "catch-up": len(foryou.days_candidates(days)),
    }
    kinds = {
        "page 1": page_1,
        "chunk 2": f"/for-you/{profile.pk}/chunk?{dated}page=2",
        "catch-up": f"/for-you/{profile.pk}/catch-up?since={since.isoformat()}",
        "list sort": f"/arxiv/{spec}?{dated}sort=foryou",
        "page 1 cold": page_1,
        "catch-up cold": f"/for-you/{profile.pk}/catch-up?since={since.isoformat()}",
    }
    # What the cold kinds delete from the cache: the ranking and the why of its first 25
    # (their keys: coolpapers.interests.foryou).
    cold_keys = {}
    for name, ids in (
        ("page 1 cold", foryou.day_candidates(day)),
        ("catch-up cold", foryou.days_candidates(days)),
    ):
        shown = foryou.ranked_ids(profile, ids)[:PAGE_SIZE]
        cold_keys[name] = [
            foryou._ranking_key(profile, ids),
            foryou._ranking_key(profile, shown, "why"),
        ]
    print(f"latest day {day}: {sizes['page 1']} papers; catch-up since {since}: "
          f"{len(days)} days, {sizes['catch-up']} papers; list {spec}")  # fmt: skip

    plain_static = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client(SERVER_NAME="localhost")
    client.force_login(profile.owner)
    failed = False
    with override_settings(STORAGES=plain_static, RANKING_TRAINING="off"):
        queries: dict[str, int] = {}
        for name, url in kinds.items():  # the first of each: cold caches, status, queries
            if name in cold_keys:
                cache.delete_many(cold_keys[name])
            started = time.perf_counter()
            response = client.get(url)
            first = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                print(f"bench.foryou: {url} answered {response.status_code}", file=sys.stderr)
                return 1
            if name in cold_keys:
                cache.delete_many(cold_keys[name])
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            queries[name] = len(captured)
            print(f"  first {name:<13} {first:6.1f} ms; {len(captured)} SQL queries: {url}")
        wall: dict[str, list[float]] = {name: [] for name in kinds}
        cpu: dict[str, list[float]] = {name: [] for name in kinds}
        warm = [name for name in kinds if name not in cold_keys]
        for names in (warm, list(cold_keys)):  # warm first: the cold ones delete rankings
            for _ in range(args.requests):
                for name in names:
                    if name in cold_keys:
                        cache.delete_many(cold_keys[name])  # the rankings alone, nothing else
                    started, started_cpu = time.perf_counter(), time.thread_time()
                    response = client.get(kinds[name])
                    cpu[name].append(time.thread_time() - started_cpu)
                    wall[name].append(time.perf_counter() - started)
                    failed |= response.status_code != 200
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name in kinds:
        wall_ms, cpu_ms = [t * 1000 for t in wall[name]], [t * 1000 for t in cpu[name]]
        p50, p95 = statistics.median(wall_ms), percentile(wall_ms, 0.95)
        key = name.replace(" ", "_")
        note = f"{len(wall_ms)} requests, {papers} papers, {queries[name]} SQL queries"
        record(f"foryou.{key}_p50_ms", p50, "ms", note)
        record(f"foryou.{key}_p95_ms", p95, "ms", note)
        print(
            f"{name:<13} n={len(wall_ms):>4}  wall p50 {p50:6.1f} p95 {p95:6.1f} "
            f"max {max(wall_ms):6.1f} ms | cpu p50 {statistics.median(cpu_ms):6.1f} "
            f"p95 {percentile(cpu_ms, 0.95):6.1f} ms | queries {queries[name]}"
        )
    worst = max(percentile([t * 1000 for t in wall[name]], 0.95) for name in kinds)
    verdict = "met" if worst < TARGET_P95_MS else "NOT met"
    print(f"target p95 < {TARGET_P95_MS} ms at every kind: {verdict} (worst p95 {worst:.1f} ms)")
    if failed:
        print("bench.foryou: some timed requests failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
