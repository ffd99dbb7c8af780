"""Key phrases with YAKE's unsupervised statistics, reimplemented in a few functions.

Method: Campos et al., "YAKE! Keyword extraction from single documents using multiple local
features", Information Sciences 509 (2020). Each word gets a score from its casing,
position, frequency, context spread and sentence spread; a phrase (1-3 words, no stop word
at either end) scores by the product of its words; lower is better. Our own code because
the yake package's licence is unclear (LGPL on the package, AGPL on its repository), and
the method needs nothing but stop words (see stopwords.py: a maintained list per language,
speech verbs and URL pieces).
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

from worker.pipeline.enrich.stopwords import StopWords, stop_words

_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
# Numbers end a chunk too: YAKE drops candidates that contain one ("Montag 300 Drohnen").
# So does a web address, whole: its pieces ("amzn", "utm_source") are no key words.
_CHUNKS = re.compile(r"\bhttps?://\S+|\bwww\.\S+|[,;:()\[\]«»“”\"„—–]|\s-\s|\d+(?:[.,]\d+)*")
_TOKENS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
MAX_WORDS = 3


@dataclass
class _Stats:
    """Per-word counts over the whole text (built with Counters, which run in C)."""

    tf: Counter[str] = field(default_factory=Counter)
    upper: Counter[str] = field(default_factory=Counter)
    acronym: Counter[str] = field(default_factory=Counter)
    sentences: dict[str, list[int]] = field(default_factory=dict)
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)


@dataclass(frozen=True)
class _Chunk:
    """Tokens between two punctuation marks or break words, lower-cased and flagged once:
    ``stop`` neither starts nor ends a phrase, ``ends`` may end one."""

    sentence: int
    tokens: list[str]
    lowers: list[str]
    stop: list[bool]
    ends: list[bool]


def extract_keywords(text: str, language: str | None, top: int = 10) -> list[str]:
    """The ``top`` key phrases of ``text``, best first."""
    chunks = _chunks(text, stop_words(language))
    stats = _term_stats(chunks)
    weights = _term_weights(stats, _content_words(chunks), len({c.sentence for c in chunks}))
    scored = _candidate_scores(chunks, weights)
    return _distinct(sorted(scored, key=scored.__getitem__), top)


def _chunks(text: str, stops: StopWords) -> list[_Chunk]:
    """Punctuation-delimited chunks of each sentence; ’ splits elisions (l’Iran)."""
    sentences = _SENTENCES.split(text.replace("’", "'"))
    return [c for n, s in enumerate(sentences) for c in _sentence_chunks(n, s, stops)]


def _sentence_chunks(number: int, sentence: str, stops: StopWords) -> list[_Chunk]:
    names_count = not _title_case(sentence)
    first = True  # the sentence's first word: its capital says nothing
    out = []
    for piece in _CHUNKS.split(sentence):
        tokens = _TOKENS.findall(piece.replace("'", " "))
        named = [names_count and t[0].isupper() for t in tokens]
        if tokens:
            named[0], first = named[0] and not first, False
        for part, part_named in _between_breaks(tokens, named, stops.breaks):
            out.append(_chunk(number, part, part_named, stops))
    return out


def _between_breaks(
    tokens: list[str], named: list[bool], breaks: frozenset[str]
) -> list[tuple[list[str], list[bool]]]:
    """The runs of tokens between two break words (which are dropped)."""
    runs: list[tuple[list[str], list[bool]]] = [([], [])]
    for token, is_named in zip(tokens, named, strict=True):
        if token.lower() in breaks:
            runs.append(([], []))
        else:
            runs[-1][0].append(token)
            runs[-1][1].append(is_named)
    return [run for run in runs if run[0]]


def _chunk(number: int, tokens: list[str], named: list[bool], stops: StopWords) -> _Chunk:
    lowers = [t.lower() for t in tokens]
    stop = [_is_stop(w, stops, n) for w, n in zip(lowers, named, strict=True)]
    # "in New York": "New" may start a phrase, but "reporters in New" cuts the name.
    follows = [t[0].isupper() for t in tokens[1:]] + [False]
    cuts = [n and w in stops.soft and f for w, n, f in zip(lowers, named, follows, strict=True)]
    ends = [not s and not c for s, c in zip(stop, cuts, strict=True)]
    return _Chunk(number, tokens, lowers, stop, ends)


def _title_case(sentence: str) -> bool:
    """A headline in Title Case: its capitals do not mark names."""
    words = _TOKENS.findall(sentence)
    return len(words) > 3 and sum(w[0].isupper() for w in words) > 0.6 * len(words)


def _content_words(chunks: list[_Chunk]) -> set[str]:
    """Words that are not a stop word somewhere ("new" in "New York" is)."""
    return {w for c in chunks for w, stop in zip(c.lowers, c.stop, strict=True) if not stop}


def _term_stats(chunks: list[_Chunk]) -> _Stats:
    stats = _Stats()
    previous_sentence = -1
    for chunk in chunks:
        lowers = chunk.lowers
        stats.tf.update(lowers)
        stats.pairs.update(pairwise(lowers))
        for lower in lowers:
            stats.sentences.setdefault(lower, []).append(chunk.sentence)
        # A capital at the start of a sentence says nothing about the word.
        first = 1 if chunk.sentence != previous_sentence else 0
        stats.upper.update(
            w for t, w in zip(chunk.tokens[first:], lowers[first:], strict=True) if t[0].isupper()
        )
        stats.acronym.update(
            w for t, w in zip(chunk.tokens, lowers, strict=True) if len(t) > 1 and t.isupper()
        )
        previous_sentence = chunk.sentence
    return stats


def _term_weights(stats: _Stats, content: set[str], n_sentences: int) -> dict[str, float]:
    words = [w for w in stats.tf if w in content]
    counts = [stats.tf[w] for w in words] or [1]
    norm, max_tf = statistics.fmean(counts) + statistics.pstdev(counts), max(counts)
    spread = _neighbour_spread(stats.pairs)
    return {w: _weight(w, stats, spread[w], norm, max_tf, n_sentences) for w in words}


def _neighbour_spread(pairs: Counter[tuple[str, str]]) -> dict[str, float]:
    """Distinct neighbours per co-occurrence, left plus right: a word next to anything is
    no key word."""
    right_distinct = Counter(left for left, _ in pairs)  # counted in C
    left_distinct = Counter(right for _, right in pairs)
    right_total: Counter[str] = Counter()
    left_total: Counter[str] = Counter()
    for (left, right), count in pairs.items():
        right_total[left] += count
        left_total[right] += count
    spread: dict[str, float] = defaultdict(float)
    for word, total in right_total.items():
        spread[word] += right_distinct[word] / total
    for word, total in left_total.items():
        spread[word] += left_distinct[word] / total
    return spread


def _weight(
    word: str, stats: _Stats, spread: float, norm: float, max_tf: int, n_sentences: int
) -> float:
    """YAKE's H(t) = Rel * Pos / (Case + Freq / Rel + Sent / Rel)."""
    tf, sentences = stats.tf[word], stats.sentences[word]
    case = max(stats.upper[word], stats.acronym[word]) / (1 + math.log(tf))
    position = math.log(math.log(3 + sentences[len(sentences) // 2]))  # sorted: a median
    relatedness = 1 + spread * tf / max_tf
    different = len(set(sentences)) / max(n_sentences, 1)
    return relatedness * position / (case + tf / norm / relatedness + different / relatedness)


def _is_stop(word: str, stops: StopWords, named: bool = False) -> bool:
    """Elided pieces (l', qu', d'), numbers and stop words never start, end or make a key
    phrase; a broad-list word with a capital inside a sentence is part of a name."""
    if len(word) < 3 or word[0].isdigit() or word in stops.hard:
        return True
    return word in stops.soft and not named


def _candidate_scores(chunks: list[_Chunk], weights: dict[str, float]) -> dict[str, float]:
    """S(k) = prod H / (TF(k) * (1 + sum H)) for each 1-3 word phrase with no stop word at
    either end, keyed by its first written form."""
    spans = [(chunk, i, j) for chunk in chunks for i, j in _spans(chunk.stop, chunk.ends)]
    keys = [tuple(chunk.lowers[i:j]) for chunk, i, j in spans]
    counts = Counter(keys)
    shown: dict[tuple[str, ...], str] = {}
    for key, (chunk, i, j) in zip(keys, spans, strict=True):
        if key not in shown:
            shown[key] = " ".join(chunk.tokens[i:j])
    scores = {}
    for key, count in counts.items():
        hs = [weights[w] for w in key if w in weights]
        scores[shown[key]] = math.prod(hs) / (count * (1 + sum(hs)))
    return scores


def _spans(stop: list[bool], ends: list[bool]) -> list[tuple[int, int]]:
    """[i, j) of every phrase that neither starts on a stop word nor ends where it may not."""
    size = len(stop)
    return [
        (i, j)
        for i in range(size)
        if not stop[i]
        for j in range(i + 1, min(i + MAX_WORDS, size) + 1)
        if ends[j - 1]
    ]


def _distinct(ranked: list[str], top: int) -> list[str]:
    """Drop a phrase that repeats a better one ("Peskov" after "Dmitri Peskov")."""
    chosen: list[str] = []
    for phrase in ranked:
        words = f" {phrase.lower()} "
        if not any(words in f" {c.lower()} " or f" {c.lower()} " in words for c in chosen):
            chosen.append(phrase)
        if len(chosen) == top:
            break
    return chosen
