"""Score body (and title, date) extraction on both public sets, ours beside plain trafilatura.

Ours runs the product's path, ``worker.pipeline.articles.parse_item``: the 181 benchmark
pages as ``html`` items read from files (no URL), trafilatura's 990 pages as records with
their ``url`` and ``html``. Plain trafilatura is ``trafilatura.extract(html, url=url)`` on
the same strings, timed page by page in the same loop. Scoring is described in
``bench/_extraction_sets.py``.

    .venv/bin/python bench/extraction.py [--quick [N]] [--set benchmark|trafilatura]
                                         [--worst 10] [--with-url]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _extraction_sets as sets  # noqa: E402
from worker.core.errors import PermanentError  # noqa: E402
from worker.core.models import Article, Kind, RawItem  # noqa: E402
from worker.core.settings import Settings  # noqa: E402
from worker.pipeline.articles import parse_item  # noqa: E402
from worker.pipeline.prepare import normalise_article  # noqa: E402

# Later than every page of both sets: no true publication date is "in the future".
NOW = datetime(2026, 1, 1, tzinfo=UTC)
# The worker's own limit (``max_item_bytes``, its default): a body longer is refused there too.
MAX_BODY_CHARS = Settings.model_fields["max_item_bytes"].default
QUICK_PAGES = 120  # per set with a bare --quick
# Warm-up pass over every Nth page before timing: dateparser (under htmldate) compiles its
# patterns per language as it meets them, a one-time cost a running worker has long paid.
WARM_UP_EVERY = 8


@dataclass
class Result:
    """One extractor's output on one set, with its summed extraction time."""

    texts: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    days: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def item_for(page: sets.Page, as_record: bool) -> RawItem:
    if as_record:
        record = {"html": page.html, **({"url": page.url} if page.url else {})}
        return RawItem(
            item_key=page.key, source="bench", kind=Kind.RECORD, payload={"record": record}
        )
    payload = {"html": page.html, **({"url": page.url} if page.url else {})}
    return RawItem(item_key=page.key, source="bench", kind=Kind.HTML, payload=payload)


def ours(item: RawItem) -> Article | None:
    try:
        return parse_item(item, NOW)
    except PermanentError:
        return None


def stored(article: Article | None) -> Article | None:
    """``article`` as the worker stores it: normalised as ``prepare`` does (NFC, single
    spaces, the title line dropped). Untimed: it detects the language too, which is no part
    of extraction and which plain trafilatura does not do."""
    try:
        return normalise_article(article, MAX_BODY_CHARS) if article else None
    except PermanentError:
        return None


def plain(page: sets.Page) -> str:
    return trafilatura.extract(page.html, url=page.url) or ""


def plain_meta(page: sets.Page) -> tuple[str, str]:
    """Trafilatura's title and date (day) for the page, from its metadata extraction."""
    meta = trafilatura.extract_metadata(page.html, default_url=page.url)
    return (meta.title or "", (meta.date or "")[:10]) if meta else ("", "")


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def run(pages: list[sets.Page], as_record: bool) -> tuple[Result, Result]:
    """Both extractors, page by page, so load on the machine hits both alike."""
    mine, theirs = Result(), Result()
    for page in pages:
        item = item_for(page, as_record)
        article, seconds = timed(lambda: ours(item))  # noqa: B023
        text, plain_seconds = timed(lambda: plain(page))  # noqa: B023
        mine.seconds += seconds
        theirs.seconds += plain_seconds
        assert article is None or isinstance(article, Article)
        article = stored(article)
        mine.texts[page.key] = article.body if article else ""
        mine.titles[page.key] = article.title if article else ""  # as stored (``stored``)
        if article and article.published_at:  # a datetime, or a bare date
            mine.days[page.key] = article.published_at.isoformat()[:10]
        theirs.texts[page.key] = str(text)
        if page.title or page.date:  # untimed: plain extract() does not read metadata
            theirs.titles[page.key], day = plain_meta(page)
            if day:
                theirs.days[page.key] = day
    return mine, theirs


def body_scores(
    pages: list[sets.Page], result: Result
) -> tuple[tuple[float, ...], dict[str, float]]:
    if pages[0].body is not None:
        scores = {p.key: sets.shingle_match(p.body or "", result.texts[p.key]) for p in pages}
        per_page = {k: sets.page_f1(s) for k, s in scores.items()}
        return sets.shingle_summary(scores.values()), per_page
    counts = [sets.snippet_counts(p, result.texts[p.key]) for p in pages]
    per_page = {p.key: sets.snippet_page_score(p, result.texts[p.key]) for p in pages}
    return sets.snippet_summary(counts), per_page


def report(name: str, pages: list[sets.Page], mine: Result, theirs: Result, worst: int) -> str:
    """Print the set's scores and the pages ours loses most on; return its summary row."""
    print(f"\n== {name}: {len(pages)} pages")
    (p, r, f1), my_pages = body_scores(pages, mine)
    (tp, tr, tf1), their_pages = body_scores(pages, theirs)
    print(f"  body F1   ours {f1:.4f} (P {p:.4f} R {r:.4f})")
    print(f"            trafilatura {tf1:.4f} (P {tp:.4f} R {tr:.4f})   diff {f1 - tf1:+.4f}")
    row = [name.split(" (")[0], f"{f1:.4f}", f"{tf1:.4f}", "-", "-"]
    titled = [pg for pg in pages if pg.title]
    if titled:
        a = sum(sets.same_title(pg.title or "", mine.titles[pg.key]) for pg in titled)
        b = sum(sets.same_title(pg.title or "", theirs.titles[pg.key]) for pg in titled)
        n = len(titled)
        print(f"  title exact  ours {a / n:.3f}  trafilatura {b / n:.3f}  ({n} pages)")
        # Some truths copy what CSS displays (text-transform: uppercase), not what the page
        # writes: the same comparison blind to case, beside the exact one, never instead.
        ca = sum(sets.same_title_any_case(pg.title or "", mine.titles[pg.key]) for pg in titled)
        cb = sum(sets.same_title_any_case(pg.title or "", theirs.titles[pg.key]) for pg in titled)
        print(f"  title, case aside  ours {ca / n:.3f}  trafilatura {cb / n:.3f}")
        row[3] = f"{a / n:.3f} / {b / n:.3f}"
    dated = [pg for pg in pages if pg.date]
    if dated:
        days = []
        for who, result in (("ours", mine), ("trafilatura", theirs)):
            right = sum(result.days.get(pg.key) == pg.date for pg in dated)
            found = sum(pg.key in result.days for pg in dated)
            print(
                f"  date day   {who:<11} {right / len(dated):.3f} of {len(dated)} dated pages,"
                f" {right / max(1, found):.3f} of the {found} dated"
            )
            days.append(f"{right / len(dated):.3f}")
        row[4] = " / ".join(days)
    print(
        f"  time ratio ours/trafilatura {mine.seconds / theirs.seconds:.2f}x"
        f"  ({mine.seconds:.1f}s vs {theirs.seconds:.1f}s)"
    )
    row.append(f"{mine.seconds / theirs.seconds:.2f}x")
    diff = {k: my_pages[k] - their_pages[k] for k in my_pages}
    labels = {pg.key: pg.label or pg.key for pg in pages}
    if worst:
        print(f"  {worst} pages where ours loses most (page score ours vs trafilatura):")
        for key in sorted(diff, key=diff.__getitem__)[:worst]:
            if diff[key] < 0:
                print(f"    {labels[key][:78]:<78} {my_pages[key]:.3f} vs {their_pages[key]:.3f}")
    return "| " + " | ".join(row) + " |"


# A page whose only date is an unparsable byline: htmldate then hands it to dateparser,
# which compiles its patterns for every locale on first use (a second, once per process).
WARM_UP_PAGE = sets.Page(
    "warm-up",
    "<html><body><article>"
    + "<div class='publish-date'>Tom Davies Associated Press Published 11:34</div><p>"
    + "The council voted on the city budget for next year after a long debate. " * 5
    + "</p></article></body></html>",
    None,
)


def warm_up(pages: list[sets.Page]) -> None:
    """Pay one-time costs (imports, caches, lazy compilation) of both before timing."""
    for page in [WARM_UP_PAGE, *pages]:
        ours(item_for(page, False))
        plain(page)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        type=int,
        nargs="?",
        const=QUICK_PAGES,
        default=None,
        help=f"an even spread of N pages per set (default {QUICK_PAGES})",
    )
    parser.add_argument("--set", choices=["benchmark", "trafilatura"], action="append")
    parser.add_argument("--worst", type=int, default=10)
    parser.add_argument(
        "--with-url",
        action="store_true",
        help="give the benchmark pages their URL, as a fetched page has it",
    )
    args = parser.parse_args()
    chosen = args.set or ["benchmark", "trafilatura"]
    loaded = []
    if "benchmark" in chosen:
        pages = sets.load_benchmark(quick=args.quick)
        if args.with_url:
            urls = sets.benchmark_urls()
            pages = [replace(p, url=urls[p.key]) for p in pages]
        loaded.append(("article-extraction-benchmark (html items)", pages, False))
    if "trafilatura" in chosen:
        loaded.append(
            (
                "trafilatura evaluation set (records)",
                sets.load_trafilatura_eval(quick=args.quick),
                True,
            )
        )
    warm_up([page for _, pages, _ in loaded for page in pages[::WARM_UP_EVERY]])
    total_mine = total_theirs = 0.0
    rows = []
    for name, pages, as_record in loaded:
        mine, theirs = run(pages, as_record)
        rows.append(report(name, pages, mine, theirs, args.worst))
        total_mine, total_theirs = total_mine + mine.seconds, total_theirs + theirs.seconds
    print(f"\ntime ratio over all pages: {total_mine / total_theirs:.2f}x\n")
    print("| set | body F1 ours | body F1 trafilatura | title exact ours / traf. |", end="")
    print(" date day ours / traf. | time ours/traf. |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
