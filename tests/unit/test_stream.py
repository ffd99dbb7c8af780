"""Streaming in: flush decisions, line cutting, following a file, stopping cleanly."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from worker.core.errors import ConfigError
from worker.core.models import Kind, RawItem
from worker.ingest.stream import (
    IDLE_WAIT,
    TOO_LONG_LINE,
    Batcher,
    LineSource,
    StreamConfig,
    flush_due,
    pump,
    split_lines,
    wait_budget,
    wait_for_file,
)


def config(batch_size: int = 3, delay: float = 0.2, start: int = 0) -> StreamConfig:
    return StreamConfig("stdin", "run1", batch_size, delay, 10_000, start_seq=start)


def collector() -> tuple[list[list[RawItem]], Batcher]:
    sent: list[list[RawItem]] = []
    return sent, Batcher(config(), sent.append)


def test_full_batch_flushes_at_once() -> None:
    assert flush_due(pending=3, oldest_at=10.0, now=10.0, size=3, delay=0.2)


def test_partial_batch_waits_for_the_delay() -> None:
    assert not flush_due(pending=1, oldest_at=10.0, now=10.19, size=3, delay=0.2)
    assert flush_due(pending=1, oldest_at=10.0, now=10.2, size=3, delay=0.2)


def test_nothing_pending_never_flushes() -> None:
    assert not flush_due(pending=0, oldest_at=None, now=99.0, size=3, delay=0.2)


def test_wait_budget_ends_when_the_oldest_line_is_due() -> None:
    assert wait_budget(None, 5.0, 0.2) == IDLE_WAIT
    assert abs(wait_budget(5.0, 5.15, 0.2) - 0.05) < 1e-9
    assert wait_budget(5.0, 6.0, 0.2) == 0.0


def test_split_lines_keeps_the_incomplete_rest() -> None:
    assert split_lines(b'{"a": 1}\n{"b"') == ([b'{"a": 1}'], b'{"b"')
    assert split_lines(b"x\n") == ([b"x"], b"")


def test_batcher_time_flush_with_a_clock() -> None:
    sent, batcher = collector()
    batcher.add([b'{"title": "t", "body": "b"}'], now=1.0)
    batcher.flush(now=1.1)
    assert sent == []
    batcher.flush(now=1.2)
    assert [len(b) for b in sent] == [1]


def test_batcher_numbers_items_and_skips_blank_lines() -> None:
    sent, batcher = collector()
    batcher.add([b'{"body": "one"}', b"  ", b"{broken", b'{"body": "four"}'], now=0.0)
    batcher.flush(now=0.0)
    keys = [i.item_key for i in sent[0]]
    assert keys == ["run1-0000000", "run1-0000001", "run1-0000002"]
    assert [i.source for i in sent[0]] == ["stdin:1", "stdin:3", "stdin:4"]
    assert sent[0][1].kind is Kind.INVALID and sent[0][1].payload["reason"] == "invalid_json"


def test_a_bom_is_dropped_and_a_line_not_utf8_is_rejected_alone() -> None:
    """``ingest enqueue -``: strict per line, never replacement characters in a record."""
    sent, batcher = collector()
    lines = [b'\xef\xbb\xbf{"body": "one"}', b'{"body": "caf\xe9"}', b'{"body": "caf\xc3\xa9"}']
    batcher.add(lines, now=0.0)
    batcher.flush(now=0.0, force=True)
    [batch] = sent
    assert batch[0].kind is Kind.RECORD and batch[0].payload["record"] == {"body": "one"}
    assert batch[1].kind is Kind.INVALID and batch[1].payload["reason"] == "not_utf8"
    assert batch[1].source == "stdin:2"
    assert batch[2].payload["record"] == {"body": "café"}


def test_pump_reads_a_pipe_to_its_end() -> None:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b'{"body": "a"}\n{"body": "b"}\n{"body": "c"}\n{"body": "d"}')
    os.close(write_fd)
    sent, batcher = collector()
    result = pump(LineSource(read_fd, follow=False, max_line=10_000), batcher, threading.Event())
    os.close(read_fd)
    assert result.items == 4 and [len(b) for b in sent] == [3, 1]  # last line without newline


def test_followed_file_keeps_partial_line_until_complete(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(b'{"body": "a"}\n{"bo')
    fd = os.open(path, os.O_RDONLY)
    source = LineSource(fd, follow=True, max_line=10_000, sleep=lambda s: None)
    assert source.read(0.1) == [b'{"body": "a"}']
    assert source.read(0.1) == []
    with path.open("ab") as f:
        f.write(b'dy": "b"}\n')
    assert source.read(0.1) == [b'{"body": "b"}']
    os.close(fd)


def test_stop_publishes_everything_written_before_it(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"".join(b'{"body": "%d"}\n' % n for n in range(7)) + b'{"body": "tail"}')
    stop = threading.Event()
    stop.set()  # stopped before the first read: the drain still reads the whole file
    fd = os.open(path, os.O_RDONLY)
    sent, batcher = collector()
    result = pump(LineSource(fd, follow=True, max_line=10_000), batcher, stop)
    os.close(fd)
    assert result.items == 8 and sum(len(b) for b in sent) == 8


def test_start_seq_continues_the_run() -> None:
    sent: list[list[RawItem]] = []
    batcher = Batcher(config(start=5), sent.append)
    batcher.add([b'{"body": "x"}'], now=0.0)
    batcher.flush(now=1.0)
    assert sent[0][0].item_key == "run1-0000005"


def test_truncated_file_is_read_again_from_the_start(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(b'{"body": "first one"}\n')
    fd = os.open(path, os.O_RDONLY)
    source = LineSource(fd, follow=True, max_line=10_000, sleep=lambda s: None)
    assert len(source.read(0.1)) == 1
    path.write_bytes(b'{"b": 2}\n')  # truncate and rewrite, shorter
    assert source.read(0.1) == [b'{"b": 2}']
    os.close(fd)


# --- lines over the limit: dropped as they stream, one too_large item each ---------------


def pipe_with(data: bytes) -> int:
    """A pipe holding ``data`` (written from a thread: it may exceed the pipe's buffer)."""
    read_fd, write_fd = os.pipe()

    def write() -> None:
        with os.fdopen(write_fd, "wb") as out:
            out.write(data)

    threading.Thread(target=write, daemon=True).start()
    return read_fd


def test_a_line_over_the_limit_is_never_held_whole() -> None:
    huge = b"x" * 3_000_000  # many reads of 64 kB, far over a 10 kB limit
    fd = pipe_with(b'{"body": "a"}\n' + huge + b'\n{"body": "b"}\n')
    source = LineSource(fd, follow=False, max_line=10_000)
    lines: list[bytes] = []
    held = 0
    while not source.ended:
        lines += source.read(0.5)
        held = max(held, source._rest_size)
    lines += source.drain()
    os.close(fd)
    assert lines == [b'{"body": "a"}', TOO_LONG_LINE, b'{"body": "b"}']
    assert held <= 10_000


def test_a_line_just_over_the_limit_in_one_read_is_too_long() -> None:
    fd = pipe_with(b"y" * 10_001 + b"\n" + b"z" * 10_000 + b"\n")
    source = LineSource(fd, follow=False, max_line=10_000)
    lines: list[bytes] = []
    deadline = time.monotonic() + 5
    while not source.ended and time.monotonic() < deadline:
        lines += source.read(0.5)
    os.close(fd)
    assert lines == [TOO_LONG_LINE, b"z" * 10_000]


def test_a_long_last_line_without_newline_is_too_long() -> None:
    fd = pipe_with(b'{"body": "a"}\n' + b"w" * 50_000)
    source = LineSource(fd, follow=False, max_line=10_000)
    sent, batcher = collector()
    result = pump(source, batcher, threading.Event())
    os.close(fd)
    assert result.items == 2
    rejected = sent[-1][-1]
    assert rejected.source == "stdin:2" and rejected.payload["reason"] == "too_large"


def test_a_followed_file_with_a_long_line_goes_on_after_it(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"v" * 200_000 + b'\n{"body": "after"}\n')
    fd = os.open(path, os.O_RDONLY)
    source = LineSource(fd, follow=True, max_line=10_000, sleep=lambda s: None)
    lines: list[bytes] = []
    for _ in range(10):
        lines += source.read(0.01)
    os.close(fd)
    assert lines == [TOO_LONG_LINE, b'{"body": "after"}']


def test_following_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError):
        wait_for_file(str(fifo), threading.Event())  # no writer: a blocking open would hang
