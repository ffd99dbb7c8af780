"""Score body extraction on the article-extraction-benchmark, ours beside plain trafilatura.

The scoring is the benchmark's own (scrapinghub/article-extraction-benchmark evaluate.py):
tokens are ``\\w+`` matches, compared as multisets of 4-token shingles; tp/fp/fn are
normalised per page so long pages weigh no more than short ones; precision and recall are
averaged over pages and F1 is taken from the two averages.

    .venv/bin/python bench/extraction.py [--corpus DIR] [--limit N] [--worst 10]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import trafilatura
from trafilatura.utils import decode_file

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from worker.core.errors import PermanentError  # noqa: E402
from worker.pipeline.extract import extract_html  # noqa: E402

DEFAULT_CORPUS = ROOT / ".." / "shared" / "corpus" / "article-extraction-benchmark"
TOKEN_RE = re.compile(r"\w+", re.UNICODE)
Score = tuple[float, float, float]


@dataclass
class Run:
    name: str
    scores: dict[str, Score]
    seconds: float


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = TOKEN_RE.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))


def match(true: str, pred: str) -> Score:
    t, p = shingles(true), shingles(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision(s: Score) -> float:
    tp, fp, fn = s
    return 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))


def recall(s: Score) -> float:
    tp, fp, fn = s
    return 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))


def page_f1(s: Score) -> float:
    p, r = precision(s), recall(s)
    return 2 * p * r / (p + r) if p + r else 0.0


def summary(scores: list[Score]) -> tuple[float, float, float]:
    p = statistics.mean(precision(s) for s in scores if s[0] + s[1] > 0)
    r = statistics.mean(recall(s) for s in scores if s[0] + s[2] > 0)
    return p, r, 2 * p * r / (p + r)


def ours(html: str, url: str) -> str:
    try:
        return extract_html(html, url=url).body
    except PermanentError:
        return ""


def plain(html: str, url: str) -> str:
    return trafilatura.extract(html, url=url) or ""


def load(corpus: Path, limit: int | None) -> list[tuple[str, str, str, str]]:
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth)[:limit]:
        raw = gzip.decompress((corpus / "html" / f"{key}.html.gz").read_bytes())
        pages.append((key, decode_file(raw), truth[key]["url"], truth[key]["articleBody"]))
    return pages


def run(name: str, fn: Callable[[str, str], str], pages: list[tuple[str, str, str, str]]) -> Run:
    start = time.perf_counter()
    predicted = [fn(html, url) for _, html, url, _ in pages]
    seconds = time.perf_counter() - start
    scores = {
        key: match(truth, pred) for (key, _, _, truth), pred in zip(pages, predicted, strict=True)
    }
    return Run(name, scores, seconds)


def report(runs: list[Run], worst: int) -> None:
    for r in runs:
        p, rec, f1 = summary(list(r.scores.values()))
        rate = len(r.scores) / r.seconds
        print(f"{r.name:<12} F1={f1:.4f}  P={p:.4f}  R={rec:.4f}  {rate:6.1f} pages/s")
    ratio = runs[0].seconds / runs[1].seconds
    print(f"time ratio ours/trafilatura: {ratio:.2f}x")
    diff = {k: page_f1(s) - page_f1(runs[1].scores[k]) for k, s in runs[0].scores.items()}
    print(f"\n{worst} pages where we lose most (page F1 ours vs trafilatura):")
    for key in sorted(diff, key=diff.__getitem__)[:worst]:
        a, b = runs[0].scores[key], runs[1].scores[key]
        print(f"  {key[:16]}  {page_f1(a):.3f} vs {page_f1(b):.3f}  ({diff[key]:+.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="first N pages only")
    parser.add_argument("--worst", type=int, default=10)
    args = parser.parse_args()
    pages = load(args.corpus, args.limit)
    plain(pages[0][1], pages[0][2])  # warm up imports and caches before timing
    ours(pages[0][1], pages[0][2])
    report([run("ours", ours, pages), run("trafilatura", plain, pages)], args.worst)


if __name__ == "__main__":
    main()
