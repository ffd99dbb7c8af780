"""The results store on a real SQLite file (worker/store/)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.stages import run_batch
from worker.core.models import Kind, Outcome, Prepared, RawItem, Status
from worker.pipeline.prepare import Deps
from worker.store import Store

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_33deb995d6668e48.txt"
SEED_TITLE = (
    "Le Kremlin exhorte à désescalper les relations entre l'Iran et l'Israël "
    "à briser les relations entre les deux pays"
)
HARBOUR = (
    "PORTSMOUTH - The city's harbour reopened on Thursday after three weeks of repairs to the "
    "sea wall damaged in the March storm, the port authority said. The repairs cost about 2.4 "
    "million pounds and were paid by the regional council, which had asked the state for help."
)
RAIL = (
    "LONDON - Rail workers voted on Wednesday to hold a two-day strike in May over pay, their "
    "union said, the third walkout this year. About 40,000 members took part in the ballot and "
    "86 percent backed the action; the operators said they would publish a reduced timetable."
)
URL = "https://news.example.org/2024/harbour"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "store.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{db_path}")
    yield s
    s.close()


def rec(key: str, body: str, url: str | None = None, **fields: Any) -> RawItem:
    record = {"title": f"Title {key}", "body": body, **fields}
    if url:
        record["url"] = url
    return RawItem(
        item_key=f"run1-{key}", source="wire", kind=Kind.RECORD, payload={"record": record}
    )


def bad(key: str, reason: str = "invalid_json") -> RawItem:
    payload = {"reason": reason, "message": "Expecting value: line 1 column 1"}
    return RawItem(
        item_key=f"run1-{key}", source="wire.jsonl:2", kind=Kind.INVALID, payload=payload
    )


def prepare(items: list[RawItem]) -> list[Prepared]:
    return run_batch(items, Deps(), NOW)


def commit(store: Store, items: list[RawItem], now: datetime = NOW) -> list[Outcome]:
    store.register(items, now)
    return store.commit(prepare(items), now)


def table_counts(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        tables = ("items", "articles", "dedup_keys", "near_keys")
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def by_key(outcomes: list[Outcome]) -> dict[str, Outcome]:
    return {o.item_key.removeprefix("run1-"): o for o in outcomes}


# --- commit --------------------------------------------------------------------------------


def test_the_file_and_its_folder_are_created(store: Store, db_path: Path) -> None:
    assert not db_path.exists()
    commit(store, [rec("a", HARBOUR)])
    assert db_path.is_file()
    assert store.dialect == "sqlite"


def test_commit_stores_and_returns_one_outcome_per_item(store: Store, db_path: Path) -> None:
    items = [rec("a", HARBOUR, URL), rec("b", RAIL), bad("c")]
    outcomes = commit(store, items)
    assert [o.item_key for o in outcomes] == [i.item_key for i in items]
    assert [o.status for o in outcomes] == [Status.STORED, Status.STORED, Status.REJECTED]
    assert outcomes[0].article_id == "run1-a"
    assert outcomes[2].reason == "invalid_json"
    counts = table_counts(db_path)
    assert counts["items"] == 3
    assert counts["articles"] == 2
    # fp keys for both articles, a url key for the one with a URL
    assert counts["dedup_keys"] == 3
    assert counts["near_keys"] > 0
    assert set(store.outcomes([i.item_key for i in items])) == {i.item_key for i in items}


def test_data_survives_a_new_store_on_the_same_file(db_path: Path) -> None:
    first = Store(f"sqlite:///{db_path}")
    commit(first, [rec("a", HARBOUR)])
    first.close()
    second = Store(f"sqlite:///{db_path}")
    try:
        [outcome] = commit(second, [rec("z", HARBOUR)])
        assert outcome.status is Status.DUPLICATE
        assert outcome.duplicate_of == "run1-a"
    finally:
        second.close()


def test_redelivery_of_the_same_batch_changes_nothing(store: Store, db_path: Path) -> None:
    items = [rec("a", HARBOUR, URL), rec("b", HARBOUR), rec("c", RAIL), bad("d")]
    first = commit(store, items)
    before = table_counts(db_path)
    exported = list(store.export("stored"))
    stats = store.stats()
    second = commit(store, items, LATER)
    assert second == first
    assert table_counts(db_path) == before
    assert list(store.export("stored")) == exported
    assert store.stats() == stats


def test_redelivery_after_a_partial_batch(store: Store) -> None:
    """Items already finished keep their outcome; the new ones are decided."""
    commit(store, [rec("a", HARBOUR)])
    outcomes = by_key(commit(store, [rec("a", HARBOUR), rec("b", RAIL)], LATER))
    assert outcomes["a"].status is Status.STORED  # not a duplicate of itself
    assert outcomes["b"].status is Status.STORED


def test_exact_duplicate_by_fingerprint(store: Store) -> None:
    commit(store, [rec("a", HARBOUR, URL)])
    # Other URL, other title, case and spacing changed: same normalised body.
    copy = rec("b", "  " + HARBOUR.upper().replace(" ", "   "), "https://other.example/x")
    [outcome] = commit(store, [copy], LATER)
    assert outcome.status is Status.DUPLICATE
    assert outcome.duplicate_of == "run1-a"
    assert outcome.article_id == "run1-a"
    assert outcome.method == "exact"
    assert outcome.similarity == 1.0
    assert len(list(store.export("stored"))) == 1


def test_duplicate_inside_one_batch(store: Store, db_path: Path) -> None:
    outcomes = by_key(commit(store, [rec("a", HARBOUR), rec("b", RAIL), rec("c", HARBOUR)]))
    assert outcomes["a"].status is Status.STORED
    assert outcomes["c"].status is Status.DUPLICATE
    assert outcomes["c"].duplicate_of == "run1-a"
    assert table_counts(db_path)["articles"] == 2


def test_near_duplicate_inside_one_batch(store: Store) -> None:
    reprint = HARBOUR + " Fishermen said they lost almost a month of work."
    outcomes = by_key(commit(store, [rec("a", HARBOUR), rec("b", reprint)]))
    assert outcomes["b"].status is Status.DUPLICATE
    assert outcomes["b"].duplicate_of == "run1-a"
    assert outcomes["b"].method == "near"


def test_same_url_same_body_is_a_duplicate(store: Store) -> None:
    commit(store, [rec("a", HARBOUR, URL)])
    [outcome] = commit(store, [rec("b", HARBOUR, URL + "?utm_source=rss#top")], LATER)
    assert outcome.status is Status.DUPLICATE
    assert outcome.duplicate_of == "run1-a"


def test_same_url_with_a_changed_sentence_is_a_revision_that_becomes_current(
    store: Store,
) -> None:
    commit(store, [rec("a", HARBOUR, URL)])
    edited = HARBOUR.replace("Thursday", "Thursday morning")
    [outcome] = commit(store, [rec("b", edited, URL)], LATER)
    assert (outcome.status, outcome.revision_of) == (Status.STORED, "run1-a")
    rows = {r["id"]: r for r in store.export("stored")}
    assert rows["run1-a"]["superseded_by"] == "run1-b"
    assert rows["run1-b"]["superseded_by"] is None
    assert [r["id"] for r in store.export("stored", latest=True)] == ["run1-b"]


def test_same_url_trivially_restyled_is_a_url_duplicate(store: Store) -> None:
    commit(store, [rec("a", HARBOUR, URL)])
    restyled = "By Jane Doe\n" + HARBOUR.replace("'", "’")
    [outcome] = commit(store, [rec("b", restyled, URL)], LATER)
    assert (outcome.status, outcome.method) == (Status.DUPLICATE, "url")
    assert outcome.duplicate_of == "run1-a"


def test_the_seed_updated_at_its_url_is_a_revision(store: Store) -> None:
    seed = SEED.read_text(encoding="utf-8")
    title, _, body = seed.partition("\n")
    commit(store, [rec("a", body, URL, title=title)])
    update = body + "\nMise à jour, 18:40 : le ministère a confirmé la rencontre de lundi."
    [outcome] = commit(store, [rec("b", update, URL, title=title)], LATER)
    assert (outcome.status, outcome.revision_of) == (Status.STORED, "run1-a")


def test_thin_teasers_with_different_titles_and_links_are_distinct(store: Store) -> None:
    teaser = "Read the full story on Example News."
    items = [rec(str(n), teaser, f"https://example.test/{n}", title=f"Story {n}") for n in range(5)]
    outcomes = commit(store, items)
    assert [o.status for o in outcomes] == [Status.STORED] * 5
    [again] = commit(store, [rec("6", teaser, "https://example.test/0", title="Story 0")], LATER)
    assert again.status is Status.DUPLICATE  # the same teaser sent twice is still one


def test_duplicates_and_rejections_carry_the_callers_identity(store: Store) -> None:
    commit(store, [rec("a", HARBOUR, URL, id="ext-1")])
    commit(store, [rec("b", HARBOUR, "https://other.test/x", id="ext-2"), bad("x")], LATER)
    [dup] = list(store.export("duplicate"))
    assert (dup["external_id"], dup["url"], dup["title"]) == (
        "ext-2",
        "https://other.test/x",
        "Title b",
    )
    [rejected] = list(store.export("rejected"))
    assert rejected["item_key"] == "run1-x" and "external_id" in rejected


def test_same_url_changed_body_is_a_revision(store: Store, db_path: Path) -> None:
    commit(store, [rec("a", HARBOUR, URL)])
    [outcome] = commit(store, [rec("b", RAIL, "https://NEWS.example.org/2024/harbour#x")], LATER)
    assert outcome.status is Status.STORED
    assert outcome.revision_of == "run1-a"
    assert outcome.duplicate_of is None
    rows = {r["id"]: r for r in store.export("stored")}
    assert rows["run1-b"]["revision_of"] == "run1-a"
    assert rows["run1-a"]["revision_of"] is None
    assert rows["run1-a"]["canonical_url"] == rows["run1-b"]["canonical_url"] == URL
    assert store.stats()["revisions"] == 1
    assert table_counts(db_path)["articles"] == 2


def test_revision_inside_one_batch(store: Store) -> None:
    outcomes = by_key(commit(store, [rec("a", HARBOUR, URL), rec("b", RAIL, URL)]))
    assert outcomes["a"].status is Status.STORED
    assert outcomes["b"].status is Status.STORED
    assert outcomes["b"].revision_of == "run1-a"


def test_rejected_items_keep_their_payload(store: Store) -> None:
    item = bad("x", "binary")
    commit(store, [item, rec("a", HARBOUR)])
    [row] = list(store.export("rejected"))
    assert row["item_key"] == "run1-x"
    assert row["status"] == "rejected"
    assert row["reason"] == "binary"
    assert row["message"] == "Expecting value: line 1 column 1"
    payload = row["payload"] if isinstance(row["payload"], dict) else json.loads(row["payload"])
    assert RawItem.model_validate(payload) == item


def test_finished_items_drop_their_payload(store: Store, db_path: Path) -> None:
    commit(store, [rec("a", HARBOUR), rec("b", HARBOUR)])
    with sqlite3.connect(db_path) as conn:
        payloads = conn.execute("SELECT payload FROM items ORDER BY item_key").fetchall()
    assert [p[0] for p in payloads] in ([None, None], ["null", "null"])
    [dup] = list(store.export("duplicate"))
    assert "payload" not in dup
    assert dup["duplicate_of"] == "run1-a"


def test_pending_items_keep_their_payload_until_committed(store: Store, db_path: Path) -> None:
    item = rec("a", HARBOUR)
    store.register([item], NOW)
    store.register([item], LATER)  # registered twice: still one row
    assert store.outcomes([item.item_key]) == {}
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT status, payload FROM items").fetchall()
    assert len(rows) == 1
    assert rows[0][0] == "pending"
    assert RawItem.model_validate_json(rows[0][1]) == item
    assert store.stats()["by_status"] == {"pending": 1}


def test_a_finished_outcome_is_never_overwritten(store: Store) -> None:
    item = rec("a", HARBOUR)
    commit(store, [item])
    late = Outcome(item_key=item.item_key, status=Status.REJECTED, reason="fetch_failed")
    store.record([(item, late)], LATER)
    assert store.outcomes([item.item_key])[item.item_key].status is Status.STORED


def test_record_outcomes_from_outside_the_pipeline(store: Store) -> None:
    item = RawItem(item_key="run1-u", source="https://x.example/", kind=Kind.URL, payload={})
    store.register([item], NOW)
    failed = Outcome(item_key=item.item_key, status=Status.REJECTED, reason="fetch_failed")
    store.record([(item, failed)], LATER)
    assert store.outcomes([item.item_key])[item.item_key].reason == "fetch_failed"


# --- stats and export ----------------------------------------------------------------------


def test_stats(store: Store) -> None:
    seed = RawItem(
        item_key="run1-seed",
        source="seeds",
        kind=Kind.TEXT,
        payload={"text": SEED.read_text(encoding="utf-8")},
    )
    commit(store, [rec("a", HARBOUR), rec("b", HARBOUR), bad("c"), bad("d", "binary"), seed])
    stats = store.stats()
    assert stats["items"] == 5
    assert stats["by_status"] == {"stored": 2, "rejected": 2, "duplicate": 1}
    assert stats["by_reason"] == {"binary": 1, "invalid_json": 1}
    assert stats["by_method"] == {"exact": 1}
    assert stats["by_source"] == {"wire": 2, "wire.jsonl:2": 2, "seeds": 1}
    assert stats["by_language"] == {"en": 1, "fr": 1}
    assert sum(stats["by_status"].values()) == stats["items"]
    assert store.stats(run_id="run1")["items"] == 5
    assert store.stats(run_id="other-run")["items"] == 0


def test_export_of_the_seed(store: Store) -> None:
    seed = RawItem(
        item_key="run1-seed",
        source="seeds/000_33deb995d6668e48.txt",
        kind=Kind.TEXT,
        payload={"text": SEED.read_text(encoding="utf-8")},
    )
    commit(store, [seed])
    [row] = list(store.export())
    json.dumps(row)  # JSON lines: every value must serialise
    assert row["id"] == "run1-seed"
    assert row["title"] == SEED_TITLE
    assert row["language"] == "fr"
    assert row["body"].startswith("JAKARTA")
    assert len(row["fingerprint"]) == 64
    assert row["status"] == "stored"
    assert "near_sig" not in row


def test_export_keeps_record_fields(store: Store) -> None:
    commit(
        store,
        [
            rec(
                "a",
                HARBOUR,
                URL + "?utm_source=rss",
                published_at="2024-04-18T09:30:00+01:00",
                authors=["Sam Carter"],
                language="en",
                section="local",
            ),
            rec("b", RAIL, published_at="2024-04-16"),
            rec(
                "c",
                HARBOUR + " Later edit.",
                "https://x.example/c",
                published_at="2024-04-16T10:00",
            ),
        ],
    )
    rows = {r["id"]: r for r in store.export("stored")}
    assert rows["run1-a"]["published_at"] == "2024-04-18T09:30:00+01:00"
    assert rows["run1-b"]["published_at"] == "2024-04-16"
    assert rows["run1-a"]["url"] == URL + "?utm_source=rss"
    assert rows["run1-a"]["canonical_url"] == URL
    assert rows["run1-a"]["authors"] == ["Sam Carter"]
    assert rows["run1-a"]["declared_language"] == "en"
    assert rows["run1-a"]["extra"] == {"section": "local"}
    assert [r["id"] for r in store.export("stored")] == ["run1-a", "run1-b"]
    # c is a near-duplicate of a: it appears in the duplicate export, not the stored one
    assert [r["item_key"] for r in store.export("duplicate")] == ["run1-c"]


def test_export_of_an_empty_store(store: Store) -> None:
    assert list(store.export()) == []
    assert store.stats()["items"] == 0


def test_a_failure_while_fetching_plain_rows_is_wrapped_as_sqlalchemy_wraps_one(
    store: Store,
) -> None:
    # The first row comes with the execute, the failing second one only with the fetch: the
    # store's error handling (store_down, missing tables) reads SQLAlchemy's exception types.
    from sqlalchemy.exc import DBAPIError

    from worker.store.driver import plain_rows

    store.ensure_schema()
    query = "SELECT CASE WHEN value > 1 THEN json('not json') ELSE value END FROM json_each(?)"
    with store.engine.connect() as conn:
        assert plain_rows(conn, query, ("[1]",)) == [(1,)]
        with pytest.raises(DBAPIError, match="malformed JSON"):
            plain_rows(conn, query, ("[1, 2]",))
