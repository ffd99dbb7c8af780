"""Near-duplicate benchmark: quality on corpus reprints (ours vs datasketch) and cost at scale.

    .venv/bin/python bench/dedup.py [--quick] [--sweep] [--seed N] [--corpus DIR]
                                    [--skip-scale] [--without-rowid] [--cache-mb MB]
                                    [--baseline GIT_REF]

1. Pair precision/recall of the LSH-candidate-then-verify path at DEFAULT_PARAMS, overall and
   per kind of edit, on two sets built from the 181 extraction-benchmark bodies: the easy
   reprints (bench/_reprints.py) and the hard ones with hard negatives
   (bench/_hard_reprints.py). Beside it: the same path as it was at --baseline ("before",
   its neardup.py loaded from git), and datasketch's MinHashLSH (num_perm=128, the same
   word shingles) at threshold 0.9 (its default) and at its best threshold (most recall at
   precision >= 0.997 over a sweep), candidates taken as matches, as it is usually used.
2. Per-item near_signature (and band_keys) cost, after vs --baseline, on the same texts.
3. Per-item dedup cost (signature + band lookup + verify + insert) against a SQLite store
   with 10k and with 1M articles indexed, their ratio, and index bytes per article.
   The bulk is random band keys and signatures (1M real signatures would take too long);
   the timed items are real: half reprints of stored corpus articles, half new articles.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import types
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._hard_reprints import hard_negatives, hard_sets, host_of, kind_of  # noqa: E402
from bench._reprints import (  # noqa: E402
    ORIGINAL,
    Article,
    Item,
    indexed_items,
    load_corpus,
    query_items,
    round_items,
)
from worker.pipeline.neardup import (  # noqa: E402
    DEFAULT_PARAMS,
    NearParams,
    NearSig,
    band_keys,
    is_near_duplicate,
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

SCHEMA = [
    "CREATE TABLE articles (id TEXT PRIMARY KEY, near_sig BLOB)",
    "CREATE TABLE near_keys (band_key BIGINT NOT NULL, article_id TEXT NOT NULL,"
    " PRIMARY KEY (band_key, article_id))",
]


@dataclass(frozen=True)
class StoreSetup:
    """Store variants to compare; the defaults are the schema and settings as given."""

    without_rowid: bool = False  # near_keys stored once, as its primary-key B-tree
    cache_mb: int = 0  # SQLite page cache per connection; 0 = SQLite's default (2 MB)

    def __str__(self) -> str:
        rowid = " WITHOUT ROWID" if self.without_rowid else " as given"
        return f"near_keys{rowid}, cache {self.cache_mb or 2} MB"


BATCH = 50  # items per store transaction, as the worker commits a message's batch
ROUND = 300  # items per timed round: half reprints of stored articles, half new ones
Tally = dict[str, float]  # outcome counts and seconds


def bulk_load(path: Path, count: int, params: NearParams, without_rowid: bool) -> None:
    """Random signatures and band keys for `count` articles, inserted in key order."""
    rng = np.random.default_rng(count)
    conn = sqlite3.connect(path)
    for ddl in SCHEMA:
        conn.execute(ddl + (" WITHOUT ROWID" if without_rowid and "near_keys" in ddl else ""))
    conn.execute("PRAGMA synchronous=OFF")  # bulk load only; measurements use NORMAL
    conn.execute("PRAGMA cache_size=-512000")
    ids = [f"s{n:031x}" for n in range(count)]  # 32 characters, like uuid4().hex
    version = near_signature("a", params).encode()[0]  # the encoding the store decodes
    head = struct.pack("<BHI", version, params.num_perm, 300)
    values = rng.integers(0, 2**32, size=(count, params.num_perm), dtype=np.uint32)
    sigs = ((ids[n], head + values[n].astype("<u4").tobytes()) for n in range(count))
    conn.executemany("INSERT INTO articles VALUES (?, ?)", sigs)
    keys = rng.integers(-(2**63), 2**63 - 1, size=count * params.bands, dtype=np.int64)
    order = np.argsort(keys)  # sorted inserts keep the B-tree build sequential
    owners = (order // params.bands).tolist()
    rows = zip(keys[order].tolist(), (ids[o] for o in owners), strict=True)
    conn.executemany("INSERT INTO near_keys VALUES (?, ?)", rows)
    conn.commit()
    conn.close()
    # Flush the load now: otherwise the first checkpoint's fsync in the timed rounds pays
    # for writing gigabytes of bulk-loaded pages, which is no per-item cost.
    with path.open("rb") as loaded:
        os.fsync(loaded.fileno())


def marks(values: list) -> str:
    return ",".join("?" * len(values))


def lookup(conn: sqlite3.Connection, keys: list[int]) -> tuple[dict[int, list[str]], dict]:
    """One query for the batch's band keys, one for the candidates' signatures."""
    owners: dict[int, list[str]] = defaultdict(list)
    sql = f"SELECT band_key, article_id FROM near_keys WHERE band_key IN ({marks(keys)})"
    for key, article in conn.execute(sql, keys):
        owners[key].append(article)
    ids = sorted({a for v in owners.values() for a in v})
    sql = f"SELECT id, near_sig FROM articles WHERE id IN ({marks(ids)})"
    return owners, dict(conn.execute(sql, ids))


def dedup_batch(
    conn: sqlite3.Connection, batch: list[Item], params: NearParams, tally: Tally
) -> None:
    """The store's path for one batch: signature, band lookup, verify, insert, commit.

    (Near duplicates inside one batch are the store's business; the bench has none.)
    """
    clock = Stopwatch(tally)
    sigs = [near_signature(item.text, params) for item in batch]
    keys = [band_keys(sig, params) for sig in sigs]
    clock.lap("signature")
    conn.execute("BEGIN IMMEDIATE")
    owners, stored = lookup(conn, sorted({k for ks in keys for k in ks}))
    clock.lap("lookup")
    for item, sig, ks in zip(batch, sigs, keys, strict=True):
        cands = {a for k in ks for a in owners.get(k, ())}
        if any(is_near_duplicate(sig, NearSig.decode(stored[c]), params)[0] for c in cands):
            tally[f"{item.kind} duplicate"] += 1
            continue
        tally[f"{item.kind} stored"] += 1
        conn.execute("INSERT INTO articles VALUES (?, ?)", (item.id, sig.encode()))
        conn.executemany("INSERT INTO near_keys VALUES (?, ?)", ((k, item.id) for k in ks))
    clock.lap("verify+insert")
    conn.execute("COMMIT")
    clock.lap("commit")


class Stopwatch:
    """Adds the seconds since the previous lap to tally[name + '_s']."""

    def __init__(self, tally: Tally) -> None:
        self.tally, self.last = tally, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.tally[f"{name}_s"] += now - self.last
        self.last = now


def timed_round(
    conns: dict[int, sqlite3.Connection], items: list[Item], params: NearParams, tallies: dict
) -> dict[int, list[float]]:
    """Per-item cost of each batch in each store. Stores alternate batch by batch (the first
    one swapped each time), so bursts of load from neighbours hit both sizes alike."""
    spent: dict[int, list[float]] = defaultdict(list)
    for n, lo in enumerate(range(0, len(items), BATCH)):
        for size, conn in list(conns.items())[:: 1 if n % 2 else -1]:
            started = time.perf_counter()
            dedup_batch(conn, items[lo : lo + BATCH], params, tallies[size])
            elapsed = time.perf_counter() - started
            spent[size].append(elapsed / len(items[lo : lo + BATCH]))
    return spent


def open_store(
    tmp: str, size: int, articles: list[Article], params: NearParams, setup: StoreSetup
) -> sqlite3.Connection:
    """Bulk-load `size` synthetic articles, then store the corpus originals the normal way."""
    path = Path(tmp) / f"store-{size}.db"
    started = time.perf_counter()
    bulk_load(path, size, params, setup.without_rowid)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    if setup.cache_mb:
        conn.execute(f"PRAGMA cache_size=-{setup.cache_mb * 1024}")
    originals = [Item(a.id, a.id, ORIGINAL, a.body) for a in articles]
    for lo in range(0, len(originals), BATCH):
        dedup_batch(conn, originals[lo : lo + BATCH], params, defaultdict(float))
    names = "'near_keys', 'sqlite_autoindex_near_keys_1'"
    index = conn.execute(f"SELECT sum(pgsize) FROM dbstat WHERE name IN ({names})").fetchone()[0]
    print(
        f"  built {size:>9,} articles in {time.perf_counter() - started:5.1f} s; index "
        f"{index / (size + len(articles)):.0f} bytes/article (near_keys table + its primary key)"
    )
    return conn


PARTS = ("signature", "lookup", "verify+insert", "commit")


def report(size: int, costs: list[float], tally: Tally) -> float:
    """Print one size's lines; return the store part's per-item cost (all but signatures)."""
    found, stored = tally["reprint duplicate"], tally["reprint stored"] + tally["fresh stored"]
    items = found + stored + tally["fresh duplicate"]
    print(
        f"  {size:>9,} indexed: {statistics.median(costs) * 1e3:.3f} ms/item (median of "
        f"{len(costs)} batches of {BATCH}); reprints found {found:.0f}/"
        f"{found + tally['reprint stored']:.0f}, new articles wrongly merged "
        f"{tally['fresh duplicate']:.0f}"
    )
    parts = ", ".join(f"{p} {tally[p + '_s'] / items * 1e3:.3f}" for p in PARTS)
    print(f"            mean ms/item: {parts}")
    return sum(tally[p + "_s"] for p in PARTS[1:]) / items


def measure_scale(
    articles: list[Article], params: NearParams, sizes: tuple[int, int], setup: StoreSetup
) -> None:
    sig_bytes = len(near_signature("a", params).encode())
    print(
        f"\nper-item dedup cost, SQLite {sqlite3.sqlite_version}, WAL, synchronous=NORMAL, "
        f"batches of {BATCH}, {setup}; near_sig {sig_bytes} bytes/article"
    )
    vocab = sorted({w for a in articles for w in a.body.split()})
    with tempfile.TemporaryDirectory(prefix="bench-dedup-") as tmp:
        conns = {size: open_store(tmp, size, articles, params, setup) for size in sizes}
        costs: dict[int, list[float]] = defaultdict(list)
        tallies: dict[int, Tally] = defaultdict(lambda: defaultdict(float))
        for r in range(-1, 3 if sizes[1] < 100_000 else 7):  # round -1 warms caches up
            items = round_items(articles, vocab, ROUND, seed=r + 2)  # same items for both
            counted = tallies if r >= 0 else defaultdict(lambda: defaultdict(float))
            for size, batch_costs in timed_round(conns, items, params, counted).items():
                costs[size].extend(batch_costs if r >= 0 else [])
        store = [report(size, costs[size], tallies[size]) for size in sizes]
        for conn in conns.values():
            conn.close()
        # Paired: each batch ran in both stores back to back, so the median of per-batch
        # ratios cancels the load bursts of a shared machine better than a ratio of medians.
        pairs = zip(costs[sizes[0]], costs[sizes[1]], strict=True)
        ratio = statistics.median(large / small for small, large in pairs)
        print(
            f"  ratio {sizes[1]:,} / {sizes[0]:,}: {ratio:.3f} (target <= 1.25; median of "
            f"{len(costs[sizes[0]])} paired batches); store part alone {store[1] / store[0]:.3f}"
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
    parser.add_argument("--quick", action="store_true", help="smaller store sizes (1k / 50k)")
    parser.add_argument("--sweep", action="store_true", help="also print a parameter grid")
    parser.add_argument("--seed", type=int, default=7, help="seed of the reprint variants")
    parser.add_argument("--without-rowid", action="store_true", help="near_keys WITHOUT ROWID")
    parser.add_argument("--cache-mb", type=int, default=0, help="SQLite cache (default 2 MB)")
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
        sizes = (1_000, 50_000) if args.quick else (10_000, 1_000_000)
        setup = StoreSetup(args.without_rowid, args.cache_mb)
        measure_scale(articles, DEFAULT_PARAMS, sizes, setup)


if __name__ == "__main__":
    main()
