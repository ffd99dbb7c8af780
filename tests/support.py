"""Real processes and servers for integration tests: Celery workers, databases, Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import psycopg
import redis

from tests.netns import in_netns

ROOT = Path(__file__).resolve().parent.parent
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
PG_ADMIN = os.environ.get("TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(f"{REDIS_BASE}/0", socket_timeout=1).ping())
    except redis.RedisError:
        return False


def fresh_redis_db(db: int) -> str:
    """An empty Redis database: ``db`` unless another client still uses it, else a free one.

    A client on the database at this point is a stray (a worker left by a killed earlier run);
    it would take this test's messages, so the test moves away from it rather than racing it.
    """
    admin = redis.Redis.from_url(f"{REDIS_BASE}/0")
    busy = {int(c["db"]) for c in admin.client_list() if int(c["id"]) != admin.client_id()}
    databases = int(admin.config_get("databases").get("databases", 16))
    free = [n for n in [db, *range(databases - 1, 0, -1)] if n not in busy]
    if not free:
        raise RuntimeError(f"every Redis database has clients: {sorted(busy)}; stray workers?")
    url = f"{REDIS_BASE}/{free[0]}"
    redis.Redis.from_url(url).flushdb()
    return url


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    name = f"ingest_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class WorkerProcess:
    """A real ``celery worker`` in its own process group, so a test can kill it."""

    def __init__(
        self,
        env: Mapping[str, str],
        name: str,
        concurrency: int = 1,
        queues: str = "ingest,fetch",
        pool: str = "prefork",
    ) -> None:
        self.log_path = Path(env.get("TEST_LOG_DIR", "/tmp")) / f"{name}-{uuid.uuid4().hex[:6]}.log"
        self._log: IO[bytes] = self.log_path.open("wb")
        argv = [
            sys.executable, "-m", "celery", "-A", "worker.app", "worker",
            "-Q", queues, "-c", str(concurrency), "-P", pool, "-n", f"{name}@%h",
            "-l", "INFO", "-E", "--without-mingle", "--without-gossip",
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            argv, cwd=ROOT, env={**os.environ, **env}, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 60.0) -> WorkerProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b"ready." in self.log_path.read_bytes():
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log()}")
            time.sleep(0.1)
        raise TimeoutError(f"worker not ready after {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
        stop_group(self.proc, sig, timeout)
        self._log.close()


def stop_group(
    proc: subprocess.Popen[Any], sig: int = signal.SIGTERM, timeout: float = 30.0
) -> None:
    """Signal a process started with ``start_new_session`` and its children; SIGKILL the
    group if it has not exited within ``timeout`` seconds."""
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@contextmanager
def workers(
    env: Mapping[str, str], count: int = 1, concurrency: int = 2
) -> Iterator[list[WorkerProcess]]:
    started = [
        WorkerProcess(env, f"w{n}-{uuid.uuid4().hex[:4]}", concurrency) for n in range(count)
    ]
    try:
        yield [w.wait_ready() for w in started]
    finally:
        for w in started:
            w.stop()


def run_cli(
    args: list[str],
    env: Mapping[str, str],
    cwd: Path | None = None,
    stdin: str | None = None,
    timeout: float = 300,
    netns: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """``ingest ARGS`` as a user runs it (``netns``: on that host, see tests/netns.py)."""
    return subprocess.run(
        in_netns(netns, [sys.executable, "-m", "worker", *args]), cwd=cwd or ROOT,
        env={**os.environ, **env},
        input=stdin, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def wait_until(predicate, timeout: float, interval: float = 0.2):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
