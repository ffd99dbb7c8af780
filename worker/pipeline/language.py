"""Offline, deterministic language identification (py3langid, a langid.py fork)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

# langid needs some text to say anything useful; below this we report "und".
_MIN_CHARS = 12
_SAMPLE_CHARS = 4000  # the first few thousand characters decide; whole bodies only cost time


@lru_cache(maxsize=1)
def _identifier() -> Any:
    # The model ships inside the package: loading it reads no network.
    from py3langid import langid

    return langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> tuple[str, float]:
    """ISO 639-1 code and a confidence in [0, 1]; ("und", 0.0) when there is too little text."""
    sample = text[:_SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < _MIN_CHARS:
        return "und", 0.0
    code, confidence = _identifier().classify(sample)
    return str(code), round(float(confidence), 4)
