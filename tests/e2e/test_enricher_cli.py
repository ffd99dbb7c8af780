"""The HTTP enricher configured by URL, end to end: its answer lands in the record."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support import ROOT, run_cli

pytestmark = pytest.mark.e2e


class Echo(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        article = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = json.dumps({"chars": len(article["body"]), "title": article["title"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def enricher_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/enrich"
    server.shutdown()


def test_answers_are_stored_under_their_key(tmp_path: Path, enricher_url: str) -> None:
    env = {"INGEST_ENRICH": "false", "INGEST_HTTP_ENRICHER_URL": enricher_url,
           "INGEST_HTTP_ENRICHER_TIMEOUT": "30"}  # fmt: skip
    result = run_cli(["run", str(ROOT / "seeds" / "010_wire.jsonl")], env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in run_cli(["export"], env, cwd=tmp_path).stdout.splitlines()]
    assert len(rows) == 3
    for row in rows:
        answer = row["enrichment"]["http"]
        assert answer["status"] == "ok"
        assert answer["data"] == {"chars": len(row["body"]), "title": row["title"]}


def test_a_dead_enricher_marks_items_and_stores_them(tmp_path: Path) -> None:
    env = {"INGEST_ENRICH": "false", "INGEST_HTTP_ENRICHER_URL": "http://127.0.0.1:9/x",
           "INGEST_HTTP_ENRICHER_RETRIES": "0"}  # fmt: skip
    result = run_cli(["run", str(ROOT / "seeds" / "010_wire.jsonl")], env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in run_cli(["export"], env, cwd=tmp_path).stdout.splitlines()]
    assert [r["enrichment"]["http"]["status"] for r in rows] == ["failed"] * 3
