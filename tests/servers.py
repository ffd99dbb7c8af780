"""PRIVATE Redis and PostgreSQL servers for fault tests, which stop, kill and restart them.

Never touch the machine's shared servers (6379, 5432): other tests use them at the same
time. Each server here has its own free port and its own temporary folder, and is stopped
at teardown.

A server can also run inside a network namespace (``netns``, see tests/netns.py), bound to
that host's address (``host``): other namespaces reach it over TCP there, and this process,
which stays in its own namespace, over the server's Unix socket in its folder.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis

from tests.netns import in_netns


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} not ready after {timeout}s")


class PrivateRedis:
    """``redis-server`` with persistence on (AOF, as in docker-compose) on its own port."""

    def __init__(self, host: str = "127.0.0.1", netns: str | None = None) -> None:
        self.port = free_port()
        self.host, self.netns = host, netns
        self.dir = Path(tempfile.mkdtemp(prefix="ingest-redis-"))
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://{self.host}:{self.port}/{db}"

    def client(self) -> redis.Redis:
        if self.netns:  # out of this process's reach over TCP
            return redis.Redis(unix_socket_path=str(self.dir / "redis.sock"), socket_timeout=5)
        return redis.Redis(host=self.host, port=self.port, socket_timeout=5)

    def start(self) -> PrivateRedis:
        argv = [
            "redis-server", "--port", str(self.port), "--bind", self.host, "--dir", str(self.dir),
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
            "--logfile", str(self.dir / "redis.log"),
            "--unixsocket", str(self.dir / "redis.sock"), "--unixsocketperm", "700",
            # Bound to a host's address on a test's own private segment (tests/netns.py).
            "--protected-mode", "yes" if self.host == "127.0.0.1" else "no",
        ]  # fmt: skip
        self.proc = subprocess.Popen(in_netns(self.netns, argv), start_new_session=True)
        _wait(self._ping, 20, f"redis on {self.port}")
        return self

    def _ping(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM: Redis writes its AOF and exits (a clean shutdown); SIGKILL: a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(30)
        self.proc = None

    def restart(self, down_for: float = 0.0) -> float:
        """Stop then start on the same port and folder; returns seconds it was down."""
        started = time.monotonic()
        self.stop()
        time.sleep(down_for)
        self.start()
        return time.monotonic() - started

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def private_redis(host: str = "127.0.0.1", netns: str | None = None) -> Iterator[PrivateRedis]:
    server = PrivateRedis(host, netns).start()
    try:
        yield server
    finally:
        server.close()


class PrivateSentinel:
    """A Redis Sentinel (``redis-server --sentinel``) watching ``master`` as ``name``."""

    def __init__(self, master: PrivateRedis, name: str = "ingest") -> None:
        self.port, self.name = free_port(), name
        self.dir = Path(tempfile.mkdtemp(prefix="ingest-sentinel-"))
        conf = self.dir / "sentinel.conf"  # Sentinel rewrites its file: one of its own
        conf.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {self.dir}\n"
            f"logfile {self.dir / 'sentinel.log'}\n"
            f"sentinel monitor {name} {master.host} {master.port} 1\n"
        )
        self.proc = subprocess.Popen(
            ["redis-server", str(conf), "--sentinel"], start_new_session=True
        )
        client = redis.Redis(port=self.port, socket_timeout=5)
        _wait(lambda: _answers(client), 20, f"sentinel on {self.port}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)
        shutil.rmtree(self.dir, ignore_errors=True)


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@contextmanager
def private_sentinel(master: PrivateRedis, name: str = "ingest") -> Iterator[PrivateSentinel]:
    sentinel = PrivateSentinel(master, name)
    try:
        yield sentinel
    finally:
        sentinel.close()


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise FileNotFoundError(f"PostgreSQL's {name} is not installed")
    return path


def _as_postgres(argv: list[str], netns: str | None = None) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the ``postgres`` OS user."""
    argv = ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv
    return in_netns(netns, argv)


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (initdb, trust auth on 127.0.0.1) on its own port."""

    def __init__(self, host: str = "127.0.0.1", netns: str | None = None) -> None:
        self.port = free_port()
        self.host, self.netns = host, netns
        # Under /tmp directly: pytest's tmp folders are 0700 root, unreachable for postgres.
        self.dir = Path(tempfile.mkdtemp(prefix="ingest-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(
            _as_postgres([_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                          "--no-sync", "-E", "UTF8", "--locale", "C"]),
            check=True, capture_output=True,
        )  # fmt: skip
        if host != "127.0.0.1":  # initdb trusts loopback only; add this host's own subnet
            with (self.data / "pg_hba.conf").open("a") as hba:
                hba.write("host all all samenet trust\n")

    def admin_url(self, db: str = "postgres") -> str:
        """This process's connection: over the Unix socket when the server is in a netns."""
        if self.netns:
            return f"postgresql://postgres@/{db}?host={self.dir}&port={self.port}"
        return f"postgresql://postgres@{self.host}:{self.port}/{db}"

    def store_url(self, db: str) -> str:
        """The workers' URL (TCP, to ``host``)."""
        return f"postgresql+psycopg://postgres@{self.host}:{self.port}/{db}"

    def local_store_url(self, db: str) -> str:
        """A store URL for this process (see ``admin_url``)."""
        return self.admin_url(db).replace("postgresql://", "postgresql+psycopg://", 1)

    def _ctl(self, *args: str) -> None:
        argv = _as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), *args], self.netns)
        subprocess.run(argv, check=True, capture_output=True, timeout=60)

    def start(self) -> PrivatePostgres:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses={self.host}"
        self._ctl("-o", options, "-l", str(self.dir / "postgres.log"), "-w", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """``fast``: connections cut, a clean shutdown; ``immediate``: like a crash."""
        self._ctl("-m", mode, "-w", "stop")

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.store_url(name)

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def private_postgres(
    host: str = "127.0.0.1", netns: str | None = None
) -> Iterator[PrivatePostgres]:
    server = PrivatePostgres(host, netns).start()
    try:
        yield server
    finally:
        server.close()
