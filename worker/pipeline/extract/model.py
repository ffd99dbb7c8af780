"""The result of extracting one HTML page."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class Extraction(BaseModel):
    """What we pull out of one article page.

    ``body`` holds paragraphs separated by a single newline. ``extractor`` names the
    candidate that won the body choice, so bad extractions can be traced to a method.
    """

    model_config = ConfigDict(frozen=True)

    title: str
    body: str
    published_at: datetime | None = None
    date_source: str | None = None
    authors: list[str] = Field(default_factory=list)
    site_name: str | None = None
    html_lang: str | None = None
    canonical_url: str | None = None
    extractor: str
