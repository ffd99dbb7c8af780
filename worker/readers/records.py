"""JSON and JSON-lines readers: one item per object, one rejection per bad line."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

from worker.core.errors import Reason
from worker.core.models import Found, Kind, invalid


def read_json(text: str, source: str) -> Iterator[Found]:
    """A single object or an array of objects."""
    try:
        data = _loads(text)
    except (ValueError, RecursionError) as exc:
        yield invalid(source, Reason.INVALID_JSON, f"{type(exc).__name__}: {exc}")
        return
    values = data if isinstance(data, list) else [data]
    if not values:
        yield invalid(source, Reason.EMPTY, "an empty JSON array: no records")
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
        yield invalid(source, Reason.EMPTY, "no JSON lines")


# Markers a line reader yields in place of a line it could not hand over.
TOO_LONG = "\x00too_long"
NOT_UTF8 = "\x00not_utf8"


def decode_line(raw: bytes) -> str:
    """A JSON line as text (JSON is UTF-8: nothing is guessed), or the ``NOT_UTF8`` marker.

    A BOM is dropped before any line, not only the first: ``cat a.jsonl b.jsonl`` puts
    b's BOM mid-stream, and no JSON value can start with U+FEFF anyway."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return NOT_UTF8


def parse_line(line: str, source: str, max_line_bytes: int) -> Found:
    if line == TOO_LONG:
        return invalid(source, Reason.TOO_LARGE, f"line over {max_line_bytes} bytes")
    if line == NOT_UTF8:
        return invalid(source, Reason.NOT_UTF8, "line is not UTF-8 text")
    try:
        size, plain = len(line.encode("utf-8")), True
    except UnicodeEncodeError:  # a lone surrogate in the line itself
        size, plain = len(line.encode("utf-8", "surrogatepass")), False
    if size > max_line_bytes:
        return invalid(source, Reason.TOO_LARGE, f"line of {size} bytes")
    try:
        value = _loads(line)
    except (ValueError, RecursionError) as exc:
        return invalid(source, Reason.INVALID_JSON, f"{type(exc).__name__}: {exc}"[:300])
    # The encode above has read every character: strings parsed from a line that has none
    # of the escapes that make a surrogate or NUL cannot hold one, so they need no second
    # pass (for an article record, that pass is a whole encode of its body).
    return _record(value, source, strings=not plain or _suspect_escape(line))


# The JSON escapes that decode to a UTF-16 surrogate (U+D800-U+DFFF) or to U+0000; an
# escaped backslash before them ("\\u0000") only makes a line checked needlessly.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")


def _suspect_escape(line: str) -> bool:
    # A substring test first: lines written without \u escapes skip the regex's scan.
    return "\\u" in line and _SUSPECT_ESCAPE.search(line) is not None


def _record(value: Any, source: str, strings: bool = True) -> Found:
    if not isinstance(value, dict):
        return invalid(
            source, Reason.NOT_AN_OBJECT, f"expected a JSON object, got {type(value).__name__}"
        )
    problem = unstorable(value, strings)
    if problem is not None:
        return invalid(source, Reason.BAD_FIELD, problem)
    return Found(source, Kind.RECORD, {"record": value})


# Deeper than this, pydantic refuses to serialise the item (about 255 levels) and the
# producer would crash; no article record needs more than a few levels.
MAX_DEPTH = 64


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _loads(text: str) -> Any:
    """``json.loads`` without Python's NaN/Infinity extensions (no store can keep them)."""
    return json.loads(text, parse_constant=_refuse_constant)


def unstorable(value: Any, strings: bool = True) -> str | None:
    """Why a parsed record cannot go on the queue or into a store, or None.

    PostgreSQL text and JSONB refuse U+0000 and non-finite numbers; no encoder accepts a
    lone surrogate. Found here, they reject one item instead of failing a whole batch.
    ``strings=False``: the caller knows no string can hold either (depth and numbers are
    still checked).
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        if isinstance(node, dict):
            stack.extend((k, depth) for k in node)
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
        elif strings and isinstance(node, str) and (problem := _bad_string(node)):
            return problem
        elif isinstance(node, float) and not math.isfinite(node):
            return f"number out of range: {node}"
    return None


def _bad_string(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character (U+0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"invalid Unicode: lone surrogate at position {exc.start}"
    return None
