"""JSON and JSON-lines readers: one item per object, one rejection per bad line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from worker.models import Kind
from worker.sources.found import Found, invalid


def read_json(text: str, source: str) -> Iterator[Found]:
    """A single object or an array of objects."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        yield invalid(source, "invalid_json", f"{type(exc).__name__}: {exc}")
        return
    values = data if isinstance(data, list) else [data]
    if not values:
        yield invalid(source, "empty", "an empty JSON array: no records")
    for n, value in enumerate(values):
        yield _record(value, f"{source}#{n}" if isinstance(data, list) else source)


def read_jsonl(lines: Iterable[str], source: str, max_line_bytes: int) -> Iterator[Found]:
    """Each non-blank line is an item; a bad line is rejected, its neighbours go on."""
    empty = True
    for number, line in enumerate(lines, start=1):
        if line.strip():
            empty = False
            yield parse_line(line, f"{source}:{number}", max_line_bytes)
    if empty:
        yield invalid(source, "empty", "no JSON lines")


def parse_line(line: str, source: str, max_line_bytes: int) -> Found:
    size = len(line.encode("utf-8", "surrogatepass"))
    if size > max_line_bytes:
        return invalid(source, "too_large", f"line of {size} bytes")
    try:
        value = json.loads(line)
    except (ValueError, RecursionError) as exc:
        return invalid(source, "invalid_json", f"{type(exc).__name__}: {exc}"[:300])
    return _record(value, source)


def _record(value: Any, source: str) -> Found:
    if not isinstance(value, dict):
        return invalid(source, "not_an_object", f"expected a JSON object, got {type(value).__name__}")
    return Found(source, Kind.RECORD, {"record": value})
