"""Production settings (DJANGO_SECURE=true): `check --deploy` is clean, HTTPS is enforced with
HSTS and secure cookies, the admin sits at ADMIN_URL behind a login; CSP and the other headers
on every page; CSRF on every state-changing request."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from coolpapers.ingestion.models import IngestionJob
from tests.conftest import database_url
from tests.deploy.stack import ROOT

ADMIN_URL = "staff-7d2f/"
PASSWORD = "a-Long-and-rare-passphrase-42"


def production_env(tmp_path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SECURE": "true",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "papers.example.org",
        "COOLPAPERS_DATA_DIR": str(tmp_path / "data"),
        **extra,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_no_issues(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert "WARNING" not in result.stderr


def test_secure_mode_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]

    result = manage(env, "check")

    assert result.returncode != 0
    assert "DJANGO_SECURE=true needs DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("secure", "key", "message"),
    [
        ("false", "change-me-to-a-long-random-string", "DJANGO_SECRET_KEY is the .env.example"),
        ("true", "change-me-to-a-long-random-string", "DJANGO_SECRET_KEY is the .env.example"),
        ("true", "short-but-set", "DJANGO_SECRET_KEY is too weak for DJANGO_SECURE=true"),
        ("true", "ab" * 40, "DJANGO_SECRET_KEY is too weak for DJANGO_SECURE=true"),
        ("true", "django-insecure-" + "k3y" * 20, "DJANGO_SECRET_KEY is too weak"),
    ],
)
def test_the_placeholder_or_a_weak_key_refuses_to_start(tmp_path, secure, key, message):
    """The .env.example key never runs; in secure mode the key must pass check --deploy."""
    env = production_env(tmp_path, DJANGO_SECURE=secure, DJANGO_SECRET_KEY=key)

    result = manage(env, "check")

    assert result.returncode != 0
    assert message in result.stderr.strip().splitlines()[-1]  # one line says why


# What a browser would see of the production settings: run in a process of their own, since
# settings are read once at import.
PROBE = r"""
import json, django
django.setup()
from django.test import Client, override_settings
# Pages without collectstatic's manifest (what is checked here does not depend on it).
override_settings(STORAGES={"staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
host = {"HTTP_HOST": "papers.example.org"}
https = {**host, "HTTP_X_FORWARDED_PROTO": "https"}
client = Client()
out = {}
plain = client.get("/", **host)
out["http"] = [plain.status_code, plain.get("Location")]
out["healthz_over_http"] = client.get("/healthz", **host).status_code
page = client.get("/", **https)
out["headers"] = {k: page.get(k) for k in (
    "Strict-Transport-Security", "Content-Security-Policy", "X-Frame-Options",
    "Referrer-Policy", "X-Content-Type-Options", "Cross-Origin-Opener-Policy")}
out["default_admin"] = client.get("/admin/", **https).status_code
admin = client.get("/ADMIN/", **https)
out["anonymous_admin"] = [admin.status_code, admin.get("Location")]
login = client.get("/ADMIN/login/", **https)
csrf = login.cookies["csrftoken"]
out["csrf_cookie"] = [bool(csrf["secure"]), bool(csrf["httponly"]), csrf["samesite"]]
done = client.post("/ADMIN/login/", {"username": "staff", "password": "PASSWORD",
                                     "next": "/ADMIN/"}, **https)
session = done.cookies["sessionid"]
out["login"] = done.status_code
out["session_cookie"] = [bool(session["secure"]), bool(session["httponly"])]
print(json.dumps(out))
""".replace("ADMIN/", ADMIN_URL).replace("PASSWORD", PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_production_responses_as_a_browser_gets_them(tmp_path, django_user_model):
    django_user_model.objects.create_superuser("staff", "staff@example.org", PASSWORD)
    env = production_env(tmp_path, DATABASE_URL=database_url(), ADMIN_URL=ADMIN_URL)
    env["DJANGO_SETTINGS_MODULE"] = "coolpapers.settings"
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert seen["http"] == [301, "https://papers.example.org/"]
    assert seen["healthz_over_http"] in (200, 503)  # answered, not redirected: probes use HTTP
    headers = seen["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csp = dict(
        (part.split()[0], part.split()[1:])
        for part in headers["Content-Security-Policy"].split("; ")
    )
    assert csp["script-src"] == ["'self'"]  # no inline scripts, no eval, no other origin
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert seen["default_admin"] == 404
    assert seen["anonymous_admin"] == [302, f"/{ADMIN_URL}login/?next=/{ADMIN_URL}"]
    assert seen["csrf_cookie"] == [True, True, "Lax"]
    assert seen["login"] == 302
    assert seen["session_cookie"] == [True, True]


def test_passwords_go_through_djangos_validators():
    for weak in ("password", "12345678", "short"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password(PASSWORD)


# --- CSRF ---------------------------------------------------------------------------------------


def all_patterns(resolver: URLResolver | None = None, prefix: str = ""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from all_patterns(pattern, prefix + str(pattern.pattern))
        else:
            assert isinstance(pattern, URLPattern)
            yield prefix + str(pattern.pattern), pattern.callback


def test_no_state_changing_view_escapes_csrf():
    """Only DRF's views are exempt at Django's level. Those that change state must
    authenticate by session, for which DRF enforces CSRF itself, or by token, which a browser
    never sends on its own; never by anything a browser attaches unasked (Basic auth)."""
    exempt = {route: view for route, view in all_patterns() if getattr(view, "csrf_exempt", False)}
    assert exempt, "the API views are expected here"
    # RFC 8058's one-click unsubscribe: mail providers POST without a form, and the signed
    # token in the URL is the only authority (a forged or cut one is a 400; tests/digests).
    assert exempt.pop("digests/unsubscribe/<str:token>", None) is not None
    for route, view in exempt.items():
        cls = getattr(view, "cls", None)
        assert cls is not None, f"{route} is csrf_exempt outside DRF"
        methods = {m.upper() for m in cls.http_method_names if hasattr(cls, m)}
        if methods <= {"GET", "HEAD", "OPTIONS"}:
            continue
        for auth in cls().get_authenticators():
            assert isinstance(auth, SessionAuthentication | TokenAuthentication), (
                f"{route} accepts {methods} with {type(auth).__name__}"
            )


@pytest.mark.django_db
def test_admin_posts_without_a_token_are_rejected(admin_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/admin/login/", {"username": admin_user.username, "password": "password"}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session

    client.force_login(admin_user)
    response = client.post(
        "/admin/ingestion/ingestionjob/add/", {"kind": "today", "max_results": 1000}
    )
    assert response.status_code == 403
    response = client.post("/admin/ingestion/ingestionjob/harvest-today/")
    assert response.status_code == 403
    assert not IngestionJob.objects.exists()


def test_anonymous_admin_is_sent_to_the_login(client, db):
    response = client.get("/admin/ingestion/ingestionjob/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
