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
import operator
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import chain, compress, pairwise

from worker.pipeline.enrich.stopwords import StopWords, stop_words

_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
# Numbers end a chunk too: YAKE drops candidates that contain one ("Montag 300 Drohnen").
# So does a web address, whole: its pieces ("amzn", "utm_source") are no key words.
_ADDRESS = r"https?://|www\."
_BREAKS = rf"\b(?:{_ADDRESS})\S+|[,;:()\[\]«»“”\"„—–]|\s-\s|\d+(?:[.,]\d+)*"
_LETTERS = r"[^\W\d_]+"
_TOKENS = re.compile(rf"{_LETTERS}(?:-{_LETTERS})*")
# One scan per sentence: a break matches as "" (no group), a word as itself. A hyphen
# does not join a word to an address ("voir-https://..."): the address is a break.
_PIECES = re.compile(rf"(?:{_BREAKS})|({_LETTERS}(?:-(?!{_ADDRESS}){_LETTERS})*)")
MAX_WORDS = 3


@dataclass
class _Text:
    """The words of a text in reading order, in flat lists (one pass, no object per word).

    ``chunks`` are the [start, end) runs of words between two punctuation marks, numbers or
    break words: a phrase never crosses one. ``stop`` words neither start nor end a phrase;
    ``ends`` says where one may end. ``upper`` and ``acronym`` hold the words written with
    a capital (not counting a sentence's first word) and in capitals."""

    tokens: list[str] = field(default_factory=list)
    lowers: list[str] = field(default_factory=list)
    sentence: list[int] = field(default_factory=list)
    stop: list[bool] = field(default_factory=list)
    ends: list[bool] = field(default_factory=list)
    chunks: list[tuple[int, int]] = field(default_factory=list)
    upper: list[str] = field(default_factory=list)
    acronym: list[str] = field(default_factory=list)
    n_sentences: int = 0

    def close_chunk(self, start: int) -> int:
        """End the chunk that began at ``start``; the next one begins after it."""
        end = len(self.tokens)
        if end > start:
            self.chunks.append((start, end))
        return end


def extract_keywords(text: str, language: str | None, top: int = 10) -> list[str]:
    """The ``top`` key phrases of ``text``, best first."""
    words = _read(text, stop_words(language))
    weights = _term_weights(words)
    scored = _candidate_scores(words, weights)
    return _distinct(sorted(scored, key=scored.__getitem__), top)


def _read(text: str, stops: StopWords) -> _Text:
    """Every sentence's words; ’ splits elisions (l’Iran)."""
    words = _Text()
    for number, sentence in enumerate(_SENTENCES.split(text.replace("’", "'"))):
        _read_sentence(words, number, sentence, stops)
    return words


def _read_sentence(words: _Text, number: int, sentence: str, stops: StopWords) -> None:
    """Append one sentence's kept words to ``words``, cut into chunks at its breaks."""
    names_count = not _title_case(sentence)
    first = True  # the sentence's first word: its capital says nothing
    counted = False  # a word of this sentence is kept
    cuts = False  # the word before is a broad-list word written as part of a name
    tokens, lowers, stop, ends = words.tokens, words.lowers, words.stop, words.ends
    start = len(tokens)
    for token in _PIECES.findall(sentence):
        if not token:  # punctuation, a number, an address
            start, cuts = words.close_chunk(start), False
            continue
        lower = token.lower()
        capital = token[0].isupper()
        named = names_count and capital and not first
        first = False
        if lower in stops.breaks:
            start, cuts = words.close_chunk(start), False
            continue
        # "in New York": "New" may start a phrase, but "reporters in New" cuts the name.
        if cuts and capital:
            ends[-1] = False
        is_stop = _is_stop(lower, stops, named)
        cuts = named and lower in stops.soft
        tokens.append(token)
        lowers.append(lower)
        stop.append(is_stop)
        ends.append(not is_stop)
        if capital and counted:
            words.upper.append(lower)
        if len(token) > 1 and token.isupper():
            words.acronym.append(lower)
        counted = True
    words.close_chunk(start)
    words.sentence.extend([number] * (len(tokens) - len(words.sentence)))
    words.n_sentences += counted


def _title_case(sentence: str) -> bool:
    """A headline in Title Case: its capitals do not mark names."""
    words = _TOKENS.findall(sentence)
    return len(words) > 3 and sum(w[0].isupper() for w in words) > 0.6 * len(words)


def _term_weights(words: _Text) -> dict[str, float]:
    tf = Counter(words.lowers)  # counted in C
    # "new" in "New York" is a stop word there; a word is weighed if it is content somewhere.
    content = set(compress(words.lowers, map(operator.not_, words.stop)))
    kept = [w for w in tf if w in content]
    counts = [tf[w] for w in kept] or [1]
    norm, max_tf = statistics.fmean(counts) + statistics.pstdev(counts), max(counts)
    pairs = Counter(chain.from_iterable(pairwise(words.lowers[a:b]) for a, b in words.chunks))
    spread = _neighbour_spread(pairs)
    sentences: dict[str, list[int]] = {}
    for lower, number in zip(words.lowers, words.sentence, strict=True):
        sentences.setdefault(lower, []).append(number)
    upper, acronym = Counter(words.upper), Counter(words.acronym)
    n_sentences = words.n_sentences
    return {
        w: _weight(
            tf[w], sentences[w], max(upper[w], acronym[w]), spread[w], norm, max_tf, n_sentences
        )
        for w in kept
    }


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
    tf: int,
    sentences: list[int],
    capitals: int,
    spread: float,
    norm: float,
    max_tf: int,
    n_sentences: int,
) -> float:
    """YAKE's H(t) = Rel * Pos / (Case + Freq / Rel + Sent / Rel)."""
    case = capitals / (1 + math.log(tf))
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


def _candidate_scores(words: _Text, weights: dict[str, float]) -> dict[str, float]:
    """S(k) = prod H / (TF(k) * (1 + sum H)) for each 1-3 word phrase with no stop word at
    either end, keyed by its first written form."""
    lowers, stop, ends = words.lowers, words.stop, words.ends
    spans = [
        (i, j)
        for start, end in words.chunks
        for i in range(start, end)
        if not stop[i]
        for j in range(i + 1, min(i + MAX_WORDS, end) + 1)
        if ends[j - 1]
    ]
    keys = [tuple(lowers[i:j]) for i, j in spans]
    counts = Counter(keys)
    shown: dict[tuple[str, ...], str] = {}
    for key, (i, j) in zip(keys, spans, strict=True):
        if key not in shown:
            shown[key] = " ".join(words.tokens[i:j])
    scores = {}
    for key, count in counts.items():
        hs = [weights[w] for w in key if w in weights]
        scores[shown[key]] = math.prod(hs) / (count * (1 + sum(hs)))
    return scores


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
