"""Turn a ``RawItem`` into an ``Article``: the payload's kind decides how."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from worker.core.errors import PermanentError, Reason
from worker.core.models import Article, Kind, RawItem
from worker.pipeline.authors import clean_authors
from worker.pipeline.extract import extract_html
from worker.pipeline.normalise import parse_datetime, settle_published

KNOWN_FIELDS = frozenset(
    {"id", "url", "title", "body", "text", "html", "published_at", "source", "language", "authors"}
)


def parse_item(item: RawItem, now: datetime) -> Article:
    """Dispatch on the item's kind; bad input raises ``PermanentError`` with a reason."""
    parser = _PARSERS.get(item.kind)
    if parser is None:
        raise PermanentError(
            f"cannot parse items of kind {item.kind}", reason=Reason.UNSUPPORTED_KIND
        )
    return parser(item, now)


def _parse_invalid(item: RawItem, now: datetime) -> Article:
    reason = str(item.payload.get("reason") or "invalid")
    raise PermanentError(str(item.payload.get("message") or reason), reason=reason)


def _parse_text(item: RawItem, now: datetime) -> Article:
    text = _required_str(item.payload, "text")
    lines = text.lstrip().split("\n", 1)
    title = lines[0].strip()
    body = lines[1] if len(lines) > 1 else ""
    return Article(
        item_key=item.item_key, source=item.source, kind=item.kind, title=title, body=body
    )


def _parse_html(item: RawItem, now: datetime) -> Article:
    html = _required_str(item.payload, "html")
    url = _optional_str(item.payload, "url")
    return _article_from_html(item, html, url, now)


def _article_from_html(item: RawItem, html: str, url: str | None, now: datetime) -> Article:
    page = extract_html(html, url=url, fetched_at=now)
    published, dropped = settle_published(page.published_at, now)
    meta: dict[str, Any] = {"extractor": page.extractor, "date_source": page.date_source}
    if dropped is not None:
        meta.update(date_source=None, dropped_date={**dropped, "source": page.date_source})
    return Article(
        item_key=item.item_key,
        source=item.source,
        kind=item.kind,
        url=url or page.canonical_url,
        title=page.title,
        body=page.body,
        published_at=published,
        authors=list(page.authors),
        site_name=page.site_name,
        declared_language=page.html_lang,
        meta=meta,
    )


def _parse_record(item: RawItem, now: datetime) -> Article:
    record = item.payload.get("record")
    if not isinstance(record, Mapping):
        raise PermanentError("record is not a JSON object", reason=Reason.NOT_AN_OBJECT)
    html = _optional_str(record, "html")
    body = _optional_str(record, "body") or _optional_str(record, "text")
    if html and not body:
        article = _article_from_html(item, html, _optional_str(record, "url"), now)
    else:
        article = Article(
            item_key=item.item_key, source=item.source, kind=item.kind, body=body or ""
        )
    return _apply_record_fields(article, record, now)


def _apply_record_fields(article: Article, record: Mapping[str, Any], now: datetime) -> Article:
    """Explicit record fields win over what was extracted from its HTML."""
    update: dict[str, Any] = {
        "external_id": _as_id(record.get("id")),
        "extra": {k: v for k, v in record.items() if k not in KNOWN_FIELDS},
    }
    for field in ("url", "title"):
        if record.get(field) not in (None, ""):
            update[field] = _optional_str(record, field)
    if record.get("published_at") not in (None, ""):
        update.update(_record_date(record["published_at"], article, now))
    if record.get("source"):
        update["source"] = _optional_str(record, "source")
    if record.get("language"):
        update["declared_language"] = _optional_str(record, "language")
    if record.get("authors") is not None:
        update["authors"] = _authors(record["authors"])
    return article.model_copy(update=update)


def _record_date(value: object, article: Article, now: datetime) -> dict[str, Any]:
    """The record's date, or a note that it was dropped: an implausible explicit date is
    no better than none, so a date extracted from the record's HTML then stands."""
    published, dropped = settle_published(parse_datetime(value), now)
    if dropped is None:
        return {"published_at": published}
    return {"meta": {**article.meta, "dropped_date": {**dropped, "source": "record"}}}


def _authors(value: object) -> list[str]:
    if isinstance(value, str):
        return clean_authors(value)
    if isinstance(value, list) and all(isinstance(a, str) for a in value):
        return clean_authors(value)
    raise PermanentError("authors must be a string or a list of strings", reason=Reason.BAD_FIELD)


MAX_ID_CHARS = 200


def _as_id(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise PermanentError("id must be a string or an integer", reason=Reason.BAD_FIELD)
    text = str(value)
    if len(text) > MAX_ID_CHARS:  # cutting it would make two different ids collide
        raise PermanentError(f"id of {len(text)} characters is too long", reason=Reason.BAD_FIELD)
    return text


def _required_str(payload: Mapping[str, Any], key: str) -> str:
    value = _optional_str(payload, key)
    if value is None:
        raise PermanentError(f"missing {key}", reason=Reason.EMPTY)
    return value


def _optional_str(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise PermanentError(f"{key} must be a string", reason=Reason.BAD_FIELD)
    return value


_PARSERS: dict[Kind, Callable[[RawItem, datetime], Article]] = {
    Kind.TEXT: _parse_text,
    Kind.HTML: _parse_html,
    Kind.RECORD: _parse_record,
    Kind.INVALID: _parse_invalid,
}
