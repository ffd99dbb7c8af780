"""Text, URL and date normalisation: pure functions, no I/O."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import courlan

from worker.core.errors import PermanentError, Reason

# Zero-width and bidi controls carry no text; left in, they split words and fingerprints.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\x00]")
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_LINES = re.compile("\n\n+")


def normalise_text(text: str) -> str:
    """NFC, no invisible or control characters, single spaces, one newline per paragraph."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\n\n" in text:  # blank lines between paragraphs: the usual form, dropped either way
        text = _BLANK_LINES.sub("\n", text)
    if _already_clean(text):
        return unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", _INVISIBLE.sub("", unicodedata.normalize("NFC", text)))
    # str.split() collapses whitespace in C; a regex over every space cost twice as much.
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _already_clean(text: str) -> bool:
    """True when the slow path would change nothing but NFC (most clean text: 10x faster).

    ``isprintable`` is False for every whitespace character but the plain space and for
    every control and format character, which covers all that the slow path removes; the
    rest is spacing at line edges, doubled spaces and blank lines.
    """
    flat = text.replace("\n", " ")  # one search then finds doubled spaces and blank lines
    return flat.isprintable() and "  " not in flat and flat[:1] != " " and flat[-1:] != " "


def normalise_title(title: str) -> str:
    """A title is one line."""
    return " ".join(normalise_text(title).split())


def fingerprint(body: str) -> str:
    """Exact-content key: SHA-256 of the body, case and spacing folded.

    ``body`` must come from ``normalise_text``: its only whitespace is then single spaces
    and newlines, so folding the spacing is replacing the newlines (C speed, where splitting
    and re-joining every word cost half of this whole function).
    """
    return fingerprint_of_folded(body.casefold())


def fingerprint_of_folded(folded: str) -> str:
    """``fingerprint`` of a body already case-folded (``str.casefold``)."""
    return hashlib.sha256(folded.replace("\n", " ").encode("utf-8")).hexdigest()


# A web archive's copy of a page: its address holds the original's after a capture stamp
# ("https://web.archive.org/web/20140226054445/http://www.example.de/a").
ARCHIVED_RE = re.compile(
    r"\Ahttps?://(?:web\.)?archive\.org/web/\d{1,14}(?:[a-z]{2}_)?/(?P<url>.+)\Z", re.IGNORECASE
)


def original_url(url: str | None) -> str | None:
    """The address of the page a web archive's copy at ``url`` preserves; else ``url``.
    The original's host names the site, its folders the sections, its country the zone."""
    match = ARCHIVED_RE.match(url or "")
    if match is None:
        return url
    inner = match["url"]
    return inner if re.match(r"https?://", inner, re.IGNORECASE) else f"http://{inner}"


def canonical_url(url: str | None) -> str | None:
    """Tracking parameters and fragment dropped, host lower-cased; None if not http(s)."""
    if not url or not url.strip():
        return None
    cleaned = courlan.normalize_url(url.strip(), strict=True)
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_datetime(value: object) -> datetime | date | None:
    """ISO 8601 (or RFC 2822) to a datetime, keeping the offset; a bare date stays a date.

    Never invents what the input did not say: no offset, no midnight for a date-only value.
    """
    if value is None or value == "":
        return None
    if isinstance(value, (datetime, date)):
        return value
    if not isinstance(value, str):
        raise PermanentError(f"published_at is not a string: {value!r:.60}", reason=Reason.BAD_DATE)
    return _parse_date_string(value.strip())


def _parse_date_string(text: str) -> datetime | date:
    if _DATE_ONLY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise PermanentError(f"impossible date: {text!r}", reason=Reason.BAD_DATE) from exc
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    else:
        # "20240418" and "2024-W16-4" are dates too: no invented midnight for them either.
        return parsed if any(sep in text for sep in "T :") else parsed.date()
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        raise PermanentError(
            f"unreadable published_at: {text!r:.60}", reason=Reason.BAD_DATE
        ) from exc


# Publication dates outside this window are page or feed defaults ("0001-01-01", a CMS's
# "9999-12-31") or typos, not publication times: dropped with a note instead of stored.
MIN_YEAR = 1900
FUTURE_SLACK = timedelta(days=2)  # time zones and clock skew, not a scheduled article


def implausible(value: datetime | date, now: datetime | None) -> str | None:
    """Why ``value`` cannot be a publication date seen at ``now`` (None: it can).

    Never raises: a comparison that overflows at the ends of the calendar is out of range.
    """
    if value.year < MIN_YEAR:
        return f"before {MIN_YEAR}"
    if _is_epoch(value):
        return "the Unix epoch (a zero timestamp)"
    if now is None:
        return None
    try:
        latest = _aware(now) + FUTURE_SLACK
        late = (
            _aware(value) > latest
            if isinstance(value, datetime)
            else value > latest.date()  # a bare date: its day, wherever it was written
        )
    except (OverflowError, ValueError):
        return "out of range"
    return f"more than {FUTURE_SLACK.days} days after the fetch" if late else None


def _is_epoch(value: datetime | date) -> bool:
    """Timestamp 0, the value an unset date field renders as ("1970-01-01T01:00:00+01:00")."""
    if isinstance(value, datetime):
        return _aware(value) == _EPOCH
    return value == _EPOCH.date()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _aware(value: datetime) -> datetime:
    # A naive value is read as UTC: nothing said otherwise, so any choice is a guess.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def settle_published(
    value: datetime | date | None, now: datetime | None
) -> tuple[datetime | date | None, dict[str, Any] | None]:
    """``value`` fit to store, or None and a note saying what was dropped and why.

    An offset with seconds (``+05:30:15.123456``, what Python writes for a zone's local
    mean time) is rounded to whole minutes, keeping the wall-clock time: ISO 8601 and
    RFC 3339 have no seconds in offsets, and most readers of the export cannot parse them.
    """
    if value is None:
        return None, None
    why = implausible(value, now)
    if why is not None:
        return None, {"value": value.isoformat(), "why": why}
    if isinstance(value, datetime):
        return _whole_minute_offset(value), None
    return value, None


def _whole_minute_offset(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is None or offset % _MINUTE == timedelta(0):
        return value
    # An offset must stay strictly inside +-24:00, which +23:59:59 would round up to.
    minutes = max(-_MAX_OFFSET_MINUTES, min(_MAX_OFFSET_MINUTES, round(offset / _MINUTE)))
    return value.replace(tzinfo=timezone(minutes * _MINUTE))


_MINUTE = timedelta(minutes=1)
_MAX_OFFSET_MINUTES = 24 * 60 - 1
