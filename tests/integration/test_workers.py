"""The whole path with real parts: producer -> Redis -> Celery worker processes -> store."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.corpus import bodies, write_jsonl
from tests.support import run_cli, workers
from worker.store import Store

pytestmark = pytest.mark.integration


def enqueue(env: dict[str, str], *targets: str, timeout: float = 60) -> str:
    result = run_cli(["enqueue", *targets, "--wait", "--timeout", str(timeout)], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_thousand_items_two_workers_then_all_duplicates(
    env: dict[str, str], store: Store, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "items.jsonl", 1000)
    with workers(env, count=2, concurrency=1):
        started = time.monotonic()
        first = enqueue(env, str(path))
        elapsed = time.monotonic() - started
        second = enqueue(env, str(path))
    assert store.stats(first)["by_status"] == {"stored": 1000}
    assert elapsed < 60, f"1,000 items took {elapsed:.1f}s"
    again = store.stats(second)
    assert again["by_status"] == {"duplicate": 1000}
    assert again["by_method"] == {"exact": 1000}
    assert store.stats()["items"] == 2000


def test_mixed_folder_every_item_accounted_for(
    env: dict[str, str], store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("A title\nA body that is long enough to be an article body.\n")
    (folder / "empty.txt").write_text("Only a title\n")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (folder / "latin1.txt").write_bytes("Titre\nCafé crème et déjà vu à Noël".encode("latin-1"))
    (folder / "stray.txt").write_bytes(b"Title\nstray continuation \x80\x81 bytes")
    (folder / "lines.jsonl").write_text(
        '{"title": "T", "body": "Good line body here."}\n{broken\n[1, 2]\n'
    )
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    with workers(env, count=1, concurrency=2):
        run_id = enqueue(env, str(folder))
    stats = store.stats(run_id)
    assert stats["items"] == 9
    assert stats["by_status"] == {"rejected": 6, "stored": 3}  # Latin-1 text is decoded
    assert stats["by_reason"] == {
        "binary": 1, "empty_body": 1, "invalid_json": 1, "not_an_object": 1, "not_utf8": 1,
        "unsupported_type": 1,
    }  # fmt: skip


def test_same_article_at_the_same_moment_is_stored_once(env: dict[str, str], store: Store) -> None:
    """Two copies handled by two worker processes at once: exactly one is stored."""
    from worker.broker.app import make_app
    from worker.core.messages import PROCESS_TASK
    from worker.core.models import Kind, RawItem
    from worker.core.settings import Settings

    app = make_app(Settings(broker_url=env["INGEST_BROKER_URL"]))  # type: ignore[arg-type]
    rounds = 15
    texts = bodies(rounds, seed=11)
    with workers(env, count=2, concurrency=1):
        for n, body in enumerate(texts):
            copies = [
                RawItem(item_key=f"race{n:03d}-{c}", source="race", kind=Kind.RECORD,
                        payload={"record": {"title": "Race", "body": body}})
                for c in range(2)
            ]  # fmt: skip
            store.register(copies, now_utc())
            for item in copies:
                app.send_task(PROCESS_TASK, args=[[item.model_dump(mode="json")]])
        done = wait_all_final(store, rounds * 2)
    assert done["items"] == rounds * 2
    assert done["by_status"] == {"stored": rounds, "duplicate": rounds}


def test_urls_are_fetched_by_the_worker(env: dict[str, str], store: Store, http_site: str) -> None:
    with workers(env, count=1, concurrency=2):
        run_id = enqueue(
            env, f"{http_site}/article.html", f"{http_site}/feed.rss", f"{http_site}/missing"
        )
    stats = store.stats(run_id)
    # the feed's one item was replaced in the ledger by its two entries
    assert stats["items"] == 4
    assert stats["by_status"] == {"stored": 3, "rejected": 1}
    assert stats["by_reason"] == {"fetch_failed": 1}


def now_utc():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


def wait_all_final(store: Store, total: int, timeout: float = 60) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stats = store.stats()
        if stats["items"] >= total and "pending" not in stats["by_status"]:
            return stats
        time.sleep(0.2)
    return store.stats()
