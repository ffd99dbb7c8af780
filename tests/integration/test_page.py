"""The page at ``/`` in a real browser: Debian's headless Chromium (tests/browser.py) against
a real ``ingest serve`` over a store filled by ``ingest run``, with a token, as a user opens
it (``/#token=...``): recent articles, outcome counts, a search, an article with its
revisions and duplicates, new articles arriving through the event stream."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import chromium, chromium_path
from tests.serving import TOKEN, ApiServer, fill, generated, ingest, write_jsonl

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(chromium_path() is None, reason="chromium missing: ./dev services"),
]

READY = "document.body && document.body.dataset.state === 'ready'"
TITLES = "[...document.querySelectorAll('#articles li .title')].map(e => e.textContent)"
IDS = "[...document.querySelectorAll('#articles li')].map(e => e.dataset.id)"


def counts(table: str) -> str:
    return (
        f"Object.fromEntries([...document.querySelectorAll('#{table} tr[data-name]')]"
        ".map(tr => [tr.dataset.name, Number(tr.cells[1].textContent)]))"
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ApiServer, str]]:
    url = f"sqlite:///{tmp_path}/store.db"
    fill(url, tmp_path)
    server = ApiServer(url, {"INGEST_API_TOKEN": TOKEN}).wait_ready()
    yield server, url
    assert server.stop() == 0, server.log()


def api(server: ApiServer, path: str, **params: Any) -> Any:
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    return httpx.get(server.base + path, params=params, headers=bearer, timeout=30).json()


def test_the_page_browses_searches_shows_and_follows(
    served: tuple[ApiServer, str], tmp_path: Path
) -> None:
    server, store_url = served
    with chromium(tmp_path / "profile") as page:
        page.call("Log.enable")
        page.call("Runtime.enable")
        page.goto(f"{server.base}/#token={TOKEN}")
        page.wait_for(READY)
        assert page.js("document.getElementById('error').textContent") == ""

        # Recent articles, newest first; outcome counts by status and reason.
        recent = api(server, "/articles", order="desc", limit=25)["articles"]
        assert page.js(TITLES) == [a["title"] for a in recent]
        stats = api(server, "/stats")
        assert page.js(counts("by-status")) == stats["by_status"]
        assert page.js(counts("by-reason")) == {"empty_body": 1}

        # New articles arrive on top while the page is open (EventSource, ?token=).
        page.wait_for("document.getElementById('live').textContent.startsWith('following')")
        ingest(store_url, write_jsonl(tmp_path / "new.jsonl", generated(2, seed=21)))
        page.wait_for("document.querySelectorAll('#articles li.fresh').length === 2")
        assert page.js(TITLES)[:2] == ["Generated report 21-1", "Generated report 21-0"]
        page.wait_for(f"{counts('by-status')}.stored === {stats['by_status']['stored'] + 2}")

        # A search typed in the box, Enter: the matches the API ranks, highlighted.
        page.type_text("#q", "swing bridge")
        page.press_enter()
        page.wait_for("document.getElementById('list-title').textContent.startsWith('Matches')")
        matches = api(server, "/articles", q="swing bridge", limit=25)["articles"]
        assert page.js(IDS) == [a["id"] for a in matches] != []
        assert page.js("document.querySelectorAll('#articles mark').length") > 0
        assert "q=swing+bridge" in page.js("location.search")

        # A click on the first version: the article, both revisions, the exact copy.
        first = next(a for a in matches if a["title"] == "Swing bridge reopens")
        page.click(f"#articles li[data-id='{first['id']}']")
        page.wait_for(f"document.getElementById('article').dataset.id === '{first['id']}'")
        assert page.js("document.getElementById('article-title').textContent") == (
            "Swing bridge reopens"
        )
        revisions = page.js(list_text("revisions"))
        assert len(revisions) == 2 and "Cyclists cross the bridge" in revisions[1]
        (duplicate,) = page.js(list_text("duplicates"))
        assert "exact" in duplicate and "Cyclists cross (a copy)" in duplicate
        assert "BRISTOL - The old swing bridge" in page.js(
            "document.getElementById('body').textContent"
        )

        shot = page.screenshot(tmp_path / "page.png")
        assert shot.stat().st_size > 10_000
        if os.environ.get("INGEST_TEST_SCREENSHOT"):  # to look at it: a path to copy it to
            shutil.copy(shot, os.environ["INGEST_TEST_SCREENSHOT"])
        assert page.problems() == []  # no script error, no CSP refusal


def test_the_page_says_when_the_token_is_missing(
    served: tuple[ApiServer, str], tmp_path: Path
) -> None:
    server, _ = served
    with chromium(tmp_path / "profile") as page:
        page.goto(f"{server.base}/")
        page.wait_for(READY)
        message = page.js("document.getElementById('error').textContent")
        assert "token" in message and page.js(TITLES) == []


def list_text(element: str) -> str:
    return f"[...document.querySelectorAll('#{element} li')].map(e => e.textContent)"
