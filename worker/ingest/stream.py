"""Streams in: JSON lines from stdin or a followed file (``tail -f``), published as they come.

Lines are published in small batches: a batch goes out when it is full or when its oldest
line has waited ``flush_delay`` seconds, so a slow trickle is not held back for a full
batch. On end of input or on a stop request (SIGINT / SIGTERM) whatever has been read is
published -- for a followed file, everything written to it up to that moment -- and
nothing is left behind. One thread, no queue: ``select`` on a pipe, polling on a file.

A line is held in memory only up to ``max_line_bytes``: past that, the rest of it is read
and dropped until its newline, and it becomes one ``too_large`` item. A 300 MB line costs
no more memory than a 5 MB one.
"""

from __future__ import annotations

import os
import select
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from worker.core.errors import ConfigError
from worker.core.keys import item_key
from worker.core.models import RawItem
from worker.core.settings import Settings
from worker.readers.records import TOO_LONG, decode_line, parse_line

FILE_POLL = 0.05  # seconds between two looks at a followed file that has not grown
IDLE_WAIT = 0.25  # longest sleep with nothing pending: how soon a stop request is seen
_CHUNK = 1 << 16
# What a line over the limit becomes: ``parse_line`` rejects it as ``too_large``.
TOO_LONG_LINE = TOO_LONG.encode()


def flush_due(pending: int, oldest_at: float | None, now: float, size: int, delay: float) -> bool:
    """A batch goes out when it is full, or when its oldest line has waited ``delay``."""
    if pending >= size:
        return True
    return pending > 0 and oldest_at is not None and now - oldest_at >= delay - 1e-9


def wait_budget(oldest_at: float | None, now: float, delay: float) -> float:
    """How long we may wait for more input before the pending batch is due."""
    if oldest_at is None:
        return IDLE_WAIT
    return max(0.0, min(IDLE_WAIT, oldest_at + delay - now))


def split_lines(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Complete lines (newline-terminated) and the incomplete rest."""
    *lines, rest = buffer.split(b"\n")
    return lines, rest


class LineSource:
    """Complete lines from a pipe (until EOF) or a regular file (``follow``: never EOF).

    A line longer than ``max_line`` bytes is never held whole: it comes out as
    ``TOO_LONG_LINE`` once its newline (or the end of input) is reached.
    """

    def __init__(
        self,
        fd: int,
        follow: bool,
        max_line: int,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.fd = fd
        self.follow = follow
        self.max_line = max_line
        self.sleep = sleep
        self.ended = False
        self._rest: list[bytes] = []  # the pieces of the incomplete last line
        self._rest_size = 0
        self._skipping = False  # inside a line already over the limit: drop until newline

    def read(self, timeout: float) -> list[bytes]:
        """Lines that arrive within ``timeout`` seconds (maybe none)."""
        if self.follow:
            data = self._read_file()
            if not data:
                self.sleep(min(timeout, FILE_POLL))
                data = self._read_file()
        else:
            data = self._read_pipe(timeout)
        return self._cut(data)

    def drain(self) -> list[bytes]:
        """Everything readable right now, and the last line even without its newline."""
        lines: list[bytes] = []
        while not self.ended and (data := self._read_file() if self.follow else self._read_pipe(0)):
            lines += self._cut(data)
        last = self._end_line()
        if last.strip():
            lines.append(last)
        return lines

    def _read_file(self) -> bytes:
        if os.fstat(self.fd).st_size < os.lseek(self.fd, 0, os.SEEK_CUR):
            os.lseek(self.fd, 0, os.SEEK_SET)  # truncated in place: start over, like tail -f
        return os.read(self.fd, _CHUNK)

    def _read_pipe(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return b""
        data = os.read(self.fd, _CHUNK)
        self.ended = not data
        return data

    def _cut(self, data: bytes) -> list[bytes]:
        lines, tail = split_lines(data)
        if lines:  # the held line ends in this chunk
            lines[0] = self._end_line(lines[0])
        self._hold(tail)
        return [TOO_LONG_LINE if len(line) > self.max_line else line for line in lines]

    def _hold(self, piece: bytes) -> None:
        """Keep the start of an incomplete line, unless it is already over the limit."""
        if self._skipping or not piece:
            return
        self._rest.append(piece)
        self._rest_size += len(piece)
        if self._rest_size > self.max_line:
            self._rest, self._rest_size, self._skipping = [], 0, True

    def _end_line(self, piece: bytes = b"") -> bytes:
        """The held line completed by ``piece``, and the hold emptied."""
        line = TOO_LONG_LINE if self._skipping else b"".join([*self._rest, piece])
        self._rest, self._rest_size, self._skipping = [], 0, False
        return line


@dataclass
class StreamConfig:
    source: str  # item source prefix: "stdin" or the followed path; ":<line>" is appended
    run_id: str
    batch_size: int
    flush_delay: float
    max_line_bytes: int
    start_seq: int = 0  # item keys continue after items already published in this run


@dataclass
class StreamResult:
    lines: int = 0
    items: int = 0
    batches: int = 0


class Batcher:
    """Numbers lines as items and decides when the pending batch goes out."""

    def __init__(self, cfg: StreamConfig, publish: Callable[[list[RawItem]], object]) -> None:
        self.cfg = cfg
        self.publish = publish
        self.pending: list[RawItem] = []
        self.oldest_at: float | None = None
        self.result = StreamResult()

    def add(self, lines: list[bytes], now: float) -> None:
        for raw in lines:
            self.result.lines += 1
            if raw.strip():
                self.pending.append(self._item(raw))
                self.oldest_at = now if self.oldest_at is None else self.oldest_at

    def flush(self, now: float, force: bool = False) -> None:
        cfg = self.cfg
        due = flush_due(len(self.pending), self.oldest_at, now, cfg.batch_size, cfg.flush_delay)
        if self.pending and (force or due):
            batch, self.pending, self.oldest_at = self.pending, [], None
            self.publish(batch)
            self.result.items += len(batch)
            self.result.batches += 1

    def _item(self, raw: bytes) -> RawItem:
        # Strict, line by line: bytes that are not UTF-8 make this line ``not_utf8`` instead
        # of a record with replacement characters in it.
        found = parse_line(
            decode_line(raw), f"{self.cfg.source}:{self.result.lines}", self.cfg.max_line_bytes
        )
        key = item_key(self.cfg.run_id, self.cfg.start_seq + self.result.items + len(self.pending))
        return RawItem(
            item_key=key, source=found.source, kind=found.kind, payload=found.payload,
            received_at=datetime.now(UTC),
        )  # fmt: skip


def pump(
    source: LineSource,
    batcher: Batcher,
    stop: threading.Event,
    clock: Callable[[], float] = time.monotonic,
) -> StreamResult:
    """Read, batch and publish until end of input or ``stop``; then publish the rest."""
    while not stop.is_set() and not source.ended:
        lines = source.read(wait_budget(batcher.oldest_at, clock(), batcher.cfg.flush_delay))
        batcher.add(lines, clock())
        batcher.flush(clock())
    batcher.add(source.drain(), clock())
    batcher.flush(clock(), force=True)
    return batcher.result


def wait_for_file(path: str, stop: threading.Event, poll: float = FILE_POLL) -> int | None:
    """Open ``path`` for reading, waiting for it to appear (like ``tail -F``).

    A regular file only: following a FIFO or a device would block, or never end. Opened
    non-blocking to find out, so a FIFO is refused at once instead of waiting for a writer.
    """
    while not stop.is_set():
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except FileNotFoundError:
            time.sleep(poll)
            continue
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.set_blocking(fd, True)
            return fd
        os.close(fd)
        raise ConfigError(f"--follow needs a regular file; {path} is not one")
    return None


def stop_on_signals() -> threading.Event:
    """SIGINT and SIGTERM ask for a clean stop (publish what was read) instead of a crash."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def stream_in(
    publish: Callable[[list[RawItem], str], object],
    settings: Settings,
    run_id: str,
    path: str | None,
    start_seq: int = 0,
) -> StreamResult:
    """Publish the JSON lines of stdin (``path`` None) or of a followed file, until stopped."""
    stop = stop_on_signals()
    fd = sys.stdin.fileno() if path is None else wait_for_file(path, stop)
    if fd is None:  # stopped before the file appeared
        return StreamResult()
    cfg = StreamConfig(
        source=path or "stdin",
        run_id=run_id,
        batch_size=settings.batch_size,
        flush_delay=settings.flush_delay,
        max_line_bytes=settings.max_item_bytes,
        start_seq=start_seq,
    )
    try:
        source = LineSource(fd, follow=path is not None, max_line=cfg.max_line_bytes)
        return pump(source, Batcher(cfg, lambda batch: publish(batch, run_id)), stop)
    finally:
        if path is not None:
            os.close(fd)
