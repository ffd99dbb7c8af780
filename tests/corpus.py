"""Synthetic article bodies for volume tests: varied enough that none is a near copy."""

from __future__ import annotations

import json
import random
from pathlib import Path

_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "sa",
    "to",
    "vi",
    "de",
    "ga",
    "po",
    "li",
    "fe",
    "nu",
    "ra",
    "se",
    "tu",
    "mo",
    "bi",
    "ze",
]


def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    return ["".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4))) for _ in range(size)]


def bodies(count: int, seed: int = 7, words: int = 90) -> list[str]:
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    return [" ".join(rng.choices(vocab, k=words)) + "." for _ in range(count)]


def write_jsonl(path: Path, count: int, seed: int = 7) -> Path:
    with path.open("w") as handle:
        for n, body in enumerate(bodies(count, seed)):
            record = {"id": f"a{n}", "title": f"Article {n}", "body": body, "source": "synthetic"}
            handle.write(json.dumps(record) + "\n")
    return path
