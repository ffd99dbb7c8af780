"""Fault injection support: killable workers, a slow (and lethal) enricher, the accounting.

Servers that a test stops or restarts are PRIVATE (tests/servers.py): the machine's shared
Redis and PostgreSQL are used by other tests at the same time and are never touched.
Fault tests run with DEFAULT settings (no shortened visibility timeout, retry budget or
sweep period); only a test about a setting changes it.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

import redis
from sqlalchemy import func, select, text

from tests.netns import in_netns
from tests.support import ROOT, run_cli, stop_group, wait_until
from worker.store import Store
from worker.store.schema import items

# Early acknowledgement for the negative control: the same app with acks_late flipped before
# the worker starts consuming.
EARLY_ACK_MAIN = (
    "import sys; from worker.app import app; "
    "app.conf.task_acks_late = False; app.conf.task_reject_on_worker_lost = False; "
    "app.worker_main(sys.argv[1:])"
)


class FaultWorker:
    """A real Celery worker (main process + pool) in its own process group, killable."""

    def __init__(
        self,
        env: Mapping[str, str],
        early_ack: bool = False,
        concurrency: int = 2,
        netns: str | None = None,
    ) -> None:
        """``netns``: run it on that host (tests/netns.py); ``ip netns exec`` execs the
        worker, so the process group to kill is still the worker's own."""
        name = f"fw-{uuid.uuid4().hex[:6]}"
        self.log_path = Path(env["TEST_LOG_DIR"]) / f"{name}.log"
        self._log: IO[bytes] = self.log_path.open("wb")
        args = ["worker", "-Q", "ingest,fetch", "-c", str(concurrency), "-P", "prefork", "-n",
                f"{name}@%h", "-l", "INFO", "--without-mingle", "--without-gossip"]  # fmt: skip
        head = ["-c", EARLY_ACK_MAIN] if early_ack else ["-m", "celery", "-A", "worker.app"]
        self.proc = subprocess.Popen(
            in_netns(netns, [sys.executable, *head, *args]), cwd=ROOT, env={**os.environ, **env},
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 60.0) -> FaultWorker:
        if not wait_until(
            lambda: b"ready." in self.log_path.read_bytes() or self.proc.poll() is not None,
            timeout,
            0.05,
        ):
            raise TimeoutError(f"worker not ready:\n{self.log()}")
        if self.proc.poll() is not None:
            raise RuntimeError(f"worker exited early:\n{self.log()}")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole group: the main process and its pool children, no cleanup."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        stop_group(self.proc)
        self._log.close()


@contextmanager
def fleet() -> Iterator[list[FaultWorker]]:
    """Workers a test starts (and replaces); all stopped at the end."""
    started: list[FaultWorker] = []
    try:
        yield started
    finally:
        for w in started:
            w.stop()


class SlowEnricher(BaseHTTPRequestHandler):
    """An external enricher that takes a few ms per article, like a real service.

    It keeps every worker process busy with a batch in flight, so a fault always lands
    mid-batch, however fast the rest of the pipeline gets. Tests can make one article lethal
    (``LETHAL``: the enricher SIGKILLs the worker's pool processes when it sees it, as the
    kernel's OOM killer would) or slow (``STALL``: seconds to wait before answering).
    """

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        article = json.loads(body or b"{}")
        key, title = str(article.get("item_key", "")), str(article.get("title", ""))
        lethal = key if key in LETHAL else title if title in LETHAL else None
        if lethal is not None:
            LETHAL[lethal] += 1
            for pid in pool_pids(VICTIMS):
                os.kill(pid, signal.SIGKILL)
        time.sleep(STALL.get(key, STALL.get(title, ENRICH_DELAY)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


ENRICH_DELAY = 0.004  # s per article: a batch of 200 takes about 0.8 s
LETHAL: dict[str, int] = {}  # item key or title -> times it killed the pool
STALL: dict[str, float] = {}  # item key or title -> seconds the enricher takes for it
VICTIMS: list[int] = []  # worker main pids whose pool processes a lethal article kills
_ENRICHER: list[str] = []


def pool_pids(parents: list[int]) -> list[int]:
    """Children of the given processes (a prefork worker's pool), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid in parents:
                found.append(int(entry.name))
    return found


def slow_enricher_url() -> str:
    """One server for the whole session, started on first use (a daemon thread)."""
    if not _ENRICHER:
        server = ThreadingHTTPServer(("127.0.0.1", 0), SlowEnricher)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        _ENRICHER.append(f"http://127.0.0.1:{server.server_address[1]}/")
    return _ENRICHER[0]


def base_env(broker: str, store_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        "INGEST_BROKER_URL": broker,
        "INGEST_STORE_URL": store_url,
        "INGEST_ENRICH": "false",
        "INGEST_HTTP_ENRICHER_URL": slow_enricher_url(),
        "INGEST_HTTP_ENRICHER_TIMEOUT": "30",
        "TEST_LOG_DIR": str(tmp_path),
    }
    return {**env, **extra}


def enqueue(
    env: Mapping[str, str], path: Path, wait: bool = False, netns: str | None = None
) -> str:
    args = ["enqueue", str(path), *(["--wait", "--timeout", "180"] if wait else [])]
    result = run_cli(args, env, netns=netns)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


# --- the ledger -------------------------------------------------------------------------


def finished(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(
            conn.execute(text("SELECT count(*) FROM items WHERE status <> 'pending'")).scalar_one()
        )


def pending(store: Store, run_id: str | None = None) -> int:
    where = "status = 'pending'" + (" AND run_id = :r" if run_id else "")
    with store.engine.connect() as conn:
        return int(
            conn.execute(
                text(f"SELECT count(*) FROM items WHERE {where}"), {"r": run_id}
            ).scalar_one()
        )


def wait_progress(store: Store, above: int, timeout: float) -> float | None:
    """Seconds until more than ``above`` items are finished (None: never)."""
    started = time.monotonic()
    if wait_until(lambda: finished(store) > above, timeout, 0.05):
        return time.monotonic() - started
    return None


def settle(store: Store, broker: redis.Redis, idle: float = 4.0, timeout: float = 240) -> float:
    """Wait until nothing is pending, or the queue is empty and nothing moved for ``idle`` s.

    What is still pending then is either waiting in Redis's ``unacked`` hash for kombu's
    periodic restore, or gone for good; ``in_redis`` tells which.
    """
    started = time.monotonic()
    last, last_change = -1, time.monotonic()
    while time.monotonic() - started < timeout:
        if pending(store) == 0:
            break
        now_done = finished(store)
        if now_done != last or broker.llen("ingest"):
            last, last_change = now_done, time.monotonic()
        elif time.monotonic() - last_change > idle:
            break
        time.sleep(0.2)
    return time.monotonic() - started


def pending_keys(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        return {
            r[0] for r in conn.execute(text("SELECT item_key FROM items WHERE status = 'pending'"))
        }


def in_redis(broker: redis.Redis) -> set[str]:
    """Item keys of every message still in Redis: queued, or taken but not acked."""
    raw = [json.loads(m) for m in broker.lrange("ingest", 0, -1)]
    return keys_of(raw) | unacked_keys(broker)


def unacked_keys(broker: redis.Redis) -> set[str]:
    """Item keys of the messages taken by a worker and not acked (after a kill: its work)."""
    return keys_of([json.loads(v)[0] for v in broker.hvals("unacked")])


def keys_of(raw: list[dict[str, Any]]) -> set[str]:
    keys: set[str] = set()
    for message in raw:
        body = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
        keys.update(item["item_key"] for item in args[0])
    return keys


def losses(store: Store, broker: redis.Redis) -> dict[str, int]:
    """Pending items after the workers went idle: waiting for redelivery, or lost for good."""
    left, outstanding = pending_keys(store), in_redis(broker)
    return {"pending": len(left), "awaiting_redelivery": len(left & outstanding),
            "lost_for_good": len(left - outstanding)}  # fmt: skip


def sweep(store: Store, env: Mapping[str, str], broker: redis.Redis, older_than: float = 1) -> int:
    """``ingest reconcile``: re-enqueue what has no outcome; returns how many it re-enqueued.

    kombu may restore an unacked message at the same moment, so the count can be below the
    pending count measured just before; the final accounting is what must hold.
    """
    lost = pending(store)
    if not lost:
        return 0
    result = run_cli(["reconcile", "--older-than", str(older_than)], env)
    assert result.returncode == 0, result.stderr[-2000:]
    swept = int(result.stdout.strip().splitlines()[-1])
    assert swept <= lost
    settle(store, broker)
    return swept


def accounting(store: Store, items: int, articles: int) -> dict[str, int]:
    """The three promises: every item has one outcome, nothing stored twice, nothing missing."""
    with store.engine.connect() as conn:
        q = lambda sql: int(conn.execute(text(sql)).scalar_one())  # noqa: E731
        figures = {
            "items": q("SELECT count(*) FROM items"),
            "distinct_item_keys": q("SELECT count(DISTINCT item_key) FROM items"),
            "pending": q("SELECT count(*) FROM items WHERE status = 'pending'"),
            "stored": q("SELECT count(*) FROM items WHERE status = 'stored'"),
            "articles": q("SELECT count(*) FROM articles"),
            "distinct_fingerprints": q("SELECT count(DISTINCT fingerprint) FROM articles"),
            "distinct_input_ids": q("SELECT count(DISTINCT external_id) FROM articles"),
            "quarantined": q("SELECT count(*) FROM quarantine"),
        }
    figures["stored_twice"] = figures["articles"] - figures["distinct_input_ids"]
    figures["missing"] = articles - figures["distinct_input_ids"]
    assert figures["items"] == figures["distinct_item_keys"] == items, figures
    assert figures["pending"] == 0, figures
    assert figures["articles"] == figures["distinct_fingerprints"] == articles, figures
    assert figures["stored_twice"] == 0 and figures["missing"] == 0, figures
    assert figures["stored"] == articles, figures  # each stored item is one article row
    return figures


def report(name: str, **figures: Any) -> None:
    print(f"\nFIGURES {name}: " + json.dumps(figures, default=lambda v: round(v, 2)))


def all_done(store: Store, timeout: float) -> float | None:
    """Seconds until no item is pending (None: still some after ``timeout``)."""
    started = time.monotonic()
    if wait_until(lambda: pending(store) == 0, timeout, 0.1):
        return time.monotonic() - started
    return None


def last_outcome_after(store: Store, moment: float, keys: set[str] | None = None) -> float:
    """Seconds from ``moment`` (time.time()) to the last outcome written (of ``keys`` only
    when given)."""
    query = select(func.max(items.c.finished_at))
    if keys is not None:
        query = query.where(items.c.item_key.in_(sorted(keys)))
    with store.engine.connect() as conn:
        latest = conn.execute(query).scalar_one()
    if isinstance(latest, str):
        from datetime import datetime

        latest = datetime.fromisoformat(latest)
    return float(latest.timestamp() - moment)


def resent_by_sweep(*workers: FaultWorker) -> int:
    """Items the workers' ledger sweep sent again (from their logs)."""
    import re

    pattern = re.compile(r"sweep: sent (\d+) lost item")
    return sum(int(n) for w in workers for n in pattern.findall(w.log()))
