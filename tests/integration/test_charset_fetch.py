"""Legacy charsets over real HTTP: a local server on 127.0.0.1 sends Shift_JIS,
windows-1251 and ISO-8859-1 pages and feeds, with and without a charset in Content-Type.

One policy decides (worker/readers/charset.py): BOM, the header's charset, the document's
own declaration, UTF-8, detection. Relative feed links come back resolved against the URL.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support import run_cli
from worker.core.models import Found, Kind
from worker.ingest.feeds import Validators, conditional_get, feed_entries
from worker.readers.fetch import FetchPolicy, fetch_items, make_client

pytestmark = pytest.mark.integration

JAPANESE = "東京都は本日、新しい交通計画を発表した。市民の生活に大きな影響があると見られる。"
RUSSIAN = "Правительство России объявило в среду о новых мерах поддержки экономики страны."
FRENCH = "Le gouvernement français a annoncé mercredi des mesures pour les ménages modestes."
LONG_RUSSIAN = " ".join([RUSSIAN] * 6)


def page(text: str, head: str = "", title: str = "t") -> str:
    return (
        f"<html><head>{head}<title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{text}</p><p>{text}</p></article></body></html>"
    )


def feed(encoding_decl: str = "") -> str:
    decl = f' encoding="{encoding_decl}"' if encoding_decl else ""
    items = "".join(
        f"<item><title>Новость {n}</title><link>{link}</link><description>{RUSSIAN} {n}"
        "</description></item>"
        for n, link in enumerate(["/news/0.html", "1.html", "https://other.test/2"])
    )
    channel = f"<channel><title>Лента</title>{items}</channel>"
    return f'<?xml version="1.0"{decl}?><rss version="2.0">{channel}</rss>'


# path -> (body bytes, Content-Type)
ROUTES: dict[str, tuple[bytes, str]] = {
    "/sjis-meta": (page(JAPANESE, '<meta charset="shift_jis">').encode("shift_jis"), "text/html"),
    "/sjis-header": (page(JAPANESE).encode("shift_jis"), "text/html; charset=Shift_JIS"),
    "/sjis-wrong-header": (
        page(JAPANESE, '<meta charset="Shift_JIS">').encode("shift_jis"),
        "text/html; charset=utf-8",  # the server's default, the page's own meta tag is right
    ),
    "/cp1251-equiv": (
        page(
            RUSSIAN, '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
        ).encode("cp1251"),
        "text/html",
    ),
    "/cp1251-header": (page(RUSSIAN).encode("cp1251"), "text/html; charset=windows-1251"),
    "/cp1251-nothing": (page(RUSSIAN).encode("cp1251"), "text/html"),
    "/latin1-header": (page(FRENCH).encode("latin-1"), "text/html; charset=ISO-8859-1"),
    "/latin1-nothing": (page(FRENCH).encode("latin-1"), "text/html"),
    "/feeds/decl.xml": (feed("windows-1251").encode("cp1251"), "application/rss+xml"),
    "/feeds/header.xml": (feed().encode("cp1251"), "application/rss+xml; charset=windows-1251"),
    "/article-ru": (
        page(LONG_RUSSIAN, '<meta charset="windows-1251">', "Москва").encode("cp1251"),
        "text/html",
    ),
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body, ctype = ROUTES.get(self.path, (b"no such page", "text/plain"))
        self.send_response(200 if self.path in ROUTES else 404)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


POLICY = FetchPolicy(
    timeout=5.0, max_redirects=3, max_bytes=1_000_000, retries=0, user_agent="charset-test",
    allow_private=True,
)  # fmt: skip


def fetched(url: str) -> list[Found]:
    with make_client(POLICY) as client:
        return list(fetch_items(client, url, POLICY, sleep=lambda s: None))


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/sjis-meta", JAPANESE),
        ("/sjis-header", JAPANESE),
        ("/sjis-wrong-header", JAPANESE),
        ("/cp1251-equiv", RUSSIAN),
        ("/cp1251-header", RUSSIAN),
        ("/cp1251-nothing", RUSSIAN),  # neither header nor meta: detected
        ("/latin1-header", FRENCH),
        ("/latin1-nothing", FRENCH),
    ],
)
def test_fetched_pages_in_legacy_charsets(site: str, path: str, text: str) -> None:
    [found] = fetched(site + path)
    assert found.kind is Kind.HTML, found.payload
    assert text in found.payload["html"]


@pytest.mark.parametrize("path", ["/feeds/decl.xml", "/feeds/header.xml"])
def test_fetched_feed_entries_are_decoded_and_their_links_absolute(site: str, path: str) -> None:
    records = [f.payload["record"] for f in fetched(site + path)]
    assert [r["title"] for r in records] == ["Новость 0", "Новость 1", "Новость 2"]
    assert records[0]["feed_title"] == "Лента"
    assert [r["url"] for r in records] == [
        f"{site}/news/0.html",
        f"{site}/feeds/1.html",
        "https://other.test/2",
    ]


def test_polled_feed_uses_the_header_charset_and_its_url(site: str) -> None:
    with make_client(POLICY) as client:
        page_ = conditional_get(client, f"{site}/feeds/header.xml", Validators(), POLICY)
    entries = feed_entries(page_, "ru", 100, fetch_pages=True)
    assert [e.key for e in entries] == [
        f"url:{site}/news/0.html",
        f"url:{site}/feeds/1.html",
        "url:https://other.test/2",
    ]
    assert entries[0].found.payload == {"url": f"{site}/news/0.html"}  # fetchable, not bad_url


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_ingest_run_stores_a_windows_1251_page(
    site: str, env: dict[str, str], tmp_path: Path
) -> None:
    result = run_cli(["run", f"{site}/article-ru"], env, timeout=120)
    assert result.returncode == 0, result.stderr
    exported = run_cli(["export"], env, timeout=60)
    [record] = [json.loads(line) for line in exported.stdout.splitlines()]
    assert record["title"] == "Москва"
    assert RUSSIAN in record["body"]
