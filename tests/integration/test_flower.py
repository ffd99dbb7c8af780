"""Flower, with basic auth, sees the running worker and the tasks it processed; what it
serves without credentials (/metrics: why docker-compose publishes it on loopback only)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support import ROOT, run_cli, wait_until, workers

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_flower_lists_worker_and_tasks(env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "flower.log").open("wb")
    flower = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "worker.app", "flower", f"--port={port}",
         "--address=127.0.0.1", "--basic-auth=admin:s3cret"],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: _up(base), 30), (tmp_path / "flower.log").read_text()
        assert httpx.get(f"{base}/api/workers").status_code == 401  # auth is enforced
        auth = ("admin", "s3cret")
        with workers(env, count=1, concurrency=1):
            result = run_cli(["enqueue", str(ROOT / "seeds"), "--wait"], env)
            assert result.returncode == 0, result.stderr
            names = wait_until(lambda: _workers(base, auth), 30)
            tasks = wait_until(lambda: _succeeded(base, auth), 30)
        assert names and any(n.startswith("w0-") for n in names)
        assert tasks and all(t["name"] == "ingest.process_batch" for t in tasks)

        # Flower 2.2 serves /metrics WITHOUT auth even with --basic-auth (its handler is not
        # @authenticated, and no option protects or removes it): worker names and task
        # names and counts, to anyone who reaches the port. docker-compose.yml therefore
        # publishes Flower on 127.0.0.1 only. If this starts failing, Flower protects
        # /metrics now: revisit that comment (and a Prometheus scrape needs credentials).
        assert httpx.get(f"{base}/", timeout=10).status_code == 401
        open_metrics = httpx.get(f"{base}/metrics", timeout=10)
        assert open_metrics.status_code == 200
        assert "flower_events_total" in open_metrics.text
        assert "ingest.process_batch" in open_metrics.text
    finally:
        flower.terminate()
        flower.wait(10)
        log.close()


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthcheck", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _workers(base: str, auth: tuple[str, str]) -> list[str]:
    response = httpx.get(f"{base}/api/workers", params={"refresh": "1"}, auth=auth, timeout=10)
    return list(response.json()) if response.status_code == 200 else []


def _succeeded(base: str, auth: tuple[str, str]) -> list[dict[str, object]]:
    response = httpx.get(f"{base}/api/tasks", auth=auth, timeout=10)
    tasks = response.json().values() if response.status_code == 200 else []
    return [t for t in tasks if t.get("state") == "SUCCESS"]
