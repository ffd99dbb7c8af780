"""JSONL files are streamed: the size limit is per line, not per file."""

from __future__ import annotations

import json
from pathlib import Path

from worker.core.models import Kind
from worker.readers.files import Limits, read_file

LIMITS = Limits(max_item_bytes=2_000, max_feed_entries=100)


def test_a_file_larger_than_the_item_limit_is_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    line = json.dumps({"title": "t", "body": "word " * 100})
    path.write_text((line + "\n") * 200)  # about 100 kB, far over the 2 kB item limit
    found = list(read_file(path, LIMITS))
    assert len(found) == 200
    assert {f.kind for f in found} == {Kind.RECORD}
    assert found[-1].source.endswith("big.jsonl:200")


def test_a_long_line_and_a_binary_line_cost_only_themselves(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    good = json.dumps({"title": "t", "body": "fine"}).encode()
    huge = json.dumps({"body": "x" * 10_000}).encode()
    path.write_bytes(b"\n".join([good, huge, b"\xff\xfe{bad", good]) + b"\n")
    found = list(read_file(path, LIMITS))
    assert [f.kind for f in found] == [Kind.RECORD, Kind.INVALID, Kind.INVALID, Kind.RECORD]
    assert [f.payload.get("reason") for f in found[1:3]] == ["too_large", "not_utf8"]
    assert found[3].source.endswith(":4")


def test_the_producer_estimates_items_for_its_eta(tmp_path: Path) -> None:
    from worker.ingest.publish import estimate_items

    (tmp_path / "a.jsonl").write_text('{"body": "x"}\n' * 30)
    (tmp_path / "b.txt").write_text("title\nbody\n")
    (tmp_path / "c.rss").write_text("<rss><channel><item></item><item></item></channel></rss>")
    assert estimate_items([str(tmp_path)]) == 30 + 1 + 2
    assert estimate_items([str(tmp_path), "https://example.org/x"]) == 34
    assert estimate_items(["-"]) is None


def test_a_bom_is_dropped_also_mid_file(tmp_path: Path) -> None:
    """``cat a.jsonl b.jsonl``: each file's BOM comes along; neither line is invalid JSON."""
    path = tmp_path / "joined.jsonl"
    line = json.dumps({"title": "t", "body": "fine"}).encode()
    path.write_bytes(b"\xef\xbb\xbf" + line + b"\n\xef\xbb\xbf" + line + b"\n")
    assert [f.kind for f in read_file(path, LIMITS)] == [Kind.RECORD, Kind.RECORD]


def _reason(line: str) -> str | None:
    from worker.readers.records import parse_line

    found = parse_line(line, "s:1", 1 << 20)
    return str(found.payload["reason"]) if found.kind == Kind.INVALID else None


def test_strings_that_cannot_be_stored_are_refused_however_they_arrive() -> None:
    body = "Ünïcödé body, “quoted” " * 50
    assert _reason(json.dumps({"title": "T", "body": body}, ensure_ascii=False)) is None
    assert _reason(json.dumps({"title": "T", "body": body})) is None  # \u escapes, all fine
    # escaped: a lone surrogate (either half, any case) or NUL, in a value or a key
    for escape in ("\\ud800", "\\uDFFF", "\\uDbff", "\\u0000"):
        assert _reason('{"title": "T", "body": "' + body + " " + escape + '"}') == "bad_field"
    assert _reason('{"title": "T", "body": "b", "k\\udc00": 1}') == "bad_field"
    # raw: a surrogate in the line itself (a reader that let one through)
    assert _reason('{"title": "T", "body": "' + body + ' \ud800"}') == "bad_field"
    # an escaped backslash before "u0000" is the six characters \u0000, not NUL
    assert _reason('{"title": "T", "body": "a \\\\u0000 b"}') is None
