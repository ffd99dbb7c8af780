"""Fault injection with real processes: kill workers, restart Redis, stop PostgreSQL,
interrupt the producer. Every test ends with the same accounting: one outcome per item
enqueued, no article stored twice, no item missing.

Servers that a test stops or restarts are PRIVATE (tests/servers.py): the machine's shared
Redis and PostgreSQL are used by other tests at the same time and are never touched.
Run with ``-s`` to see the figures (items lost, stored twice, recovery times).
"""

from __future__ import annotations

import base64
import json
import os
import re
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

import pytest
import redis
from sqlalchemy import text

from tests.corpus import write_jsonl
from tests.servers import private_postgres, private_redis
from tests.support import ROOT, fresh_pg_database, run_cli, stop_group, wait_until
from worker.store import Store

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ITEMS = 5000
BATCH = 50
# Seconds. A message taken by a killed worker comes back after this, at kombu's next
# periodic restore (every unacked_restore_interval x unacked_restore_throttle = 100 s with
# kombu's defaults), so the tests do not wait for it: ``ingest reconcile`` re-enqueues
# whatever is pending once the workers are idle, and redelivery is harmless.
VISIBILITY = 10

# Early acknowledgement for the negative control: the same app with acks_late flipped before
# the tasks are bound (they read task_acks_late when worker.broker.tasks is imported by the worker).
EARLY_ACK_MAIN = (
    "import sys; from worker.app import app; "
    "app.conf.task_acks_late = False; app.conf.task_reject_on_worker_lost = False; "
    "app.worker_main(sys.argv[1:])"
)


class FaultWorker:
    """A real Celery worker (main process + pool) in its own process group, killable."""

    def __init__(
        self, env: Mapping[str, str], early_ack: bool = False, concurrency: int = 2
    ) -> None:
        name = f"fw-{uuid.uuid4().hex[:6]}"
        self.log_path = Path(env["TEST_LOG_DIR"]) / f"{name}.log"
        self._log: IO[bytes] = self.log_path.open("wb")
        args = ["worker", "-Q", "ingest,fetch", "-c", str(concurrency), "-P", "prefork", "-n",
                f"{name}@%h", "-l", "INFO", "--without-mingle", "--without-gossip"]  # fmt: skip
        head = ["-c", EARLY_ACK_MAIN] if early_ack else ["-m", "celery", "-A", "worker.app"]
        self.proc = subprocess.Popen(
            [sys.executable, *head, *args], cwd=ROOT, env={**os.environ, **env},
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
    mid-batch, however fast the rest of the pipeline gets.
    """

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(ENRICH_DELAY)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


ENRICH_DELAY = 0.004  # s per article: a batch of 50 takes about 0.2 s
_ENRICHER: list[str] = []


def slow_enricher_url() -> str:
    """One server for the whole module, started on first use (a daemon thread)."""
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
        "INGEST_BATCH_SIZE": str(BATCH),
        "INGEST_VISIBILITY_TIMEOUT": str(VISIBILITY),
        "TEST_LOG_DIR": str(tmp_path),
    }
    return {**env, **extra}


def enqueue(env: Mapping[str, str], path: Path, wait: bool = False) -> str:
    args = ["enqueue", str(path), *(["--wait", "--timeout", "180"] if wait else [])]
    result = run_cli(args, env)
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
    raw += [json.loads(v)[0] for v in broker.hvals("unacked")]
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


# --- 1 and 5: SIGKILL a worker three times ----------------------------------------------


def kill_three_times(
    env: dict[str, str], store: Store, broker: redis.Redis, path: Path, early_ack: bool
) -> list[dict[str, float | None]]:
    recoveries: list[dict[str, float | None]] = []
    with fleet() as started:
        started.append(FaultWorker(env, early_ack).wait_ready())
        enqueue(env, path)
        for fraction in (0.15, 0.40, 0.65):
            assert wait_until(lambda f=fraction: finished(store) >= f * ITEMS, 120, 0.05)
            done, killed_at = finished(store), time.monotonic()
            started[-1].kill()
            started.append(FaultWorker(env, early_ack).wait_ready())
            resumed = wait_progress(store, done, 60)
            recoveries.append(
                {
                    "at_item": done,
                    "resumed_after_s": None if resumed is None else time.monotonic() - killed_at,
                }
            )
        recoveries.append({"tail_after_last_kill_s": settle(store, broker)})
        assert started[-1].proc.poll() is None, "the last worker died on its own"
    return recoveries


def test_sigkill_worker_three_times_nothing_lost(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "items.jsonl", ITEMS)
    with private_redis() as server, fresh_pg_database() as url:
        broker = server.client()
        env = base_env(server.url(), url, tmp_path)
        store = Store(url)
        store.ensure_schema()
        recoveries = kill_three_times(env, store, broker, path, early_ack=False)
        before_sweep = losses(store, broker)
        with fleet() as started:
            started.append(FaultWorker(env).wait_ready())
            swept = sweep(store, env, broker)
        figures = accounting(store, ITEMS, ITEMS)
        store.close()
    report("sigkill x3 (acks_late)", before_sweep=before_sweep, swept=swept,
           lost=figures["missing"], stored_twice=figures["stored_twice"],
           recoveries=recoveries)  # fmt: skip


def test_negative_control_early_ack_loses_items(tmp_path: Path) -> None:
    """The same kills with early acknowledgement: batches acked, then killed, are gone.

    This is the loss ``acks_late`` prevents; if this test stops seeing it, the kill test
    above no longer proves anything. Then the sweeper brings them back.
    """
    path = write_jsonl(tmp_path / "items.jsonl", ITEMS)
    with private_redis() as server, fresh_pg_database() as url:
        broker = server.client()
        env = base_env(server.url(), url, tmp_path)
        store = Store(url)
        store.ensure_schema()
        recoveries = kill_three_times(env, store, broker, path, early_ack=True)
        without_sweep = losses(store, broker)
        assert without_sweep["lost_for_good"] > 0, (
            "early ack + SIGKILL lost nothing: the kill test cannot fail"
        )
        with fleet() as started:
            started.append(FaultWorker(env).wait_ready())
            swept = sweep(store, env, broker)
        figures = accounting(store, ITEMS, ITEMS)
        store.close()
    report("sigkill x3 (EARLY ack, negative control)", without_sweep=without_sweep, swept=swept,
           lost_after_sweep=figures["missing"], stored_twice=figures["stored_twice"],
           recoveries=recoveries)  # fmt: skip


# --- 2: restart Redis ------------------------------------------------------------------


def test_redis_restart_mid_run(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "items.jsonl", ITEMS)
    url = f"sqlite:///{tmp_path}/store.db"
    with private_redis() as server:
        env = base_env(server.url(), url, tmp_path)
        store = Store(url)
        store.ensure_schema()
        with fleet() as started:
            started.append(FaultWorker(env).wait_ready())
            enqueue(env, path)
            assert wait_until(lambda: finished(store) >= 0.3 * ITEMS, 120, 0.05)
            done = finished(store)
            down = server.restart(down_for=2.0)  # SIGTERM (AOF written), then same dir and port
            resumed = wait_progress(store, finished(store), 90)
            tail = settle(store, server.client())
            assert started[0].proc.poll() is None, "the worker died with Redis"
            before_sweep = losses(store, server.client())
            swept = sweep(store, env, server.client())
            log = started[0].log()
        figures = accounting(store, ITEMS, ITEMS)
        store.close()
    report("redis restart", at_item=done, down_s=down, resumed_after_restart_s=resumed,
           tail_s=tail, before_sweep=before_sweep, swept=swept, lost=figures["missing"],
           stored_twice=figures["stored_twice"])  # fmt: skip
    assert resumed is not None, log[-3000:]


# --- 3: stop PostgreSQL for 20 s -------------------------------------------------------

PG_ITEMS = 3000
RETRY_LINE = re.compile(r"Task ingest\.process_batch\[([0-9a-f-]+)\] retry: Retry in")


def test_postgres_down_20s_retries_with_backoff(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "items.jsonl", PG_ITEMS)
    max_retries = 10  # backoff floor 0.5+1+2+4*7 = 31.5 s > 20 s down + reconnect
    with private_redis() as server, private_postgres() as pg:
        broker = server.client()
        url = pg.create_database("ingest_faults")
        env = base_env(server.url(), url, tmp_path,
                       INGEST_TASK_MAX_RETRIES=str(max_retries), INGEST_RETRY_BACKOFF_MAX="8",
                       # retried batches wait in the worker, unacked: longer than a backoff
                       INGEST_VISIBILITY_TIMEOUT="120")  # fmt: skip
        store = Store(url)
        store.ensure_schema()
        with fleet() as started:
            started.append(FaultWorker(env).wait_ready())
            enqueue(env, path)
            assert wait_until(lambda: finished(store) >= 0.3 * PG_ITEMS, 120, 0.05)
            store.engine.dispose()
            pg.stop("fast")
            stopped_at = time.monotonic()
            time.sleep(20)
            pg.start()
            down = time.monotonic() - stopped_at
            resumed = wait_progress(store, finished(store), 60)
            settle(store, broker, idle=10)
            before_sweep = losses(store, broker)
            swept = sweep(store, env, broker)
            log = started[0].log()
        figures = accounting(store, PG_ITEMS, PG_ITEMS)
        store.close()
    per_batch: dict[str, int] = {}
    for task_id in RETRY_LINE.findall(log):
        per_batch[task_id] = per_batch.get(task_id, 0) + 1
    retries = sum(per_batch.values())
    report("postgres down 20 s", down_s=down, resumed_after_start_s=resumed, retries=retries,
           batches_retried=len(per_batch), max_retries_one_batch=max(per_batch.values(), default=0),
           before_sweep=before_sweep, swept=swept,
           stored_twice=figures["stored_twice"])  # fmt: skip
    assert resumed is not None and resumed < 15, "no progress after PostgreSQL came back"
    assert retries, "no retry while the store was down?"
    # No hot loop: with jittered exponential backoff (at least 0.5, 1, 2, 4, 4... s) a batch
    # can retry at most ~9 times in 25 s; a loop without backoff would retry thousands of times.
    assert max(per_batch.values()) <= 9
    assert retries <= (PG_ITEMS // BATCH) * 9
    assert figures["quarantined"] == 0 and "gave up after" not in log
    assert swept == 0


# --- 4: interrupt the producer ---------------------------------------------------------


def test_producer_interrupted_then_run_again(tmp_path: Path) -> None:
    """SIGINT mid-publish, then the same input again.

    What a user expects: the second run publishes everything; articles the first run had
    stored come out ``duplicate``; the items the first run registered but never published
    (at most one batch) are swept by ``ingest reconcile`` and come out ``duplicate`` too,
    because the second run stored them. Every article stored once, every item an outcome.
    """
    path = write_jsonl(tmp_path / "items.jsonl", ITEMS)
    url = f"sqlite:///{tmp_path}/store.db"
    small = 10  # many small messages: publishing takes long enough to interrupt
    with private_redis() as server:
        broker = server.client()
        env = base_env(server.url(), url, tmp_path, INGEST_BATCH_SIZE=str(small))
        store = Store(url)
        store.ensure_schema()
        with fleet() as started:
            started.append(FaultWorker(env).wait_ready())
            producer = subprocess.Popen(
                [sys.executable, "-m", "worker", "enqueue", str(path)], cwd=ROOT,
                env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            )  # fmt: skip
            assert wait_until(
                lambda: registered(store) >= 1500 or producer.poll() is not None, 60, 0.02
            )
            assert producer.poll() is None, "the producer finished before it could be interrupted"
            producer.send_signal(signal.SIGINT)
            _, stderr = producer.communicate(timeout=30)
            first = run_ids(store)[0]
            registered_first = registered(store)
            second = enqueue(env, path, wait=True)
            settle(store, broker)
            before_sweep = losses(store, broker)
            swept = sweep(store, env, broker, older_than=0)
        figures = accounting(store, registered_first + ITEMS, ITEMS)
        one, two = store.stats(first), store.stats(second)
        store.close()
    report("producer SIGINT", exit_code=producer.returncode, registered_first=registered_first,
           before_sweep=before_sweep, swept=swept, first=one["by_status"], second=two["by_status"],
           stored_twice=figures["stored_twice"])  # fmt: skip
    assert producer.returncode == 130, stderr.decode()[-1000:]
    assert registered_first < ITEMS
    leftovers = before_sweep["pending"]
    assert leftovers <= small  # register-then-publish: at most one batch was never published
    assert before_sweep["lost_for_good"] == leftovers  # ...and Redis never saw it
    first_stored = one["by_status"].get("stored", 0)
    assert first_stored == registered_first - leftovers
    assert one["by_status"].get("duplicate", 0) == leftovers  # swept: run 2 had stored them
    assert two["by_status"] == {"stored": ITEMS - first_stored, "duplicate": first_stored}


def registered(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM items")).scalar_one())


def run_ids(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return [
            r[0] for r in conn.execute(text("SELECT DISTINCT run_id FROM items ORDER BY run_id"))
        ]


# --- graceful shutdown -----------------------------------------------------------------


def test_sigterm_lets_in_flight_batches_finish(tmp_path: Path) -> None:
    """SIGTERM mid-run: batches being processed finish, reserved ones go back to the queue."""
    items = 2000
    path = write_jsonl(tmp_path / "items.jsonl", items)
    url = f"sqlite:///{tmp_path}/store.db"
    with private_redis() as server:
        broker = server.client()
        env = base_env(server.url(), url, tmp_path)
        store = Store(url)
        store.ensure_schema()
        with fleet() as started:
            started.append(FaultWorker(env).wait_ready())
            enqueue(env, path)
            assert wait_until(lambda: finished(store) >= 0.3 * items, 120, 0.05)
            first = started[-1]
            os.killpg(first.proc.pid, signal.SIGTERM)
            asked = time.monotonic()
            first.proc.wait(60)
            shutdown_s = time.monotonic() - asked
            at_stop = finished(store)
            started.append(FaultWorker(env).wait_ready())
            tail = settle(store, broker)
            before_sweep = losses(store, broker)
        figures = accounting(store, items, items)
        store.close()
    report("sigterm", at_item=at_stop, shutdown_s=shutdown_s, tail_s=tail,
           before_sweep=before_sweep, stored_twice=figures["stored_twice"])  # fmt: skip
    assert "Warm shutdown" in first.log()
    assert first.proc.returncode == 0
    assert at_stop < items, "the run ended before the signal: the test proved nothing"
    assert before_sweep["pending"] == 0  # nothing lost, no reconcile needed
