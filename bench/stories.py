"""Same story across languages: pairwise precision and recall on a labelled development set.

``bench/stories_devset.json``: short reports of events, two to four outlets per event
written as those outlets would, and hard negatives beside them (the same spokesman on
another subject the same week, a second accident of the same kind in another province, the
same company's other announcement, one leader's two subjects on one trip). In parts, each
scored on its own beside the baseline (and all together):

- ``dev`` (no ``split`` field): 10 events in English, French, Indonesian, German, Spanish;
  the rules were first tuned on it;
- ``dev2``: 12 events, with Russian (Cyrillic) and Portuguese; written to check for
  overfitting, then used to tune the time and rounding evidence;
- ``dev3``: 10 events, with Turkish, Italian and Russian; first scored untouched, then its
  misses led to the plain-word, ``sch`` and suffix rules;
- ``dev4``: 9 events, with Arabic and Japanese; first scored untouched, then its misses led
  to the elision and katakana rules;
- ``dev5``: 9 events, with Arabic, Japanese, Italian, Indonesian; first scored untouched,
  then its false joins (one leader's party vote and his election call three days later; two
  datelines of one city) led to the shrunk name overlap, the stronger late penalty and the
  dateline's words left out of a shared dateline's names;
- ``dev6``: 10 events, with Chinese, Russian, Portuguese, Italian; first scored untouched,
  then its false joins, follow-ups that name the first event (an endorsement the day after
  a withdrawal that reports it; a second smelter accident that recalls the first), led to
  the rule on the days the leads name;
- ``dev7``: 10 events in eight languages and 8 hard negatives (follow-ups, the same
  spokesman, a second landslide, the same company's next announcement); scored untouched
  (1.000 / 0.947) before the day rule, and the same after it; it no longer counts as
  untouched since.
- ``dev8``: 10 events in sixteen languages (with Korean, Vietnamese, Polish, Dutch, Chinese,
  Arabic, Turkish), three or four outlets each, and 8 hard negatives; written on
  2026-12-06 by someone who had not read the rules, and scored untouched: 0.846 / 0.431
  (baseline 1.000 / 0.176). No rule has been changed after it yet.
- ``dev9``: 10 events, 38 reports in sixteen languages (German in six events, Japanese or
  Chinese in five), and 8 hard negatives in three more; written the same way on the same
  day and scored untouched: 0.900 / 0.167 (baseline 1.000 / 0.019). One change was tried
  against dev8 before it was scored (a German side read without a model, whose names
  include every noun, looked up instead of looked for): it lowered dev6 and dev9 and was
  dropped. On 2026-12-07 their misses led to the numbers glued to CJK counters (151人,
  149명) and the Han pairs shared by Chinese and Japanese reports: dev8 0.857 / 0.471, dev9
  0.933 / 0.259 after them; neither counts as untouched since.
- ``dev10``: 10 events in fifteen languages (Chinese, Japanese or Korean in six of them),
  three or four outlets each, and 8 hard negatives; written on 2026-12-07 by someone who had
  not read the rules, and scored untouched both before those two rules (1.000 / 0.421,
  below the baseline's 1.000 / 0.474) and after them (1.000 / 0.667). One change was then
  tried with it (a model number, 737-800, read as a code like A320, against two crashes of one
  type on one stacked day): it lowered dev10 to 0.614 and was dropped. The centroid pull
  (``pipeline.story_group``) was then chosen on dev..dev10 together.
- ``dev11``: 45 reports of 18 events (hard negatives included) in 21 languages (with
  Arabic, Persian, Hindi, Bengali, Thai, Ukrainian, Malay); written on
  2026-12-07 the same way, and scored untouched once with the rules before the centroid
  pull and once with it (the figures are in the commit that added it). Its one false join
  (two train accidents in Odisha, in Hindi, which the encoder does not read) then led to
  the cap on the cosine of such texts; it no longer counts as untouched since.

dev8 and dev9 are far harder for the encoder than the held-out set the issue describes (its
baseline reaches 0.90 / 0.88 there, here 0.176 and 0.019 recall): their reports share only
the core facts, in languages the encoder covers badly or not at all.

A part stops being a fair check once its misses have shaped a rule: write a new part to
measure a change.

Each article goes through the worker's own stages: language detection, the enrichment of
the full profile (the configured spaCy pipelines: French and English), the story signature
(``pipeline.story.sign_batch`` with the encoder the workers load). Then, in the same run:

- ours: the articles assigned in time order as the commit assigns them
  (``store.stories.choose``: a story joins when ``same_story`` holds with one of its articles);
- baseline: the encoder's cosine alone, single-link grouping within the window, at its best
  threshold on this very part (an optimistic baseline: its threshold is tuned on the
  answers): the highest recall whose precision meets the target, else the best F1.

Then ``all`` (every part, at their own dates) and ``stacked``: every family of events moved to
start at one moment, so that all of them share one window, as on a busy day.

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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from worker.core.story import StorySig  # noqa: E402
from worker.ingest.encoder import load_encoder  # noqa: E402
from worker.ingest.nlp import models_for  # noqa: E402
from worker.pipeline.enrich import EnrichInput, enrich_batch  # noqa: E402
from worker.pipeline.language import detect_language  # noqa: E402
from worker.pipeline.story import sign_batch  # noqa: E402
from worker.pipeline.story_group import choose_offline  # noqa: E402
from worker.pipeline.story_score import cosine, same_story, score  # noqa: E402

DEVSET = ROOT / "bench" / "stories_devset.json"
WINDOW_HOURS = 72
TARGET_PRECISION = 0.97  # the baseline's threshold: its best recall at this precision
FAMILY_DAYS = 4  # events starting closer than this stay together when stacked


def signatures(rows: list[dict[str, Any]]) -> tuple[list[Any], float]:
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


def report(name: str, rows: list[dict[str, Any]], sigs: list[Any], show_pairs: bool) -> None:
    """Ours and the baseline on one part of the set, each scored on that part alone."""
    truth = [r["event"] for r in rows]
    n = len(rows)
    cos = {
        (i, j): cosine(sigs[i].vector, sigs[j].vector)
        for i, j in itertools.combinations(range(n), 2)
    }
    ours = choose_offline([s.vector for s in sigs], [s.evidence for s in sigs])
    p, r, positives, pairs = pairwise(ours, truth)
    print(f"[{name}] {n} articles, {len(set(truth))} events, {pairs} pairs, {positives} same-story")
    print(
        f"[{name}] ours (encoder + evidence, incremental assignment): "
        f"precision {p:.3f} recall {r:.3f}"
    )
    moments = [datetime.fromisoformat(r["published_at"]) for r in rows]
    (bp, br), threshold = baseline(cos, truth, moments)
    print(
        f"[{name}] baseline (cosine alone, single link, best threshold {threshold:.2f}): "
        f"precision {bp:.3f} recall {br:.3f}"
    )
    if show_pairs:
        for (i, j), c in sorted(cos.items(), key=lambda kv: -kv[1]):
            same = truth[i] == truth[j]
            decided = same_story(c, sigs[i].evidence, sigs[j].evidence)
            if same or decided or c > 0.5:
                s = score(c, sigs[i].evidence, sigs[j].evidence)
                mark = "ok " if same == decided else "BAD"
                print(
                    f"{mark} {same:d} cos {c:.3f} score {s:.3f} {rows[i]['id']} ~ {rows[j]['id']}"
                )


def baseline(
    cos: dict[tuple[int, int], float], truth: list[str], moments: list[datetime]
) -> tuple[tuple[float, float], float]:
    """The cosine alone, single link within the window, at its best threshold on these very
    answers: the highest recall whose precision meets the target, else the best F1."""
    window = WINDOW_HOURS * 3600
    found = []
    for t in [x / 100 for x in range(30, 96)]:
        groups = single_link(
            len(truth),
            lambda i, j, t=t: (
                cos[(i, j)] >= t and abs((moments[i] - moments[j]).total_seconds()) <= window
            ),
        )
        p, r, _, _ = pairwise(groups, truth)
        found.append(((p, r), t))
    meeting = [f for f in found if f[0][0] >= TARGET_PRECISION]
    if meeting:
        return max(meeting, key=lambda f: (f[0][1], f[0][0]))
    return max(found, key=lambda f: 2 * f[0][0] * f[0][1] / (f[0][0] + f[0][1] or 1))


def stacked(rows: list[dict[str, Any]], sigs: list[Any]) -> tuple[list[Any], list[Any]]:
    """Every family of events (those whose first reports are days apart: an event and its
    hard negatives) moved so that all families start at one moment, in time order: the
    window a worker sees on a busy day, where unrelated events share the hours."""
    firsts: dict[str, datetime] = {}
    for r in rows:
        at = datetime.fromisoformat(r["published_at"])
        firsts[r["event"]] = min(firsts.get(r["event"], at), at)
    family: dict[str, datetime] = {}
    start: datetime | None = None
    for event, at in sorted(firsts.items(), key=lambda kv: kv[1]):
        if start is None or at - start > timedelta(days=FAMILY_DAYS):
            start = at
        family[event] = start
    origin = datetime(2030, 1, 1, tzinfo=UTC)
    moved = []
    for r, sig in zip(rows, sigs, strict=True):
        at = origin + (datetime.fromisoformat(r["published_at"]) - family[r["event"]])
        evidence = {**sig.evidence, "at": at.isoformat()}
        moved.append((at, {**r, "published_at": at.isoformat()}, StorySig(sig.vector, evidence)))
    moved.sort(key=lambda m: m[0])
    return [m[1] for m in moved], [m[2] for m in moved]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", action="store_true", help="print every scored pair")
    args = parser.parse_args()
    rows = sorted(json.loads(DEVSET.read_text(encoding="utf-8")), key=lambda r: r["published_at"])
    sigs, per_article = signatures(rows)
    parts = sorted({r.get("split", "dev") for r in rows})
    for part in parts:
        kept = [n for n, r in enumerate(rows) if r.get("split", "dev") == part]
        report(part, [rows[n] for n in kept], [sigs[n] for n in kept], args.pairs)
    report("all", rows, sigs, False)
    report("stacked", *stacked(rows, sigs), False)
    print(f"encoder + evidence cost: {per_article * 1000:.1f} ms per article (warm, this machine)")


if __name__ == "__main__":
    main()
