"""Poison messages: an item whose processing kills its process, or takes too long, ends in
quarantine after a few deliveries; its siblings are stored; the worker lives on.

Real worker processes and DEFAULT settings, except the time-limit test, which is about the
time limit and shortens it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from tests import faults
from tests.corpus import bodies
from tests.faults import FaultWorker, all_done, base_env, enqueue, fleet, report
from tests.servers import private_redis
from tests.support import wait_until
from worker.broker.app import make_app
from worker.broker.send import send_with
from worker.core.messages import PROCESS_TASK
from worker.core.settings import Settings
from worker.store import Store

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def write_items(path: Path, count: int) -> Path:
    with path.open("w") as handle:
        for n, body in enumerate(bodies(count, seed=11)):
            handle.write(json.dumps({"id": f"p{n}", "title": f"P{n}", "body": body}) + "\n")
    return path


def item_key_of(run_id: str, n: int) -> str:
    return f"{run_id}-{n:07d}"


def test_an_item_that_kills_its_process_is_quarantined(tmp_path: Path) -> None:
    path = write_items(tmp_path / "items.jsonl", 400)
    url = f"sqlite:///{tmp_path}/store.db"
    with private_redis() as server:
        env = base_env(server.url(), url, tmp_path)
        store = Store(url)
        store.ensure_schema()
        with fleet() as started:
            worker = FaultWorker(env, concurrency=1).wait_ready()
            started.append(worker)
            faults.VICTIMS[:] = [worker.proc.pid]
            faults.LETHAL["P123"] = 0  # by title: set before the item can be processed
            run_id = enqueue(env, path)  # items are numbered in file order
            poison = item_key_of(run_id, 123)
            done = all_done(store, 240)
            alive = worker.proc.poll() is None
            kills = faults.LETHAL.pop("P123")
        stats = store.stats(run_id)
        with store.engine.connect() as conn:
            status, reason = conn.execute(
                text("SELECT status, reason FROM items WHERE item_key = :k"), {"k": poison}
            ).one()
            quarantined = conn.execute(text("SELECT item_key FROM quarantine")).scalars().all()
        store.close()
    report("poison item", kills=kills, by_status=stats["by_status"], reason=reason)
    assert done is not None and alive
    assert (status, reason) == ("rejected", "crashed_worker")
    assert quarantined == [poison]
    assert stats["by_status"] == {"stored": 399, "rejected": 1}
    assert 2 <= kills <= 4  # two deaths as a batch, two alone; not redelivered forever


def test_an_item_over_the_time_limit_is_quarantined(tmp_path: Path) -> None:
    """About the time limit, so it shortens it (30 s; the soft limit is 15 s before)."""
    path = write_items(tmp_path / "items.jsonl", 16)
    url = f"sqlite:///{tmp_path}/store.db"
    with private_redis() as server:
        env = base_env(server.url(), url, tmp_path, INGEST_TASK_TIME_LIMIT="30",
                       INGEST_HTTP_ENRICHER_TIMEOUT="120")  # fmt: skip
        store = Store(url)
        store.ensure_schema()
        with fleet() as started:
            worker = FaultWorker(env, concurrency=1).wait_ready()
            started.append(worker)
            faults.STALL["P5"] = 60.0  # by title: set before the item can be processed
            run_id = enqueue(env, path)
            slow = item_key_of(run_id, 5)
            done = all_done(store, 240)
            faults.STALL.pop("P5")
            alive = worker.proc.poll() is None
        stats = store.stats(run_id)
        with store.engine.connect() as conn:
            status, reason = conn.execute(
                text("SELECT status, reason FROM items WHERE item_key = :k"), {"k": slow}
            ).one()
        store.close()
    report("slow item", by_status=stats["by_status"], reason=reason)
    assert done is not None and alive
    assert (status, reason) == ("rejected", "time_limit")
    assert stats["by_status"] == {"stored": 15, "rejected": 1}


def test_a_malformed_item_does_not_sink_its_batch(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    body = bodies(1, seed=5)[0]
    good = {"item_key": "m1-0000000", "source": "t", "kind": "record",
            "payload": {"record": {"title": "ok", "body": body}}}  # fmt: skip
    bad_kind = {"item_key": "m1-0000001", "source": "t", "kind": "bogus", "payload": {}}
    no_key = {"source": "t", "kind": "record", "payload": {}}
    with private_redis() as server:
        env = base_env(server.url(), url, tmp_path)
        store = Store(url)
        store.ensure_schema()
        with fleet() as started:
            worker = FaultWorker(env, concurrency=1).wait_ready()
            started.append(worker)
            settings = Settings(broker_url=server.url())  # type: ignore[arg-type]
            send_with(make_app(settings), 0)(PROCESS_TASK, [good, bad_kind, no_key])
            keys = ["m1-0000000", "m1-0000001"]
            outcomes = wait_until(lambda: len(store.outcomes(keys)) == 2, 60)
            alive = worker.proc.poll() is None
        found = store.outcomes(["m1-0000000", "m1-0000001"])
        store.close()
    assert outcomes and alive
    assert found["m1-0000000"].status == "stored"
    assert (found["m1-0000001"].status, found["m1-0000001"].reason) == ("rejected", "bad_field")
