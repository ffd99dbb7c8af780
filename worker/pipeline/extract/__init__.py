"""HTML extraction stage: body, title, date, authors and site name from one page.

The body is trafilatura's (balanced mode, its own fallbacks) on the page as a reader sees
it, completed when the article is split in same-class parts, then cleaned of boilerplate
lines. The title is the displayed headline when the page's titles confirm it (or the page's
one h1 outside its banner), without the site's name. Everything else comes from the page's
declared metadata.
"""

from __future__ import annotations

from datetime import datetime

from lxml.html import HtmlElement

from worker.core.errors import PermanentError, Reason
from worker.pipeline.extract.body import extract_body
from worker.pipeline.extract.dates import pick_date
from worker.pipeline.extract.dom import parse_html
from worker.pipeline.extract.metadata import PageMeta, read_meta
from worker.pipeline.extract.model import Extraction
from worker.pipeline.extract.people import pick_authors, pick_site_name
from worker.pipeline.extract.title import pick_title
from worker.pipeline.normalise import original_url

__all__ = ["Extraction", "extract_html"]


def extract_html(
    html: str, *, url: str | None = None, fetched_at: datetime | None = None
) -> Extraction:
    """Extract the article from ``html``.

    Raises ``PermanentError`` with reason ``unparsable_html`` for input that is not HTML or
    breaks a parser, and ``no_content`` when no body text can be found.
    """
    try:
        return _extract(parse_html(html), url, fetched_at)
    except PermanentError:
        raise
    except Exception as exc:  # the edge: libraries below raise anything on hostile input
        raise PermanentError(
            f"HTML extraction failed: {exc!r}", reason=Reason.UNPARSABLE_HTML
        ) from exc


def _headlines(meta: PageMeta) -> list[str]:
    headline = meta.jsonld.get("headline")
    return [meta.title_tag, meta.meta.get("og:title", ""), str(headline or ""), *meta.h1]


def _extract(tree: HtmlElement, url: str | None, fetched_at: datetime | None) -> Extraction:
    url = original_url(url)  # an archived copy is read as the page it preserves
    meta = read_meta(tree)
    body = extract_body(tree, url, _headlines(meta))
    if not body.text.strip():
        raise PermanentError("no article text found", reason=Reason.NO_CONTENT)
    site_name = pick_site_name(meta)
    dated = pick_date(tree, meta, fetched_at, url)
    return Extraction(
        title=pick_title(meta, site_name, url),
        body=body.text,
        published_at=dated.value if dated else None,
        date_source=dated.source if dated else None,
        authors=pick_authors(meta),
        site_name=site_name,
        html_lang=meta.html_lang,
        canonical_url=meta.canonical_url,
        extractor=body.name,
    )
