"""Redis at maxmemory: the producer waits for room (default settings) or, after
INGEST_BROKER_FULL_WAIT, stops with one line; nothing registered stays unsent; workers go on
once memory frees, even when Redis refuses to record what they hold.

A private Redis (tests/servers.py), filled on purpose; the machine's shared one is untouched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.corpus import bodies
from tests.faults import FaultWorker, all_done, base_env, fleet, report, resent_by_sweep
from tests.servers import private_redis
from tests.support import ROOT, run_cli, wait_until
from worker.store import Store

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def write_big(path: Path, count: int, words: int) -> Path:
    with path.open("w") as handle:
        for n, body in enumerate(bodies(count, seed=23, words=words)):
            handle.write(json.dumps({"id": f"r{n}", "title": f"R{n}", "body": body}) + "\n")
    return path


def test_producer_waits_for_room_then_finishes(tmp_path: Path) -> None:
    path = write_big(tmp_path / "items.jsonl", 3000, 90)
    url = f"sqlite:///{tmp_path}/store.db"
    with private_redis() as server:
        client = server.client()
        used = int(client.info("memory")["used_memory"])
        client.config_set("maxmemory", str(used + 1_500_000))  # room for a few messages
        client.config_set("maxmemory-policy", "noeviction")
        env = base_env(server.url(), url, tmp_path)
        store = Store(url)
        store.ensure_schema()
        producer = subprocess.Popen(
            [sys.executable, "-m", "worker", "enqueue", str(path)], cwd=ROOT,
            env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        assert wait_until(lambda: client.llen("ingest") > 0, 60)
        time.sleep(3)
        assert producer.poll() is None, "the producer should be waiting for room"
        with fleet() as started:
            started.append(FaultWorker(env).wait_ready())
            _, err = producer.communicate(timeout=300)
            done = all_done(store, 240)
        stats = store.stats()
        store.close()
    report(
        "redis full, producer waits", exit_code=producer.returncode, by_status=stats["by_status"]
    )
    assert producer.returncode == 0, err.decode()[-2000:]
    assert done is not None and stats["by_status"] == {"stored": 3000}


def test_refused_publish_is_one_line_and_the_sweep_sends_the_rest(tmp_path: Path) -> None:
    path = write_big(tmp_path / "items.jsonl", 1000, 500)  # messages of about 600 kB
    url = f"sqlite:///{tmp_path}/store.db"
    with private_redis() as server:
        client = server.client()
        used = int(client.info("memory")["used_memory"])
        client.config_set("maxmemory", str(int(used * 1.5)))  # no room for one message
        client.config_set("maxmemory-policy", "noeviction")
        env = base_env(server.url(), url, tmp_path)
        store = Store(url)
        store.ensure_schema()
        # The test is about this setting: the producer gives up after 5 s instead of 300.
        result = run_cli(["enqueue", str(path)], {**env, "INGEST_BROKER_FULL_WAIT": "5"})
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        registered = store.stats()["items"]
        client.config_set("maxmemory", "0")  # memory frees (an operator, or workers draining)
        with fleet() as started:
            started.append(FaultWorker(env).wait_ready())
            done = all_done(store, 240)
            resent = resent_by_sweep(*started)
        stats = store.stats()
        store.close()
    report("redis full, publish refused", exit_code=result.returncode, stderr=lines[-1:],
           registered=registered, resent=resent, by_status=stats["by_status"])  # fmt: skip
    assert result.returncode == 1
    run_id = result.stdout.strip().splitlines()[-1]
    assert any(run_id in line and "published 0 of" in line for line in lines), lines
    assert "Traceback" not in result.stderr
    assert done is not None and stats["by_status"] == {"stored": 1000}
    assert resent == registered
