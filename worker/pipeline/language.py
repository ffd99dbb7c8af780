"""Offline, deterministic language identification (CLD2, through pycld2).

CLD2 is compiled C++ with its tables in the shared library: fast, and its tables are shared
read-only by every process instead of converted into each one. It also reports how much of
the text each language covers, so a mostly English article quoting Russian is English.
"""

from __future__ import annotations

import re

import pycld2

# CLD2 needs some text to say anything useful; below this we report "und".
_MIN_CHARS = 12
# The head of an article speaks its language: a sample of this size gives the same label as
# the whole body on the public corpus (CLD2 wants about 200 characters to be reliable).
_SAMPLE_CHARS = 600
# CLD2 refuses C1 controls and lone surrogates (not text in any language) as invalid UTF-8.
_NOT_TEXT = re.compile("[\x80-\x9f\ud800-\udfff]")
# CLD2 still uses a few withdrawn ISO 639-1 codes.
_OLD_CODES = {"iw": "he", "jw": "jv", "in": "id", "ji": "yi", "mo": "ro"}


def detect_language(text: str) -> tuple[str, float]:
    """ISO 639-1 code and a confidence in [0, 1]; ("und", 0.0) when there is too little text.

    The confidence is the share of the sample in the top language, capped at 0.5
    when CLD2 itself calls the answer unreliable (short or mixed text).
    """
    sample = text[:_SAMPLE_CHARS]
    if not _enough_letters(sample):
        return "und", 0.0
    try:
        reliable, _, details = _detect(sample)
    except (pycld2.error, UnicodeError):
        reliable, _, details = _detect(_NOT_TEXT.sub(" ", sample))
    _name, code, percent, _score = details[0]
    language = _iso_code(code)
    if language == "und":
        return "und", 0.0
    confidence = percent / 100 if reliable else min(percent / 100, 0.5)
    return language, round(confidence, 4)


def _detect(sample: str) -> tuple[bool, int, tuple[tuple[str, str, int, float], ...]]:
    # bestEffort: a short but real sentence still gets its likeliest language, flagged
    # unreliable, instead of "unknown".
    return pycld2.detect(sample, isPlainText=True, bestEffort=True)


def _iso_code(code: str) -> str:
    """``zh-Hant`` -> ``zh``, ``iw`` -> ``he``; CLD2's ``un`` and script-only ``xx-*`` -> und."""
    base = code.split("-")[0].lower()
    if base in ("un", "xx", ""):
        return "und"
    return _OLD_CODES.get(base, base)


def warm_up() -> None:
    """Touch the detector once before the pool forks (its tables live in the library)."""
    detect_language("warm up the language detector with one English sentence")


def _enough_letters(sample: str) -> bool:
    """At least ``_MIN_CHARS`` letters; stops early (a body has them in its first line)."""
    letters = 0
    for ch in sample:
        letters += ch.isalpha()
        if letters >= _MIN_CHARS:
            return True
    return False
