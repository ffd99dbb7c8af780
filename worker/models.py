"""Pydantic models at the edges of the pipeline.

``RawItem`` is what the producer puts on the queue, ``Article`` is a parsed and normalised
item, ``Outcome`` is the single final word on one item.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Kind(StrEnum):
    """What the payload of a ``RawItem`` holds."""

    TEXT = "text"  # seed format: first non-empty line is the title
    RECORD = "record"  # a JSON object with id/url/title/body/html/...
    HTML = "html"  # a whole HTML page
    URL = "url"  # a link still to be fetched
    INVALID = "invalid"  # the reader already knows it is bad: payload has reason/message


class Status(StrEnum):
    PENDING = "pending"
    STORED = "stored"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class RawItem(BaseModel):
    """One item as published: small, JSON-serialisable, with a stable key.

    ``item_key`` is unique per accepted item (run id + sequence), so a redelivered message
    maps to the same outcome row and changes nothing.
    """

    model_config = ConfigDict(frozen=True)

    item_key: str
    source: str
    kind: Kind
    payload: dict[str, Any]
    received_at: datetime | None = None


class Article(BaseModel):
    """A parsed, normalised article, ready for dedup and enrichment."""

    item_key: str
    source: str
    kind: Kind
    external_id: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    title: str = ""
    body: str
    published_at: datetime | date | None = None  # a bare date stays a date
    authors: list[str] = Field(default_factory=list)
    site_name: str | None = None
    language: str | None = None
    language_confidence: float | None = None
    declared_language: str | None = None
    fingerprint: str = ""
    extra: dict[str, Any] = Field(default_factory=dict)
    meta: dict[str, Any] = Field(default_factory=dict)
    enrichment: dict[str, Any] = Field(default_factory=dict)


class Outcome(BaseModel):
    """The final word on one item: stored, duplicate or rejected."""

    item_key: str
    status: Status
    article_id: str | None = None
    duplicate_of: str | None = None
    similarity: float | None = None
    method: str | None = None
    revision_of: str | None = None
    reason: str | None = None
    message: str | None = None
