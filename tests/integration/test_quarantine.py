"""Quarantine with replay, and refused (non-JSON) messages, through real workers."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.support import run_cli, wait_until, workers
from worker.core.models import MAX_TRACEBACK_CHARS, Kind, Prepared, RawItem
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
    # Default settings: a refused row is not retried, so no retry setting matters here.
    with workers(env, count=1, concurrency=1):
        result = run_cli(["enqueue", str(path), "--wait", "--timeout", "60"], env)
        assert result.returncode == 0, result.stderr
        stats = store.stats()
        assert stats["by_status"] == {"stored": 2, "rejected": 1}
        # A refused row is a data error, not an outage: no retries, kept for replay.
        assert stats["by_reason"] == {"store_refused": 1}
        (entry,) = store.quarantine_list()
        assert entry["error_class"] == "StoreRefused" and entry["attempts"] == 1
        assert "storage policy" in entry["message"]
        shown = store.quarantine_get(entry["id"])
        assert shown is not None and "StoreRefused" in shown["traceback"]

        with store.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER poison"))  # the cause is removed
        replay = run_cli(["quarantine", "replay", str(entry["id"])], env)
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


def _quarantined_item(key: str) -> Prepared:
    """An item quarantined by a real exception raised two frames down."""
    item = RawItem(item_key=key, source="t", kind=Kind.RECORD, payload={"record": {"body": "b"}})

    def inner_stage() -> None:
        raise KeyError("the missing piece")

    def outer_stage() -> None:
        try:
            inner_stage()
        except KeyError as exc:
            raise RuntimeError("the stage broke") from exc

    try:
        outer_stage()
    except RuntimeError as exc:
        return Prepared(item).quarantine(exc)
    raise AssertionError("unreachable")


def test_quarantine_keeps_the_traceback_and_finds_entries_by_key(
    store: Store, store_url: str
) -> None:
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    failed = _quarantined_item("run-7-0000003")
    store.register([failed.item], now)
    store.commit([failed], now)
    (listed,) = store.quarantine_list()
    assert "traceback" not in listed  # the list stays small; `show` has it
    by_id = store.quarantine_get(listed["id"])
    by_key = store.quarantine_get_by_key("run-7-0000003")
    assert by_id == by_key and by_id is not None
    trace = by_id["traceback"]
    for part in ("inner_stage", "KeyError: 'the missing piece'", "RuntimeError: the stage broke"):
        assert part in trace
    assert store.quarantine_get_by_key("run-7-0000099") is None

    env = {"INGEST_STORE_URL": store_url}
    for entry in (str(listed["id"]), "run-7-0000003"):
        shown = run_cli(["quarantine", "show", entry], env)
        assert shown.returncode == 0, shown.stderr
        assert "traceback:\nTraceback (most recent call last)" in shown.stdout
        assert '"item_key": "run-7-0000003"' in shown.stdout
    as_json = run_cli(["quarantine", "show", "--json", "run-7-0000003"], env)
    assert json.loads(as_json.stdout)["traceback"] == trace
    missing = run_cli(["quarantine", "show", "run-7-0000099"], env)
    assert missing.returncode != 0 and "no quarantine entry run-7-0000099" in missing.stderr


def test_quarantine_traceback_keeps_its_end_within_bounds() -> None:
    def chain(n: int) -> None:
        """``n`` exceptions, each raised while handling the one before: a long traceback."""
        try:
            if n == 0:
                raise KeyError("first of all")
            chain(n - 1)
        except Exception as exc:
            raise ValueError(f"at depth {n}") from exc

    try:
        chain(100)
    except ValueError as exc:
        failed = Prepared(RawItem(item_key="k", source="t", kind=Kind.TEXT, payload={}))
        failed.quarantine(exc)
    assert failed.traceback is not None
    assert len(failed.traceback) <= MAX_TRACEBACK_CHARS + 10
    assert failed.traceback.startswith("...\n")
    assert failed.traceback.rstrip().endswith("ValueError: at depth 100")  # where it ended
