"""Streaming in for real: `ingest enqueue --follow FILE` on a growing file, and `enqueue -`
on a live pipe, with real Redis and worker processes. Every line ends in the store once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from sqlalchemy import func, select

from tests.corpus import bodies
from tests.support import ROOT, fresh_redis_db, wait_until, workers
from worker.store import Store
from worker.store.schema import items

pytestmark = pytest.mark.integration
FLUSH_DELAY = 0.2  # the default


@pytest.fixture
def stream_env(env: dict[str, str]) -> dict[str, str]:
    return {**env, "INGEST_BROKER_URL": fresh_redis_db(8)}


def producer(env: dict[str, str], *args: str, stdin: int | None = None) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "worker", "enqueue", *args]
    return subprocess.Popen(
        argv, cwd=ROOT, env={**os.environ, **env}, stdin=stdin, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def registered(store: Store, source: str) -> int:
    with store.engine.connect() as conn:
        query = select(func.count()).select_from(items).where(items.c.source == source)
        return int(conn.execute(query).scalar_one())


def line(body: str, n: int) -> bytes:
    return (json.dumps({"id": f"line-{n}", "title": f"Line {n}", "body": body}) + "\n").encode()


def final_stats(store: Store, run_id: str, total: int, timeout: float = 45) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        stats = store.stats(run_id)
        return stats if stats["items"] >= total and "pending" not in stats["by_status"] else None

    return wait_until(done, timeout) or store.stats(run_id)


@pytest.fixture
def texts() -> Iterator[str]:
    return iter(bodies(60, seed=4242))


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_follow_publishes_within_the_flush_delay_and_accounts_for_every_line_after_sigint(
    stream_env: dict[str, str], store: Store, tmp_path: Path, texts: Iterator[str]
) -> None:
    path = tmp_path / "live.jsonl"
    path.write_bytes(line(next(texts), 1) + line(next(texts), 2))
    with workers(stream_env, count=1, concurrency=1):
        proc = producer(stream_env, "--follow", str(path))
        try:
            assert wait_until(lambda: registered(store, f"{path}:2") == 1, timeout=30)
            delays = grow(path, store, texts, first=3, count=12)
            with path.open("ab") as out:  # a burst, a bad line, a last line without newline
                out.write(b"".join(line(next(texts), n) for n in range(15, 20)))
                out.write(b"{not json\n")
                out.write(line(next(texts), 21).rstrip(b"\n"))
            proc.send_signal(signal.SIGINT)
            stdout, stderr = proc.communicate(timeout=30)
        finally:
            proc.kill()
        assert proc.returncode == 0, stderr
        run_id = stdout.strip().splitlines()[-1]
        stats = final_stats(store, run_id, 21)
    assert max(delays) < FLUSH_DELAY + 0.6, delays  # file poll 0.05 + flush delay + publish
    assert stats["items"] == 21
    assert stats["by_status"] == {"stored": 20, "rejected": 1}
    assert stats["by_reason"] == {"invalid_json": 1}
    assert stats["by_source"] == {f"{path}:{n}": 1 for n in range(1, 22)}


def grow(path: Path, store: Store, texts: Iterator[str], first: int, count: int) -> list[float]:
    """Append lines one at a time (each in two writes); how long each took to be published."""
    delays = []
    with path.open("ab", buffering=0) as out:
        for n in range(first, first + count):
            data = line(next(texts), n)
            out.write(data[:20])
            time.sleep(0.05)  # a half-written line is not read half-way
            written = time.monotonic()
            out.write(data[20:])
            wait_until(lambda n=n: registered(store, f"{path}:{n}") == 1, timeout=10, interval=0.02)
            delays.append(time.monotonic() - written)
    return delays


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_stdin_is_streamed_not_held_back_for_a_full_batch(
    stream_env: dict[str, str], store: Store, texts: Iterator[str]
) -> None:
    with workers(stream_env, count=1, concurrency=1):
        proc = producer(stream_env, "-", stdin=subprocess.PIPE)
        try:
            pipe: IO[str] = proc.stdin  # type: ignore[assignment]
            for n in range(1, 4):
                pipe.write(line(next(texts), n).decode())
            pipe.flush()
            # published while the producer still waits for more input
            assert wait_until(lambda: registered(store, "stdin:3") == 1, timeout=20, interval=0.05)
            assert proc.poll() is None
            pipe.write("\n" + line(next(texts), 5).decode())  # a blank line is no item
            stdout, stderr = proc.communicate(timeout=30)
        finally:
            proc.kill()
        assert proc.returncode == 0, stderr
        run_id = stdout.strip().splitlines()[-1]
        stats = final_stats(store, run_id, 4)
    assert stats["items"] == 4 and stats["by_status"] == {"stored": 4}
    assert set(stats["by_source"]) == {"stdin:1", "stdin:2", "stdin:3", "stdin:5"}
