"""The two public extraction development sets: loading them as the product sees them, scoring.

- ``benchmark``: scrapinghub's article-extraction-benchmark (181 pages, ``articleBody``).
  Pages are read the way ``ingest run`` reads an ``.html`` file (UTF-8, no URL: a file has
  none) and go through ``parse_item`` as ``html`` items. Scored with the benchmark's own
  ``evaluate.py``: 4-token shingles of ``\\w+`` tokens, tp/fp/fn normalised per page,
  precision and recall averaged over pages, F1 from the two averages.
- ``trafilatura``: trafilatura's evaluation set (990 pages, ``with``/``without`` snippets,
  titles and dates for most pages). Pages are decoded as trafilatura's ``decode_file`` does
  and go through ``parse_item`` as records ``{"url", "html"}``. Scored as its
  ``tests/eval_common.py`` does: a whitespace-normalised ``with`` snippet found in the text
  is a true positive, missing a false negative; a ``without`` snippet found is a false
  positive; precision/recall/F1 over all snippets of all pages together.

The corpora are read where they lie, never copied.
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from trafilatura.utils import decode_file

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
BENCHMARK = CORPUS / "article-extraction-benchmark"
TRAFILATURA_EVAL = CORPUS / "trafilatura-eval"
TOKEN_RE = re.compile(r"\w+", re.UNICODE)
SPACE_RE = re.compile(r"\s+")
Score = tuple[float, float, float]


@dataclass(frozen=True)
class Page:
    """One page of a set with whatever ground truth the set has for it."""

    key: str
    html: str
    url: str | None
    body: str | None = None  # the benchmark's articleBody
    with_: list[str] = field(default_factory=list)  # snippets the body must contain
    without: list[str] = field(default_factory=list)  # snippets it must not contain
    title: str | None = None
    date: str | None = None  # YYYY-MM-DD
    label: str = ""  # how reports name the page (its URL, even when the item has none)


def _every(keys: list[str], quick: int | None) -> list[str]:
    # --quick takes an even spread over the set, not its first pages (sorted by hash/URL).
    if not quick or quick >= len(keys):
        return keys
    step = len(keys) / quick
    return [keys[int(i * step)] for i in range(quick)]


def load_benchmark(corpus: Path = BENCHMARK, quick: int | None = None) -> list[Page]:
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in _every(sorted(truth), quick):
        raw = gzip.decompress((corpus / "html" / f"{key}.html.gz").read_bytes())
        try:  # as worker.readers.files.decode_text reads a file
            html = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            html = decode_file(raw)
        label = truth[key]["url"]
        pages.append(Page(key, html, None, body=truth[key]["articleBody"], label=label))
    return pages


def benchmark_urls(corpus: Path = BENCHMARK) -> dict[str, str]:
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    return {key: value["url"] for key, value in truth.items()}


def load_trafilatura_eval(corpus: Path = TRAFILATURA_EVAL, quick: int | None = None) -> list[Page]:
    data = json.loads((corpus / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for key in _every(list(data), quick):
        item = data[key]
        raw = gzip.decompress((corpus / "html" / f"{item['file']}.gz").read_bytes())
        url = key if key.startswith(("http://", "https://")) else None
        pages.append(
            Page(
                key,
                decode_file(raw),
                url,
                with_=list(item["with"]),
                without=list(item["without"]),
                title=item.get("title") or None,
                date=item.get("date") or None,
                label=key,
            )
        )
    return pages


# --- the benchmark's shingle scoring ------------------------------------------------------


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = TOKEN_RE.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))


def shingle_match(true: str, pred: str) -> Score:
    t, p = _shingles(true), _shingles(pred)
    tp, fp, fn = sum((t & p).values()), sum((p - t).values()), sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(s: Score) -> float:
    tp, fp, fn = s
    return 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))


def _recall(s: Score) -> float:
    tp, fp, fn = s
    return 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))


def page_f1(s: Score) -> float:
    p, r = _precision(s), _recall(s)
    return 2 * p * r / (p + r) if p + r else 0.0


def shingle_summary(scores: Iterable[Score]) -> tuple[float, float, float]:
    """Precision, recall and F1 over pages, as the benchmark's evaluate.py computes them."""
    scores = list(scores)
    p = statistics.mean(_precision(s) for s in scores if s[0] + s[1] > 0)
    r = statistics.mean(_recall(s) for s in scores if s[0] + s[2] > 0)
    return p, r, 2 * p * r / (p + r)


# --- trafilatura's snippet scoring --------------------------------------------------------


def _norm(text: str) -> str:
    return SPACE_RE.sub(" ", text).strip()


def snippet_counts(page: Page, text: str) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn) of one page's snippets against the extracted ``text``."""
    found = _norm(text)
    tp = sum(1 for s in page.with_ if _norm(s) in found)
    fp = sum(1 for s in page.without if _norm(s) in found)
    return tp, fp, len(page.with_) - tp, len(page.without) - fp


def snippet_summary(counts: Iterable[tuple[int, int, int, int]]) -> tuple[float, float, float]:
    """Precision, recall and F1 over all snippets of all pages together."""
    tp = fp = fn = 0
    for a, b, c, _ in counts:
        tp, fp, fn = tp + a, fp + b, fn + c
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return precision, recall, f1


def snippet_page_score(page: Page, text: str) -> float:
    """Share of one page's snippets judged right: for ranking the worst pages."""
    tp, fp, fn, tn = snippet_counts(page, text)
    return (tp + tn) / max(1, tp + fp + fn + tn)


# --- titles and dates ---------------------------------------------------------------------


def same_title(truth: str, found: str | None) -> bool:
    """Exact match up to whitespace and soft hyphens (invisible in the page's display)."""
    clean = lambda t: _norm(t.replace("\u00ad", ""))  # noqa: E731
    return bool(found) and clean(truth) == clean(found or "")


def same_title_any_case(truth: str, found: str | None) -> bool:
    """``same_title`` blind to letter case: "DAS PATRIARCHAT ..." as CSS displays it."""
    return same_title(truth.casefold(), (found or "").casefold())
