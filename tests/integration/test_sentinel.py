"""A Redis Sentinel broker: ``INGEST_BROKER_URL=sentinel://...;sentinel://...`` and
``INGEST_BROKER_MASTER_NAME``. Celery (kombu's Sentinel transport) and the workers' own Redis
connections (delivery counts, heartbeat, ledger sweep, queue depth, the producer's memory
check) all find the master through the sentinels. No failover here: a real Sentinel and one
master; a second sentinel listed is down. (Listed first, it would cost every new connection
pool redis-py's retries, about 4 s, before the live one is asked: the README says so.)
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from tests.corpus import write_jsonl
from tests.servers import free_port, private_redis, private_sentinel
from tests.support import run_cli, wait_until, workers
from worker.store import Store

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_producer_and_workers_reach_the_master_through_the_sentinels(tmp_path: Path) -> None:
    items = 600
    path = write_jsonl(tmp_path / "items.jsonl", items)
    store_url = f"sqlite:///{tmp_path}/store.db"
    metrics_port = free_port()
    with private_redis() as master, private_sentinel(master, "ingest") as sentinel:
        down = free_port()  # nothing listens there
        env = {
            "INGEST_BROKER_URL": f"sentinel://127.0.0.1:{sentinel.port}/0;"
            f"sentinel://127.0.0.1:{down}/0",
            "INGEST_BROKER_MASTER_NAME": "ingest",
            "INGEST_STORE_URL": store_url,
            "INGEST_ENRICH": "false",
            "INGEST_METRICS_PORT": str(metrics_port),
            "TEST_LOG_DIR": str(tmp_path),
        }
        with workers(env, count=1, concurrency=2) as started:
            result = run_cli(["enqueue", str(path), "--wait", "--timeout", "120"], env)
            assert result.returncode == 0, result.stderr[-2000:]
            run_id = result.stdout.strip().splitlines()[-1]
            scraped = wait_until(lambda: scrape(metrics_port), 10)
            log = started[0].log()
        calls = master.client().info("commandstats")
    store = Store(store_url)
    stats = store.stats(run_id)
    store.close()
    assert stats["by_status"] == {"stored": items}, stats
    assert "Traceback" not in log, log
    # The deliveries were counted on the master (the workers' own client, not kombu's) ...
    assert calls.get("cmdstat_hincrby", {}).get("calls", 0) > 0, calls
    # ... and the metrics endpoint read the queue depth there.
    assert 'ingest_queue_depth{queue="ingest"}' in scraped


def scrape(port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
            return str(reply.read().decode())
    except OSError:
        return ""
