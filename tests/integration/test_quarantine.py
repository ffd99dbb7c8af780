"""Quarantine with replay, and refused (non-JSON) messages, through real workers."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.support import run_cli, wait_until, workers
from worker.store import Store

pytestmark = pytest.mark.integration

POISON_TRIGGER = """
CREATE TRIGGER poison BEFORE INSERT ON articles WHEN NEW.title = 'poison'
BEGIN SELECT RAISE(ABORT, 'storage policy refuses this article'); END
"""


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_poison_item_is_quarantined_then_replayed(
    env: dict[str, str], store: Store, tmp_path: Path
) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(POISON_TRIGGER))  # the "cause": a failure that is not the input's
    lines = [
        {"title": "fine one", "body": "The first good article has a body of its own here."},
        {"title": "poison", "body": "This article cannot be stored until the policy changes."},
        {"title": "fine two", "body": "The second good article is about something else again."},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    fast = {**env, "INGEST_TASK_MAX_RETRIES": "1", "INGEST_RETRY_BACKOFF_MAX": "1"}
    with workers(fast, count=1, concurrency=1):
        result = run_cli(["enqueue", str(path), "--wait", "--timeout", "60"], fast)
        assert result.returncode == 0, result.stderr
        stats = store.stats()
        assert stats["by_status"] == {"stored": 2, "rejected": 1}
        assert stats["by_reason"] == {"quarantined": 1}
        (entry,) = store.quarantine_list()
        assert entry["error_class"] == "TransientError" and entry["attempts"] == 2
        assert "storage policy" in entry["message"]

        with store.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER poison"))  # the cause is removed
        replay = run_cli(["quarantine", "replay", str(entry["id"])], fast)
        assert replay.returncode == 0, replay.stderr
        final = wait_until(lambda: (s := store.stats())["by_status"] == {"stored": 3} and s, 30)
    assert final and final["items"] == 3  # updated, not duplicated
    assert store.quarantine_list() == []
    assert store.quarantine_list(include_replayed=True)[0]["replayed_at"] is not None


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_pickle_message_is_refused_and_recorded(env: dict[str, str], store: Store) -> None:
    from kombu import Connection

    from worker.core.messages import PROCESS_TASK

    evil = pickle.dumps(([[{"item_key": "x"}]], {}, {}))
    with workers(env, count=1, concurrency=1) as (worker,):
        with Connection(env["INGEST_BROKER_URL"]) as conn:
            producer = conn.Producer(serializer="pickle")
            producer.publish(
                evil,
                routing_key="ingest",
                exchange="",
                content_type="application/x-python-serialize",
                content_encoding="binary",
                headers={"task": PROCESS_TASK, "id": "evil-1", "lang": "py"},
            )
        assert wait_until(lambda: store.refused_count() == 1, 30)
        assert "ContentDisallowed" in worker.log() or "refused" in worker.log().lower()
    assert store.stats()["items"] == 0
