"""Feed polling decisions without servers: entry keys, new entries, backoff, sources file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from worker.core.errors import ConfigError, PermanentError
from worker.core.models import Found, Kind
from worker.ingest.feed_list import load_sources
from worker.ingest.feeds import (
    Entry,
    FeedPage,
    Validators,
    backoff_delay,
    entry_key,
    feed_entries,
    new_entries,
    next_poll_at,
)

ROOT = Path(__file__).resolve().parents[2]
RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><guid>g-1</guid><title>One</title><link>http://x.test/1?utm_source=a</link>
<description>First body</description></item>
<item><title>Two</title><link>http://x.test/2</link><description>Second</description></item>
</channel></rss>"""


def entry(key: str) -> Entry:
    return Entry(key, Found("feed:x", Kind.RECORD, {"record": {"body": key}}))


def test_entry_key_prefers_the_guid() -> None:
    assert entry_key({"id": "g-1", "url": "http://x.test/1"}) == "guid:g-1"


def test_entry_key_falls_back_to_the_canonical_link() -> None:
    record = {
        "id": "http://X.test/a?utm_source=rss#top",
        "url": "http://X.test/a?utm_source=rss#top",
    }
    assert entry_key(record) == "url:http://x.test/a"


def test_entry_key_without_guid_or_link_hashes_the_text() -> None:
    one = entry_key({"title": "t", "body": "b"})
    assert one.startswith("hash:") and one == entry_key({"title": "t", "body": "b"})
    assert one != entry_key({"title": "t", "body": "c"})


def test_new_entries_drops_seen_and_repeated_ones() -> None:
    entries = [entry("a"), entry("b"), entry("a"), entry("c")]
    assert [e.key for e in new_entries(entries, seen={"b"})] == ["a", "c"]


def test_unchanged_feed_has_no_new_entries() -> None:
    entries = [entry("a"), entry("b")]
    assert new_entries(entries, seen={"a", "b"}) == []


@pytest.mark.parametrize(
    ("failures", "expected"), [(0, 60), (1, 120), (2, 240), (3, 480), (9, 900)]
)
def test_backoff_doubles_per_failure_and_is_capped(failures: int, expected: float) -> None:
    assert backoff_delay(60, failures, cap=900) == expected


def test_next_poll_time_uses_the_clock_given() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert next_poll_at(now, 10, 2, cap=3600) == now + timedelta(seconds=40)


def test_conditional_headers() -> None:
    headers = Validators('"v1"', "Wed, 01 Jan 2025 00:00:00 GMT").headers()
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Wed, 01 Jan 2025 00:00:00 GMT"
    assert "If-None-Match" not in Validators().headers()


def test_feed_entries_keys_and_records() -> None:
    entries = feed_entries(FeedPage("http://x.test/f", False, Validators(), RSS), "x", 100, False)
    assert [e.key for e in entries] == ["guid:g-1", "url:http://x.test/2"]
    assert all(e.found.source == "feed:x" and e.found.kind is Kind.RECORD for e in entries)


def test_fetch_pages_turns_entries_into_urls() -> None:
    entries = feed_entries(FeedPage("http://x.test/f", False, Validators(), RSS), "x", 100, True)
    assert [e.found.kind for e in entries] == [Kind.URL, Kind.URL]
    assert entries[1].found.payload == {"url": "http://x.test/2"}


@pytest.mark.parametrize(
    "body", [b"<!doctype html><html><body><p>Not a feed</p></body></html>", b"\x00\x01garbage", b""]
)
def test_html_or_garbage_is_a_feed_error(body: bytes) -> None:
    with pytest.raises(PermanentError) as caught:
        feed_entries(FeedPage("http://x.test/f", False, Validators(), body), "x", 100, False)
    assert caught.value.reason == "not_a_feed"


def test_empty_feed_is_no_entries_not_an_error() -> None:
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
    assert (
        feed_entries(FeedPage("http://x.test/f", False, Validators(), empty), "x", 9, False) == []
    )


def test_the_shipped_sources_file_parses() -> None:
    feeds = load_sources(ROOT / "config" / "sources.toml")
    assert feeds and all(f.url.startswith("https://") and f.interval > 0 for f in feeds)
    assert len({f.name for f in feeds}) == len(feeds)


def test_a_bad_sources_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[[feed]]\nname = "a"\nurl = "ftp://x"\n')
    with pytest.raises(ConfigError):
        load_sources(path)
    path.write_text(
        '[[feed]]\nname = "a"\nurl = "http://x"\n[[feed]]\nname = "a"\nurl = "http://y"\n'
    )
    with pytest.raises(ConfigError):
        load_sources(path)


def test_a_missing_sources_file_means_no_feeds(tmp_path: Path) -> None:
    assert load_sources(tmp_path / "none.toml") == []
