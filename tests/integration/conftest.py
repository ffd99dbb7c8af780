from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import fresh_pg_database, fresh_redis_db
from worker.store import Store


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/store.db"
    else:
        with fresh_pg_database() as url:
            yield url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    s.ensure_schema()
    yield s
    s.close()


@pytest.fixture
def env(store_url: str, tmp_path: Path) -> dict[str, str]:
    """Environment for workers and the CLI: this test's own Redis db and store."""
    return {
        "INGEST_BROKER_URL": fresh_redis_db(11),
        "INGEST_STORE_URL": store_url,
        "INGEST_ENRICH": "false",
        "INGEST_FETCH_ALLOW_PRIVATE": "true",
        "TEST_LOG_DIR": str(tmp_path),
    }


@pytest.fixture
def http_site(tmp_path: Path) -> Iterator[str]:
    """A real HTTP server on loopback serving an article page and an RSS feed."""
    import functools
    import shutil
    import threading
    from http.server import ThreadingHTTPServer

    root = tmp_path / "site"
    root.mkdir()
    seeds = Path(__file__).resolve().parents[2] / "seeds"
    shutil.copy(seeds / "020_museum.html", root / "article.html")
    shutil.copy(seeds / "030_regional.rss", root / "feed.rss")
    handler = functools.partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


from http.server import SimpleHTTPRequestHandler  # noqa: E402


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass
