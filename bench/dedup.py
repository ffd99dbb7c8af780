"""Near-duplicate benchmark: quality on corpus reprints (ours vs datasketch) and cost at scale.

    .venv/bin/python bench/dedup.py [--quick] [--sweep] [--seed N] [--corpus DIR]
                                    [--skip-scale] [--baseline GIT_REF]
                                    [--scale-store sqlite|pg] [--scale-articles N]
                                    [--small-articles N] [--scale-rounds R] [--scale-batch B]

1. Pair precision/recall of the LSH-candidate-then-verify path at DEFAULT_PARAMS, overall and
   per kind of edit, on two sets built from the 181 extraction-benchmark bodies: the easy
   reprints (bench/_reprints.py) and the hard ones with hard negatives
   (bench/_hard_reprints.py). Beside it: the same path as it was at --baseline ("before",
   its neardup.py loaded from git), and datasketch's MinHashLSH (num_perm=128, the same
   word shingles) at threshold 0.9 (its default) and at its best threshold (most recall at
   precision >= 0.997 over a sweep), candidates taken as matches, as it is usually used.
2. Per-item near_signature (and band_keys) cost, after vs --baseline, on the same texts.
3. Per-item dedup cost in worker.store itself: ``Store.commit`` of prepared batches (index
   load, decisions, records, index keys and ledger outcomes in one transaction; the pure
   stages are done beforehand, untimed) against a store with 10k and one with N articles
   (default 1M) stored, their ratio (``per-item dedup cost at N / at 10k``), the index load's
   share, and dedup-index bytes per article. Both stores are filled by bench/_fill.py (the
   worker's own stages and the commit path's rows, bulk-loaded); the timed items are a
   quarter exact copies and a quarter reprints of articles both stores hold, half new ones.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._hard_reprints import hard_negatives, hard_sets, host_of, kind_of  # noqa: E402
from bench._reprints import (  # noqa: E402
    Item,
    indexed_items,
    load_corpus,
    query_items,
)
from worker.pipeline.neardup import (  # noqa: E402
    DEFAULT_PARAMS,
    NearParams,
    near_signature,
    shingles,
    similarity,
    tokens,
)

Pair = tuple[str, str]  # (query item id, indexed item id)


@dataclass
class Quality:
    predicted: set[Pair]
    truth: set[Pair]
    hard: set[Pair]  # negative pairs that look alike (same host, same topic, boilerplate)
    kinds: dict[str, str] = field(default_factory=dict)  # query id -> kind of edit
    candidates: int = 0

    def line(self, name: str) -> str:
        tp = len(self.predicted & self.truth)
        fp = len(self.predicted - self.truth)
        prec = tp / len(self.predicted) if self.predicted else 1.0
        rec = tp / len(self.truth)
        hard_fp = len(self.predicted & self.hard)
        cand = f"  candidates {self.candidates}" if self.candidates else ""
        return (
            f"{name:34s} precision {prec:.4f}  recall {rec:.4f}  "
            f"(tp {tp}, fp {fp} of which hard {hard_fp}, fn {len(self.truth) - tp}){cand}"
        )

    def by_kind(self) -> dict[str, tuple[int, int, int]]:
        """kind -> (true pairs found, true pairs, false positives)."""
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for pair in self.truth:
            counts[self.kinds[pair[0]]][0] += pair in self.predicted
            counts[self.kinds[pair[0]]][1] += 1
        for pair in self.predicted - self.truth:
            counts[self.kinds[pair[0]]][2] += 1
        return {k: (c[0], c[1], c[2]) for k, c in counts.items()}

    def precision(self) -> float:
        return len(self.predicted & self.truth) / len(self.predicted) if self.predicted else 1.0

    def recall(self) -> float:
        return len(self.predicted & self.truth) / len(self.truth)


def ground_truth(
    index: list[Item], queries: list[Item], hard: set[Pair], kind: Callable[[Item], str]
) -> Quality:
    truth = {(q.id, i.id) for q in queries for i in index if q.article == i.article}
    return Quality(set(), truth, hard, {q.id: kind(q) for q in queries})


def same_host(index: list[Item], queries: list[Item], hosts: dict[str, str]) -> set[Pair]:
    return {
        (q.id, i.id)
        for q in queries
        for i in index
        if q.article != i.article and hosts[q.article] == hosts[i.article]
    }


def ours(
    index: list[Item], queries: list[Item], params: NearParams, base: Quality, module: Any = None
) -> Quality:
    """LSH candidates then verification, with today's neardup or another version of it."""
    nd = module or sys.modules[near_signature.__module__]
    texts = [item.text for item in index + queries]
    ids = [item.id for item in index + queries]
    sigs = dict(zip(ids, nd.near_signatures(texts, params), strict=True))
    by_key: dict[int, set[str]] = defaultdict(set)
    for item in index:
        for key in nd.band_keys(sigs[item.id], params):
            by_key[key].add(item.id)
    predicted: set[Pair] = set()
    candidates = 0
    for q in queries:
        found = set().union(*(by_key.get(k, set()) for k in nd.band_keys(sigs[q.id], params)))
        candidates += len(found)
        for cand in found:
            if nd.is_near_duplicate(sigs[q.id], sigs[cand], params)[0]:
                predicted.add((q.id, cand))
    return replace(base, predicted=predicted, candidates=candidates)


DS_THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9)


def datasketch_lsh(
    index: list[Item], queries: list[Item], shingle: int, thresholds: Sequence[float],
    base: Quality,
) -> dict[float, Quality]:  # fmt: skip
    """MinHashLSH (num_perm=128) over the same word shingles; candidates taken as matches."""
    from datasketch import MinHash, MinHashLSH

    def minhash(text: str) -> MinHash:
        m = MinHash(num_perm=128)
        m.update_batch([s.encode() for s in shingles(tokens(text), shingle)])
        return m

    hashes = {item.id: minhash(item.text) for item in index + queries}
    results = {}
    for threshold in thresholds:
        lsh = MinHashLSH(threshold=threshold, num_perm=128)
        for item in index:
            lsh.insert(item.id, hashes[item.id])
        predicted = {(q.id, hit) for q in queries for hit in lsh.query(hashes[q.id])}
        results[threshold] = replace(base, predicted=predicted)
    return results


def best_of(results: dict[float, Quality], min_precision: float = 0.997) -> float:
    """datasketch's best hand-tuned threshold: most recall at the precision target (or, if
    no threshold reaches it, the best F1)."""
    fine = [t for t, q in results.items() if q.precision() >= min_precision]
    if fine:
        return max(fine, key=lambda t: (results[t].recall(), t))
    return max(results, key=lambda t: 2 / (1 / results[t].precision() + 1 / results[t].recall()))


def margin(index: list[Item], queries: list[Item], params: NearParams) -> str:
    """Similarity over every pair, LSH aside: where the threshold sits between the classes."""
    sigs = {item.id: near_signature(item.text, params) for item in index + queries}
    pos: list[float] = []
    neg: list[float] = []
    for q in queries:
        for i in index:
            (pos if q.article == i.article else neg).append(similarity(sigs[q.id], sigs[i.id]))
    p1, p5 = np.quantile(pos, [0.01, 0.05])
    return (
        f"  similarity over all pairs: negatives max {max(neg):.3f}, 99.99th pct "
        f"{np.quantile(neg, 0.9999):.3f}; true pairs 1st pct {p1:.3f}, 5th pct {p5:.3f}"
    )


def table(columns: dict[str, Quality]) -> None:
    """Recall per kind of edit (and false positives of that kind's queries), side by side."""
    kinds = sorted(next(iter(columns.values())).by_kind())
    print(f"  {'kind':15s} {'pairs':>5s}  " + "  ".join(f"{n:>18s}" for n in columns))
    per = {name: q.by_kind() for name, q in columns.items()}
    for kind in kinds:
        cells = []
        for name in columns:
            found, total, fp = per[name].get(kind, (0, 0, 0))
            cells.append(f"{found / total:.3f} fp {fp:<4d}".rjust(18))
        print(f"  {kind:15s} {per[next(iter(columns))][kind][1]:5d}  " + "  ".join(cells))


def evaluate(
    title: str,
    index: list[Item],
    queries: list[Item],
    base: Quality,
    params: NearParams,
    baseline: Any,
) -> None:
    negatives = len(index) * len(queries) - len(base.truth)
    print(
        f"\n{title}: {len(index)} indexed, {len(queries)} queries; pairs: {len(base.truth)} "
        f"true, {negatives} negative ({len(base.hard)} hard)"
    )
    columns = {}
    if baseline is not None:
        columns["before"] = ours(index, queries, BASELINE_PARAMS, base, baseline)
        print(columns["before"].line(f"before ({BASELINE_REF}, {BASELINE_PARAMS.shingle}-word)"))
    columns["ours"] = ours(index, queries, params, base)
    print(columns["ours"].line("ours (LSH + verify, default)"))
    print(margin(index, queries, params))
    ds = datasketch_lsh(index, queries, params.shingle, DS_THRESHOLDS, base)
    best = best_of(ds)
    print(ds[0.9].line("datasketch MinHashLSH t=0.9"))
    print(ds[best].line(f"datasketch MinHashLSH t={best} (best)"))
    print("  recall (false positives) per kind of edit:")
    table({**columns, "datasketch t=0.9": ds[0.9], f"datasketch t={best}": ds[best]})


def sweep(index: list[Item], queries: list[Item], base: Quality) -> None:
    """Quality over a grid of shingle sizes, permutations, bands of 2-3 rows and thresholds."""
    print("\nsweep: shingle num_perm bands rows threshold -> quality")
    for shingle, num_perm in itertools.product((3, 4), (64, 96, 128)):
        for bands, rows in ((20, 3), (32, 2), (40, 2), (48, 2)):
            if bands * rows > num_perm:
                continue
            for threshold in (0.4, 0.45, 0.5):
                params = NearParams(shingle, num_perm, bands, threshold, rows)
                q = ours(index, queries, params, base)
                print(q.line(f"  {shingle} {num_perm} {bands} {rows} {threshold}"))


# ---- 3. cost at scale ----------------------------------------------------------------------
#
# Measured on worker.store itself: two real stores (migrated schema) filled by bench/_fill.py
# with the worker's own stages and the commit path's rows, the smaller fill a prefix of the
# larger; then the same prepared batches go through Store.commit in both, batch by batch.

ROUND = 600  # items per timed round: a quarter exact copies and a quarter reprints of
# articles both stores hold, half new articles
Tally = dict[str, float]  # outcome counts and seconds


@dataclass
class ScaleStore:
    size: int
    store: Any  # worker.store.Store
    costs: list[float] = field(default_factory=list)  # seconds per item, per batch
    tally: Tally = field(default_factory=lambda: defaultdict(float))


def scale_items(corpus: Any, stored: list[str], count: int, seed: int) -> list[Any]:
    """RawItems: exact copies and reprints of stored fill articles, and new articles."""
    import random

    from bench._articles import fresh_body, record, reprint
    from worker.core.models import Kind, RawItem

    rng = random.Random(seed)
    now = datetime.now(UTC)
    found: list[Any] = []
    for n in range(count):
        roll = rng.random()
        if roll < 0.25:
            kind, body = "copy", rng.choice(stored)
        elif roll < 0.5:
            kind, body = "reprint", reprint(rng.choice(stored), rng)
        else:
            kind, body = "new", fresh_body(corpus, rng)
        number = 90_000_000 + seed * 100_000 + n  # URLs no fill article and no round shares
        item = RawItem(
            item_key=f"dd{seed}{kind}-{n:07d}",
            source="bench",
            kind=Kind.RECORD,
            payload={"record": record(number, body)},
            received_at=now,
        )
        found.append(item)
    return found


class CommitClock:
    """What commit.load_index (the index load) costs inside a commit: seconds, and how many
    stored articles the batch's band keys selected (LSH candidates) and how many rows were
    loaded whole (candidates passing the signature check, and exact matches)."""

    def __init__(self) -> None:
        import worker.store.commit as commit

        self.seconds = 0.0
        self.selected = 0
        self.loaded = 0
        original = commit.load_index

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                index = original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
            self.selected += len(set().union(*index.by_band.values())) if index.by_band else 0
            self.loaded += len(index.candidates)
            return index

        commit.load_index = timed


def index_bytes(store: Any) -> int:
    """Bytes of the dedup index tables with their indexes (near_keys, dedup_keys)."""
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":
            query = (
                "SELECT pg_total_relation_size('near_keys') + pg_total_relation_size('dedup_keys')"
            )
        else:
            query = "SELECT sum(pgsize) FROM dbstat WHERE name IN ('near_keys', 'dedup_keys')"
        return int(conn.exec_driver_sql(query).scalar() or 0)


def commit_batch_in(
    target: ScaleStore, batch: list[Any], clock: CommitClock, kinds: dict[str, str]
) -> None:
    """One batch through Store.commit (its items registered first, untimed, as the producer
    does): index load, decisions, records, keys and outcomes in one transaction."""
    now = datetime.now(UTC)
    target.store.register([p.item for p in batch], now)
    index_before, selected, loaded = clock.seconds, clock.selected, clock.loaded
    started = time.perf_counter()
    outcomes = target.store.commit(batch, datetime.now(UTC))
    elapsed = time.perf_counter() - started
    target.costs.append(elapsed / len(batch))
    target.tally["commit_s"] += elapsed
    target.tally["index_s"] += clock.seconds - index_before
    target.tally["selected_n"] += clock.selected - selected
    target.tally["loaded_n"] += clock.loaded - loaded
    target.tally["items"] += len(batch)
    for o in outcomes:
        target.tally[f"{kinds[o.item_key]} {o.status.value}"] += 1


def measure_scale(args: argparse.Namespace) -> None:
    from bench._articles import DEFAULT_CORPUS
    from bench._articles import load_corpus as load_stream_corpus
    from bench._fill import bodies_of, fill, print_progress, store_url, summary
    from worker.core.settings import Settings
    from worker.pipeline.prepare import Deps, prepare_batch
    from worker.store import Store

    small, large = (1_000, 20_000) if args.quick else (args.small_articles, args.scale_articles)
    batch_size = args.scale_batch or int(Settings.model_fields["batch_size"].default)
    corpus = load_stream_corpus(DEFAULT_CORPUS)
    print(
        f"\nper-item dedup cost in worker.store ({args.scale_store}): Store.commit of prepared "
        f"batches of {batch_size}, {small:,} vs {large:,} articles stored; fill text "
        f"{args.fill_text}"
    )
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-dedup-")))
        stores: list[ScaleStore] = []
        for size in (small, large):
            url = stack.enter_context(store_url(args.scale_store, tmp, f"store-{size}"))
            store = Store(url)
            stack.callback(store.close)
            done = fill(store, corpus, size, text=args.fill_text, progress=print_progress(size))
            print("  " + summary(done))
            if store.dialect == "postgresql":
                with store.engine.connect() as conn:
                    conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
            stores.append(ScaleStore(size, store))
        for s in stores:
            per = index_bytes(s.store) / s.size
            print(f"  {s.size:>9,} stored: dedup index {per:,.0f} bytes/article")
        # Bodies both stores hold (the fill is deterministic, the small one a prefix).
        pool = bodies_of(corpus, min(small, 2_000), text=args.fill_text)
        deps = Deps(near_params=stores[0].store.near_params, enrich=False)
        clock = CommitClock()
        rounds = 2 if args.quick else args.scale_rounds
        for r in range(-1, rounds):  # round -1 warms the caches up, untimed
            items = scale_items(corpus, pool, ROUND, seed=r + 2)
            kinds = {i.item_key: i.item_key.split("-")[0].lstrip("0123456789d") for i in items}
            prepared = prepare_batch(items, deps, datetime.now(UTC))  # not timed: pure stages
            targets = stores if r >= 0 else [ScaleStore(s.size, s.store) for s in stores]
            for n, lo in enumerate(range(0, len(prepared), batch_size)):
                batch = prepared[lo : lo + batch_size]
                # Alternate which store goes first, so bursts of neighbours' load hit both.
                for target in targets[:: 1 if n % 2 else -1]:
                    commit_batch_in(target, batch, clock, kinds)
        ratios = [
            large_c / small_c
            for small_c, large_c in zip(stores[0].costs, stores[1].costs, strict=True)
        ]
        for s in stores:
            t = s.tally
            outcomes = ", ".join(
                f"{k} {v:.0f}"
                for k, v in sorted(t.items())
                if not k.endswith(("_s", "_n", "items"))
            )
            print(
                f"  {s.size:>9,} stored: {statistics.median(s.costs) * 1e3:.3f} ms/item (median of "
                f"{len(s.costs)} batches); mean {t['commit_s'] / t['items'] * 1e3:.3f} ms/item, "
                f"of which index load {t['index_s'] / t['items'] * 1e3:.3f}; per item "
                f"{t['selected_n'] / t['items']:.1f} stored articles selected by band keys, "
                f"{t['loaded_n'] / t['items']:.2f} rows loaded"
            )
            print(f"            outcomes: {outcomes}")
        ratio = statistics.median(ratios)
        means = (stores[1].tally["commit_s"] / stores[1].tally["items"]) / (
            stores[0].tally["commit_s"] / stores[0].tally["items"]
        )
        print(
            f"per-item dedup cost at {large:,} / at {small:,}: {ratio:.2f}x  (target <= 1.25 at "
            f"1M vs 10k; median of {len(ratios)} paired batches; ratio of means {means:.2f})"
        )


BASELINE_REF = "21f7634"  # neardup.py before issue 14.8 (4-word shingles, 60 perms, 20 x 3)
BASELINE_PARAMS = NearParams(shingle=4, num_perm=60, bands=20, threshold=0.5)


def baseline_module(ref: str) -> Any:
    """worker/pipeline/neardup.py as it was at ``ref``, loaded beside today's, or None."""
    try:
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{ref}:worker/pipeline/neardup.py"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    module = types.ModuleType("neardup_baseline")
    exec(compile(source, f"{ref}:neardup.py", "exec"), module.__dict__)
    return module


def signature_cost(texts: list[str], ref: str, old: Any) -> None:
    """near_signature + band_keys per item, today's against ``ref``'s, interleaved on the
    same texts (the part of the per-item cost that the parameters and tokeniser decide)."""
    from worker.pipeline import neardup

    contenders = {"after": (neardup, DEFAULT_PARAMS)}
    if old is not None:
        contenders["before"] = (old, BASELINE_PARAMS)
    best: dict[tuple[str, str], list[float]] = defaultdict(list)
    for module, params in contenders.values():
        module.near_signature("warm up", params)
    for _ in range(7):
        for name, (module, params) in contenders.items():
            started = time.perf_counter()
            sigs = [module.near_signature(text, params) for text in texts]
            signed = time.perf_counter()
            for sig in sigs:
                module.band_keys(sig, params)
            done = time.perf_counter()
            best[name, "near_signature"].append((signed - started) / len(texts))
            best[name, "+ band_keys"].append((done - started) / len(texts))
    cost = {key: min(times) * 1e6 for key, times in best.items()}
    print(f"\nper-item cost ({len(texts)} easy-set texts, best of 7 interleaved runs):")
    for part in ("near_signature", "+ band_keys"):
        line = f"  {part:15s} after {cost['after', part]:6.1f} us"
        if old is not None:
            ratio = cost["after", part] / cost["before", part]
            line += f", before ({ref}) {cost['before', part]:6.1f} us, ratio {ratio:.3f}"
        print(line + " (target <= 1.10)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, default=ROOT.parent / "shared/corpus/article-extraction-benchmark"
    )
    parser.add_argument("--quick", action="store_true", help="small stores (1k / 20k), 2 rounds")
    parser.add_argument("--sweep", action="store_true", help="also print a parameter grid")
    parser.add_argument("--seed", type=int, default=7, help="seed of the reprint variants")
    parser.add_argument("--scale-store", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument(
        "--scale-articles", type=int, default=1_000_000, help="the large store (default 1M)"
    )
    parser.add_argument(
        "--fill-text",
        choices=("sentences", "remixed"),
        default="sentences",
        help="fill bodies: the stream's random corpus sentences, or remixed (bench/_fill.py)",
    )
    parser.add_argument("--small-articles", type=int, default=10_000, help="the small store")
    parser.add_argument("--scale-rounds", type=int, default=5, help=f"timed rounds of {ROUND}")
    parser.add_argument(
        "--scale-batch", type=int, default=0, help="items per commit (default: batch_size's)"
    )
    parser.add_argument("--skip-scale", action="store_true", help="quality only")
    parser.add_argument("--baseline", default=BASELINE_REF, help="git ref timed as 'before'")
    args = parser.parse_args()

    articles = load_corpus(args.corpus)
    hosts = {a.id: a.host for a in articles}
    print(f"{DEFAULT_PARAMS}")
    index, queries = indexed_items(articles), query_items(articles, args.seed)
    base = ground_truth(index, queries, same_host(index, queries, hosts), lambda q: q.kind)
    baseline = baseline_module(args.baseline)
    evaluate(
        "easy set (reprints of the 181 bodies)", index, queries, base, DEFAULT_PARAMS, baseline
    )
    if args.sweep:
        sweep(index, queries, base)
    hard_index, hard_queries = hard_sets(articles, args.seed)
    hosts.update({i.article: host_of(i.article, hosts) for i in hard_index})
    hard = hard_negatives(hard_index, hard_queries, hosts)
    hard_base = ground_truth(hard_index, hard_queries, hard, kind_of)
    evaluate(
        "hard set (bench/_hard_reprints.py)",
        hard_index,
        hard_queries,
        hard_base,
        DEFAULT_PARAMS,
        baseline,
    )
    if args.sweep:
        sweep(hard_index, hard_queries, hard_base)
    signature_cost([i.text for i in index + queries], args.baseline, baseline)
    if not args.skip_scale:
        measure_scale(args)


if __name__ == "__main__":
    main()
