"""Near-duplicate detection: MinHash signatures over word shingles, LSH band keys, verification.

Pure: no I/O, no clock, no settings. The store indexes `band_keys(sig)` next to the record
and keeps `sig.encode()` in the article row; a new article's band keys select candidates,
and `is_near_duplicate` verifies each one, so LSH banding noise never decides alone.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from rensa import RMinHash

from worker.core import near
from worker.core.near import DEFAULT_PARAMS, NearParams, NearSig

MINHASH_SEED = near.MINHASH_SEED
_U64 = np.uint64


# Words are runs of letters/digits. Quote glyphs (’ ' « » “ ” ") are never part of a word,
# so restyled quotes and apostrophes split the same way without a costly translate().
# Han and kana are written without spaces, so each such character counts as a word;
# otherwise a whole Chinese or Japanese sentence would be a single token. With 3-word
# shingles a CJK shingle is 3 characters (about a word and a half). The ranges: iteration
# marks 々〆〇, kana, katakana extensions, Han (extension A, the basic block, compatibility),
# halfwidth katakana, and Han extensions B-G with the compatibility supplement.
_CJK_RANGES = (
    (0x3005, 0x3007),
    (0x3040, 0x30FF),
    (0x31F0, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF66, 0xFF9F),
    (0x20000, 0x3134F),
)
_CJK = "".join(f"{chr(low)}-{chr(high)}" for low, high in _CJK_RANGES)
_TOKEN = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+")


def tokens(text: str) -> list[str]:
    """Case-folded words without punctuation: formatting edits must not change shingles.

    The reference definition; ``near_signature`` finds the same words with array operations
    (a test holds the two to each other).
    """
    return _TOKEN.findall(text.casefold())


def shingles(words: list[str], size: int) -> set[str]:
    """Distinct word n-grams; a text shorter than one shingle becomes a single shingle."""
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return set(map(" ".join, zip(*(words[i:] for i in range(size)), strict=False)))


def near_signature(text: str, params: NearParams = DEFAULT_PARAMS) -> NearSig:
    """MinHash of the normalised body's word shingles (text must already be NFC/whitespace)."""
    return near_signatures([text], params)[0]


def near_signatures(texts: Sequence[str], params: NearParams = DEFAULT_PARAMS) -> list[NearSig]:
    """``near_signature`` of every text, computed for the whole batch at once.

    After ``casefold`` it is array arithmetic on code points: word boundaries from a
    character-class table, a polynomial hash per word and per shingle, then rensa's batch
    MinHash over the shingle hashes. Joining shingle strings and hashing them one text at a
    time cost about five times as much.
    """
    return signatures_of_folded([text.casefold() for text in texts], params)


def signatures_of_folded(folded: Sequence[str], params: NearParams) -> list[NearSig]:
    """``near_signatures`` of texts already case-folded (``str.casefold``): the batch stage
    folds each body once for its fingerprint and its signature."""
    signatures: list[NearSig] = []
    for group in _groups(folded, _GROUP_CHARS):
        signatures.extend(_signatures(group, params))
    return signatures


# Characters processed in one array pass: the arrays take about 40 bytes per character, so
# a batch of long texts is split rather than held at once (a single longer text still goes
# alone: the item size limit bounds it).
_GROUP_CHARS = 1_000_000


def _groups(texts: Sequence[str], limit: int) -> list[Sequence[str]]:
    groups: list[Sequence[str]] = []
    start, size = 0, 0
    for i, text in enumerate(texts):
        if i > start and size + len(text) > limit:
            groups.append(texts[start:i])
            start, size = i, 0
        size += len(text)
    if start < len(texts):
        groups.append(texts[start:])
    return groups


def _signatures(folded: Sequence[str], params: NearParams) -> list[NearSig]:
    words, owner = word_hashes(list(folded))
    grams, gram_owner = _shingle_hashes(words, owner, len(folded), params.shingle)
    offsets = np.zeros(len(folded) + 1, dtype=_U64)
    np.cumsum(np.bincount(gram_owner, minlength=len(folded)), out=offsets[1:])
    rows = RMinHash.digest_matrix_from_flat_token_hashes(
        grams, offsets, num_perm=params.num_perm, seed=MINHASH_SEED
    ).to_rows()
    bounds = offsets.tolist()
    return [
        NearSig(tuple(row), _distinct(grams[bounds[i] : bounds[i + 1]]))
        for i, row in enumerate(rows)
    ]


# Multipliers for the polynomial hashes (odd, so invertible modulo 2**64).
_CHAR_BASE = 0x100000001B3
_CHAR_INVERSE = pow(_CHAR_BASE, -1, 2**64)
_WORD_BASE = 0x9E3779B97F4A7C15


@lru_cache(maxsize=1)
def _char_classes() -> np.ndarray:
    """Per code point: 0 not part of a word, 1 word character (``\\w``), 2 CJK (a word alone).

    1.1 MB, built once (about 0.1 s) in a worker's parent and shared by its pool processes.
    """
    table = np.zeros(0x110000, dtype=np.uint8)
    every = "".join(map(chr, range(0x110000)))
    table[[m.start() for m in re.finditer(r"\w", every)]] = 1
    for low, high in _CJK_RANGES:
        table[low : high + 1] = 2
    return table


def warm_up() -> None:
    """Build the character table now (in a worker's parent, so pool processes share it)."""
    near_signature("warm up")


_EMPTY = np.empty(0, dtype=_U64)


def word_hashes(folded: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """A 64-bit hash per word of every text, in order, and the index of the text it is in.

    The texts are joined by newlines (never part of a word) and processed as one array.
    """
    joined = "\n".join(folded)
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    kind = np.take(_char_classes(), points, mode="clip")  # every code point is in the table
    inside = kind != 0
    alone = kind == 2
    starts_here = inside.copy()
    starts_here[1:] &= ~inside[:-1] | alone[1:] | alone[:-1]
    ends_here = inside.copy()
    ends_here[:-1] &= ~inside[1:] | alone[:-1] | alone[1:]
    start = np.flatnonzero(starts_here)
    if start.size == 0:
        return _EMPTY, np.empty(0, dtype=np.intp)
    end = np.flatnonzero(ends_here) + 1
    # Polynomial hash of each word: sum of (c + 1) * B**j, j counted from the word's start (a
    # word hashes the same wherever it stands), modulo 2**64 (uint64 wraps). As a difference
    # of prefix sums of (c + 1) * B**p, brought back to B**0 by B**-start (B is odd).
    terms = (points.astype(_U64) + _U64(1)) * inside * _powers(_CHAR_BASE, points.size)
    prefix = np.zeros(points.size + 1, dtype=_U64)
    np.cumsum(terms, out=prefix[1:])
    hashes = (prefix[end] - prefix[start]) * _powers(_CHAR_INVERSE, points.size)[start]
    # A text's words are those from the first word at or after its start to the next text's.
    text_starts = np.cumsum([0] + [len(f) + 1 for f in folded[:-1]])
    bounds = np.append(np.searchsorted(start, text_starts), start.size)
    owner = np.repeat(np.arange(len(folded)), np.diff(bounds))
    return _mix(hashes), owner


def _shingle_hashes(
    words: np.ndarray, owner: np.ndarray, texts: int, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every run of ``size`` words within one text, with the text of each.

    A text with fewer words than ``size`` makes one shingle of all its words.
    """
    count = max(0, words.size - size + 1)
    total = np.zeros(count, dtype=_U64)
    for offset in range(size if count else 0):
        total = total * _U64(_WORD_BASE) + words[offset : offset + count]
    inside_one_text = owner[:count] == owner[size - 1 :]
    grams, gram_owner = _mix(total[inside_one_text]), owner[:count][inside_one_text]
    per_text = np.bincount(owner, minlength=texts)
    short = np.flatnonzero((per_text > 0) & (per_text < size))
    if short.size == 0:
        return grams, gram_owner
    # Rare (titles, briefs): one shingle per short text, then back into text order.
    extra = [_mix(_polynomial(words[owner == i])) for i in short.tolist()]
    grams = np.concatenate([grams, np.concatenate(extra)])
    gram_owner = np.concatenate([gram_owner, short])
    order = np.argsort(gram_owner, kind="stable")
    return grams[order], gram_owner[order]


def _polynomial(words: np.ndarray) -> np.ndarray:
    total = np.zeros(1, dtype=_U64)
    for word in words:
        total = total * _U64(_WORD_BASE) + word
    return total


def _distinct(grams: np.ndarray) -> int:
    if grams.size < 2:
        return int(grams.size)
    ordered = np.sort(grams)
    return int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads polynomial hashes over all 64 bits."""
    values = (values ^ (values >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
    values = (values ^ (values >> _U64(27))) * _U64(0x94D049BB133111EB)
    return values ^ (values >> _U64(31))


def _powers(base: int, n: int) -> np.ndarray:
    """base**0 .. base**(n-1) modulo 2**64."""
    powers = np.full(n, base, dtype=_U64)
    powers[0] = 1
    return np.cumprod(powers)


def band_keys(sig: NearSig, params: NearParams = DEFAULT_PARAMS) -> list[int]:
    """One signed 64-bit key per band (fits BIGINT); equal keys mark an LSH candidate.

    An empty text gets no keys: all empty signatures are equal and would all collide.
    """
    return band_keys_of([sig], params)[0]


def band_keys_of(
    sigs: Sequence[NearSig | None], params: NearParams = DEFAULT_PARAMS
) -> list[list[int]]:
    """``band_keys`` of every signature (none for a missing one), in one array pass."""
    keys: list[list[int]] = [[] for _ in sigs]
    present = [i for i, sig in enumerate(sigs) if sig is not None and sig.size > 0]
    if not present:
        return keys
    width = params.bands * params.rows
    values = np.array([sigs[i].values[:width] for i in present], dtype=_U64)  # type: ignore[union-attr]
    values = values.reshape(len(present), params.bands, params.rows)
    # The band's index is part of its key: equal rows in different bands must not collide.
    key = np.tile(np.arange(1, params.bands + 1, dtype=_U64), (len(present), 1))
    for column in range(params.rows):
        key = _mix(key * _U64(_WORD_BASE) + values[:, :, column])
    for i, row in zip(present, key.view(np.int64).tolist(), strict=True):
        keys[i] = row
    return keys


def estimated_jaccard(a: NearSig, b: NearSig) -> float:
    """Share of equal MinHash values: an unbiased estimate of the shingle-set Jaccard."""
    if len(a.values) != len(b.values):
        raise ValueError(f"signatures of {len(a.values)} and {len(b.values)} permutations")
    if a.size == 0 or b.size == 0:
        return 0.0
    return sum(map(operator.eq, a.values, b.values)) / len(a.values)  # map: the loop runs in C


# The shorter text must hold at least this share of the longer one's shingles for full
# containment credit; below it the score shrinks proportionally, so a brief quoted inside a
# long feature (or a three-word text inside anything) is not called its duplicate, and the
# containment estimate, noisier as the sizes part, needs more evidence. An excerpt of a third
# (ratio ~0.33, containment ~0.95) keeps 0.63 of its score and still passes 0.5.
MIN_SIZE_RATIO = 0.5


def similarity(a: NearSig, b: NearSig) -> float:
    """Overlap coefficient |A∩B| / min(|A|, |B|), estimated from MinHash Jaccard and sizes,
    scaled down when one text has under MIN_SIZE_RATIO of the other's shingles.

    Containment rather than Jaccard: reprints add headers, footers and local paragraphs,
    cut tails or keep only an excerpt; Jaccard punishes all of these (an excerpt of a third
    has J ~0.33), while the share of the shorter text found in the longer stays near 1.
    """
    j = estimated_jaccard(a, b)
    if j == 0.0:
        return 0.0
    small, large = sorted((a.size, b.size))
    overlap = min(1.0, j * (small + large) / ((1.0 + j) * small))
    return overlap * min(1.0, small / large / MIN_SIZE_RATIO)


def is_near_duplicate(
    a: NearSig, b: NearSig, params: NearParams = DEFAULT_PARAMS
) -> tuple[bool, float]:
    """Verify an LSH candidate: (similarity >= threshold, similarity)."""
    score = similarity(a, b)
    return score >= params.threshold, score
