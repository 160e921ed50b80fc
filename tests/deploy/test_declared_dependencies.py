"""The production install from pyproject.toml's runtime dependencies alone works on Redis.

The test extras pull in packages the runtime needs too (kombu's Redis transport imports
`packaging`), so a venv with everything installed cannot see a missing declaration. This
builds a venv the way the Dockerfile's python-deps stage does (its own script, its own
requirements), imports every module of the site in it and starts a Celery worker on a Redis
of its own, which must answer a ping and run a task.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import stop_process_group
from tests.deploy.stack import ROOT, RedisServer, wait_for

pytestmark = pytest.mark.integration

# Modules that need an optional extra (pyproject's optional-dependencies), not the runtime.
NEEDS_EXTRA = {"search.backends.tantivy"}
WORKER_OPTIONS = ["--pool", "solo", "--hostname", "deps@%h", "--loglevel", "INFO"]


def requirements_script() -> str:
    """The Dockerfile's own one-liner that lists the runtime dependencies."""
    text = (ROOT / "Dockerfile").read_text()
    deps = next(s for s in re.split(r"^FROM ", text, flags=re.MULTILINE) if " AS python-deps" in s)
    script = re.search(r'RUN python -c "(.+?)" > /tmp/requirements.txt', deps)
    assert script, "the python-deps stage no longer lists requirements with python -c"
    return script.group(1).replace("/tmp/pyproject.toml", str(ROOT / "pyproject.toml"))


@pytest.fixture(scope="module")
def runtime_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("runtime-venv")
    requirements = root / "requirements.txt"
    listed = subprocess.run(
        [sys.executable, "-c", requirements_script()], capture_output=True, text=True, check=True
    ).stdout
    requirements.write_text(listed)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "-r", str(requirements)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    return venv


def site_env(data_dir: Path, redis_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "VIRTUAL_ENV", "PYTHONPATH"}
    }
    env.update(
        PYTHONPATH=str(ROOT),  # the image runs the code from /app with PYTHONPATH, uninstalled
        COOLPAPERS_DATA_DIR=str(data_dir),
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="coolpapers.settings",
        SEMANTIC="off",
    )
    return env


def test_every_module_imports_with_the_declared_dependencies(runtime_venv: Path, tmp_path: Path):
    probe = textwrap.dedent(
        f"""
        import importlib, pkgutil
        import django
        django.setup()
        import kombu.transport.redis  # what the worker, beat and /healthz load with REDIS_URL
        failed = []
        for name in ("coolpapers", "search"):
            package = importlib.import_module(name)
            for info in pkgutil.walk_packages(package.__path__, name + "."):
                if info.name in {sorted(NEEDS_EXTRA)!r}:
                    continue
                try:
                    importlib.import_module(info.name)
                except Exception as exc:
                    failed.append(f"{{info.name}}: {{type(exc).__name__}}: {{exc}}")
        print("\\n".join(failed))
        raise SystemExit(1 if failed else 0)
        """
    )
    result = subprocess.run(
        [str(runtime_venv / "bin" / "python"), "-c", probe],
        env=site_env(tmp_path / "data", "redis://127.0.0.1:1/0"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]


def test_a_worker_from_the_declared_dependencies_runs_on_redis(runtime_venv: Path, tmp_path: Path):
    redis_server = RedisServer(tmp_path / "redis")
    redis_server.start()
    env = site_env(tmp_path / "data", redis_server.url)
    python = str(runtime_venv / "bin" / "python")
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [python, "-m", "celery", "-A", "coolpapers", "worker", *WORKER_OPTIONS],
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        # A ping answered through Redis proves the transport loaded and the worker consumes.
        ping = textwrap.dedent(
            """
            from coolpapers.celery import app
            replies = app.control.ping(timeout=2)
            raise SystemExit(0 if replies else 1)
            """
        )

        def answers() -> bool:
            if worker.poll() is not None:
                raise AssertionError(f"the worker exited: {log.read_text()[-3000:]}")
            pinged = subprocess.run(
                [python, "-c", ping], env=env, cwd=ROOT, capture_output=True, timeout=60
            )
            return pinged.returncode == 0

        wait_for(answers, 90, lambda: f"a worker ping over Redis; log: {log.read_text()[-3000:]}")
    finally:
        stop_process_group(worker)
        redis_server.stop()
