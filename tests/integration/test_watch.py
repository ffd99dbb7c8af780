"""`ingest watch DIR`: files copied in slowly are read once complete, once, across restarts."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.corpus import bodies
from tests.support import ROOT, fresh_redis_db, run_cli, wait_until, workers
from worker.ingest.watch import Seen, Stat, is_candidate, observe, settled
from worker.store import Store

SETTLE = 0.8


def test_a_file_settles_only_after_it_stops_changing() -> None:
    tracked = observe({}, {"a": Stat(10, 1)}, now=0.0)
    assert settled(tracked, 0.5, settle=0.8) == []
    tracked = observe(tracked, {"a": Stat(20, 2)}, now=0.6)  # grew: its clock restarts
    assert tracked["a"] == Seen(Stat(20, 2), 0.6)
    assert settled(tracked, 1.3, settle=0.8) == []
    tracked = observe(tracked, {"a": Stat(20, 2)}, now=1.5)
    assert settled(tracked, 1.5, settle=0.8) == ["a"]


def test_a_vanished_file_is_forgotten() -> None:
    tracked = observe({}, {"a": Stat(1, 1), "b": Stat(1, 1)}, now=0.0)
    assert set(observe(tracked, {"b": Stat(1, 1)}, now=1.0)) == {"b"}


@pytest.mark.parametrize("name", [".hidden.txt", "copy.txt.part", "x.tmp", "dl.crdownload", "a~"])
def test_temporary_names_are_not_candidates(name: str) -> None:
    assert not is_candidate(Path(name))


@pytest.mark.integration
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_watched_folder_ingests_slow_copies_once_across_restarts(
    env: dict[str, str], store: Store, tmp_path: Path
) -> None:
    env = {**env, "INGEST_BROKER_URL": fresh_redis_db(8), "INGEST_WATCH_SETTLE": str(SETTLE),
           "INGEST_WATCH_INTERVAL": "0.1"}  # fmt: skip
    inbox, texts = tmp_path / "inbox", bodies(6, seed=99)
    inbox.mkdir()
    (inbox / "before.txt").write_text(f"Already there\n{texts[0]}\n")
    with workers(env, count=1, concurrency=1):
        watcher = start_watch(env, inbox)
        try:
            copy_slowly(inbox / "slow.txt", f"Copied slowly\n{texts[1]}\n")
            copy_slowly(inbox / "lines.jsonl", records(texts[2:4]))
            renamed = inbox / "renamed.txt.part"  # the other convention: write, then rename
            copy_slowly(renamed, f"Renamed at the end\n{texts[4]}\n")
            renamed.rename(inbox / "renamed.txt")
            assert wait_until(lambda: final_count(store) == 5, timeout=30)
        finally:
            stop(watcher)
        # a restart remembers: the same files, one touched, are not enqueued again
        os.utime(inbox / "before.txt")
        again = run_cli(["watch", str(inbox), "--once"], env, timeout=60)
        assert again.returncode == 0 and "0 files, 0 items enqueued" in again.stderr, again.stderr
        shutil.copy(inbox / "slow.txt", inbox / "slow-copy.txt")  # same content, new name
        (inbox / "late.txt").write_text(f"Dropped later\n{texts[5]}\n")
        late = run_cli(["watch", str(inbox), "--once"], env, timeout=60)
        assert late.returncode == 0 and "2 files, 2 items enqueued" in late.stderr, late.stderr
        assert wait_until(lambda: final_count(store) == 7, timeout=30)
    stats = store.stats()
    assert stats["items"] == 7
    assert stats["by_status"] == {"stored": 6, "duplicate": 1}  # the copy: exact duplicate
    titles = sorted(r["title"] for r in store.export("stored"))
    assert titles == sorted(["Already there", "Copied slowly", "Line 0", "Line 1",
                             "Renamed at the end", "Dropped later"])  # fmt: skip
    bodies_seen = {r["body"].strip() for r in store.export("stored")}
    assert set(texts) <= bodies_seen  # whole files, never a half-copied one


def start_watch(env: dict[str, str], folder: Path) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "worker", "watch", str(folder)]
    return subprocess.Popen(
        argv, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        _, stderr = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr


def copy_slowly(path: Path, text: str, pieces: int = 4, pause: float = 0.25) -> None:
    """Written in pieces with pauses shorter than the settle time, like a slow copy."""
    data = text.encode()
    step = len(data) // pieces + 1
    with path.open("wb", buffering=0) as out:
        for start in range(0, len(data), step):
            out.write(data[start : start + step])
            time.sleep(pause)


def records(texts: list[str]) -> str:
    return "".join(
        json.dumps({"title": f"Line {n}", "body": t}) + "\n" for n, t in enumerate(texts)
    )


def final_count(store: Store) -> int:
    stats: dict[str, Any] = store.stats()
    return 0 if "pending" in stats["by_status"] else int(stats["items"])
