"""The store's driver-level fast paths give what the SQLAlchemy paths give, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Table, insert, select

from tests.stages import run_batch
from worker.core.errors import StoreRefused
from worker.core.models import Kind, Outcome, RawItem, Status
from worker.pipeline.prepare import Deps
from worker.store import Store
from worker.store.commit import article_row
from worker.store.driver import insert_plain_rows, insert_rows, rows_with
from worker.store.engine import write_transaction
from worker.store.index import band_members
from worker.store.ledger import ledger_row
from worker.store.schema import articles, dedup_keys, items, near_keys

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
BODY = (
    "PORTSMOUTH - The city's harbour reopened on Thursday after three weeks of repairs to the "
    "sea wall damaged in the March storm, the port authority said. The repairs cost about 2.4 "
    "million pounds and were paid by the regional council, which had asked the state for help."
)


def item(key: str, body: str = BODY, **record: Any) -> RawItem:
    payload = {"record": {"title": "Harbour reopens", "body": body, **record}}
    return RawItem(item_key=key, source="wire", kind=Kind.RECORD, payload=payload, received_at=NOW)


def ledger(store: Store, keys: list[str]) -> list[dict[str, Any]]:
    query = select(items).where(items.c.item_key.in_(keys)).order_by(items.c.item_key)
    with store.engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def test_registering_encoded_items_writes_the_same_rows(store: Store) -> None:
    odd = {"n": 12345678901234567890123456, "text": "é\u2028”", "none": None}
    plain = [item("a-0000001", extra=odd), item("a-0000002")]
    encoded = [item("b-0000001", extra=odd), item("b-0000002")]
    store.register(plain, NOW)
    store.register(encoded, NOW, [i.model_dump_json() for i in encoded])
    store.register(encoded[:1], NOW + timedelta(hours=1), [encoded[0].model_dump_json()])
    a = ledger(store, [i.item_key for i in plain])
    b = ledger(store, [i.item_key for i in encoded])
    assert len(b) == 2  # registered twice, still one row, the first one
    for row_a, row_b in zip(a, b, strict=True):
        assert row_b["accepted_at"].replace(tzinfo=UTC) == NOW
        assert row_b["status"] == Status.PENDING
        assert row_b["run_id"] == "b"
        assert row_b["payload"]["payload"] == row_a["payload"]["payload"]
        assert {k: v for k, v in row_a.items() if k not in ("item_key", "run_id", "payload")} == {
            k: v for k, v in row_b.items() if k not in ("item_key", "run_id", "payload")
        }


def test_near_copy_found_through_the_key_list_lookups(store: Store) -> None:
    original = item("r-0000001", url="https://news.example.org/harbour")
    copy = item("r-0000002", body=BODY.replace("Thursday", "Friday") + " Share this article.")
    for one in (original, copy):
        store.register([one], NOW)
    first = store.commit(run_batch([original], Deps(), NOW), NOW)
    again = store.commit(run_batch([original, copy], Deps(), NOW), NOW)  # a redelivery too
    assert first[0].status == Status.STORED
    assert again[0] == first[0]
    assert (again[1].status, again[1].method, again[1].duplicate_of) == (
        Status.DUPLICATE, "near", original.item_key,
    )  # fmt: skip


def test_dedup_window_reads_stored_timestamps(store_url: str) -> None:
    # Candidates' creation times come back through the driver (text on SQLite): an
    # article older than the window is no longer a near-duplicate target.
    store = Store(store_url, window_days=7)
    try:
        store.ensure_schema()
        old = item("w-0000001")
        copy = item("w-0000002", body=BODY + " Share this article.")
        store.register([old, copy], NOW)
        store.commit(run_batch([old], Deps(), NOW), NOW)
        later = NOW + timedelta(days=8)
        (outcome,) = store.commit(run_batch([copy], Deps(), later), later)
        assert outcome.status == Status.STORED
        recent = item("w-0000003", body=BODY + " Read more.")
        store.register([recent], later)
        (outcome,) = store.commit(run_batch([recent], Deps(), later), later)
        assert (outcome.status, outcome.duplicate_of) == (Status.DUPLICATE, copy.item_key)
    finally:
        store.close()


def stored(store: Store, table: Table, key: str, values: list[str]) -> list[tuple[Any, ...]]:
    """Rows as the driver returns them (stored text, not SQLAlchemy's reading of it), in the
    order of ``values``, without the key column and those unique to a row."""
    names = [c.name for c in table.c if c.name not in (key, "seq", "fingerprint")]
    query = select(*(table.c[n] for n in names), table.c[key]).where(table.c[key].in_(values))
    with store.engine.connect() as conn:
        sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        rows = {row[-1]: tuple(row[:-1]) for row in conn.exec_driver_sql(sql)}
    return [rows[v] for v in values]


def test_dict_rows_through_the_driver_store_what_sqlalchemy_stores(store: Store) -> None:
    # Articles (JSON, text, float and timestamp columns, None in each), ledger rows (with
    # and without a payload, ON CONFLICT) and dedup keys (a column named "key"): each set
    # written through SQLAlchemy and through insert_rows, then compared as stored.
    sent = [item("p-0000001", url="https://news.example.org/a", extra={"n": 1, "x": None})]
    sent.append(item("p-0000002", body=BODY.replace("harbour", "port") + " Again."))
    store.ensure_schema()
    prepared = run_batch(sent, Deps(), NOW)
    plain, fast = [], []
    for n, p in enumerate(prepared):
        assert p.article is not None
        for rows, prefix in ((plain, "plain"), (fast, "fast")):
            row = article_row(p.article, p.near, None, NOW)
            row["fingerprint"] = prefix[0] + row["fingerprint"][1:]  # unique
            rows.append(
                {
                    **row,
                    "id": f"{prefix}-{n}",
                    "similar_to": None,
                    "seq": len(rows) * 2 + (prefix == "fast"),
                    # as the light profile writes them: JSON and binary columns set to None
                    "story_id": None,
                    "story_vec": None,
                    "story_evidence": None,
                }
            )
    ledger_rows = [ledger_row(i, NOW, keep_payload=n == 0) for n, i in enumerate(sent)]
    plain_items = [{**r, "item_key": f"plain-{r['item_key']}"} for r in ledger_rows]
    fast_items = [{**r, "item_key": f"fast-{r['item_key']}"} for r in ledger_rows]
    with store.engine.begin() as conn:
        conn.execute(insert(articles), plain)
        insert_rows(conn, articles, fast)
        conn.execute(insert(items), plain_items)
        insert_rows(conn, items, fast_items, conflict=["item_key"])
        insert_rows(conn, items, fast_items[:1], conflict=["item_key"])  # already there
        conn.execute(insert(dedup_keys), [{"key": "fp:plain", "article_id": "plain-0"}])
        insert_rows(conn, dedup_keys, [{"key": "fp:fast", "article_id": "fast-0"}])
    ids = ["plain-0", "plain-1"], ["fast-0", "fast-1"]
    assert stored(store, articles, "id", ids[0]) == stored(store, articles, "id", ids[1])
    keys = [r["item_key"] for r in plain_items], [r["item_key"] for r in fast_items]
    assert stored(store, items, "item_key", keys[0]) == stored(store, items, "item_key", keys[1])
    assert stored(store, dedup_keys, "key", ["fp:fast"]) == [("fast-0",)]


def test_dict_rows_missing_a_defaulted_column_get_its_default(store: Store) -> None:
    # A row without `attempts` (a Python-side default) cannot take the driver's path as it is.
    row = {k: v for k, v in ledger_row(item("d-0000001"), NOW).items() if k != "attempts"}
    store.ensure_schema()
    with store.engine.begin() as conn:
        insert_rows(conn, items, [row])
    assert ledger(store, ["d-0000001"])[0]["attempts"] == 0


def test_a_band_key_shared_by_many_articles_is_read_up_to_its_cap(store: Store) -> None:
    # 70 stored articles share one band key (text they all carry), 3 share another: the
    # first key's members are read up to the cap, the same ones on every call and on both
    # stores (the smallest ids); the second key's all.
    store.ensure_schema()
    prepared = run_batch([item("c-0000001")], Deps(), NOW)
    assert prepared[0].article is not None
    base = article_row(prepared[0].article, prepared[0].near, None, NOW)
    rows = [
        {**base, "id": f"c-{n:04d}", "fingerprint": f"{n:064x}", "similar_to": None, "seq": n}
        for n in range(70)
    ]
    crowded, quiet = 7_000_000_001, -42
    with store.engine.begin() as conn:
        insert_rows(conn, articles, rows)
        keys = [{"band_key": crowded, "article_id": r["id"]} for r in rows]
        keys += [{"band_key": quiet, "article_id": r["id"]} for r in rows[:3]]
        conn.execute(insert(near_keys), keys)
    with store.engine.connect() as conn:
        members = band_members(conn, {crowded, quiet, 123}, cap=64)
        again = band_members(conn, {crowded}, cap=64)
    assert members[crowded] == {f"c-{n:04d}" for n in range(64)} == again[crowded]
    assert members[quiet] == {"c-0000", "c-0001", "c-0002"}
    assert 123 not in members


def test_plain_rows_are_stored_and_a_refused_one_is_a_data_error(store: Store) -> None:
    # The band keys' bulk path (multi-row VALUES on SQLite, COPY on PostgreSQL) stores what
    # it is given, and a row the database refuses (a key stored already) is a refused row, not
    # an outage: the batch's items get their own outcome instead of waiting for a database
    # that is up.
    store.ensure_schema()
    prepared = run_batch([item("p-0000001")], Deps(), NOW)
    assert prepared[0].article is not None
    row = article_row(prepared[0].article, prepared[0].near, None, NOW)
    with write_transaction(store.engine) as conn:
        insert_rows(conn, articles, [row])
        insert_plain_rows(
            conn, near_keys, ("band_key", "article_id"), [(-5, row["id"]), (9, row["id"])]
        )
    with store.engine.connect() as conn:
        stored = conn.execute(select(near_keys.c.band_key, near_keys.c.article_id)).all()
    assert sorted(stored) == [(-5, row["id"]), (9, row["id"])]
    with pytest.raises(StoreRefused), write_transaction(store.engine) as conn:
        insert_plain_rows(conn, near_keys, ("band_key", "article_id"), [(9, row["id"])])


def test_key_lists_reach_the_server_as_they_are(store: Store) -> None:
    # The key lists travel as one array literal (driver.pg_array on PostgreSQL, JSON on
    # SQLite): any text must come back unchanged, and only the rows asked for.
    odd = ['a"b', "c\\d", "e,f", "{g}", "NULL", "", "h i", "é\u2028”", "url:https://x/?a=1&b={2}"]
    bands = [-(2**63), -5, 0, 7, 2**63 - 1]
    prepared = run_batch([item("k-0000001")], Deps(), NOW)
    assert prepared[0].article is not None
    article = article_row(prepared[0].article, prepared[0].near, None, NOW)
    ident = article["id"]
    with write_transaction(store.engine) as conn:
        insert_rows(conn, articles, [article])
        keys = [{"key": key, "article_id": ident} for key in [*odd, "other"]]
        insert_rows(conn, dedup_keys, keys)
        insert_plain_rows(conn, near_keys, ("band_key", "article_id"), [(b, ident) for b in bands])
    with store.engine.connect() as conn:
        found = rows_with(conn, dedup_keys, ("key", "article_id"), "key", odd)
        members = rows_with(conn, near_keys, ("band_key", "article_id"), "band_key", [*bands, 99])
    assert sorted(key for key, _ in found) == sorted(odd)
    assert sorted(band for band, _ in members) == sorted(bands)


def test_outcomes_are_written_once_with_the_callers_identity(store: Store) -> None:
    # The outcome upsert (one JSON array of rows on PostgreSQL): a stored item drops its
    # payload, a rejected one keeps it to be replayed, a later outcome never overwrites a
    # finished one, and a copy keeps what its caller called it.
    first, copy = item("o-0000001", id="ext-1"), item("o-0000002", id="ext-2", title="Again")
    failed = RawItem(item_key="o-0000003", source="https://x.example/", kind=Kind.URL, payload={})
    store.register([first, copy, failed], NOW)
    outcomes = store.commit(run_batch([first, copy], Deps(), NOW), NOW)
    assert [o.status for o in outcomes] == [Status.STORED, Status.DUPLICATE]
    refused = Outcome(item_key=failed.item_key, status=Status.REJECTED, reason="fetch_failed")
    late = Outcome(item_key=first.item_key, status=Status.REJECTED, reason="fetch_failed")
    store.record([(failed, refused), (first, late)], NOW + timedelta(hours=1))
    rows = {row["item_key"]: row for row in ledger(store, ["o-0000001", "o-0000002", "o-0000003"])}
    assert rows["o-0000001"]["status"] == Status.STORED and rows["o-0000001"]["payload"] is None
    assert rows["o-0000002"]["duplicate_of"] == "o-0000001"
    assert (rows["o-0000002"]["external_id"], rows["o-0000002"]["title"]) == ("ext-2", "Again")
    assert rows["o-0000002"]["finished_at"].replace(tzinfo=UTC) == NOW
    assert rows["o-0000003"]["reason"] == "fetch_failed"
    assert RawItem.model_validate(rows["o-0000003"]["payload"]) == failed
    assert rows["o-0000003"]["accepted_at"].replace(tzinfo=UTC) == NOW


def test_outcomes_of_awkward_batches_are_written(store: Store) -> None:
    # A rejected payload with an integer beyond 64 bits (JSON's slow path, beside the
    # timestamps), and an item key twice in one batch: the first outcome is kept.
    big = RawItem(item_key="w-0000001", source="wire", kind=Kind.RECORD,
                  payload={"record": {"id": 12345678901234567890123456, "body": ""}})  # fmt: skip
    other = item("w-0000002")
    store.register([big, other], NOW)
    empty = Outcome(item_key=big.item_key, status=Status.REJECTED, reason="empty_body")
    first = Outcome(item_key=other.item_key, status=Status.REJECTED, reason="fetch_failed")
    second = Outcome(item_key=other.item_key, status=Status.REJECTED, reason="binary")
    store.record([(big, empty), (other, first), (other, second)], NOW)
    rows = {row["item_key"]: row for row in ledger(store, ["w-0000001", "w-0000002"])}
    assert RawItem.model_validate(rows["w-0000001"]["payload"]) == big
    assert rows["w-0000001"]["reason"] == "empty_body"
    assert rows["w-0000002"]["reason"] == "fetch_failed"


def test_outcomes_beyond_one_arrays_size_are_all_written(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("worker.store.ledger._UPSERT_BYTES", 1)  # one row per statement
    sent = [item(f"s-000000{n}") for n in range(3)]
    store.register(sent, NOW)
    failed = [Outcome(item_key=i.item_key, status=Status.REJECTED, reason="binary") for i in sent]
    store.record(list(zip(sent, failed, strict=True)), NOW)
    rows = ledger(store, [i.item_key for i in sent])
    assert [row["reason"] for row in rows] == ["binary"] * 3
