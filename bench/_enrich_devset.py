"""The enrichment development set: its texts, read from the public corpora, and its scoring.

``bench/enrich_devset.json`` holds labels only: for each article a reference into
``../shared/corpus`` (set name + id), its language, the day it was published (relative dates
resolve against it) and what a careful reader finds in the text. No page or body is copied
into the project; the text is rebuilt at run time, the same way every time:

- ``article-extraction-benchmark``: the ``articleBody`` of ``ground-truth.json[id]``;
- ``trafilatura-eval``: the page ``html/<id>.gz`` (``id`` is the set's ``file`` name) decoded
  as trafilatura's ``decode_file`` does and run through the product's own extraction
  (``worker.pipeline.articles.parse_item``, a record ``{"url", "html"}``), its ``body``;

then cut to its lead (``lead``): the whole text up to ``MAX_CHARS``, else everything before
the last line break within the first ``MAX_CHARS`` characters. Each article records the
sha256 of that text (``sha256``, first 16 hex digits) and its length: when extraction
changes, the bench says which articles' labels refer to another text.

Labels (what was read in the text, written before running the enricher):

- ``PER`` / ``ORG`` / ``LOC`` (each a bare name, or ``{"name", "aka", "also"}``): every named
  person (full name as the text gives it, without title or function), organisation
  (companies, institutions, parties, ministries, media, teams, agencies) and place
  (countries, regions, cities, districts, streets, buildings, geographic features) named in
  the text, once each. ``aka`` lists other complete spellings the text uses for the same one
  ("Zelensky" beside "Volodymyr Zelenskiy", an inflected "Deutschlands"); a surname alone
  is never an ``aka``. ``also`` lists another type a reasonable annotator could give
  ("White House": ORG, also LOC). Nationalities, events, laws, works, products, market
  indexes, slogans and first names alone are not labelled; ``optional`` lists those of
  them (and other borderline names) that a model might tag PER/ORG/LOC: neither required
  nor counted wrong when found.
- ``dateline``: the place of the wire dateline at the opening (``HAYWARD, Calif. (AP) —`` is
  ``Hayward, Calif.``), or null.
- ``quotes``: every quotation of at least four words (direct speech or writing in quote
  marks; scare quotes and quoted titles excluded), and every shorter one said whole with its
  speech verb ("Don’t mind me!" he told them; since 2026-12-07), by a piece of it
  (``text``, usually its first words, occurring once in the article) and its ``speaker``:
  the named person (or organisation) who said or wrote it, or null when the text does not
  name them ("a source", "the activists").
- ``dates``: every calendar day the text mentions, as ISO ``YYYY-MM-DD``, resolved against
  ``published`` the way the words point ("Tuesday" in a report is the last Tuesday, "will
  vote Tuesday" the next one). Weeks, months, years, times of day are not labelled.

Matching (``score_article``), summed over articles, then precision = tp / (tp + fp) and
recall = tp / (tp + fn):

- entities: a predicted PER/ORG/LOC entity (its merged ``text``) is right when its normalised
  text (NFKC, case-folded, typographic apostrophes made plain, a leading "the" and a trailing
  possessive dropped, outer punctuation stripped, spaces collapsed) equals the normalised
  name or an ``aka`` of a labelled entity whose type or ``also`` types include the predicted
  type. Precision of type T: predictions of type T that are right; recall of type T:
  labelled entities of type T that at least one prediction matched. A name the label lists
  as ``optional`` is not counted either way. MISC is not scored.
- dateline: a predicted place is right when its part before the first comma, normalised,
  equals the labelled one's (``Hayward`` = ``Hayward, Calif.``); a predicted dateline where
  none is labelled is a false positive, a labelled one not found (or wrong) a false negative.
- quotes: a predicted quote aligns with a labelled one when their spans overlap (the label's
  span is where its ``text`` occurs); each aligns at most once, in text order.
  ``quotes``: aligned predictions are true positives, others false positives, labelled quotes
  left unaligned false negatives. ``speakers``: over labelled quotes with a speaker and
  predicted quotes with a speaker; right when aligned and one speaker's last word (a
  generational "Jr." or "Sr." aside) is among the other's words ("Renkema" = "Kim Renkema"),
  so a speaker found on an unaligned or unattributed quote is a false positive and a
  labelled speaker not found (or wrong) a false negative.
- dates: the set of labelled days against the set of full-day values (``YYYY-MM-DD``) of the
  predicted dates; weeks, months, years and unresolved mentions are not compared.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
DEVSET = ROOT / "bench" / "enrich_devset.json"
SETS = ("article-extraction-benchmark", "trafilatura-eval")
MAX_CHARS = 3000
FIELDS = ("PER", "ORG", "LOC", "dateline", "quotes", "speakers", "dates")
ENTITY_TYPES = ("PER", "ORG", "LOC")
# Later than every page of both sets, as bench/extraction.py: the body does not depend on it.
EXTRACTION_NOW = datetime(2026, 1, 1, tzinfo=UTC)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii"})


# --- the texts ----------------------------------------------------------------------------


def load_devset(path: Path = DEVSET) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text(encoding="utf-8"))["articles"])


def reference_path(article: Mapping[str, Any], corpus: Path = CORPUS) -> Path:
    """The corpus file the article's text comes from."""
    name, key = article["set"], article["id"]
    if name == "article-extraction-benchmark":
        return corpus / name / "ground-truth.json"
    return corpus / name / "html" / f"{key}.gz"


class Corpus:
    """The two sets' indexes, read once."""

    def __init__(self, root: Path = CORPUS) -> None:
        self.root = root
        self._truth: dict[str, Any] | None = None
        self._urls: dict[str, str] | None = None

    def truth(self) -> dict[str, Any]:
        if self._truth is None:
            path = self.root / "article-extraction-benchmark" / "ground-truth.json"
            self._truth = json.loads(path.read_text(encoding="utf-8"))
        return self._truth

    def urls(self) -> dict[str, str]:
        """trafilatura-eval: file name -> the page's key (its URL, or a ``hard::`` name)."""
        if self._urls is None:
            path = self.root / "trafilatura-eval" / "evaldata.json"
            data = json.loads(path.read_text(encoding="utf-8"))
            self._urls = {item["file"]: key for key, item in data.items()}
        return self._urls

    def has(self, article: Mapping[str, Any]) -> bool:
        if article["set"] == "article-extraction-benchmark":
            return article["id"] in self.truth()
        return article["id"] in self.urls() and reference_path(article, self.root).is_file()

    def full_text(self, article: Mapping[str, Any]) -> str:
        if article["set"] == "article-extraction-benchmark":
            return str(self.truth()[article["id"]]["articleBody"])
        return extracted_body(self.root, article["id"], self.urls()[article["id"]])


def extracted_body(corpus: Path, file: str, key: str) -> str:
    """The product's extraction of a trafilatura-eval page, as bench/extraction.py runs it."""
    from trafilatura.utils import decode_file

    from worker.core.models import Kind, RawItem
    from worker.pipeline.articles import parse_item

    raw = gzip.decompress((corpus / "trafilatura-eval" / "html" / f"{file}.gz").read_bytes())
    record = {"html": decode_file(raw)}
    if key.startswith(("http://", "https://")):
        record["url"] = key
    item = RawItem(item_key=file, source="bench", kind=Kind.RECORD, payload={"record": record})
    return parse_item(item, EXTRACTION_NOW).body


def lead(text: str, limit: int = MAX_CHARS) -> str:
    """``text`` whole up to ``limit`` characters, else what comes before its last line break
    within the first ``limit`` (the whole first ``limit`` when there is none)."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    return (text[:cut] if cut > 0 else text[:limit]).rstrip()


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def published(article: Mapping[str, Any]) -> datetime:
    """Noon UTC of the labelled publication day (only its date is used)."""
    day = date.fromisoformat(article["published"])
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


# --- scoring ------------------------------------------------------------------------------


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    # the recall side may count labels matched, not predictions (entities)
    tp_recall: int | None = None

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        if other.tp_recall is not None or self.tp_recall is not None:
            self.tp_recall = (self.tp_recall or 0) + other.recall_tp

    @property
    def recall_tp(self) -> int:
        return self.tp if self.tp_recall is None else self.tp_recall

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        found = self.recall_tp
        return found / (found + self.fn) if found + self.fn else None


@dataclass
class Score:
    fields: dict[str, Counts] = field(default_factory=lambda: {f: Counts() for f in FIELDS})
    misses: list[str] = field(default_factory=list)  # readable errors, for --devset-errors

    def add(self, other: Score) -> None:
        for name, counts in other.fields.items():
            self.fields[name].add(counts)
        self.misses.extend(other.misses)


def normalise(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).replace("’", "'").replace("‘", "'")
    text = " ".join(text.split()).strip(" \"'«»“”„()[]{},.;:!?-–—")
    text = re.sub(r"^the\s+", "", text, flags=re.IGNORECASE)
    text = re.sub(r"'s$", "", text)
    return text.casefold().strip()


def score_article(label: Mapping[str, Any], text: str, result: Mapping[str, Any]) -> Score:
    """One article's counts per field; ``result`` is ``enrich_batch``'s record for ``text``."""
    score = Score()
    _score_entities(label, result.get("entities") or [], score)
    _score_dateline(label.get("dateline"), result.get("dateline"), score)
    _score_quotes(label.get("quotes") or [], text, result.get("quotes") or [], score)
    _score_dates(label.get("dates") or [], result.get("dates") or [], score)
    return score


def entity_label(entity: str | Mapping[str, Any]) -> dict[str, Any]:
    """A labelled entity as a dict: the file writes a bare name as a string."""
    return {"name": entity} if isinstance(entity, str) else dict(entity)


def _names(entity: Mapping[str, Any]) -> set[str]:
    return {normalise(entity["name"]), *(normalise(a) for a in entity.get("aka", []))}


def _score_entities(
    label: Mapping[str, Any], predicted: Iterable[Mapping[str, Any]], score: Score
) -> None:
    gold = [(kind, entity_label(e)) for kind in ENTITY_TYPES for e in label.get(kind, [])]
    optional = {normalise(name) for name in label.get("optional", [])}
    matched: set[int] = set()
    for entity in predicted:
        kind = entity.get("label")
        if kind not in ENTITY_TYPES:
            continue
        text = normalise(entity["text"])
        hits = [
            n
            for n, (gold_kind, g) in enumerate(gold)
            if text in _names(g) and kind in {gold_kind, *g.get("also", [])}
        ]
        counts = score.fields[kind]
        if hits:
            counts.tp += 1
            matched.update(hits)
        elif text not in optional:
            counts.fp += 1
            score.misses.append(f"{kind} extra: {entity['text']!r}")
    for kind in ENTITY_TYPES:
        counts = score.fields[kind]
        found = sum(1 for n, (k, _) in enumerate(gold) if k == kind and n in matched)
        counts.tp_recall = found
        counts.fn += sum(1 for n, (k, _) in enumerate(gold) if k == kind and n not in matched)
        for n, (k, g) in enumerate(gold):
            if k == kind and n not in matched:
                score.misses.append(f"{kind} missed: {g['name']!r}")


def _city(place: str) -> str:
    return normalise(place.split(",", 1)[0])


def _score_dateline(
    gold: Mapping[str, Any] | None, predicted: Mapping[str, Any] | None, score: Score
) -> None:
    counts = score.fields["dateline"]
    found = (predicted or {}).get("place")
    want = (gold or {}).get("place")
    if found and want and _city(found) == _city(want):
        counts.tp += 1
        return
    if found:
        counts.fp += 1
    if want:
        counts.fn += 1
    if found or want:
        score.misses.append(f"dateline: found {found!r}, labelled {want!r}")


def _surname_match(gold: str, found: str) -> bool:
    a, b = _words(gold), _words(found)
    return bool(a and b) and (a[-1] in b or b[-1] in a)


def _words(name: str) -> list[str]:
    words = re.findall(r"\w[\w'\-]*", normalise(name))
    while len(words) > 1 and words[-1].rstrip(".") in _SUFFIXES:
        words.pop()
    return words


def quote_span(text: str, snippet: str) -> tuple[int, int]:
    """Where a labelled quote's first words occur in the article (they must, once)."""
    start = text.find(snippet)
    if start < 0:
        raise ValueError(f"quote not in the text: {snippet!r}")
    return start, start + len(snippet)


def _score_quotes(
    gold: list[Mapping[str, Any]],
    text: str,
    predicted: list[Mapping[str, Any]],
    score: Score,
) -> None:
    spans = [quote_span(text, q["text"]) for q in gold]
    pairs: dict[int, int] = {}  # predicted index -> gold index
    taken: set[int] = set()
    for p, quote in enumerate(predicted):
        start = int(quote["offset"])
        end = start + len(quote["text"])
        hit = next(
            (g for g, (s, e) in enumerate(spans) if g not in taken and s < end and start < e),
            None,
        )
        if hit is not None:
            pairs[p] = hit
            taken.add(hit)
    quotes, speakers = score.fields["quotes"], score.fields["speakers"]
    quotes.tp += len(pairs)
    quotes.fp += len(predicted) - len(pairs)
    quotes.fn += len(gold) - len(taken)
    for g, quote in enumerate(gold):
        if g not in taken:
            score.misses.append(f"quote missed: {quote['text']!r} ({quote.get('speaker')})")
    right: set[int] = set()
    for p, quote in enumerate(predicted):
        found = quote.get("speaker")
        if not found:
            continue
        g = pairs.get(p)
        want = gold[g].get("speaker") if g is not None else None
        if g is not None and want and _surname_match(want, found):
            speakers.tp += 1
            right.add(g)
        else:
            speakers.fp += 1
            score.misses.append(f"speaker wrong: {found!r} for {quote['text'][:40]!r}, "
                                f"labelled {want!r}")  # fmt: skip
    for g, quote in enumerate(gold):
        if quote.get("speaker") and g not in right:
            speakers.fn += 1
            if g in taken and g not in right:
                found = next(
                    (predicted[p].get("speaker") for p, h in pairs.items() if h == g), None
                )
                if not found:
                    score.misses.append(
                        f"speaker missed: {quote['speaker']!r} for {quote['text'][:40]!r}"
                    )


def _score_dates(gold: list[str], predicted: list[Mapping[str, Any]], score: Score) -> None:
    want = set(gold)
    found = {str(d["value"]) for d in predicted if _ISO_DAY.fullmatch(str(d.get("value") or ""))}
    counts = score.fields["dates"]
    counts.tp += len(want & found)
    counts.fp += len(found - want)
    counts.fn += len(want - found)
    for day in sorted(found - want):
        score.misses.append(f"date extra: {day}")
    for day in sorted(want - found):
        score.misses.append(f"date missed: {day}")
