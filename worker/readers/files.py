"""Files, folders (recursive), stdin and URLs: everything the command line accepts."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from worker.core.errors import Reason
from worker.core.models import Found, Kind, invalid
from worker.readers.feeds import looks_like_feed, read_feed
from worker.readers.records import NOT_UTF8, TOO_LONG, read_json, read_jsonl

TEXT_SUFFIXES = {".txt", ".text", ".md"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
FEED_SUFFIXES = {".xml", ".rss", ".atom"}
KNOWN_SUFFIXES = TEXT_SUFFIXES | JSONL_SUFFIXES | HTML_SUFFIXES | {".json"}


@dataclass(frozen=True)
class Limits:
    max_item_bytes: int
    max_feed_entries: int


def iter_inputs(
    targets: Iterable[str], limits: Limits, stdin: TextIO | None = None
) -> Iterator[Found]:
    """Every item of every target, in a stable order; bad ones as ``invalid`` items."""
    for target in targets:
        if target == "-":
            yield from read_jsonl(stdin or sys.stdin, "stdin", limits.max_item_bytes)
        elif target.startswith(("http://", "https://")):
            yield Found(target, Kind.URL, {"url": target})
        else:
            yield from iter_path(Path(target), limits)


def iter_path(path: Path, limits: Limits) -> Iterator[Found]:
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            if not child.name.startswith("."):
                yield from read_file(child, limits)
    elif path.exists():
        yield from read_file(path, limits)
    else:
        yield invalid(source_name(path), Reason.NOT_FOUND, "no such file or folder")


def read_file(path: Path, limits: Limits) -> Iterator[Found]:
    source = source_name(path)
    if path.suffix.lower() in JSONL_SUFFIXES:
        # Streamed: a JSONL file may hold millions of items; the size limit is per line.
        yield from read_jsonl_file(path, source, limits.max_item_bytes)
        return
    data = _read_bytes(path, limits.max_item_bytes)
    if isinstance(data, Found):
        yield data
        return
    suffix = path.suffix.lower()
    if suffix in FEED_SUFFIXES or (suffix not in KNOWN_SUFFIXES and looks_like_feed(data)):
        yield from read_feed(data, source, limits.max_feed_entries)
        return
    text = decode_text(data, source)
    if isinstance(text, Found):
        yield text
    else:
        yield from _items_from_text(text, suffix, source, limits)


def _items_from_text(text: str, suffix: str, source: str, limits: Limits) -> Iterator[Found]:
    if suffix in JSONL_SUFFIXES:
        yield from read_jsonl(text.splitlines(), source, limits.max_item_bytes)
    elif suffix == ".json":
        yield from read_json(text, source)
    elif suffix in HTML_SUFFIXES:
        yield Found(source, Kind.HTML, {"html": text})
    elif suffix in TEXT_SUFFIXES:
        yield Found(source, Kind.TEXT, {"text": text})
    else:
        yield invalid(source, Reason.UNSUPPORTED_TYPE, f"unknown file type {suffix or '(none)'}")


def source_name(path: Path) -> str:
    """The path as text a store can keep: undecodable bytes of a file name become U+FFFD."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def read_jsonl_file(path: Path, source: str, max_line_bytes: int) -> Iterator[Found]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield invalid(source, Reason.UNREADABLE, f"{type(exc).__name__}: {exc.strerror or exc}")
        return
    with handle:
        yield from read_jsonl(bounded_lines(handle, max_line_bytes, source), source, max_line_bytes)


def bounded_lines(handle: BinaryIO, limit: int, source: str) -> Iterator[str]:
    """Decoded lines, never more than ``limit`` bytes of one held in memory.

    A line over the limit or not UTF-8 comes out as a marker that ``parse_line`` rejects
    with its reason, so the line numbers of the good lines around it stay right.
    """
    for number, raw in enumerate(iter(lambda: handle.readline(limit + 1), b""), start=1):
        if len(raw) > limit and not raw.endswith(b"\n"):
            _skip_rest_of_line(handle)
            yield TOO_LONG
            continue
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            yield NOT_UTF8


def _skip_rest_of_line(handle: BinaryIO) -> None:
    while (chunk := handle.readline(1 << 20)) and not chunk.endswith(b"\n"):
        pass


def _read_bytes(path: Path, limit: int) -> bytes | Found:
    try:
        size = path.stat().st_size
        if size > limit:
            return invalid(
                source_name(path), Reason.TOO_LARGE, f"{size} bytes; the limit is {limit}"
            )
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        reason = f"{type(exc).__name__}: {exc.strerror or exc}"
        return invalid(source_name(path), Reason.UNREADABLE, reason)


def decode_text(data: bytes, source: str) -> str | Found:
    """UTF-8 text (a BOM is fine); NUL bytes or invalid UTF-8 mean binary."""
    # Anywhere, not only near the start: no store keeps U+0000 in text (PostgreSQL refuses it).
    if b"\x00" in data:
        return invalid(source, Reason.BINARY, "contains NUL bytes: not a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return invalid(source, Reason.NOT_UTF8, f"not UTF-8 text: {exc.reason} at byte {exc.start}")
