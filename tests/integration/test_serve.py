"""``ingest serve`` as users run it: a real uvicorn process on a free loopback port, over real
SQLite and PostgreSQL stores filled by the real ``ingest run`` (worker/api)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import update

from tests.serving import (
    BRIDGE_URL,
    TOKEN,
    ApiServer,
    events,
    fill,
    generated,
    ingest,
    write_jsonl,
)
from tests.support import fresh_pg_database, run_cli, wait_until
from worker.store import Store
from worker.store.reports import Filters
from worker.store.schema import articles, story_merges

pytestmark = pytest.mark.integration

PG_SECRET = "pg-Secret-in-the-url-42"
BROKER_SECRET = "redis-Secret-in-the-url-42"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("serve")
    if request.param == "sqlite":
        url = f"sqlite:///{folder}/store.db"
        fill(url, folder)
        yield url
        return
    with fresh_pg_database() as url:
        # A password in the URL (trust auth ignores it): it must show nowhere.
        url = url.replace("postgres@", f"postgres:{PG_SECRET}@")
        fill(url, folder)
        yield url


@pytest.fixture(scope="module")
def server(store_url: str) -> Iterator[ApiServer]:
    env = {"INGEST_BROKER_URL": f"redis://:{BROKER_SECRET}@127.0.0.1:6379/0"}
    served = ApiServer(store_url, env).wait_ready()
    yield served
    assert served.stop() == 0, served.log()


@pytest.fixture(scope="module")
def store(store_url: str) -> Iterator[Store]:
    opened = Store(store_url)
    yield opened
    opened.close()


def get(server: ApiServer, path: str, **params: Any) -> httpx.Response:
    return httpx.get(server.base + path, params=params, timeout=30)


def stored_seqs(store: Store, **where: Any) -> list[int]:
    return [r["seq"] for r in store.export("stored", where=Filters(after=0, **where))]


def test_articles_page_through_the_export_cursor_without_gaps_or_repeats(
    server: ApiServer, store: Store
) -> None:
    seen: list[int] = []
    cursor = None
    while True:
        page = get(server, "/articles", limit=7, **({"cursor": cursor} if cursor else {})).json()
        seen += [a["seq"] for a in page["articles"]]
        assert page["next_cursor"] == (seen[-1] if seen else 0)
        cursor = page["next_cursor"]
        if not page["more"]:
            break
    assert seen == stored_seqs(store) and len(seen) >= 36  # every article, once, in order
    again = get(server, "/articles", cursor=cursor).json()  # nothing new: keep the cursor
    assert again == {"articles": [], "next_cursor": cursor, "more": False}
    backwards: list[int] = []
    page = get(server, "/articles", order="desc", limit=10).json()
    while True:
        backwards += [a["seq"] for a in page["articles"]]
        if page["next_cursor"] is None:
            break
        page = get(server, "/articles", order="desc", limit=10, cursor=page["next_cursor"]).json()
    assert backwards == seen[::-1]


def test_articles_filters_are_export_and_search(server: ApiServer, store: Store) -> None:
    french = get(server, "/articles", language="fr").json()["articles"]
    assert [a["seq"] for a in french] == stored_seqs(store, language="fr") != []
    name = next(r["source"] for r in store.export() if r["external_id"] == "bridge")
    source = get(server, "/articles", source=name).json()["articles"]  # the file and line
    assert [a["seq"] for a in source] == stored_seqs(store, source=name) != []
    assert get(server, "/articles", since="2999-01-01").json()["articles"] == []
    assert len(get(server, "/articles", until="2999-01-01T00:00:00Z").json()["articles"]) == 20
    found = get(server, "/articles", q="swing bridge").json()
    expected = store.search("swing bridge", Filters(limit=20))
    assert [a["id"] for a in found["articles"]] == [a["id"] for a in expected] != []
    assert found["articles"][0]["snippet"] and found["next_cursor"] is None
    assert get(server, "/articles", q="bridge", order="desc").status_code == 400


def test_limit_is_capped(server: ApiServer) -> None:
    assert len(get(server, "/articles", limit=200).json()["articles"]) <= 200
    for bad in (201, 10_000, 0, -1):
        assert get(server, "/articles", limit=bad).status_code == 422, bad


def test_an_article_with_its_revisions_and_duplicates(server: ApiServer, store: Store) -> None:
    first = next(r for r in store.export() if r["external_id"] == "bridge")
    shown = get(server, f"/articles/{first['id']}").json()
    assert shown == json.loads(json.dumps(store.show(first["id"]), default=str))
    assert [r["title"] for r in shown["revisions"]] == [
        "Swing bridge reopens", "Cyclists cross the bridge"
    ]  # fmt: skip
    assert [(d["external_id"], d["method"]) for d in shown["duplicates"]] == [
        ("bridge-copy", "exact")
    ]
    by_url = get(server, "/articles/" + quote(BRIDGE_URL, safe="")).json()  # the newest revision
    assert by_url["article"]["title"] == "Cyclists cross the bridge"
    missing = get(server, "/articles/nothing-0000001")
    assert missing.status_code == 404 and "nothing-0000001" in missing.json()["detail"]


def test_stats_are_what_ingest_stats_says(server: ApiServer, store_url: str) -> None:
    stats = get(server, "/stats").json()
    printed = run_cli(["stats", "--json", "--store", store_url], {})
    assert printed.returncode == 0, printed.stderr
    assert stats == json.loads(printed.stdout)
    assert set(stats["by_status"]) == {"stored", "duplicate", "rejected"}
    assert stats["by_reason"] == {"empty_body": 1}


def test_no_secret_in_stats_openapi_or_errors(server: ApiServer, store_url: str) -> None:
    schema = get(server, "/openapi.json")
    assert schema.status_code == 200
    assert {"/articles", "/articles/{ident}", "/stats", "/events"} <= set(schema.json()["paths"])
    answers = [schema, get(server, "/stats"), get(server, "/healthz"), get(server, "/"),
               get(server, "/articles/nothing"), get(server, "/articles", limit=999)]  # fmt: skip
    for answer in answers:
        for secret in (PG_SECRET, BROKER_SECRET, "INGEST_STORE_URL", store_url):
            assert secret not in answer.text, (answer.url, secret)


def test_a_request_body_over_4_kb_is_refused(server: ApiServer) -> None:
    big = httpx.request("GET", server.base + "/stats", content=b"x" * 5000, timeout=10)
    assert big.status_code == 413
    chunked = httpx.request("GET", server.base + "/stats", content=iter([b"x" * 3000] * 2))
    assert chunked.status_code == 413
    small = httpx.request("GET", server.base + "/stats", content=b"x" * 100, timeout=10)
    assert small.status_code == 200


def test_events_resume_past_last_event_id_and_see_only_later_articles(
    server: ApiServer, store: Store, store_url: str, tmp_path: Path
) -> None:
    newest = stored_seqs(store)[-1]
    later = write_jsonl(tmp_path / "later.jsonl", generated(5, seed=11))
    received: list[dict[str, Any]] = []
    # cursor=0 would replay everything: the header (a reconnecting EventSource's) wins.
    headers = {"Last-Event-ID": str(newest)}
    with httpx.stream("GET", f"{server.base}/events?cursor=0", headers=headers,
                      timeout=httpx.Timeout(30, read=10)) as response:  # fmt: skip
        assert response.headers["content-type"].startswith("text/event-stream")
        writer = threading.Thread(target=ingest, args=(store_url, later))
        for event in events(response):
            if event.comments and event.comments[0].startswith("following"):
                writer.start()  # the stream is open: store five more
            if event.event == "article":
                assert event.id == str(event.json()["seq"])
                received.append(event.json())
            if len(received) == 5:
                break
        writer.join()
    assert [a["seq"] for a in received] == stored_seqs(store)[-5:]
    assert all(a["seq"] > newest for a in received)
    assert {a["external_id"] for a in received} == {f"gen-11-{n:03d}" for n in range(5)}
    # From a query cursor, as a first EventSource connection gives it:
    with httpx.stream("GET", f"{server.base}/events", params={"cursor": newest + 3},
                      timeout=httpx.Timeout(30, read=10)) as response:  # fmt: skip
        ids = [e.id for e in _take(events(response), 2, lambda e: e.event == "article")]
    assert ids == [str(s) for s in stored_seqs(store)[-2:]]


def test_events_send_heartbeats_and_end_when_the_client_leaves(server: ApiServer) -> None:
    with httpx.stream("GET", f"{server.base}/events", timeout=httpx.Timeout(30, read=10)) as r:
        stream = events(r)  # held: a generator dropped here would close the connection
        beats = _take(stream, 2, lambda e: "heartbeat" in e.comments)  # every 0.5 s here
        assert len(beats) == 2
        assert get(server, "/healthz").json()["streams"] >= 1
    assert wait_until(lambda: get(server, "/healthz").json()["streams"] == 0, timeout=10)


def test_events_end_cleanly_when_the_server_stops(store_url: str) -> None:
    served = ApiServer(store_url).wait_ready()
    lines: list[str] = []
    with httpx.stream("GET", f"{served.base}/events", timeout=httpx.Timeout(30, read=10)) as r:
        stream = r.iter_lines()
        lines.append(next(stream))
        started = time.monotonic()
        threading.Thread(target=served.stop).start()
        lines += list(stream)  # returns when the server ends the response
    assert time.monotonic() - started < 8, "the stream kept the server from stopping"
    served.proc.wait(20)
    assert served.proc.returncode == 0, served.log()
    assert "following past cursor" in lines[0]


def test_wide_bind_needs_a_token_and_checks_it(store_url: str) -> None:
    refused = run_cli(["serve", "--host", "0.0.0.0", "--port", "0", "--store", store_url],
                      {"INGEST_API_TOKEN": ""})  # fmt: skip
    assert refused.returncode == 2
    assert refused.stderr.strip().count("\n") == 0 and "INGEST_API_TOKEN" in refused.stderr
    served = ApiServer(store_url, {"INGEST_API_TOKEN": TOKEN}, host="0.0.0.0").wait_ready()
    try:
        base = served.base
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert httpx.get(f"{base}/stats").status_code == 401
        assert (
            httpx.get(f"{base}/stats", headers={"Authorization": "Bearer nope"}).status_code == 401
        )
        assert httpx.get(f"{base}/stats", params={"token": TOKEN[:-1]}).status_code == 401
        assert httpx.get(f"{base}/events").status_code == 401
        assert httpx.get(f"{base}/stats", headers=bearer).status_code == 200
        assert httpx.get(f"{base}/articles", params={"token": TOKEN}).status_code == 200
        with httpx.stream("GET", f"{base}/events", params={"token": TOKEN}) as response:
            assert response.status_code == 200  # EventSource sends no header: ?token= works
        for public in ("/", "/healthz", "/openapi.json"):  # no data in these
            assert httpx.get(base + public).status_code == 200, public
        assert TOKEN not in httpx.get(f"{base}/openapi.json").text
    finally:
        assert served.stop() == 0
    assert "token=***" in served.log() and TOKEN not in served.log()  # access log masked


def test_stories_and_the_story_filter_are_what_the_commands_give(
    server: ApiServer, store: Store, store_url: str
) -> None:
    """The fill stores with enrichment off (no story): the three Kremlin seeds are given
    two stories here, the younger merged into the older, as the store would record it."""
    seeds = sorted(
        (r for r in store.export() if "kremlin" in r["source"] or "33deb995" in r["source"]),
        key=lambda r: r["seq"],
    )
    assert len(seeds) == 3
    older, younger = "s-test-older", "s-test-younger"
    chosen = {seeds[0]["id"]: older, seeds[1]["id"]: younger, seeds[2]["id"]: younger}
    with store.engine.begin() as conn:
        for article_id, story in chosen.items():
            conn.execute(update(articles).where(articles.c.id == article_id)
                         .values(story_id=story))  # fmt: skip
        conn.execute(story_merges.insert().values(
            merged_id=younger, into_id=older, merged_at=datetime.now(UTC)))  # fmt: skip

    found = get(server, "/stories").json()["stories"]
    assert found == store.stories(20)
    assert [s["id"] for s in found] == [older]  # the survivor only
    assert found[0]["articles"] == 3 and len(found[0]["languages"]) == 3
    listed = run_cli(["stories", "--json", "--store", store_url], {})
    assert [json.loads(line) for line in listed.stdout.splitlines()] == found

    for asked in (older, younger):  # any of its ids
        page = get(server, "/articles", story=asked).json()
        assert [a["seq"] for a in page["articles"]] == [r["seq"] for r in seeds]
        assert {a["story_id"] for a in page["articles"]} == {older}
    assert get(server, "/articles", story="s-none").json()["articles"] == []
    searched = get(server, "/articles", q="Kremlin", story=older).json()["articles"]
    expected = store.search("Kremlin", Filters(limit=20, story=older))
    assert [a["id"] for a in searched] == [a["id"] for a in expected]
    assert set(chosen) >= {a["id"] for a in searched}
    assert len(get(server, "/stories", limit=100).json()["stories"]) == 1
    for bad in (101, 0, -1):
        assert get(server, "/stories", limit=bad).status_code == 422, bad


def _take(stream: Iterator[Any], count: int, wanted: Any) -> list[Any]:
    found = []
    for item in stream:
        if wanted(item):
            found.append(item)
            if len(found) == count:
                break
    return found
