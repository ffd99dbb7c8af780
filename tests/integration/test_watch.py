"""`ingest watch DIR`: files copied in slowly are read once complete, once, across restarts."""

from __future__ import annotations

import builtins
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.corpus import bodies
from tests.support import ROOT, fresh_redis_db, run_cli, wait_until, workers
from worker.core.keys import new_run_id
from worker.core.models import Kind, RawItem
from worker.ingest.watch import (
    Seen,
    Stat,
    WatchContext,
    Watcher,
    is_candidate,
    observe,
    run_watch,
    scan,
    settled,
)
from worker.readers.files import Limits
from worker.store import Store
from worker.store.feeds import SourceStore

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


# --- what the inbox holds that is not a file to read: links out, FIFOs ------------------

SECRET = "INGEST_BROKER_URL=redis://:hunter2-password@redis:6379/0"


def hostile_inbox(tmp_path: Path) -> tuple[Path, Path]:
    """An inbox with a good file, a link to a 0600 secret outside it, a FIFO and a link to
    a file inside it; returns the inbox and the secret."""
    secret = tmp_path / "home" / ".env"
    secret.parent.mkdir()
    secret.write_text(SECRET + "\n")
    secret.chmod(0o600)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.txt").write_text(f"Dropped in\n{bodies(1, seed=7)[0]}\n")
    (inbox / "article.txt").symlink_to(secret)
    os.mkfifo(inbox / "pipe.jsonl")
    (inbox / "alias.txt").symlink_to(inbox / "good.txt")
    return inbox, secret


def record_opens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path opened from now on, whichever way (os.open, open, Path.open)."""
    opened: list[str] = []
    real_os_open, real_open = os.open, io.open

    def os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        opened.append(os.fsdecode(path))
        return real_os_open(path, *args, **kwargs)

    def open_(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | bytes | os.PathLike):
            opened.append(os.fsdecode(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(io, "open", open_)
    monkeypatch.setattr(builtins, "open", open_)
    return opened


def test_scan_lists_links_and_fifos_so_they_get_an_outcome(tmp_path: Path) -> None:
    inbox, _ = hostile_inbox(tmp_path)
    assert sorted(Path(p).name for p in scan(inbox)) == [
        "alias.txt", "article.txt", "good.txt", "pipe.jsonl"
    ]  # fmt: skip


def test_a_link_out_of_the_inbox_is_refused_and_never_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The finding: a link in the inbox to a 0600 ``.env`` exported the Redis password."""
    inbox, secret = hostile_inbox(tmp_path)
    store = Store(f"sqlite:///{tmp_path}/store.db")
    store.ensure_schema()
    published: list[RawItem] = []
    ctx = WatchContext(
        store=SourceStore(store), publish=lambda items, run_id: published.extend(items),
        limits=Limits(5_000_000, 10_000), new_run_id=new_run_id, settle=0.0, interval=0.01,
    )  # fmt: skip
    opened = record_opens(monkeypatch)
    watcher = Watcher(inbox, ctx)
    done = threading.Event()
    worker = threading.Thread(target=lambda: (run_watch(watcher, threading.Event(), once=True),
                                              done.set()), daemon=True)  # fmt: skip
    worker.start()
    if not done.wait(20):  # a FIFO opened for reading would block here
        os.close(os.open(inbox / "pipe.jsonl", os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("the watcher blocked")
    store.close()
    verdicts = {Path(i.source).name: i.payload.get("reason") for i in published}
    assert verdicts == {"alias.txt": None, "article.txt": "symlink", "good.txt": None,
                        "pipe.jsonl": "not_a_file"}  # fmt: skip
    assert all(i.kind is not Kind.INVALID or i.payload["message"] for i in published)
    assert SECRET not in repr([i.payload for i in published])
    assert str(secret) not in opened and str(inbox / "article.txt") not in opened
    assert str(inbox / "pipe.jsonl") not in opened
    assert watcher.result.files == 4


@pytest.mark.integration
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_watch_command_refuses_links_out_and_fifos(
    env: dict[str, str], store: Store, tmp_path: Path
) -> None:
    """Through ``ingest watch --once`` and a worker: outcomes in the store, no secret."""
    env = {**env, "INGEST_BROKER_URL": fresh_redis_db(8), "INGEST_WATCH_SETTLE": str(SETTLE)}
    inbox, _ = hostile_inbox(tmp_path)
    with workers(env, count=1, concurrency=1):
        result = run_cli(["watch", str(inbox), "--once"], env, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "4 files, 4 items enqueued" in result.stderr, result.stderr
        assert wait_until(lambda: final_count(store) == 4, timeout=30)
    stats = store.stats()
    assert stats["by_status"] == {"stored": 1, "duplicate": 1, "rejected": 2}
    assert stats["by_reason"] == {"symlink": 1, "not_a_file": 1}
    exported = json.dumps(list(store.export("stored")) + list(store.export("duplicate")))
    assert "hunter2" not in exported
