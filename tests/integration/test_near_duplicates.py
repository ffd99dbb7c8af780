"""Near duplicates and revisions through the real store, and the two-worker race."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.corpus import bodies
from tests.integration.test_workers import wait_all_final
from tests.stages import run_batch
from tests.support import ROOT, workers
from worker.core.models import Kind, RawItem
from worker.pipeline.prepare import Deps
from worker.store import Store

pytestmark = pytest.mark.integration
SEED = (ROOT / "seeds" / "000_33deb995d6668e48.txt").read_text()


def item(key: str, body: str, url: str | None = None, title: str = "T") -> RawItem:
    record = {"title": title, "body": body, **({"url": url} if url else {})}
    return RawItem(item_key=key, source="test", kind=Kind.RECORD, payload={"record": record})


def ingest(store: Store, *items: RawItem):  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    return store.commit(run_batch(items, Deps(), now), now)


def reprint(text: str) -> str:
    """The seed as another outlet republishes it: a header and a footer, the tail cut."""
    _title, *paragraphs = text.strip().split("\n")
    header = "Publié par la rédaction internationale, avec agences. Mis à jour à 14 h 05."
    footer = "Lire aussi : nos autres articles sur le Proche-Orient et la diplomatie russe."
    return "\n".join([header, *paragraphs[:-1], footer])


def test_seed_reprint_is_a_near_duplicate_of_the_seed(store: Store) -> None:
    title, body = SEED.split("\n", 1)
    (original,) = ingest(store, item("seed", body, title=title))
    (copy,) = ingest(store, item("copy", reprint(SEED), title=title))
    assert original.status == "stored"
    assert (copy.status, copy.method, copy.duplicate_of) == ("duplicate", "near", "seed")
    assert copy.similarity is not None and 0.5 <= copy.similarity < 1.0
    assert store.stats()["by_method"] == {"near": 1}


def test_revision_at_the_same_url_and_identical_copy(store: Store) -> None:
    url = "https://news.example.org/story?utm_source=x"
    first, changed = bodies(2, seed=3)
    (a,) = ingest(store, item("v1", first, url))
    (b,) = ingest(store, item("v2", changed, url.replace("?utm_source=x", "#top")))
    (c,) = ingest(store, item("v3", changed, url))
    assert a.status == "stored"
    assert (b.status, b.revision_of) == ("stored", "v1")
    assert (c.status, c.duplicate_of, c.method) == ("duplicate", "v2", "exact")
    rows = {r["id"]: r for r in store.export("stored")}
    assert rows["v2"]["revision_of"] == "v1"
    assert store.stats()["revisions"] == 1


def test_byline_change_at_the_same_url_is_a_url_duplicate(store: Store) -> None:
    (body,) = bodies(1, seed=5, words=300)
    url = "https://news.example.org/byline"
    ingest(store, item("a", "By Anna Smith\n" + body, url))
    (again,) = ingest(store, item("b", "By Anna Smith and Tom Lee\n" + body, url))
    assert (again.status, again.method, again.duplicate_of) == ("duplicate", "url", "a")


def test_redelivered_batch_changes_nothing(store: Store) -> None:
    batch = [item(f"k{n}", b) for n, b in enumerate(bodies(5, seed=9))]
    first = ingest(store, *batch)
    second = ingest(store, *batch)
    assert first == second
    assert store.stats()["by_status"] == {"stored": 5}


def test_two_near_copies_at_once_on_two_workers(env: dict[str, str], store: Store) -> None:
    """Near (not exact) copies handled by two worker processes at the same moment."""
    from worker.broker.app import make_app
    from worker.core.messages import PROCESS_TASK
    from worker.core.settings import Settings

    app = make_app(Settings(broker_url=env["INGEST_BROKER_URL"]))  # type: ignore[arg-type]
    rounds = 15
    with workers(env, count=2, concurrency=1):
        for n, body in enumerate(bodies(rounds, seed=21, words=200)):
            copies = [item(f"r{n:03d}-a", body), item(f"r{n:03d}-b", "Agency header line. " + body)]
            store.register(copies, datetime.now(UTC))
            for one in copies:
                app.send_task(PROCESS_TASK, args=[[one.model_dump(mode="json")]])
        done = wait_all_final(store, rounds * 2)
    assert done["by_status"] == {"stored": rounds, "duplicate": rounds}
    assert set(done["by_method"]) <= {"near", "exact"} and done["by_method"].get("near", 0) >= 1


def test_window_limits_how_far_back_originals_count(tmp_path: Path) -> None:
    from datetime import timedelta

    store = Store(f"sqlite:///{tmp_path}/w.db", window_days=1)
    (body,) = bodies(1, seed=8, words=200)
    old = datetime.now(UTC) - timedelta(days=3)
    store.commit(run_batch([item("old", body)], Deps(), old), old)
    (fresh,) = ingest(store, item("new", "A new header paragraph. " + body))
    assert fresh.status == "stored"
