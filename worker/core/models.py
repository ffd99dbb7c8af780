"""The nouns: what a reader finds, what travels on the queue, what the store keeps.

``Found`` is what a reader finds (no key yet), ``RawItem`` is what the producer puts on the
queue, ``Article`` is a parsed and normalised item, ``Prepared`` is an item after the pure
stages, ``Outcome`` is the single final word on one item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from traceback import format_exception
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from worker.core.errors import QUARANTINE_REASONS, Reason
from worker.core.near import NearSig
from worker.core.story import StorySig


def base_language(code: str | None) -> str | None:
    """``fr-FR``, ``fr_FR`` and ``FR`` are all ``fr`` (None for an empty code)."""
    if not code:
        return None
    return code.strip().replace("_", "-").split("-")[0].lower()[:8] or None


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


@dataclass(frozen=True)
class Found:
    """What a reader finds: an item without its key yet (the producer numbers them)."""

    source: str
    kind: Kind
    payload: dict[str, Any]


def invalid(source: str, reason: str, message: str) -> Found:
    """A reader's verdict that the input is bad: it still becomes an item, then ``rejected``."""
    return Found(source, Kind.INVALID, {"reason": reason, "message": message[:500]})


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

    @classmethod
    def from_found(cls, found: Found, key: str, now: datetime) -> RawItem:
        """The one way a reader's find becomes a keyed item."""
        return cls(
            item_key=key,
            source=found.source,
            kind=found.kind,
            payload=found.payload,
            received_at=now,
        )


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
    fingerprint: str = ""  # content key: the body's, or for a thin body also title and URL
    thin: bool = False  # under 40 words: never a near-duplicate on its text alone
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

    @classmethod
    def rejected(cls, item_key: str, reason: str, message: str) -> Outcome:
        return cls(item_key=item_key, status=Status.REJECTED, reason=reason, message=message[:500])


@dataclass
class Prepared:
    """One item after the pure stages: an article ready to commit, or its rejection."""

    item: RawItem
    article: Article | None = None
    near: NearSig | None = None
    rejection: Outcome | None = None
    error_class: str | None = None  # set when the item goes to quarantine
    story: StorySig | None = None  # set by enrichment: what the story assignment reads
    attempts: int = 1
    traceback: str | None = None  # the END of the failure's traceback, for `quarantine show`
    # The body case-folded: its fingerprint and its near signature both start from it, and
    # folding is a pass over every character. Dropped once the batch is signed.
    folded: str | None = None

    def quarantine(
        self, exc: BaseException, attempts: int | None = None, reason: str = Reason.QUARANTINED
    ) -> Prepared:
        """This item failed for a reason that is not its input's fault; it can be replayed."""
        assert reason in QUARANTINE_REASONS, f"not a quarantine reason: {reason}"
        message = f"{type(exc).__name__}: {exc}"
        self.article, self.near = None, None
        self.rejection = Outcome.rejected(self.item.item_key, reason, message)
        self.error_class = type(exc).__name__
        self.traceback = format_traceback(exc)
        if attempts is not None:
            self.attempts = attempts
        return self


MAX_TRACEBACK_CHARS = 8000


def format_traceback(exc: BaseException, limit: int = MAX_TRACEBACK_CHARS) -> str:
    """``exc``'s traceback, chained causes included, cut to its last ``limit`` characters:
    the innermost frames and the error line, which say where it broke, are at the end."""
    text = "".join(format_exception(exc))
    return text if len(text) <= limit else "...\n" + text[-limit:]
