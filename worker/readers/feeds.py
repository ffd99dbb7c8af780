"""RSS and Atom: one item per entry (feedparser), with the entry's content as the body."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import feedparser
import lxml.html

from worker.core.errors import Reason
from worker.core.models import Found, Kind, invalid
from worker.readers.charset import decode_text
from worker.readers.records import unstorable

# A DTD that declares entities is how billion-laughs and external-entity attacks start;
# no real news feed needs one, so such a document is refused before any parser sees it.
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_BLOCKS = ["p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr"]


_FEED_START = re.compile(
    rb"\s*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*|<\?xml-stylesheet[^>]*\?>\s*)*<(rss|feed|rdf:rdf)\b",
    re.IGNORECASE | re.DOTALL,
)


def looks_like_feed(data: bytes) -> bool:
    """The document *starts* with a feed element (after a declaration and comments)."""
    return _FEED_START.match(data[:4096].removeprefix(b"\xef\xbb\xbf")) is not None


def declares_entities(data: bytes) -> bool:
    """``<!ENTITY`` in the document, also when it is UTF-16 or UTF-32 (BOM or NUL bytes)."""
    if _ENTITY_DECL.search(data):
        return True
    if b"\x00" not in data[:1024]:
        return False
    wide = data.replace(b"\x00", b"")  # ASCII markup of UTF-16/32 without its zero bytes
    return _ENTITY_DECL.search(wide) is not None


def read_feed(
    data: bytes,
    source: str,
    max_entries: int,
    base: str | None = None,
    content_type: str | None = None,
) -> Iterator[Found]:
    """The entries of a feed. ``base``: the URL it came from, that relative entry links
    are resolved against (a file has none: its relative links stay as they are, unless
    the feed's ``xml:base`` makes them absolute); ``content_type``: the HTTP header."""
    if declares_entities(data):
        yield invalid(source, Reason.XML_ENTITIES, "feeds with entity declarations are refused")
        return
    parsed = _parse(data, source, content_type)
    if isinstance(parsed, Found):
        yield parsed
        return
    entries = parsed.entries
    if not entries:
        # no feed version recognised (an empty or foreign document): not a feed at all
        reason = (
            Reason.NOT_A_FEED if parsed.bozo or not parsed.get("version") else Reason.EMPTY_FEED
        )
        yield invalid(source, reason, str(parsed.get("bozo_exception") or "no entries"))
        return
    for n, entry in enumerate(entries[:max_entries]):
        record = entry_record(entry, parsed.feed, base)
        problem = unstorable(record)
        if problem is not None:
            yield invalid(f"{source}#{n}", Reason.BAD_FIELD, problem)
        else:
            yield Found(f"{source}#{n}", Kind.RECORD, {"record": record})
    if len(entries) > max_entries:
        yield invalid(
            source, Reason.TOO_MANY_ENTRIES, f"{len(entries)} entries, {max_entries} read"
        )


def _parse(data: bytes, source: str, content_type: str | None) -> Any:
    """feedparser on the text our charset policy found, handed over as UTF-8.

    The header says UTF-8 so that feedparser trusts it over the document's own (now
    stale) declaration. A stream, never bytes: feedparser tries to open bytes as a path.
    No ``content-location``: feedparser would resolve the GUIDs too (``g-1`` would become
    ``http://host/g-1``), changing entry keys; links are resolved in ``entry_record``."""
    text = decode_text(data, source, "xml", content_type)
    if isinstance(text, Found):
        return text
    headers = {"content-type": "application/xml; charset=utf-8"}
    utf8 = io.BytesIO(text.encode("utf-8"))
    return feedparser.parse(
        utf8, response_headers=headers, sanitize_html=True, resolve_relative_uris=False
    )


def entry_record(entry: Any, feed: Any, base: str | None = None) -> dict[str, Any]:
    """An entry in the record shape the parser knows (id, url, title, body, ...)."""
    content = entry.get("content") or []
    html = content[0].get("value", "") if content else entry.get("summary", "")
    authors = [a.get("name") for a in entry.get("authors", []) if a.get("name")]
    link = absolute(entry.get("link"), base)
    guid = entry.get("id")
    # dict.get: feedparser's own ``get("updated")`` falls back to ``published`` (and warns).
    updated = dict.get(entry, "updated")
    published = entry.get("published") or updated
    record: dict[str, Any] = {
        # A GUID that only repeats the link (a permalink) is the link, resolved.
        "id": link if guid in (None, "", entry.get("link")) else guid,
        "url": link,
        "title": entry.get("title", ""),
        "body": html_to_text(html),
        "published_at": published,
        # Kept apart from published_at: a new ``updated`` makes a new entry version.
        "updated_at": updated if updated != published else None,
        "authors": authors,
        "feed_title": feed.get("title"),
    }
    return {k: v for k, v in record.items() if v not in (None, [], "")}


def absolute(link: str | None, base: str | None) -> str | None:
    """``link`` resolved against the feed's URL; as it is without one, or when malformed."""
    if not link or not base:
        return link
    try:
        return urljoin(base, link.strip())
    except ValueError:  # e.g. an unclosed IPv6 bracket: left for the URL check to refuse
        return link


def html_to_text(fragment: str) -> str:
    """Entry HTML to paragraphs of text; no network, no scripts."""
    if "<" not in fragment:
        return fragment
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return re.sub(r"<[^>]+>", " ", fragment)
    for element in root.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    return str(root.text_content())
