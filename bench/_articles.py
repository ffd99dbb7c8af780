"""A stream of news records built from the extraction-benchmark bodies, for throughput runs.

Deterministic for a given seed. The corpus has only 181 bodies, so most items of a long
stream are *fresh* articles made of sentences drawn from the whole corpus (lengths follow
the corpus); none of them is a near copy of another. Mixed in, like a real wire feed:
- exact duplicates (``EXACT_SHARE``): an earlier article sent again under another id/URL;
- near duplicates (``NEAR_SHARE``): an earlier article reprinted with a header/footer, a
  cut tail, moved paragraphs or edited words (the edits of ``bench/_reprints.py``).

The corpus is read where it lies (``--corpus``), never copied.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._reprints import VARIANTS

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
DEFAULT_CORPUS = DEFAULT_CORPUS / "article-extraction-benchmark"
EXACT_SHARE = 0.08
NEAR_SHARE = 0.12
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Corpus:
    bodies: list[str]
    sentences: list[str]
    lengths: list[int]  # characters per body, to draw fresh lengths from


def load_corpus(path: Path) -> Corpus:
    truth = json.loads((path / "ground-truth.json").read_text(encoding="utf-8"))
    return corpus_of(row.get("articleBody") or "" for row in truth.values())


def corpus_of(texts: Iterable[str]) -> Corpus:
    """A corpus of any bodies (another language's pages, for a mixed stream)."""
    bodies = [b for b in texts if b.strip()]
    sentences = [s.strip() for b in bodies for s in _SENTENCE.split(b) if len(s.strip()) > 30]
    return Corpus(bodies, sentences, [len(b) for b in bodies])


def fresh_body(corpus: Corpus, rng: random.Random) -> str:
    """Random corpus sentences, three to a paragraph, as long as a random corpus body."""
    target = max(400, min(rng.choice(corpus.lengths), 20_000))
    picked: list[str] = []
    while sum(map(len, picked)) < target:
        picked.append(rng.choice(corpus.sentences))
    paras = [" ".join(picked[i : i + 3]) for i in range(0, len(picked), 3)]
    return "\n\n".join(paras)


def reprint(body: str, rng: random.Random) -> str:
    edits = VARIANTS[rng.choice(sorted(VARIANTS))]
    for edit in edits:
        body = edit(body, rng)
    return body


def record(n: int, body: str) -> dict[str, Any]:
    title = body.split(".", 1)[0][:90].strip() or f"Article {n}"
    return {
        "id": f"b{n:07d}",
        "url": f"https://news.example/{n:07d}",
        "title": title,
        "body": body,
        "source": "bench",
        "published_at": "2024-05-06T10:00:00+00:00",
    }


def stream(
    corpus: Corpus, count: int, seed: int = 7, first: int = 0
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(kind, record)`` pairs: kind is ``fresh``, ``exact`` or ``near``.

    Records are numbered (ids, URLs) from ``first``: successive streams into one store must
    not reuse URLs, or every article becomes a revision of the one before at its URL.
    """
    rng = random.Random(seed)
    originals: list[str] = []
    for n in range(first, first + count):
        roll = rng.random()
        if originals and roll < EXACT_SHARE:
            yield "exact", record(n, rng.choice(originals))
        elif originals and roll < EXACT_SHARE + NEAR_SHARE:
            yield "near", record(n, reprint(rng.choice(originals), rng))
        else:
            fresh = n - first
            body = corpus.bodies[fresh] if fresh < len(corpus.bodies) else fresh_body(corpus, rng)
            originals.append(body)
            yield "fresh", record(n, body)


def write_jsonl(path: Path, corpus: Corpus, count: int, seed: int = 7) -> dict[str, int]:
    """Write the stream as JSON lines; returns how many items of each kind."""
    kinds: dict[str, int] = {}
    with path.open("w", encoding="utf-8") as handle:
        for kind, rec in stream(corpus, count, seed):
            kinds[kind] = kinds.get(kind, 0) + 1
            handle.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return kinds
