"""docker-compose.yml, the Dockerfile and .env.example agree with the code they start.

No Docker engine runs here, so these read the files and check each command, port, volume and
variable against the settings and entry points; tests/faults then runs the same commands.
"""

from __future__ import annotations

import importlib
import re
import runpy
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import pytest
from celery import Celery
from celery.app.utils import find_app
from celery.bin.base import CLIContext
from celery.bin.beat import beat
from celery.bin.worker import worker
from django.conf import settings
from django.core.management import get_commands
from gunicorn.config import KNOWN_SETTINGS

from tests.deploy.stack import APP_SERVICES, DATA_MOUNT, ROOT, WORKERS, command, compose

SETTINGS_FILE = ROOT / "coolpapers" / "settings.py"
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
ENV_READ = re.compile(r'(?:os\.environ\.get|os\.environ\[|env_bool|env_list)\(?\s*"([A-Z0-9_]+)"')


def read_variables(path: Path) -> set[str]:
    return set(ENV_READ.findall(path.read_text()))


def variables_the_site_reads() -> set[str]:
    """Every environment variable of settings.py and gunicorn.conf.py, and DATABASE_URL (read
    by dj-database-url)."""
    return (
        read_variables(SETTINGS_FILE)
        | read_variables(GUNICORN_CONF)
        | {dj_database_url.DEFAULT_ENV}
    )


def celery_options(service: str) -> tuple[str, str, dict[str, Any]]:
    """(app, subcommand, options) parsed by Celery's own command line, so an option Celery
    does not know fails here."""
    program, option, app_name, sub, *rest = command(service)
    assert (program, option) == ("celery", "-A")
    app = find_app(app_name)  # how `celery -A` finds it: coolpapers → coolpapers.celery.app
    assert isinstance(app, Celery)
    parser = {"worker": worker, "beat": beat}[sub]
    context = parser.make_context(sub, rest, obj=CLIContext(app=app, no_color=True, workdir=None))
    return app_name, sub, context.params


def web_shell_steps() -> list[list[str]]:
    sh, flag, script = command("web")
    assert (sh, flag) == ("sh", "-c")
    return [shlex.split(step) for step in script.split("&&")]


def gunicorn_config() -> dict[str, Any]:
    return {
        name: value
        for name, value in runpy.run_path(str(GUNICORN_CONF)).items()
        if not name.startswith("_") and name != "os"
    }


def app_service(name: str) -> dict[str, Any]:
    return compose()["services"][name]


# --- web --------------------------------------------------------------------------------------


def test_web_migrates_then_execs_gunicorn_on_the_wsgi_application():
    migrate, serve = web_shell_steps()
    assert migrate == ["python", "manage.py", "migrate", "--noinput"]
    assert serve[:3] == ["exec", "gunicorn", "-c"]
    config, target = serve[3], serve[4]
    assert (ROOT / config).resolve() == GUNICORN_CONF
    module, _, attribute = target.partition(":")
    assert module == settings.WSGI_APPLICATION.rsplit(".", 1)[0]
    assert callable(getattr(importlib.import_module(module), attribute or "application"))


def test_gunicorn_config_names_only_real_settings_and_fits_two_cores():
    config = gunicorn_config()
    known = {setting.name for setting in KNOWN_SETTINGS}
    assert set(config) <= known, set(config) - known
    assert config["worker_class"] == "gthread"
    assert config["workers"] * config["threads"] == 6  # 3 processes of 2 threads on 2 cores


def test_published_port_and_health_probe_match_the_bind_address():
    bind_port = int(gunicorn_config()["bind"].rsplit(":", 1)[1])
    web = app_service("web")
    (published,) = web["ports"]
    host_ip, _, container_port = published.split(":")
    assert host_ip == "127.0.0.1"  # only a proxy on the host reaches gunicorn
    assert int(container_port) == bind_port
    probe = web["healthcheck"]["test"]
    assert probe[:4] == ["CMD", "python", "manage.py", "healthcheck"]
    assert "healthcheck" in get_commands()
    assert int(probe[probe.index("--port") + 1]) == bind_port


# --- Celery -----------------------------------------------------------------------------------


def served_queues() -> dict[str, set[str]]:
    served: dict[str, set[str]] = {}
    for service in WORKERS:
        app, sub, options = celery_options(service)
        assert (app, sub) == ("coolpapers", "worker")
        served[service] = set(options["queues"])
    return served


def test_workers_serve_every_queue_tasks_are_routed_to():
    served = served_queues()
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    from coolpapers.celery import app

    default = app.conf.task_default_queue
    every = set().union(*served.values())
    assert every == {default, *routed} | {"llm"} == set(settings.CELERY_QUEUES_BY_KIND)
    assert served["index-worker"] == {"index"}


def test_queues_by_kind_so_ingestion_never_waits_behind_related_work():
    """Issue 20, finding 8: one kind of work per queue, and ingestion on a worker of its own
    (348 related chunks once held two ingestion jobs for an hour)."""
    from coolpapers.celery import app
    from coolpapers.ingestion.tasks import run_ingestion_job
    from coolpapers.ops.tasks import repair_related, resume_stranded_jobs, send_waiting_jobs
    from coolpapers.related.tasks import (
        compute_related_chunk_task,
        rebuild_related_task,
        update_related_task,
    )
    from coolpapers.semantic.tasks import embed_chunk_task, plan_embedding_job
    from search.tasks import index_papers_task

    def queue(task) -> str:
        route = app.amqp.router.route({}, task.name)
        return route["queue"].name

    expected = {
        run_ingestion_job: "celery",
        send_waiting_jobs: "celery",
        resume_stranded_jobs: "celery",
        update_related_task: "related",
        compute_related_chunk_task: "related",
        rebuild_related_task: "related",
        repair_related: "related",
        plan_embedding_job: "semantic",
        embed_chunk_task: "semantic",
        index_papers_task: "index",
    }
    assert {task.name: queue(task) for task in expected} == {
        task.name: name for task, name in expected.items()
    }
    served = served_queues()
    owners = {q: [s for s in WORKERS if q in served[s]] for q in settings.CELERY_QUEUES_BY_KIND}
    assert owners["celery"] == ["worker"]  # ingestion shares its worker with no bulk work
    assert "related" not in served["worker"] and "semantic" not in served["worker"]
    assert owners["related"] == owners["semantic"] == ["compute-worker"]


def test_embedded_runner_starts_the_same_workers_as_compose():
    """`make run` runs the same workers, on the same queues, as compose."""
    from coolpapers.ops.management.commands.run_site import commands

    def queues(argv: list[str]) -> tuple[str, set[str]]:
        name = argv[argv.index("--hostname") + 1].partition("@")[0]
        return name, set(argv[argv.index("--queues") + 1].split(","))

    embedded = dict(
        queues(argv) for argv in commands("127.0.0.1", 8000, 1).values() if "worker" in argv
    )
    assert embedded == dict(queues(command(service)) for service in WORKERS)


def test_index_queue_has_a_single_writer_process():
    _, _, options = celery_options("index-worker")
    assert options["concurrency"] == 1


def test_worker_health_probes_ping_their_own_worker():
    for service in WORKERS:
        argv = command(service)
        prefix, _, host = argv[argv.index("--hostname") + 1].partition("@")
        assert host == "%h"  # the container's host name, which $HOSTNAME holds
        kind, script = app_service(service)["healthcheck"]["test"]
        ping = shlex.split(script)
        assert kind == "CMD-SHELL"
        assert ping[:5] == ["celery", "-A", "coolpapers", "inspect", "ping"]
        assert ping[ping.index("--destination") + 1] == f"{prefix}@$$HOSTNAME"


def test_beat_keeps_its_schedule_on_the_data_volume():
    app, sub, options = celery_options("beat")
    assert (app, sub) == ("coolpapers", "beat")
    schedule = options["schedule"]
    assert schedule.startswith(DATA_MOUNT + "/")
    assert Path(schedule).name == Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).name


# --- environment and volumes -------------------------------------------------------------------


def test_every_app_variable_is_read_by_the_settings():
    read = variables_the_site_reads()
    for service in APP_SERVICES:
        declared = set(app_service(service).get("environment", {}))
        assert declared <= read, f"{service}: {declared - read} are read by nothing"


def test_data_volume_is_mounted_where_the_data_dir_points():
    for service in APP_SERVICES:
        spec = app_service(service)
        assert spec["environment"]["COOLPAPERS_DATA_DIR"] == DATA_MOUNT
        assert f"coolpapers-data:{DATA_MOUNT}" in spec["volumes"]
    assert {"coolpapers-data", "postgres-data", "redis-data"} <= set(compose()["volumes"])


def test_database_and_redis_urls_point_at_their_services():
    services = compose()["services"]
    env = app_service("web")["environment"]
    postgres = services["postgres"]["environment"]
    password = postgres["POSTGRES_PASSWORD"]
    assert password.startswith("${POSTGRES_PASSWORD")  # from .env, in both places
    user, db = postgres["POSTGRES_USER"], postgres["POSTGRES_DB"]
    assert env["DATABASE_URL"] == f"postgres://{user}:{password}@postgres:5432/{db}"
    parsed = dj_database_url.parse(env["DATABASE_URL"].replace(password, "secret"))
    assert parsed["ENGINE"] == "django.db.backends.postgresql"
    redis_url = urlsplit(env["REDIS_URL"])
    assert (redis_url.scheme, redis_url.hostname, redis_url.port) == ("redis", "redis", 6379)
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    redis_command = shlex.split(services["redis"]["command"])
    assert redis_command[redis_command.index("--appendonly") + 1] == "yes"  # queued jobs persist
    # Bounded memory that evicts only keys with a TTL (cache entries), never queued tasks.
    assert redis_command[redis_command.index("--maxmemory") + 1].endswith("mb")
    assert redis_command[redis_command.index("--maxmemory-policy") + 1] == "volatile-lru"
    assert "redis-data:/data" in services["redis"]["volumes"]


@pytest.mark.parametrize("service", [*APP_SERVICES, "postgres", "redis"])
def test_services_restart_and_depend_on_healthy_backends(service):
    spec = app_service(service)
    assert spec["restart"] in {"unless-stopped", "always"}
    if service in APP_SERVICES:
        assert spec["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
    if service != "beat":
        assert spec["healthcheck"]["test"]


def test_env_example_lists_every_variable_and_only_those():
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    read = variables_the_site_reads() | {"PORT"}  # PORT: `make run` (run_site)
    # interpolated into docker-compose.yml
    compose_only = {"POSTGRES_PASSWORD", "COOLPAPERS_EXTRAS"}
    assert read - listed == set(), "add these to .env.example"
    assert listed - read - compose_only == set(), "these are read by nothing"


# --- the image --------------------------------------------------------------------------------


def test_dockerfile_builds_assets_with_make_and_runs_as_a_user_with_collected_static():
    text = (ROOT / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.MULTILINE)[1:]
    assets = next(stage for stage in stages if stage.split()[2:3] == ["assets"])
    assert assets.startswith("node:") and "RUN make assets" in assets
    runtime = stages[-1]
    assert runtime.startswith("python:3.11-slim")
    assert "COPY --from=assets /build/static/vendor static/vendor" in runtime
    assert "manage.py collectstatic" in runtime
    user = re.search(r"^USER (\S+)", runtime, re.MULTILINE)
    assert user and user.group(1) not in {"root", "0"}
    assert "ENV" in runtime and "COOLPAPERS_DATA_DIR=/data" in runtime
    cmd = re.search(r"^CMD (.+)$", runtime, re.MULTILINE)
    assert cmd and cmd.group(1) == '["gunicorn", "-c", "gunicorn.conf.py", "coolpapers.wsgi"]'
    assert web_shell_steps()[1][1:] == ["gunicorn", "-c", "gunicorn.conf.py", "coolpapers.wsgi"]


def test_image_extras_install_the_pinned_extra_with_torch_from_the_cpu_index():
    """COOLPAPERS_EXTRAS=semantic reaches the build as EXTRAS; the build's own script lists
    exactly the extra's pins from pyproject.toml, and torch comes from PyTorch's CPU index."""
    assert compose()["x-app"]["build"]["args"] == {"EXTRAS": "${COOLPAPERS_EXTRAS:-}"}
    text = (ROOT / "Dockerfile").read_text()
    deps = next(s for s in re.split(r"^FROM ", text, flags=re.MULTILINE) if " AS python-deps" in s)
    assert 'ARG EXTRAS=""' in deps
    assert "ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in deps
    assert '--index-url "$TORCH_INDEX_URL" "$(grep \'^torch==\' /tmp/extras.txt)"' in deps
    script = re.search(r'python -c "(.+?)" "\$EXTRAS"', deps).group(1)
    listed = subprocess.run(
        [
            sys.executable,
            "-c",
            script.replace("/tmp/pyproject.toml", str(ROOT / "pyproject.toml")),
            "semantic",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert listed == pins["semantic"] and "torch==2.13.0" in listed
