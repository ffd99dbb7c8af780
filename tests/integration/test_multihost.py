"""Several hosts: workers on hosts A and B, Redis and PostgreSQL on host C, all real processes
on network namespaces this test makes (tests/netns.py), with DEFAULT settings.

The producer enqueues from host A originals, exact copies and near copies, spread so that a
copy and its original often land on different hosts; host B's whole worker (main process and
pool) is SIGKILLed mid-run and not replaced: host A's workers take its messages back when the
visibility timeout runs out (kombu's restore, every 5 s) and finish them, as they would after
losing a machine. The store's ledger then shows one outcome per item, every article once, and
every copy decided against the one shared index, whichever host stored its original.

An external enricher on host C (a few ms per article, like tests/faults.py's, which keeps
every worker process busy so the kill lands mid-batch) answers each article with the address
it came from: a stored article carries the host that stored it, and the enricher's log says
which host handled each copy. Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.corpus import bodies
from tests.faults import (
    ENRICH_DELAY,
    FaultWorker,
    accounting,
    all_done,
    base_env,
    enqueue,
    finished,
    fleet,
    last_outcome_after,
    report,
    resent_by_sweep,
)
from tests.netns import Host, inside, network, unavailable
from tests.servers import private_postgres, private_redis
from tests.support import wait_until
from worker.store import Store

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(unavailable() is not None, reason=str(unavailable())),
]

ORIGINALS = 3000
EVERY = 5  # every 5th original gets an exact copy and a near copy
KILL_AT = 0.4  # of all items finished


# --- the input --------------------------------------------------------------------------


def near_copy(body: str) -> str:
    """The same article with five words changed (about 0.8 of its shingles kept)."""
    words = body.split()
    for n, at in enumerate((10, 30, 50, 70, 85)):
        words[at] = f"revised{n}"
    return " ".join(words)


def write_items(path: Path) -> dict[str, list[str]]:
    """Originals ``o<n>``, exact copies ``x<n>`` and near copies ``n<n>``; a copy comes about
    two batches after its original, the near one about four. Returns group -> its ids."""
    texts = bodies(ORIGINALS, seed=29)
    rows: list[tuple[float, dict[str, str]]] = []
    groups: dict[str, list[str]] = {}
    for n, body in enumerate(texts):
        rows.append((n, {"id": f"o{n}", "title": f"Article {n}", "body": body}))
        if n % EVERY == 0:
            rows.append((n + 250.5, {"id": f"x{n}", "title": f"Article {n}", "body": body}))
            rows.append(
                (n + 500.5, {"id": f"n{n}", "title": f"Article {n}", "body": near_copy(body)})
            )
            groups[f"g{n}"] = [f"o{n}", f"x{n}", f"n{n}"]
        else:
            groups[f"g{n}"] = [f"o{n}"]
    with path.open("w") as handle:
        for _, record in sorted(rows, key=lambda row: row[0]):
            handle.write(json.dumps({**record, "source": "multihost"}) + "\n")
    return groups


# --- the enricher on host C --------------------------------------------------------------

SEEN: dict[str, list[str]] = defaultdict(list)  # item key -> addresses of the hosts, in order
_SEEN_LOCK = threading.Lock()


class HostEnricher(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        article = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        client = self.client_address[0]
        with _SEEN_LOCK:
            SEEN[str(article.get("item_key"))].append(client)
        time.sleep(ENRICH_DELAY)
        body = json.dumps({"host": client}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def enricher_on() -> Iterator[Any]:
    """``enricher_on(host)`` -> its URL; a server listening on that host, stopped after."""
    servers: list[ThreadingHTTPServer] = []

    def start(host: Host) -> str:
        server = inside(host, lambda: ThreadingHTTPServer((host.address, 0), HostEnricher))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://{host.address}:{server.server_address[1]}/"

    SEEN.clear()
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


# --- the ledger, read back ---------------------------------------------------------------


def outcomes(store: Store) -> dict[str, dict[str, Any]]:
    """Input id -> its item's outcome, and for a stored item the host that stored it."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT i.external_id, i.item_key, i.status, i.method, i.duplicate_of, "
                "i.article_id, a.enrichment FROM items i LEFT JOIN articles a ON a.id = i.item_key"
            )
        ).mappings()
        found = {}
        for row in rows:
            enrichment = row["enrichment"] or {}
            if isinstance(enrichment, str):
                enrichment = json.loads(enrichment)
            stored_by = enrichment.get("http", {}).get("data", {}).get("host")
            found[row["external_id"]] = {**row, "stored_by": stored_by}
    return found


def check_groups(groups: dict[str, list[str]], got: dict[str, dict[str, Any]]) -> Counter[str]:
    """Each group: one item stored, every other a duplicate of that article, by the method
    its text calls for. Returns the methods counted."""
    methods: Counter[str] = Counter()
    for group, ids in groups.items():
        stored = [i for i in ids if got[i]["status"] == "stored"]
        assert len(stored) == 1, (group, [got[i] for i in ids])
        original = got[stored[0]]["article_id"]
        for i in ids:
            if i == stored[0]:
                continue
            assert got[i]["status"] == "duplicate", (group, got[i])
            assert got[i]["duplicate_of"] == original, (group, got[i])
            same_text = {i[0], stored[0][0]} <= {"o", "x"}
            assert got[i]["method"] == ("exact" if same_text else "near"), (group, got[i])
            methods[got[i]["method"]] += 1
    return methods


def cross_host(got: dict[str, dict[str, Any]]) -> Counter[tuple[str, str]]:
    """(host that decided the copy, host that stored its original) for every copy the
    enricher saw once (a copy handled again after the kill is left out: which of the two
    handlings decided it is not known)."""
    stored_by = {row["article_id"]: row["stored_by"] for row in got.values() if row["stored_by"]}
    pairs: Counter[tuple[str, str]] = Counter()
    for row in got.values():
        seen = SEEN.get(row["item_key"], [])
        if row["status"] == "duplicate" and len(seen) == 1:
            pairs[(seen[0], stored_by[row["duplicate_of"]])] += 1
    return pairs


# --- the test ----------------------------------------------------------------------------


def test_two_worker_hosts_one_killed_share_one_store_and_dedup_index(
    tmp_path: Path, enricher_on: Any
) -> None:
    started_at = time.monotonic()
    path = tmp_path / "items.jsonl"
    groups = write_items(path)
    total = sum(len(ids) for ids in groups.values())
    with network("a", "b", "c") as hosts:
        a, b, c = hosts["a"], hosts["b"], hosts["c"]
        with (
            private_redis(c.address, c.netns) as broker,
            private_postgres(c.address, c.netns) as pg,
        ):
            env = base_env(
                broker.url(), pg.create_database("ingest_multihost"), tmp_path,
                INGEST_HTTP_ENRICHER_URL=enricher_on(c),
            )  # fmt: skip
            store = Store(pg.local_store_url("ingest_multihost"))  # over the Unix socket
            store.ensure_schema()
            with fleet() as started:
                started += [FaultWorker(env, netns=a.netns), FaultWorker(env, netns=b.netns)]
                worker_a, worker_b = (w.wait_ready() for w in started)
                run_id = enqueue(env, path, netns=a.netns)
                assert wait_until(lambda: finished(store) >= KILL_AT * total, 120, 0.05)
                worker_b.kill()
                killed_at, at_kill = time.time(), finished(store)
                done = all_done(store, 150)
                tail = last_outcome_after(store, killed_at)
                alive = worker_a.proc.poll() is None
                resent = resent_by_sweep(worker_a, worker_b)
            figures = accounting(store, total, len(groups))
            got = outcomes(store)
            stats = store.stats(run_id)
            store.close()
    methods = check_groups(groups, got)
    pairs = cross_host(got)
    names = {a.address: "a", b.address: "b"}
    stored_on = Counter(names[row["stored_by"]] for row in got.values() if row["stored_by"])
    taken_over = sum(1 for seen in SEEN.values() if b.address in seen and seen[-1] == a.address)
    decided = {f"{names[x]} against {names[y]}": n for (x, y), n in sorted(pairs.items())}
    report("several hosts", items=total, finished_at_kill=at_kill, done_after_kill_s=done,
           last_outcome_after_kill_s=tail, resent_by_sweep=resent, taken_over_from_b=taken_over,
           stored_on=dict(stored_on), methods=dict(methods), copies_decided=decided,
           stored_twice=figures["stored_twice"], wall_s=time.monotonic() - started_at)  # fmt: skip
    assert done is not None and alive
    assert stats["by_status"] == {"stored": len(groups), "duplicate": 2 * (ORIGINALS // EVERY)}
    assert methods["exact"] > 0 and methods["near"] > 0
    assert stored_on["a"] > 0 and stored_on["b"] > 0
    assert taken_over > 0, "host B held no batch when it was killed: the kill proved nothing"
    # One shared index: copies decided on one host against originals the other host stored.
    assert decided.get("a against b", 0) > 0 and decided.get("b against a", 0) > 0, decided
    assert tail < 60, "host A took more than 60 s to finish the messages host B held"
