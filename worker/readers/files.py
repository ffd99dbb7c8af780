"""Files, folders (recursive), stdin and URLs: everything the command line accepts.

What a path is (a link out of the folder, a FIFO, a device) is decided before anything is
opened, in ``worker.readers.paths``; lines of JSONL and of stdin are read with a bound, so
a 300 MB line costs a few megabytes before it is rejected. Text, HTML and feeds are decoded
by the one policy of ``worker.readers.charset``; JSON and JSON lines are UTF-8 (a BOM is
dropped), one line at a time.
"""

from __future__ import annotations

import io
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO, cast

from worker.core.errors import Reason
from worker.core.models import Found, Kind, invalid
from worker.readers.charset import Markup, decode_text
from worker.readers.feeds import looks_like_feed, read_feed
from worker.readers.paths import folder_entries, open_regular, regular_target, source_name
from worker.readers.records import TOO_LONG, decode_line, read_json, read_jsonl

__all__ = ["Limits", "decode_text", "iter_inputs", "iter_path", "read_file", "source_name"]

TEXT_SUFFIXES = {".txt", ".text", ".md"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
FEED_SUFFIXES = {".xml", ".rss", ".atom"}
KNOWN_SUFFIXES = TEXT_SUFFIXES | JSONL_SUFFIXES | HTML_SUFFIXES | {".json"}
GZIP_SUFFIX = ".gz"  # page.html.gz is read as page.html


@dataclass(frozen=True)
class Limits:
    max_item_bytes: int
    max_feed_entries: int


def iter_inputs(
    targets: Iterable[str], limits: Limits, stdin: TextIO | BinaryIO | None = None
) -> Iterator[Found]:
    """Every item of every target, in a stable order; bad ones as ``invalid`` items."""
    for target in targets:
        if target == "-":
            yield from read_stdin(stdin or sys.stdin, limits.max_item_bytes)
        elif target.startswith(("http://", "https://")):
            yield Found(target, Kind.URL, {"url": target})
        else:
            yield from iter_path(Path(target), limits)


def read_stdin(stream: TextIO | BinaryIO, max_line_bytes: int) -> Iterator[Found]:
    """JSON lines, read as bytes with a bound per line (text already in memory as it is).

    Each line is decoded on its own, so one that is not UTF-8 is one ``not_utf8`` item
    (never a decoding error that ends the run); a BOM before a line is dropped."""
    binary = getattr(stream, "buffer", stream)
    if isinstance(binary, io.TextIOBase):  # e.g. a StringIO: nothing left to bound
        yield from read_jsonl(
            (line.removeprefix("\ufeff") for line in binary), "stdin", max_line_bytes
        )
    else:
        lines = bounded_lines(cast(BinaryIO, binary), max_line_bytes, "stdin")
        yield from read_jsonl(lines, "stdin", max_line_bytes)


def iter_path(path: Path, limits: Limits) -> Iterator[Found]:
    """A file, or every file of a folder tree in path order (hidden files skipped)."""
    if path.is_dir():  # a link named by the user is followed: the folder is theirs
        root = path.resolve()
        for child in folder_entries(path):
            if not child.name.startswith("."):
                yield from read_file(child, limits, root)
    else:
        yield from read_file(path, limits)


def read_file(path: Path, limits: Limits, root: Path | None = None) -> Iterator[Found]:
    """The items of one file; ``root``: the resolved folder it was found in (links stay
    inside it). A link, FIFO, device or socket it should not read becomes one item."""
    source = source_name(path)
    target = regular_target(path, root)
    if isinstance(target, Found):
        yield target
        return
    gzipped = path.suffix.lower() == GZIP_SUFFIX
    suffix = Path(path.stem).suffix.lower() if gzipped else path.suffix.lower()
    if suffix in JSONL_SUFFIXES and not gzipped:
        # Streamed: a JSONL file may hold millions of items; the size limit is per line.
        yield from read_jsonl_file(target, source, limits.max_item_bytes)
        return
    data = _read_bytes(target, source, limits.max_item_bytes)
    if isinstance(data, bytes) and gzipped:
        data = gunzip(data, source, limits.max_item_bytes)
    if isinstance(data, Found):
        yield data
        return
    if suffix in FEED_SUFFIXES or (suffix not in KNOWN_SUFFIXES and looks_like_feed(data)):
        yield from read_feed(data, source, limits.max_feed_entries)
        return
    text = decode_text(data, source, _markup(suffix))
    if isinstance(text, Found):
        yield text
    else:
        yield from _items_from_text(text, suffix, source, limits)


def gunzip(data: bytes, source: str, limit: int) -> bytes | Found:
    """A gzip file's content, decompressed with a bound on the output: past ``limit`` it is
    ``too_large`` (a few kilobytes can decompress to gigabytes); a truncated or corrupt
    file is ``binary``."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # 16: a gzip header, not zlib's
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        return invalid(source, Reason.BINARY, f"not a readable gzip file: {exc}")
    if len(out) > limit:
        return invalid(source, Reason.TOO_LARGE, f"decompresses to over {limit} bytes")
    if not inflater.eof:
        return invalid(source, Reason.BINARY, "a truncated gzip file")
    return out


def _markup(suffix: str) -> Markup:
    """How a file declares its encoding: HTML in a meta tag; JSON is UTF-8 by definition."""
    if suffix in HTML_SUFFIXES:
        return "html"
    return "json" if suffix in JSONL_SUFFIXES | {".json"} else "text"


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


def read_jsonl_file(path: Path, source: str, max_line_bytes: int) -> Iterator[Found]:
    handle = open_regular(path, source)
    if isinstance(handle, Found):
        yield handle
        return
    with handle:
        yield from read_jsonl(bounded_lines(handle, max_line_bytes, source), source, max_line_bytes)


def bounded_lines(handle: BinaryIO, limit: int, source: str) -> Iterator[str]:
    """Decoded lines, never more than ``limit`` bytes of one held in memory.

    A line over the limit or not UTF-8 comes out as a marker that ``parse_line`` rejects
    with its reason, so the line numbers of the good lines around it stay right.
    """
    for raw in iter(lambda: handle.readline(limit + 1), b""):
        if len(raw) > limit and not raw.endswith(b"\n"):
            _skip_rest_of_line(handle)
            yield TOO_LONG
            continue
        yield decode_line(raw)


def _skip_rest_of_line(handle: BinaryIO) -> None:
    while (chunk := handle.readline(1 << 20)) and not chunk.endswith(b"\n"):
        pass


def _read_bytes(path: Path, source: str, limit: int) -> bytes | Found:
    handle = open_regular(path, source)
    if isinstance(handle, Found):
        return handle
    try:
        with handle:
            # The size of what was opened, and a read that stops past the limit: a file
            # growing (or swapped) after a check would otherwise slip through.
            size = os.fstat(handle.fileno()).st_size
            data = b"" if size > limit else handle.read(limit + 1)
    except OSError as exc:
        reason = f"{type(exc).__name__}: {exc.strerror or exc}"
        return invalid(source, Reason.UNREADABLE, reason)
    if size > limit or len(data) > limit:
        return invalid(
            source, Reason.TOO_LARGE, f"{max(size, len(data))} bytes; the limit is {limit}"
        )
    return data
