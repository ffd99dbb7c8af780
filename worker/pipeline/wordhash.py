"""Words, shingles and their 64-bit hashes, for a whole batch of texts in array passes.

Pure: no I/O. ``pipeline.neardup`` builds MinHash signatures on these hashes; ``tokens`` there
is the readable definition of a word that ``word_hashes`` must agree with.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

_U64 = np.uint64

# Words are runs of letters/digits. Quote glyphs (’ ' « » “ ” ") are never part of a word,
# so restyled quotes and apostrophes split the same way without a costly translate().
# Han and kana are written without spaces, so each such character counts as a word;
# otherwise a whole Chinese or Japanese sentence would be a single token. With 3-word
# shingles a CJK shingle is 3 characters (about a word and a half). The ranges: iteration
# marks 々〆〇, kana, katakana extensions, Han (extension A, the basic block, compatibility),
# halfwidth katakana, and Han extensions B-G with the compatibility supplement.
CJK_RANGES = (
    (0x3005, 0x3007),
    (0x3040, 0x30FF),
    (0x31F0, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF66, 0xFF9F),
    (0x20000, 0x3134F),
)

# Characters processed in one array pass (neardup splits a batch into such groups): the
# arrays take about 40 bytes per character, so a batch of long texts is split rather than
# held at once (a single longer text still goes alone: the item size limit bounds it).
GROUP_CHARS = 1_000_000

# Multipliers for the polynomial hashes (odd, so invertible modulo 2**64).
_CHAR_BASE = 0x100000001B3
_CHAR_INVERSE = pow(_CHAR_BASE, -1, 2**64)
WORD_BASE = 0x9E3779B97F4A7C15


@lru_cache(maxsize=1)
def _char_classes() -> np.ndarray:
    """Per code point: 0 not part of a word, 1 word character (``\\w``), 2 CJK (a word alone).

    1.1 MB, built once (about 0.1 s) in a worker's parent and shared by its pool processes.
    """
    table = np.zeros(0x110000, dtype=np.uint8)
    every = "".join(map(chr, range(0x110000)))
    table[[m.start() for m in re.finditer(r"\w", every)]] = 1
    for low, high in CJK_RANGES:
        table[low : high + 1] = 2
    return table


def warm_up() -> None:
    """Build the character table now (in a worker's parent, so pool processes share it)."""
    word_hashes(["warm up"])


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
    return mix(hashes), owner


def shingle_hashes(
    words: np.ndarray, owner: np.ndarray, texts: int, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every run of ``size`` words within one text, with the text of each.

    A text with fewer words than ``size`` makes one shingle of all its words.
    """
    count = max(0, words.size - size + 1)
    total = np.zeros(count, dtype=_U64)
    for offset in range(size if count else 0):
        total = total * _U64(WORD_BASE) + words[offset : offset + count]
    inside_one_text = owner[:count] == owner[size - 1 :]
    grams, gram_owner = mix(total[inside_one_text]), owner[:count][inside_one_text]
    per_text = np.bincount(owner, minlength=texts)
    short = np.flatnonzero((per_text > 0) & (per_text < size))
    if short.size == 0:
        return grams, gram_owner
    # Rare (titles, briefs): one shingle per short text, then back into text order.
    extra = [mix(_polynomial(words[owner == i])) for i in short.tolist()]
    grams = np.concatenate([grams, np.concatenate(extra)])
    gram_owner = np.concatenate([gram_owner, short])
    order = np.argsort(gram_owner, kind="stable")
    return grams[order], gram_owner[order]


def _polynomial(words: np.ndarray) -> np.ndarray:
    total = np.zeros(1, dtype=_U64)
    for word in words:
        total = total * _U64(WORD_BASE) + word
    return total


def distinct(grams: np.ndarray) -> int:
    if grams.size < 2:
        return int(grams.size)
    ordered = np.sort(grams)
    return int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1


def mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads polynomial hashes over all 64 bits."""
    values = (values ^ (values >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
    values = (values ^ (values >> _U64(27))) * _U64(0x94D049BB133111EB)
    return values ^ (values >> _U64(31))


def _powers(base: int, n: int) -> np.ndarray:
    """base**0 .. base**(n-1) modulo 2**64, as blocks: the powers within a block times each
    block's first power. A running product over all n is sequential and cost about as much
    as the hashes themselves; this is one vectorised multiply."""
    blocks = -(-n // _BLOCK)
    firsts = _computed_powers(pow(base, _BLOCK, 2**64), blocks)
    return (firsts[:, None] * _block_powers(base)[None, :]).ravel()[:n]


_BLOCK = 1024


@lru_cache(maxsize=2)
def _block_powers(base: int) -> np.ndarray:
    return _computed_powers(base, _BLOCK)


def _computed_powers(base: int, n: int) -> np.ndarray:
    powers = np.full(n, base, dtype=_U64)
    powers[:1] = 1  # (none when n is 0)
    return np.cumprod(powers)
