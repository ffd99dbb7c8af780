"""Parsing raw items into articles (worker/pipeline/parse.py) and the edge models."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from worker.core.errors import PermanentError
from worker.core.models import Article, Kind, Outcome, RawItem, Status
from worker.pipeline.articles import parse_item

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SEED_TITLE = (
    "Le Kremlin exhorte à désescalper les relations entre l'Iran et l'Israël "
    "à briser les relations entre les deux pays"
)


def raw(kind: Kind, payload: dict[str, Any], key: str = "run-1") -> RawItem:
    return RawItem(item_key=key, source="test", kind=kind, payload=payload)


def record(**fields: Any) -> RawItem:
    return raw(Kind.RECORD, {"record": fields})


def reason_of(item: RawItem) -> str:
    with pytest.raises(PermanentError) as info:
        parse_item(item, NOW)
    return info.value.reason


# --- text (seed format) --------------------------------------------------------------------


def test_seed_title_and_body() -> None:
    text = (SEEDS / "000_33deb995d6668e48.txt").read_text(encoding="utf-8")
    article = parse_item(raw(Kind.TEXT, {"text": text}), NOW)
    assert article.title == SEED_TITLE
    assert article.body.lstrip().startswith("JAKARTA")
    assert SEED_TITLE not in article.body


def test_text_first_non_empty_line_is_title() -> None:
    article = parse_item(raw(Kind.TEXT, {"text": "\n\n  Title here \nLine one.\nLine two."}), NOW)
    assert article.title == "Title here"
    assert article.body == "Line one.\nLine two."
    assert article.kind is Kind.TEXT
    assert article.item_key == "run-1"


def test_text_with_title_only_has_empty_body() -> None:
    assert parse_item(raw(Kind.TEXT, {"text": "Only a title"}), NOW).body == ""


def test_text_missing_is_rejected() -> None:
    assert reason_of(raw(Kind.TEXT, {})) == "empty"


def test_text_not_a_string_is_rejected() -> None:
    assert reason_of(raw(Kind.TEXT, {"text": 42})) == "bad_field"


# --- records -------------------------------------------------------------------------------


def test_record_fields() -> None:
    article = parse_item(
        record(
            id="wire-001",
            url="https://news.example.org/a?utm_source=rss",
            title="Harbour reopens",
            body="PORTSMOUTH - The harbour reopened.",
            published_at="2024-04-18T09:30:00+01:00",
            source="example-wire",
            language="en-GB",
            authors=["Sam Carter", "Priya Shah"],
        ),
        NOW,
    )
    assert article.external_id == "wire-001"
    assert article.url == "https://news.example.org/a?utm_source=rss"
    assert article.title == "Harbour reopens"
    assert article.body == "PORTSMOUTH - The harbour reopened."
    assert article.published_at == datetime(2024, 4, 18, 8, 30, tzinfo=UTC)
    assert isinstance(article.published_at, datetime)
    assert article.published_at.utcoffset() == timedelta(hours=1)
    assert article.source == "example-wire"
    assert article.declared_language == "en-GB"
    assert article.authors == ["Sam Carter", "Priya Shah"]
    assert article.extra == {}


def test_record_unknown_fields_are_kept_in_extra() -> None:
    article = parse_item(record(body="b", section="local", priority=2, tags=["a", "b"]), NOW)
    assert article.extra == {"section": "local", "priority": 2, "tags": ["a", "b"]}


def test_record_text_is_the_body_when_no_body() -> None:
    assert parse_item(record(text="from text"), NOW).body == "from text"
    assert parse_item(record(body="from body", text="from text"), NOW).body == "from body"


def test_record_source_defaults_to_item_source() -> None:
    assert parse_item(record(body="b"), NOW).source == "test"


def test_record_bare_date_and_naive_datetime() -> None:
    dated = parse_item(record(body="b", published_at="2024-04-16"), NOW)
    assert type(dated.published_at) is date
    naive = parse_item(record(body="b", published_at="2024-04-16T10:00:00"), NOW)
    assert isinstance(naive.published_at, datetime)
    assert naive.published_at.tzinfo is None


@pytest.mark.parametrize(("value", "expected"), [(17, "17"), ("x-1", "x-1"), (None, None)])
def test_record_id(value: object, expected: str | None) -> None:
    assert parse_item(record(id=value, body="b"), NOW).external_id == expected


def test_record_single_author_string() -> None:
    assert parse_item(record(body="b", authors="Priya Shah"), NOW).authors == ["Priya Shah"]


@pytest.mark.parametrize(
    "fields",
    [
        {"body": "b", "id": True},
        {"body": "b", "id": {"x": 1}},
        {"body": "b", "authors": [1, 2]},
        {"body": "b", "authors": 5},
        {"body": 12},
        {"body": "b", "title": ["t"]},
        {"body": "b", "url": 3},
    ],
)
def test_record_bad_field_types(fields: dict[str, Any]) -> None:
    assert reason_of(record(**fields)) == "bad_field"


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("0001-01-01T00:00:00Z", "before 1900"),
        ("0001-01-01", "before 1900"),
        ("1899-12-31T23:59:59+01:00", "before 1900"),
        ("9999-12-31T23:59:59-05:00", "more than 2 days after the fetch"),
        ("2024-06-04", "more than 2 days after the fetch"),
        ("2024-06-03T12:00:01+00:00", "more than 2 days after the fetch"),
        ("1970-01-01T01:00:00+01:00", "the Unix epoch (a zero timestamp)"),
    ],
)
def test_record_implausible_date_is_dropped_with_a_note(value: str, why: str) -> None:
    article = parse_item(record(body="Hier et demain.", published_at=value), NOW)
    assert article.published_at is None
    dropped = article.meta["dropped_date"]
    assert dropped["why"] == why and dropped["source"] == "record"
    assert dropped["value"].startswith(value[:10])


@pytest.mark.parametrize("value", ["1900-01-01", "2024-06-03", "2024-06-03T12:00:00Z"])
def test_record_dates_at_the_edges_are_kept(value: str) -> None:
    article = parse_item(record(body="b", published_at=value), NOW)
    assert article.published_at is not None and "dropped_date" not in article.meta


def test_record_implausible_date_leaves_the_html_date() -> None:
    html = (SEEDS / "020_museum.html").read_text(encoding="utf-8")
    from_html = parse_item(record(html=html), NOW).published_at
    assert from_html is not None
    article = parse_item(record(html=html, published_at="0001-01-01"), NOW)
    assert article.published_at == from_html
    assert article.meta["dropped_date"]["value"] == "0001-01-01"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T10:00:00+05:30:15.123456", "2024-05-01T10:00:00+05:30"),
        ("2024-05-01T10:00:00+05:30:45", "2024-05-01T10:00:00+05:31"),
        ("2024-05-01T10:00:00-00:09:21", "2024-05-01T10:00:00-00:09"),
        ("2024-05-01T10:00:00+23:59:59", "2024-05-01T10:00:00+23:59"),
        ("2024-05-01T10:00:00+05:30", "2024-05-01T10:00:00+05:30"),
    ],
)
def test_offset_with_seconds_is_rounded_to_minutes(value: str, expected: str) -> None:
    # ISO 8601 and RFC 3339 have no seconds in an offset: the wall-clock time is kept.
    article = parse_item(record(body="b", published_at=value), NOW)
    assert isinstance(article.published_at, datetime)
    assert article.published_at.isoformat() == expected


def test_record_bad_date() -> None:
    assert reason_of(record(body="b", published_at="last tuesday")) == "bad_date"


@pytest.mark.parametrize("value", [["a", "list"], "a string", 7, None])
def test_record_not_an_object(value: object) -> None:
    assert reason_of(raw(Kind.RECORD, {"record": value})) == "not_an_object"


def test_record_with_html_only_is_extracted() -> None:
    html = (SEEDS / "020_museum.html").read_text(encoding="utf-8")
    article = parse_item(record(html=html, url="https://example.org/museum", extra_field=1), NOW)
    assert len(article.body) > 100
    assert article.title
    assert article.url == "https://example.org/museum"
    assert article.extra == {"extra_field": 1}


def test_record_explicit_fields_win_over_html() -> None:
    html = (SEEDS / "020_museum.html").read_text(encoding="utf-8")
    article = parse_item(record(html=html, title="Given title", body="Given body."), NOW)
    assert article.title == "Given title"
    assert article.body == "Given body."


# --- html, invalid, unsupported ------------------------------------------------------------


def test_html_page() -> None:
    html = (SEEDS / "020_museum.html").read_text(encoding="utf-8")
    article = parse_item(raw(Kind.HTML, {"html": html}), NOW)
    assert article.kind is Kind.HTML
    assert article.title
    assert len(article.body) > 100
    assert "<" not in article.body


def test_html_missing_is_rejected() -> None:
    assert reason_of(raw(Kind.HTML, {})) == "empty"


def test_invalid_item_carries_the_readers_reason() -> None:
    item = raw(Kind.INVALID, {"reason": "not_utf8", "message": "bad byte at 3"})
    with pytest.raises(PermanentError) as info:
        parse_item(item, NOW)
    assert info.value.reason == "not_utf8"
    assert info.value.message == "bad byte at 3"


def test_invalid_item_without_reason() -> None:
    assert reason_of(raw(Kind.INVALID, {})) == "invalid"


def test_url_items_are_not_parsed_here() -> None:
    # URLs are fetched first (their own queue); the parser must refuse, not guess.
    assert reason_of(raw(Kind.URL, {"url": "https://example.org/"})) == "unsupported_kind"


# --- models --------------------------------------------------------------------------------


def test_raw_item_json_round_trip() -> None:
    item = RawItem(
        item_key="run-7",
        source="s.jsonl:3",
        kind=Kind.RECORD,
        payload={"record": {"title": "é", "n": 1}},
        received_at=NOW,
    )
    again = RawItem.model_validate_json(item.model_dump_json())
    assert again == item
    assert again.kind is Kind.RECORD


def test_raw_item_is_frozen() -> None:
    item = raw(Kind.TEXT, {"text": "t"})
    with pytest.raises(ValidationError):
        item.item_key = "other"  # type: ignore[misc]


def test_raw_item_rejects_unknown_kind() -> None:
    with pytest.raises(ValidationError):
        RawItem(item_key="k", source="s", kind="pdf", payload={})  # type: ignore[arg-type]


def test_article_defaults_are_not_shared() -> None:
    a = Article(item_key="a", source="s", kind=Kind.TEXT, body="x")
    b = Article(item_key="b", source="s", kind=Kind.TEXT, body="y")
    a.extra["k"] = 1
    a.authors.append("x")
    assert b.extra == {}
    assert b.authors == []


def test_outcome_status_values() -> None:
    assert {s.value for s in Status} == {"pending", "stored", "duplicate", "rejected"}
    out = Outcome.model_validate({"item_key": "k", "status": "duplicate", "duplicate_of": "a"})
    assert out.status is Status.DUPLICATE
    assert out.model_dump(mode="json")["status"] == "duplicate"
