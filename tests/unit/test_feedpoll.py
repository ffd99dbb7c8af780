"""Feed polling without servers: entry keys and versions, new entries, links, backoff,
sources file; enqueueing on a real SQLite store with a list as the broker."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from worker.core.errors import ConfigError, PermanentError
from worker.core.keys import new_run_id
from worker.core.models import Found, Kind, RawItem
from worker.core.settings import Settings
from worker.ingest.feed_list import load_sources
from worker.ingest.feeds import (
    Entry,
    FeedPage,
    PollContext,
    Validators,
    backoff_delay,
    enqueue_new,
    entry_key,
    entry_version,
    feed_entries,
    new_entries,
    next_poll_at,
    unversioned,
)
from worker.ingest.runtime import Runtime
from worker.store import feeds as store_feeds
from worker.store.feeds import SourceStore
from worker.store.schema import seen_entries

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
    seen = {"b": entries[1].version}
    assert [e.key for e in new_entries(entries, seen)] == ["a", "c"]


def test_unchanged_feed_has_no_new_entries() -> None:
    entries = [entry("a"), entry("b")]
    assert new_entries(entries, {e.key: e.version for e in entries}) == []


def record_entry(key: str, **record: str) -> Entry:
    return Entry(key, Found("feed:x", Kind.RECORD, {"record": record}))


def test_a_changed_entry_is_new_again() -> None:
    before = record_entry("guid:1", title="T", body="old", published_at="Mon, 01 Jan 2024")
    seen = {before.key: before.version}
    for change in ({"body": "new"}, {"title": "T2"}, {"updated_at": "Tue, 02 Jan 2024"}):
        after = record_entry("guid:1", **{**before.found.payload["record"], **change})
        assert new_entries([after], seen) == [after], change
    same = record_entry("guid:1", **before.found.payload["record"])
    assert new_entries([same], seen) == []


def test_an_entry_seen_before_versions_were_kept_is_taken_as_unchanged() -> None:
    """Else the first poll after the upgrade would enqueue every entry of every feed again."""
    entries = [record_entry("guid:1", title="T", body="b"), record_entry("guid:2", title="U")]
    seen: dict[str, str | None] = {"guid:1": None}
    assert [e.key for e in new_entries(entries, seen)] == ["guid:2"]
    assert unversioned(entries, seen) == [("guid:1", entries[0].version)]


def test_entry_version_ignores_what_does_not_make_a_revision() -> None:
    base = {"title": "T", "body": "b", "published_at": "2024-01-01"}
    assert entry_version(base) == entry_version({**base, "authors": ["X"], "feed_title": "F"})
    assert entry_version(base) != entry_version({**base, "published_at": "2024-01-02"})


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


SHARED_LINK = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Live</title>
<item><guid isPermaLink="false">live-1</guid><title>Minute 1</title>
<link>http://x.test/live</link><description>Kick-off.</description></item>
<item><link>http://x.test/live</link><guid isPermaLink="false">live-2</guid>
<title>Minute 2</title><description>A goal.</description></item>
<item><guid>http://x.test/live</guid><title>Minute 3</title><description>Half time.</description>
</item></channel></rss>"""


def test_entries_sharing_one_link_with_their_own_guids_are_distinct() -> None:
    """A live page: one <link> for every entry, a GUID each (before or after the link)."""
    page = FeedPage("http://x.test/f", False, Validators(), SHARED_LINK)
    entries = feed_entries(page, "x", 100, False)
    assert [e.key for e in entries] == ["guid:live-1", "guid:live-2", "url:http://x.test/live"]
    assert [e.found.payload["record"]["title"] for e in new_entries(entries, {})] == [
        "Minute 1",
        "Minute 2",
        "Minute 3",
    ]


RELATIVE = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>Zero</title><link>/news/0.html</link><description>Zero body</description></item>
<item><title>One</title><link>1.html?utm_source=rss</link><description>One</description></item>
<item xml:base="http://cdn.test/a/"><title>Two</title><link>2.html</link></item>
<item><guid isPermaLink="false">g-3</guid><title>Three</title><link>//other.test/3</link></item>
</channel></rss>"""


def test_relative_links_are_resolved_against_the_feed_url() -> None:
    page = FeedPage("http://x.test/feeds/main.xml", False, Validators(), RELATIVE)
    entries = feed_entries(page, "x", 100, False)
    urls = [e.found.payload["record"]["url"] for e in entries]
    assert urls == [
        "http://x.test/news/0.html",
        "http://x.test/feeds/1.html?utm_source=rss",
        "http://cdn.test/a/2.html",  # the item's xml:base wins over the feed URL
        "http://other.test/3",
    ]
    # URL dedup works again: keys are canonical absolute links; a GUID stays as it is.
    assert [e.key for e in entries] == [
        "url:http://x.test/news/0.html",
        "url:http://x.test/feeds/1.html",
        "url:http://cdn.test/a/2.html",
        "guid:g-3",
    ]
    assert entries[0].found.payload["record"]["id"] == "http://x.test/news/0.html"


def test_fetch_pages_gets_absolute_urls_for_relative_links() -> None:
    page = FeedPage("http://x.test/feeds/main.xml", False, Validators(), RELATIVE)
    entries = feed_entries(page, "x", 100, True)
    assert entries[0].found.payload == {"url": "http://x.test/news/0.html"}
    assert all(e.found.payload["url"].startswith("http://") for e in entries)


def test_a_windows_1251_feed_over_http_is_decoded() -> None:
    body = "<?xml version='1.0' encoding='windows-1251'?><rss version='2.0'><channel>"
    body += "<title>Новости</title><item><guid>r-1</guid><title>Москва</title>"
    body += "<description>Правительство объявило о новых мерах.</description></item>"
    data = (body + "</channel></rss>").encode("cp1251")
    page = FeedPage("http://x.test/f", False, Validators(), data, "application/rss+xml")
    [only] = feed_entries(page, "x", 100, False)
    assert only.found.payload["record"]["title"] == "Москва"
    assert only.found.payload["record"]["feed_title"] == "Новости"


# -- enqueue_new on a real SQLite store, a list as the broker (as in test_usecases) --------

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def poll_ctx(tmp_path: Path) -> Iterator[tuple[PollContext, list[RawItem]]]:
    sent: list[RawItem] = []
    settings = Settings(store_url=f"sqlite:///{tmp_path / 'store.db'}", enrich=False)  # type: ignore[arg-type]
    with Runtime(settings, send=lambda name, bodies: None) as runtime:
        ctx = PollContext(
            store=SourceStore(runtime.store),
            client=runtime.http,
            policy=runtime.fetch_policy,
            publish=lambda items, run_id: sent.extend(items),
            new_run_id=new_run_id,
            backoff_cap=60.0,
        )
        yield ctx, sent


def versions(ctx: PollContext, keys: list[str]) -> dict[str, str | None]:
    return ctx.store.seen_keys("x", keys)


def test_a_revised_entry_is_enqueued_again_and_its_version_kept(
    poll_ctx: tuple[PollContext, list[RawItem]],
) -> None:
    ctx, sent = poll_ctx
    one = record_entry("guid:1", title="One", body="First text.", published_at="2024-06-01")
    two = record_entry("guid:2", title="Two", body="Second text.")
    assert enqueue_new("x", [one, two], ctx, NOW) == 2
    assert enqueue_new("x", [one, two], ctx, NOW) == 0  # unchanged
    revised = record_entry("guid:1", title="One", body="First text, corrected.")
    assert enqueue_new("x", [revised, two], ctx, NOW) == 1
    assert [i.payload["record"]["body"] for i in sent] == [
        "First text.",
        "Second text.",
        "First text, corrected.",
    ]
    assert versions(ctx, ["guid:1", "guid:2"]) == {"guid:1": revised.version, "guid:2": two.version}
    assert enqueue_new("x", [revised, two], ctx, NOW) == 0  # the revision, once
    assert len(sent) == 3
    statuses = ctx.store.store.stats()
    assert statuses["items"] == 3  # every enqueued revision is registered (pending)


def test_entries_seen_without_a_version_get_one_without_being_enqueued(
    poll_ctx: tuple[PollContext, list[RawItem]],
) -> None:
    ctx, sent = poll_ctx
    old = record_entry("guid:1", title="Old", body="Enqueued by an older release.")
    assert enqueue_new("x", [old], ctx, NOW) == 1
    with ctx.store.engine.begin() as conn:  # as a row written before versions were kept
        conn.execute(update(seen_entries).values(version=None))
    assert versions(ctx, ["guid:1"]) == {"guid:1": None}
    assert enqueue_new("x", [old], ctx, NOW) == 0
    assert versions(ctx, ["guid:1"]) == {"guid:1": old.version}  # adopted
    changed = record_entry("guid:1", title="Old", body="Changed since.")
    assert enqueue_new("x", [changed], ctx, NOW) == 1
    assert len(sent) == 2


def test_two_pollers_racing_for_one_revision_enqueue_it_once(
    poll_ctx: tuple[PollContext, list[RawItem]], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, _ = poll_ctx
    first = record_entry("guid:1", title="T", body="v1")
    assert enqueue_new("x", [first], ctx, NOW) == 1
    revised = record_entry("guid:1", title="T", body="v2")
    item = RawItem.from_found(revised.found, "r-1", NOW)
    assert ctx.store.claim_entries("x", [("guid:1", revised.version, item)], NOW) == [item]
    # The loser read version v1 before the winner committed (PostgreSQL, READ COMMITTED):
    # its conditional update finds the row already moved to v2 and claims nothing.
    monkeypatch.setattr(store_feeds, "_seen", lambda *_: {"guid:1": first.version})
    again = RawItem.from_found(revised.found, "r-2", NOW)
    assert ctx.store.claim_entries("x", [("guid:1", revised.version, again)], NOW) == []
    assert ctx.store.store.stats()["items"] == 2
