"""HttpEnricher against real HTTP servers on 127.0.0.1: good, slow, failing, garbled."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from worker.ingest.http_enricher import HttpEnricher

pytestmark = pytest.mark.integration

Behaviour = Callable[[BaseHTTPRequestHandler, bytes], None]
RELEASE = threading.Event()  # lets the slow handler finish at teardown


class QuietServer(ThreadingHTTPServer):
    """The slow server's client gives up by design; its broken pipe is not news."""

    def handle_error(self, request: object, client_address: object) -> None:
        pass


class Server:
    """A real HTTP server in a thread whose behaviour a test can switch."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour, self.requests = behaviour, 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                server.requests += 1
                body = self.rfile.read(int(self.headers["content-length"]))
                server.behaviour(self, body)

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/enrich"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def reply(handler: BaseHTTPRequestHandler, status: int, payload: bytes) -> None:
    handler.send_response(status)
    handler.send_header("content-type", "application/json")
    handler.send_header("content-length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


def good(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    article = json.loads(body)
    reply(handler, 200, json.dumps({"title_length": len(article["title"])}).encode())


def slow(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    RELEASE.wait(2.0)
    good(handler, body)


def error_500(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    reply(handler, 500, b'{"error": "boom"}')


def garbage(handler: BaseHTTPRequestHandler, body: bytes) -> None:
    reply(handler, 200, b"<html>not json{")


@pytest.fixture
def serve() -> Iterator[Callable[[Behaviour], Server]]:
    servers: list[Server] = []

    def start(behaviour: Behaviour) -> Server:
        servers.append(Server(behaviour))
        return servers[-1]

    RELEASE.clear()
    yield start
    RELEASE.set()
    for server in servers:
        server.stop()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


ARTICLES = [{"title": "Un", "body": "x", "published_at": datetime(2024, 4, 17, tzinfo=UTC)}]


def enricher(url: str, **options: Any) -> HttpEnricher:
    options.setdefault("sleep", lambda seconds: None)  # backoff is recorded, not waited
    return HttpEnricher(url, **options)


def test_good_service_answer_is_stored(serve: Callable[[Behaviour], Server]) -> None:
    server = serve(good)
    results = enricher(server.url).enrich(ARTICLES * 2)
    assert results == [{"status": "ok", "attempts": 1, "data": {"title_length": 2}}] * 2
    assert server.requests == 2


def test_slow_service_times_out_with_bounded_retries(
    serve: Callable[[Behaviour], Server],
) -> None:
    server, sleeps = serve(slow), list[float]()
    http = enricher(server.url, timeout=0.2, retries=1, backoff=0.1, sleep=sleeps.append)
    (result,) = http.enrich(ARTICLES)
    assert result == {"status": "failed", "reason": "timeout", "attempts": 2}
    assert sleeps == [0.1] and server.requests == 2


def test_500s_are_retried_with_backoff_then_marked(serve: Callable[[Behaviour], Server]) -> None:
    server, sleeps = serve(error_500), list[float]()
    http = enricher(server.url, retries=2, backoff=0.05, sleep=sleeps.append)
    (result,) = http.enrich(ARTICLES)
    assert result == {"status": "failed", "reason": "http_500", "attempts": 3}
    assert sleeps == [0.05, 0.1] and server.requests == 3


def test_garbage_is_invalid_json_without_retry(serve: Callable[[Behaviour], Server]) -> None:
    server = serve(garbage)
    (result,) = enricher(server.url, retries=3).enrich(ARTICLES)
    assert result == {"status": "failed", "reason": "invalid_json", "attempts": 1}
    assert server.requests == 1


def test_dead_service_is_a_connection_error(serve: Callable[[Behaviour], Server]) -> None:
    server = serve(good)
    url = server.url
    server.stop()
    (result,) = enricher(url, retries=1).enrich(ARTICLES)
    assert result["status"] == "failed" and result["reason"] == "connection_error"


def test_circuit_breaker_opens_and_closes(serve: Callable[[Behaviour], Server]) -> None:
    server, clock = serve(error_500), FakeClock()
    http = enricher(server.url, retries=0, breaker_threshold=2, breaker_cooldown=30, clock=clock)
    reasons = [r["reason"] for r in http.enrich(ARTICLES * 4)]
    assert reasons == ["http_500", "http_500", "circuit_open", "circuit_open"]
    assert server.requests == 2  # an open circuit sends nothing

    clock.now += 29
    assert http.enrich(ARTICLES)[0]["reason"] == "circuit_open"

    clock.now += 1  # cool-down over: one trial call, which fails and re-opens the circuit
    assert http.enrich(ARTICLES * 2)[1]["reason"] == "circuit_open"
    assert server.requests == 3

    clock.now += 30
    server.behaviour = good  # the service recovered: the trial call closes the circuit
    assert [r["status"] for r in http.enrich(ARTICLES * 3)] == ["ok"] * 3
    assert server.requests == 6
