"""Same story across languages: pairwise precision and recall on a labelled development set.

``bench/stories_devset.json``: 24 short reports of 10 events (English, French, Indonesian,
German, Spanish), three or four outlets per event written as those outlets would, and hard
negatives beside them (the same spokesman on another subject the same week, a second bus
accident of the same kind in another province, the same company's other announcement, a
second earthquake, the same central banker on another subject).

Each article goes through the worker's own stages: language detection, the enrichment of
the full profile (the configured spaCy pipelines: French and English), the story signature
(``pipeline.story.sign_batch`` with the encoder the workers load). Then, in the same run:

- ours: the articles assigned in time order as the commit assigns them
  (``store.stories.choose``: a story joins when ``same_story`` holds with one of its articles);
- baseline: the encoder's cosine alone, single-link grouping, at its best threshold on this
  very set (an optimistic baseline: its threshold is tuned on the answers).

Pairwise: a pair is positive when both articles are in one group. Also prints the
encoder's cost per article (title and lead), warm, on this machine.

    .venv/bin/python bench/stories.py [--pairs]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from worker.ingest.encoder import load_encoder  # noqa: E402
from worker.ingest.nlp import models_for  # noqa: E402
from worker.pipeline.enrich import EnrichInput, enrich_batch  # noqa: E402
from worker.pipeline.language import detect_language  # noqa: E402
from worker.pipeline.story import sign_batch  # noqa: E402
from worker.pipeline.story_group import choose_offline  # noqa: E402
from worker.pipeline.story_score import cosine, same_story, score  # noqa: E402

DEVSET = ROOT / "bench" / "stories_devset.json"


def signatures(rows: list[dict[str, Any]]) -> tuple[list[Any], float]:
    from datetime import datetime

    languages = [detect_language(f"{r['title']}\n{r['body']}")[0] for r in rows]
    models = models_for(languages)
    inputs = [
        EnrichInput(r["title"], r["body"], lang, datetime.fromisoformat(r["published_at"]))
        for r, lang in zip(rows, languages, strict=True)
    ]
    enrichments = enrich_batch(inputs, models)
    encoder = load_encoder()
    items = [
        (r["title"], r["body"], lang, e, datetime.fromisoformat(r["published_at"]))
        for r, lang, e in zip(rows, languages, enrichments, strict=True)
    ]
    sign_batch(items, encoder)  # warm
    start = time.perf_counter()
    rounds = 5
    for _ in range(rounds):
        sigs = sign_batch(items, encoder)
    per_article = (time.perf_counter() - start) / rounds / len(items)
    return sigs, per_article


def pairwise(groups: list[str], truth: list[str]) -> tuple[float, float, int, int]:
    tp = fp = fn = 0
    for i, j in itertools.combinations(range(len(truth)), 2):
        same_truth, same_found = truth[i] == truth[j], groups[i] == groups[j]
        tp += same_truth and same_found
        fp += same_found and not same_truth
        fn += same_truth and not same_found
    positives = sum(truth[i] == truth[j] for i, j in itertools.combinations(range(len(truth)), 2))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, positives, len(truth) * (len(truth) - 1) // 2


def single_link(n: int, linked: Any) -> list[str]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in itertools.combinations(range(n), 2):
        if linked(i, j):
            parent[find(i)] = find(j)
    return [str(find(i)) for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", action="store_true", help="print every scored pair")
    args = parser.parse_args()
    rows = sorted(json.loads(DEVSET.read_text(encoding="utf-8")), key=lambda r: r["published_at"])
    truth = [r["event"] for r in rows]
    sigs, per_article = signatures(rows)
    n = len(rows)
    cos = {
        (i, j): cosine(sigs[i].vector, sigs[j].vector)
        for i, j in itertools.combinations(range(n), 2)
    }
    ours = choose_offline([s.vector for s in sigs], [s.evidence for s in sigs])
    p, r, positives, pairs = pairwise(ours, truth)
    print(f"dev set: {n} articles, {len(set(truth))} events, {pairs} pairs, {positives} same-story")
    print(f"ours (encoder + evidence, incremental assignment): precision {p:.3f} recall {r:.3f}")
    best = max(
        (pairwise(single_link(n, lambda i, j, t=t: cos[(i, j)] >= t), truth), t)
        for t in [x / 100 for x in range(30, 96)]
    )
    (bp, br, _, _), threshold = best
    print(
        f"baseline (cosine alone, single link, best threshold {threshold:.2f}): "
        f"precision {bp:.3f} recall {br:.3f}"
    )
    print(f"encoder + evidence cost: {per_article * 1000:.1f} ms per article (warm, this machine)")
    if args.pairs:
        for (i, j), c in sorted(cos.items(), key=lambda kv: -kv[1]):
            same = truth[i] == truth[j]
            decided = same_story(c, sigs[i].evidence, sigs[j].evidence)
            if same or decided or c > 0.5:
                s = score(c, sigs[i].evidence, sigs[j].evidence)
                mark = "ok " if same == decided else "BAD"
                print(
                    f"{mark} {same:d} cos {c:.3f} score {s:.3f} {rows[i]['id']} ~ {rows[j]['id']}"
                )


if __name__ == "__main__":
    main()
