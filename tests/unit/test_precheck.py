"""The read-only precheck that spares duplicates the enrichment stage."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.corpus import bodies
from worker.core.models import Kind, RawItem
from worker.pipeline.prepare import Deps, prepare_batch
from worker.store import Store


def item(key: str, body: str) -> RawItem:
    return RawItem(item_key=key, source="t", kind=Kind.RECORD, payload={"record": {"body": body}})


def test_copies_of_stored_articles_and_of_earlier_items_in_the_batch(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/s.db")
    stored, fresh = bodies(2, seed=4, words=200)
    now = datetime.now(UTC)
    store.commit(prepare_batch([item("old", stored)], Deps(), now), now)
    batch = [item("a", stored), item("b", fresh), item("c", fresh), item("d", "Intro. " + fresh)]
    prepared = prepare_batch(batch, Deps(), now)
    known = store.known_duplicates(prepared, now)
    outcomes = store.commit(prepared, now)
    assert known == {"a", "c", "d"}
    assert {o.item_key for o in outcomes if o.status == "duplicate"} == known
