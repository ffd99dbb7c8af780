"""Feed polling against real local HTTP servers, real Redis and real worker processes.

The servers change between polls, honour ETag / If-Modified-Since (304), fail and then
recover, are slow, or answer HTML. Every test ends with every new entry stored exactly once.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.corpus import bodies
from tests.support import (
    ROOT,
    WorkerProcess,
    fresh_redis_db,
    run_cli,
    stop_group,
    wait_until,
    workers,
)
from worker.store import Store

pytestmark = pytest.mark.integration
TEXTS = iter(bodies(400, seed=808))


@dataclass
class Feed:
    entries: list[tuple[str, str, str]] = field(default_factory=list)  # guid, title, body
    fail_first: int = 0  # answer 503 to this many requests first
    delay: float = 0.0  # seconds before answering
    html: bool = False  # answer an HTML page instead of a feed
    modified: float = field(default_factory=time.time)
    requests: list[tuple[float, int]] = field(default_factory=list)  # (time, status)

    def add(self, guid: str) -> None:
        self.entries.append((guid, f"Entry {guid}", next(TEXTS)))
        self.modified = time.time()

    def revise(self, guid: str) -> None:
        """The entry's text changes (a correction): same GUID, new body."""
        self.entries = [(g, t, b + " Corrected." if g == guid else b) for g, t, b in self.entries]
        self.modified = time.time()

    def hits(self, status: int) -> int:
        return sum(1 for _, s in self.requests if s == status)


class FeedServer:
    """ThreadingHTTPServer on 127.0.0.1 serving ``/<name>`` for each feed."""

    def __init__(self) -> None:
        self.feeds: dict[str, Feed] = {}
        self.lock = threading.Lock()
        handler = type("Handler", (FeedHandler,), {"site": self})
        self.server = QuietServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{name}"

    def feed(self, name: str, entries: int = 0, **options: Any) -> Feed:
        feed = self.feeds[name] = Feed(**options)
        for n in range(entries):
            feed.add(f"{name}-{n}")
        return feed

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up (the slow feed) is expected here


class FeedHandler(BaseHTTPRequestHandler):
    site: FeedServer

    def do_GET(self) -> None:
        feed = self.site.feeds.get(self.path.strip("/"))
        if feed is None:
            return self._send(404, b"no such feed", "text/plain")
        with self.site.lock:
            failing = feed.fail_first > 0
            feed.fail_first -= int(failing)
        time.sleep(feed.delay)
        if failing:
            return self._record(feed, 503, b"busy", "text/plain")
        if feed.html:
            return self._record(
                feed, 200, b"<!doctype html><html><body>Hi</body></html>", "text/html"
            )
        body = rss(feed.entries)
        etag, modified = (
            f'"{hashlib.sha1(body).hexdigest()}"',
            formatdate(feed.modified, usegmt=True),
        )
        if self.headers.get("If-None-Match") == etag or (
            not self.headers.get("If-None-Match")
            and self.headers.get("If-Modified-Since") == modified
        ):
            return self._record(feed, 304, b"", "application/rss+xml", etag, modified)
        self._record(feed, 200, body, "application/rss+xml", etag, modified)

    def _record(self, feed: Feed, status: int, body: bytes, ctype: str, *validators: str) -> None:
        feed.requests.append((time.monotonic(), status))
        self._send(status, body, ctype, *validators)

    def _send(
        self, status: int, body: bytes, ctype: str, etag: str = "", modified: str = ""
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if etag:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", modified)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def rss(entries: list[tuple[str, str, str]]) -> bytes:
    items = "".join(
        f"<item><guid>{g}</guid><title>{t}</title><link>http://news.test/{g}</link>"
        f"<description>{b}</description></item>"
        for g, t, b in entries
    )
    channel = f"<channel><title>F</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


def write_sources(path: Path, site: FeedServer, interval: float) -> Path:
    tables = [
        f'[[feed]]\nname = "{n}"\nurl = "{site.url(n)}"\ninterval = {interval}\n'
        for n in site.feeds
    ]
    path.write_text("\n".join(tables))
    return path


@pytest.fixture
def site() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture
def feed_env(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """This module's own Redis db (other suites flush theirs) and sources file."""
    sources = str(tmp_path / "sources.toml")
    return {**env, "INGEST_BROKER_URL": fresh_redis_db(8), "INGEST_SOURCES_FILE": sources}


def poll(env: dict[str, str]) -> None:
    result = run_cli(["sources", "--poll", "--all"], env, timeout=60)
    assert result.returncode == 0, result.stderr


def source_states(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    result = run_cli(["sources", "--json"], env, timeout=60)
    assert result.returncode == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def all_final(store: Store, total: int, timeout: float = 45) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        stats = store.stats()
        return stats if stats["items"] >= total and "pending" not in stats["by_status"] else None

    return wait_until(done, timeout) or store.stats()


def stored_titles(store: Store) -> list[str]:
    return sorted(row["title"] for row in store.export("stored"))


def test_unchanged_feed_costs_a_304_and_only_new_entries_are_enqueued(
    feed_env: dict[str, str], store: Store, site: FeedServer, tmp_path: Path
) -> None:
    news = site.feed("news", entries=3)
    write_sources(Path(feed_env["INGEST_SOURCES_FILE"]), site, interval=60)
    with workers(feed_env, count=1, concurrency=1):
        poll(feed_env)
        poll(feed_env)  # unchanged: If-None-Match -> 304
        assert (news.hits(200), news.hits(304)) == (1, 1)
        news.add("news-3")
        news.add("news-4")
        poll(feed_env)  # changed: a full download, two new entries, three old ones skipped
        stats = all_final(store, 5)
    assert (news.hits(200), news.hits(304)) == (2, 1)
    assert stats["items"] == 5 and stats["by_status"] == {"stored": 5}
    assert stored_titles(store) == [f"Entry news-{n}" for n in range(5)]
    state = source_states(feed_env)["news"]
    assert (state["status"], state["polls"], state["items_found"], state["failures"]) == (
        "ok",
        3,
        5,
        0,
    )
    assert state["etag"] and state["last_modified"] and state["last_success_at"]


def test_a_revised_entry_is_enqueued_again_and_stored_as_a_revision(
    feed_env: dict[str, str], store: Store, site: FeedServer
) -> None:
    news = site.feed("news", entries=3)
    write_sources(Path(feed_env["INGEST_SOURCES_FILE"]), site, interval=60)
    with workers(feed_env, count=1, concurrency=1):
        poll(feed_env)
        all_final(store, 3)
        news.revise("news-1")
        poll(feed_env)  # a full download: one entry changed, two the same
        poll(feed_env)  # unchanged since: a 304, nothing enqueued
        stats = all_final(store, 4)
    assert (news.hits(200), news.hits(304)) == (2, 1)
    assert stats["items"] == 4 and stats["by_status"] == {"stored": 4}
    assert stats["revisions"] == 1
    assert source_states(feed_env)["news"]["items_found"] == 4


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_last_modified_alone_also_gives_a_304(
    feed_env: dict[str, str], store: Store, site: FeedServer
) -> None:
    """A server without ETag support: If-Modified-Since does the job."""
    site.feed("dated", entries=2)
    write_sources(Path(feed_env["INGEST_SOURCES_FILE"]), site, interval=60)
    poll(feed_env)
    with store.engine.begin() as conn:  # as if the server had sent no ETag
        conn.exec_driver_sql("UPDATE feed_sources SET etag = NULL")
    poll(feed_env)
    assert (site.feeds["dated"].hits(200), site.feeds["dated"].hits(304)) == (1, 1)
    assert store.stats()["items"] == 2  # published, not yet processed: no worker here


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_beat_polls_backs_off_a_failing_feed_and_keeps_the_others_flowing(
    feed_env: dict[str, str], store: Store, site: FeedServer, tmp_path: Path
) -> None:
    good = site.feed("good", entries=2)
    flaky = site.feed("flaky", entries=2, fail_first=2)  # 503, 503, then fine
    site.feed("slow", entries=1, delay=2.5)  # over the fetch timeout below
    site.feed("page", html=True)
    write_sources(Path(feed_env["INGEST_SOURCES_FILE"]), site, interval=0.5)
    env = {**feed_env, "INGEST_POLL_TICK": "0.25", "INGEST_FETCH_TIMEOUT": "1"}
    fetcher = WorkerProcess(env, "fetcher", concurrency=8, queues="fetch", pool="threads")
    with workers(env, count=1, concurrency=1), beat(env, tmp_path):
        fetcher.wait_ready()
        try:
            wait_until(lambda: flaky.hits(200) >= 1, timeout=20)
            good.add("good-2")
            wait_until(lambda: good.hits(200) >= 2, timeout=15)
            # The gaps below need one poll after the recovery; on a loaded machine the
            # good feed's second entry can be stored before it.
            wait_until(lambda: len(flaky.requests) >= 4, timeout=15)
            stats = all_final(store, 5)
        finally:
            fetcher.stop()
    starts = [t for t, _ in flaky.requests]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # interval 0.5 s: after one failure 1 s, after two 2 s, after the recovery 0.5 s again
    # (give or take half a tick of slack, a tick, and the time a poll takes to reach the server)
    assert gaps[0] >= 0.8 and gaps[1] >= 1.7 and max(gaps[2:]) < 1.0, gaps
    assert len(good.requests) > len(flaky.requests)  # the failing feed held nobody back
    assert stats["items"] == 5 and stats["by_status"] == {"stored": 5}
    assert stored_titles(store) == sorted(
        ["Entry good-0", "Entry good-1", "Entry good-2", "Entry flaky-0", "Entry flaky-1"]
    )
    states = source_states(feed_env)
    assert states["flaky"]["status"] in ("ok", "not_modified") and states["flaky"]["failures"] == 0
    assert "fetch_failed: HTTP 503" in states["flaky"]["last_error"]
    assert states["slow"]["status"] == "error" and "fetch_timeout" in states["slow"]["last_error"]
    assert states["page"]["status"] == "error" and "not_a_feed" in states["page"]["last_error"]


class beat:
    """A real ``celery beat`` process sending ingest.poll_feeds ticks."""

    def __init__(self, env: dict[str, str], tmp_path: Path) -> None:
        self.log = (tmp_path / "beat.log").open("wb")
        argv = [sys.executable, "-m", "celery", "-A", "worker.app", "beat", "-l", "INFO",
                "-s", str(tmp_path / "beat-schedule")]  # fmt: skip
        self.proc = subprocess.Popen(
            argv, cwd=ROOT, env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def __enter__(self) -> beat:
        return self

    def __exit__(self, *exc: object) -> None:
        stop_group(self.proc, timeout=10)
        self.log.close()
