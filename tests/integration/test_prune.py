"""``ingest prune`` on real SQLite and PostgreSQL stores filled through the real pipeline."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.support import run_cli
from worker.core.keys import item_key, new_run_id
from worker.core.models import Kind, RawItem
from worker.core.settings import Settings, load
from worker.ingest.runtime import Runtime
from worker.pipeline.prepare import prepare_batch
from worker.store import Store
from worker.store.prune import Plan, count, prune
from worker.store.schema import articles, items, quarantine

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=40)
RECENT = NOW - timedelta(days=1)
BODY = (
    "The harbour authority said on Monday that the new pier would open in {}, after two years "
    "of delays caused by storms, a dispute over the contract and a shortage of steel. The mayor "
    "told reporters that ferries to the islands would call there first, and that the old quay "
    "would become a market once the last fishing boats had moved to the northern basin."
)  # over 40 words: an exact copy is a duplicate whatever its title and URL
OTHER = (
    "Farmers in the valley began the grape harvest a fortnight early this year, {}, because "
    "the summer was the driest on record. Cooperatives expect smaller yields but sweeter wine, "
    "and several growers have asked the regional council for help with new irrigation ponds "
    "before the next dry season arrives in the spring."
)


def record(n: int, body: str) -> dict[str, Any]:
    return {"id": f"ext-{n}", "url": f"https://news.example/{n}", "title": f"Title {n}",
            "body": body}  # fmt: skip


def raw(run_id: str, n: int, rec: dict[str, Any], when: datetime) -> RawItem:
    return RawItem(item_key=item_key(run_id, n), source="test", kind=Kind.RECORD,
                   payload={"record": rec}, received_at=when)  # fmt: skip


@pytest.fixture
def runtime(store_url: str) -> Iterator[Runtime]:
    settings = load(Settings, store_url=store_url, enrich=False)
    with Runtime(settings) as rt:
        yield rt


def ingest(runtime: Runtime, records: list[dict[str, Any]], when: datetime) -> list[str]:
    """Register, prepare and commit ``records`` as a worker does (enrichment off), with the
    clock at ``when`` (process_batch reads the real clock for the commit)."""
    run_id = new_run_id(when)
    batch = [raw(run_id, n, rec, when) for n, rec in enumerate(records)]
    runtime.store.register(batch, when)
    runtime.store.commit(prepare_batch(batch, runtime.deps(), when), when)
    return [i.item_key for i in batch]


def quarantined(runtime: Runtime, rec: dict[str, Any], when: datetime) -> str:
    """An item that failed for a reason that is not its input (as a worker quarantines it)."""
    item = raw(new_run_id(when), 0, rec, when)
    runtime.store.register([item], when)
    prepared = prepare_batch([item], runtime.deps(), when)
    prepared[0].quarantine(RuntimeError("a bug, not the input"))
    runtime.store.commit(prepared, when)
    return item.item_key


def ledger(store: Store) -> dict[str, dict[str, Any]]:
    with store.engine.connect() as conn:
        return {r["item_key"]: dict(r) for r in conn.execute(select(items)).mappings()}


def rows_in(store: Store, table: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def filled(runtime: Runtime) -> dict[str, str]:
    """Old and recent items of every outcome, a pending one and a quarantined one."""
    old = ingest(runtime, [record(1, BODY.format("May")), record(2, BODY.format("May")),
                           record(3, "")], OLD)  # fmt: skip
    recent = ingest(runtime, [record(4, OTHER.format("June")), record(5, ""),
                              record(6, OTHER.format("June"))], RECENT)  # fmt: skip
    pending = raw(new_run_id(OLD), 0, record(7, BODY.format("July")), OLD)
    runtime.store.register([pending], OLD)  # never processed: in flight since
    names = ("stored", "duplicate", "rejected", "recent_stored", "recent_rejected", "recent_dup")
    keys = dict(zip(names, old + recent, strict=True))
    keys["pending"] = pending.item_key
    keys["quarantined"] = quarantined(runtime, record(8, "An item that a bug stopped."), OLD)
    found = ledger(runtime.store)
    expected = {
        "stored": "stored", "duplicate": "duplicate", "rejected": "rejected",
        "recent_stored": "stored", "recent_rejected": "rejected", "recent_dup": "duplicate",
        "pending": "pending", "quarantined": "rejected",
    }  # fmt: skip
    assert {k: found[keys[k]]["status"] for k in expected} == expected
    assert found[keys["rejected"]]["payload"] is not None
    return keys


def test_payloads_go_rows_stay(runtime: Runtime, filled: dict[str, str]) -> None:
    store = runtime.store
    before = ledger(store)
    plan = Plan(NOW - timedelta(days=30), batch_size=2)
    assert count(store.engine, plan).counts == {"rejected payloads dropped": 1}
    assert ledger(store) == before  # a dry run changes nothing
    calls: list[tuple[str, int, int]] = []
    result = prune(store.engine, plan, lambda *a: calls.append(a))
    assert result.counts == {"rejected payloads dropped": 1}
    assert len(calls) >= len(before) // 2 and calls[-1][1] == len(before)  # every range
    after = ledger(store)
    gone = after[filled["rejected"]]
    assert gone["payload"] is None and gone["status"] == "rejected"
    kept = {k: before[filled["rejected"]][k] for k in ("reason", "message", "external_id", "url")}
    assert {k: gone[k] for k in kept} == kept and kept["reason"] == "empty_body"
    assert kept["external_id"] == "ext-3" and kept["url"] == "https://news.example/3"
    for name in ("recent_rejected", "pending", "quarantined"):
        assert after[filled[name]] == before[filled[name]], name
    assert rows_in(store, articles) == 2 and rows_in(store, quarantine) == 1
    assert prune(store.engine, plan).counts == {"rejected payloads dropped": 0}  # idempotent
    compact = Plan(NOW - timedelta(days=30), compact=True)
    assert prune(store.engine, compact).counts["rejected payloads dropped"] == 0
    assert count(store.engine, compact).counts["rejected payloads dropped"] == 0
    assert ledger(store)[filled["rejected"]] == gone


def test_rows_of_old_duplicates_and_rejections_go(runtime: Runtime, filled: dict[str, str]) -> None:
    store = runtime.store
    plan = Plan(NOW - timedelta(days=30), rows=True, batch_size=3)
    assert count(store.engine, plan).counts == {"ledger rows deleted": 2}
    assert prune(store.engine, plan).counts == {"ledger rows deleted": 2}
    after = ledger(store)
    assert filled["duplicate"] not in after and filled["rejected"] not in after
    for name in ("stored", "recent_stored", "recent_rejected", "recent_dup", "pending"):
        assert filled[name] in after, name
    assert after[filled["pending"]]["payload"] is not None  # in flight: its payload stays
    assert after[filled["quarantined"]]["payload"] is not None
    assert rows_in(store, articles) == 2 and rows_in(store, quarantine) == 1


def test_quarantine_only_when_asked(runtime: Runtime, filled: dict[str, str]) -> None:
    store = runtime.store
    plan = Plan(NOW - timedelta(days=30), rows=True, quarantine=True)
    expected = {
        "quarantine entries deleted": 1,
        "refused messages deleted": 0,
        "ledger rows deleted": 3,
    }
    assert count(store.engine, plan).counts == expected
    assert prune(store.engine, plan).counts == expected
    assert rows_in(store, quarantine) == 0 and filled["quarantined"] not in ledger(store)
    assert filled["pending"] in ledger(store) and rows_in(store, articles) == 2


def test_nothing_recent_goes(runtime: Runtime, filled: dict[str, str]) -> None:
    store = runtime.store
    before = ledger(store)
    plan = Plan(NOW - timedelta(days=60), rows=True, quarantine=True, batch_size=1)
    assert prune(store.engine, plan).total() == 0
    assert ledger(store) == before


def test_cli_dry_run_then_prune(store_url: str, filled: dict[str, str]) -> None:
    env = {"INGEST_STORE_URL": "sqlite:///nowhere/x.db", "INGEST_RETENTION_DAYS": "30"}
    args = ["prune", "--store", store_url, "--rows", "--batch-size", "100"]
    dry = run_cli([*args, "--dry-run"], env)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == ["ledger rows deleted (dry run): 2"]
    done = run_cli([*args, "--older-than", "30d"], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "ledger rows deleted: 2"
    assert "ledger rows deleted: 2 (8 rows scanned)" in done.stderr
    again = run_cli([*args, "--older-than", "45d", "--dry-run"], env)
    assert again.stdout.splitlines() == ["ledger rows deleted (dry run): 0"]
    bad = run_cli(["prune", "--store", store_url, "--older-than", "soon"], env)
    assert bad.returncode == 2 and "soon" in bad.stderr
    compact = run_cli(["prune", "--store", store_url, "--compact", "--dry-run"], {})
    assert compact.returncode == 0, compact.stderr
    if store_url.startswith("sqlite"):  # finished rows not in quarantine, any age: 6 - 2
        assert compact.stdout.splitlines() == ["ledger rows compacted (dry run): 4"]
    else:
        assert compact.stdout == "" and "vacuum" in compact.stderr


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_compact_alone_prunes_nothing(runtime: Runtime, filled: dict[str, str]) -> None:
    store = runtime.store
    before = ledger(store)
    result = prune(store.engine, Plan(None, compact=True, batch_size=3))
    assert result.counts == {"ledger rows compacted": 6}
    assert ledger(store) == before  # rejected payloads, pending and quarantined rows as they were


def ledger_bytes(store: Store) -> int:
    """Bytes of the ledger's B-tree in the SQLite file (dbstat), after a checkpoint."""
    path = store.engine.url.database
    assert path is not None
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        query = "SELECT SUM(pgsize) FROM dbstat WHERE name = 'items'"
        return int(conn.execute(query).fetchone()[0])


SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "de", "po")


def long_records(first: int, count: int, **fields: str) -> list[dict[str, Any]]:
    """Records of about 6 kB of words in random order: each is its own article."""
    found = []
    for n in range(first, first + count):
        rng = random.Random(n)
        words = ["".join(rng.choices(SYLLABLES, k=3)) for _ in range(900)]
        body = "\n\n".join(" ".join(words[i : i + 60]) + "." for i in range(0, 900, 60))
        found.append({**record(n, body), **fields})
    return found


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_sqlite_space_comes_back(runtime: Runtime) -> None:
    store = runtime.store
    for start in range(0, 600, 200):  # rejected (bad date), each with its whole record
        ingest(runtime, long_records(start, 200, published_at="not a date"), OLD)
    before = ledger(store)
    assert {r["reason"] for r in before.values()} == {"bad_date"}
    full = ledger_bytes(store)
    assert prune(store.engine, Plan(NOW)).counts == {"rejected payloads dropped": 600}
    after = ledger(store)
    assert all(r["payload"] is None for r in after.values())
    assert {k: {**r, "payload": None} for k, r in before.items()} == after  # only payloads
    assert ledger_bytes(store) < full / 4, (ledger_bytes(store), full)  # not an UPDATE


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_sqlite_outcomes_leave_no_empty_pages(runtime: Runtime) -> None:
    for start in range(0, 600, 200):  # registered with their 6 kB payloads, then stored
        ingest(runtime, long_records(start, 200), OLD)
    assert rows_in(runtime.store, articles) == 600
    # An UPDATE dropping the payload left its page space behind: 8.2 kB per row here.
    assert ledger_bytes(runtime.store) < 600 * 1500, ledger_bytes(runtime.store)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_sqlite_compact_gives_back_pending_payload_space(runtime: Runtime) -> None:
    store = runtime.store
    for start in range(0, 600, 200):
        ingest(runtime, long_records(start, 200), OLD)
    pending = raw(new_run_id(OLD), 0, record(9999, BODY.format("never")), OLD)
    store.register([pending], OLD)
    with store.engine.begin() as conn:  # a payload dropped by an UPDATE, as outcomes once were
        for value in ("json_object('pad', hex(zeroblob(3000)))", "'null'"):
            conn.exec_driver_sql(f"UPDATE items SET payload = {value} WHERE status = 'stored'")
    before = ledger(store)
    assert sum(r["status"] == "stored" for r in before.values()) == 600
    written = ledger_bytes(store)
    assert written > 600 * 3000  # each row kept the page space of its pending payload
    plan = Plan(NOW, compact=True)
    assert count(store.engine, plan).counts == {
        "rejected payloads dropped": 0,
        "ledger rows compacted": 600,
    }
    assert prune(store.engine, plan).counts["ledger rows compacted"] == 600
    assert ledger(store) == before  # the same rows, pending one included
    assert ledger_bytes(store) < written / 4, (ledger_bytes(store), written)
    assert rows_in(store, articles) == 600


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_compact_is_vacuums_job_on_postgresql(runtime: Runtime, filled: dict[str, str]) -> None:
    plan = Plan(NOW, compact=True)
    assert set(count(runtime.store.engine, plan).counts) == {"rejected payloads dropped"}
