"""Reprint variants and hard negatives built from the extraction-benchmark article bodies.

Deterministic for a given seed. Each article yields:
- indexed items: the original, and a "site" copy wrapped in its own host's boilerplate
  (what a page looks like when extraction leaks navigation, related links and a footer);
- query items: reprints by other outlets (header/footer added, tail cut 10-30%, a paragraph
  moved, a few words changed, whitespace and quote styles changed, and combinations).
A query's true pairs are the two indexed items of its own article; every pair with an
indexed item of another article is a negative, "hard" when both come from the same host
(they share that host's boilerplate).
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ORIGINAL, SITE_COPY = "original", "site"
REPRINT, FRESH = "reprint", "fresh"  # items of the timed rounds in bench/dedup.py


@dataclass(frozen=True)
class Article:
    id: str
    host: str
    body: str


@dataclass(frozen=True)
class Item:
    id: str
    article: str  # id of the Article it derives from
    kind: str
    text: str


def load_corpus(corpus_dir: Path) -> list[Article]:
    data = json.loads((corpus_dir / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Article(key, urlsplit(row["url"]).hostname or "", row["articleBody"])
        for key, row in sorted(data.items())
    ]


def normalise(text: str) -> str:
    """What the pipeline hands to near_signature: NFC, whitespace runs collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


_OUTLETS = ["Daily Courier", "Metro Herald", "World Wire Today", "The Evening Post", "NewsNow"]
_HEADERS = [
    "{o} | Home | World | Business | Tech | Sport | Opinion | Subscribe",
    "This story was originally published by a partner agency and is republished by {o}.",
    "Advertisement. Share this article on Facebook, Twitter, WhatsApp or by email.",
    "{o} staff and agencies. Updated a few minutes ago. Listen to this article.",
]
_FOOTERS = [
    "Read also: Markets rally as central bank holds rates steady for a third month.",
    "Read more: Five things to know before the weekend. Local weather: rain expected.",
    "© {o}. All rights reserved. This material may not be published, broadcast, "
    "rewritten or redistributed without permission.",
    "Sign up for the {o} newsletter to get the top stories in your inbox every morning. "
    "Follow us on social media for breaking news.",
    "Related coverage: Council approves budget; Police appeal for witnesses after crash; "
    "Ten recipes for a quick dinner.",
]


def _boilerplate(rng: random.Random, outlet: str, parts: list[str], count: int) -> str:
    return " ".join(p.format(o=outlet) for p in rng.sample(parts, count))


def site_boilerplate(host: str) -> tuple[str, str]:
    """Header and footer that every page of one host shares (seeded by the host name)."""
    rng = random.Random(host)
    name = host.removeprefix("www.").split(".")[0].title()
    header = f"{name} News | Latest | Politics | Economy | Culture | Sport | Log in | Subscribe"
    footer = (
        f"More from {name}: " + "; ".join(rng.sample(_TEASERS, 3)) + f". Copyright {name} Media "
        "Group. All rights reserved. Contact us. Privacy policy. Terms of use."
    )
    return header, footer


_TEASERS = [
    "Storm warning issued for the coast",
    "Election results explained in five charts",
    "New stadium plans unveiled",
    "Prices at the pump rise again",
    "Team names squad for the qualifiers",
    "Museum reopens after renovation",
    "What the new tax rules mean for you",
]


def paragraphs(text: str) -> list[str]:
    paras = [p.strip() for p in text.split("\n") if p.strip()]
    if len(paras) >= 3:
        return paras
    # A one-block body: move sentences instead of paragraphs.
    return [s for s in re.split(r"(?<=[.!?。])\s+", text) if s.strip()]


def add_header_footer(text: str, rng: random.Random) -> str:
    outlet = rng.choice(_OUTLETS)
    head = _boilerplate(rng, outlet, _HEADERS, rng.randint(1, 2))
    foot = _boilerplate(rng, outlet, _FOOTERS, rng.randint(1, 2))
    return f"{head}\n\n{text}\n\n{foot}"


def trim_tail(text: str, rng: random.Random) -> str:
    """Cut 10-30% of the words off the end."""
    sep, units = _units(text)
    keep = round(len(units) * (1 - rng.uniform(0.10, 0.30)))
    return sep.join(units[:keep])


def move_paragraph(text: str, rng: random.Random) -> str:
    paras = paragraphs(text)
    if len(paras) < 3:
        return text
    moved = paras.pop(rng.randrange(1, len(paras)))
    paras.insert(rng.randrange(0, len(paras)), moved)
    return "\n\n".join(paras)


_REPLACEMENTS = ["reportedly", "however", "officials", "said", "new", "local", "also", "major"]


def _units(text: str) -> tuple[str, list[str]]:
    """Words, or characters for text written without spaces (Japanese, Chinese)."""
    return (" ", text.split(" ")) if text.count(" ") > 20 else ("", list(text))


def change_words(text: str, rng: random.Random) -> str:
    """Replace, delete or insert 3-8 words (typo fixes, edits by the copy desk)."""
    sep, words = _units(text)
    for _ in range(rng.randint(3, 8)):
        pos = rng.randrange(len(words))
        action = rng.choice(("replace", "delete", "insert"))
        if action == "replace":
            words[pos] = rng.choice(_REPLACEMENTS)
        elif action == "delete" and len(words) > 1:
            del words[pos]
        else:
            words.insert(pos, rng.choice(_REPLACEMENTS))
    return sep.join(words)


def restyle(text: str, rng: random.Random) -> str:
    """Straight vs curly quotes, « » vs “ ”, doubled spaces and re-wrapped lines."""
    swaps = {"’": "'", "‘": "'", "“": "«", "”": "»", '"': "“"}
    text = "".join(swaps.get(c, c) for c in text)
    return re.sub(r" ", lambda _: rng.choice([" ", " ", "  ", "\n"]), text)


Edit = Callable[[str, random.Random], str]
VARIANTS: dict[str, list[Edit]] = {
    "header_footer": [add_header_footer],
    "trim": [trim_tail],
    "move": [move_paragraph],
    "words": [change_words],
    "style": [restyle],
    "trim+header_footer": [trim_tail, add_header_footer],
    "move+words+style": [move_paragraph, change_words, restyle],
    "all": [trim_tail, move_paragraph, change_words, add_header_footer, restyle],
}


def with_site_boilerplate(article: Article) -> str:
    header, footer = site_boilerplate(article.host)
    return f"{header}\n\n{article.body}\n\n{footer}"


def indexed_items(articles: list[Article]) -> list[Item]:
    items = []
    for a in articles:
        items.append(Item(f"{a.id}:{ORIGINAL}", a.id, ORIGINAL, normalise(a.body)))
        items.append(Item(f"{a.id}:{SITE_COPY}", a.id, SITE_COPY, with_site_boilerplate(a)))
    return [Item(i.id, i.article, i.kind, normalise(i.text)) for i in items]


def query_items(articles: list[Article], seed: int = 7) -> list[Item]:
    items = []
    for n, a in enumerate(articles):
        for kind, edits in VARIANTS.items():
            rng = random.Random(seed * 1_000_003 + n * 101 + len(kind))
            text = a.body
            for edit in edits:
                text = edit(text, rng)
            items.append(Item(f"{a.id}:{kind}", a.id, kind, normalise(text)))
    return items


def fresh_bodies(vocab: list[str], count: int, seed: int) -> list[Item]:
    """New, unrelated articles (random corpus words, 150-900 words) that get stored."""
    rng = random.Random(seed)
    texts = [" ".join(rng.choices(vocab, k=rng.randint(150, 900))) for _ in range(count)]
    return [Item(f"f{seed}-{n}", "", FRESH, t) for n, t in enumerate(texts)]


def round_items(articles: list[Article], vocab: list[str], size: int, seed: int) -> list[Item]:
    """Half reprints of stored corpus articles (found, verified), half new articles (stored)."""
    picked = random.Random(seed).sample(query_items(articles, seed), size // 2)
    reprints = [Item(f"r{seed}-{r.id}", r.article, REPRINT, r.text) for r in picked]
    mixed = reprints + fresh_bodies(vocab, size - size // 2, seed)
    random.Random(seed).shuffle(mixed)
    return mixed
