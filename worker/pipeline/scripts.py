"""Letters of the scripts the pipeline tells apart, as regex character-class ranges.

Pure constants, written once: a rule that reads Han, kana or Hangul builds its class from
these (``f"[{HAN}{KANA}]"``) instead of spelling the code points again.
"""

from __future__ import annotations

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs, extension A, compatibility
KANA = "\u3040-\u30ff"  # hiragana and katakana
HANGUL = "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"  # syllables, jamo, compatibility jamo
HANGUL_SYLLABLES = "\uac00-\ud7af"
LATIN = "A-Za-z\u00c0-\u024f\u1e00-\u1eff"  # basic, Latin-1, extended A and B, additional
CYRILLIC = "\u0400-\u04ff"
ARABIC = "\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff"  # with presentation forms
THAI = "\u0e00-\u0e7f"
