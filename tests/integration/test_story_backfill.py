"""``ingest reenrich`` gives a story to articles stored without one (enrichment off), on real
SQLite and PostgreSQL stores: the reports of one event share it, in any language, other
events stay apart, reports stored later with a story are joined, a second run (or ``--all``)
changes nothing, and two workers backfilling the reports of one event at the same moment
end in one story."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.integration.test_stories import DEVSET
from tests.support import run_cli, workers
from worker.core.settings import Settings, load
from worker.ingest.inprocess import run_inprocess
from worker.ingest.reenrich import reenrich
from worker.ingest.runtime import Runtime
from worker.store import Store
from worker.store.reenrich import Selection
from worker.store.schema import articles

pytestmark = pytest.mark.integration

PAIRS = [
    ("kremlin-fr", "kremlin-id"),
    ("bus-java-id", "bus-java-en"),
    ("quake-fr", "quake-es"),
    ("tesla-recall-en", "tesla-recall-es"),
]
APART = "bus-sumatra-en"  # a second bus accident, another province: its own story


def settings(store_url: str, **overrides: Any) -> Settings:
    return load(Settings, store_url=store_url, **overrides)


def ingest(
    store_url: str, path: Path, keys: list[str], enrich: bool, copies: tuple[str, ...] = ()
) -> None:
    """The dev set's reports of ``keys``, and an exact copy of each of ``copies``."""
    fields = ("id", "title", "body", "published_at")
    rows = [{k: DEVSET[key][k] for k in fields} for key in [*keys, *copies]]
    for row in rows[len(keys) :]:
        row["id"] = f"copy-of-{row['id']}"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with Runtime(settings(store_url, enrich=enrich)) as runtime:
        summary = run_inprocess([str(path)], runtime)
    expected = {"stored": len(keys), **({"duplicate": len(copies)} if copies else {})}
    assert summary["by_status"] == expected


def stories(store_url: str) -> dict[str, tuple[str | None, bool, bool]]:
    """external id -> (story_id as stored, has a vector, has evidence)."""
    store = Store(store_url)
    c = articles.c
    try:
        with store.engine.connect() as conn:
            query = select(c.external_id, c.story_id, c.story_vec, c.story_evidence)
            rows = conn.execute(query).all()
    finally:
        store.close()
    return {key: (story, vec is not None, bool(ev)) for key, story, vec, ev in rows}


def exported(store_url: str) -> dict[str, str | None]:
    """external id -> story_id as exports give it (the survivor of merges)."""
    store = Store(store_url)
    try:
        return {r["external_id"]: r["story_id"] for r in store.export()}
    finally:
        store.close()


def duplicates(store_url: str) -> list[dict[str, Any]]:
    store = Store(store_url)
    try:
        return list(store.export("duplicate"))
    finally:
        store.close()


def run(store_url: str, **overrides: Any) -> dict[str, Any]:
    force = overrides.pop("force", False)
    with Runtime(settings(store_url, **overrides)) as runtime:
        return reenrich(runtime, Selection(), force=force).as_dict()


def assert_grouped(found: dict[str, str | None]) -> None:
    assert None not in found.values()
    for a, b in PAIRS:
        assert found[a] == found[b], (a, b)
    assert len({found[a] for a, _ in PAIRS} | {found[APART]}) == len(PAIRS) + 1


def test_articles_stored_without_a_story_get_one_once(store_url: str, tmp_path: Path) -> None:
    keys = [k for pair in PAIRS for k in pair] + [APART]
    ingest(store_url, tmp_path / "all.jsonl", keys, enrich=False, copies=("quake-fr",))
    assert {s for s, _, _ in stories(store_url).values()} == {None}

    report = run(store_url, batch_size=4)  # pages cut the pairs: the window spans them
    assert (report["enriched"], report["stories"]) == (len(keys), len(keys))
    found = stories(store_url)
    assert all(vec and evidence for _, vec, evidence in found.values())
    assert_grouped(exported(store_url))
    [copy] = duplicates(store_url)  # a duplicate carries its article's story
    assert copy["external_id"] == "copy-of-quake-fr"
    assert copy["story_id"] == exported(store_url)["quake-fr"]

    before = exported(store_url)
    assert run(store_url)["stories"] == 0  # a second run: nothing left to do
    assert run(store_url, force=True)["stories"] == 0  # --all re-enriches, stories stay
    assert stories(store_url) == found and exported(store_url) == before


def test_the_backfill_joins_stories_of_reports_stored_later(store_url: str, tmp_path: Path) -> None:
    firsts, seconds = [a for a, _ in PAIRS], [b for _, b in PAIRS]
    ingest(store_url, tmp_path / "first.jsonl", [*firsts, APART], enrich=False)
    ingest(store_url, tmp_path / "second.jsonl", seconds, enrich=True)
    later = {k: s for k, (s, _, _) in stories(store_url).items() if k in seconds}
    assert None not in later.values()

    assert run(store_url)["stories"] == len(firsts) + 1
    found = exported(store_url)
    assert_grouped(found)
    assert {k: found[k] for k in seconds} == later  # the stories already written hold


def test_two_workers_backfilling_one_event_at_once_end_in_one_story(
    store_url: str, env: dict[str, str], tmp_path: Path
) -> None:
    keys = [k for pair in PAIRS for k in pair]  # in pairs: the two of a pair go out together
    ingest(store_url, tmp_path / "all.jsonl", keys, enrich=False)
    args = ["reenrich", "--workers", "--timeout", "240", "--batch-size", "1"]
    with workers(env, count=2, concurrency=1) as started:
        done = run_cli(args, env, cwd=tmp_path)
        logs = "".join(w.log() for w in started)
    assert done.returncode == 0, done.stderr + logs
    found = exported(store_url)
    assert None not in found.values(), done.stdout + logs
    for a, b in PAIRS:
        assert found[a] == found[b], (a, b)
    assert len({found[a] for a, _ in PAIRS}) == len(PAIRS)
    assert "given a story" in done.stdout
