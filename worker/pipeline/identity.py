"""What makes two items the same article: content keys for thin bodies, trivial differences.

- A **thin** body (a feed's "Read the full story on Example News.", a one-line teaser) is no
  evidence of duplication on its own: its content key also covers the title and the URL (or
  GUID), so five teasers with five headlines are five items, while the same teaser sent
  twice is still one.
- Two versions of one page that differ only **trivially** (spacing, quote marks, punctuation,
  a byline or a timestamp line) have the same *loose* fingerprint: a duplicate, not a
  revision. A sentence added, removed or changed changes it.
"""

from __future__ import annotations

import hashlib
import re
import string

THIN_WORDS = 40
# Words of a byline or a timestamp line ("By Jane Doe", "Updated 18:40", "Mis à jour le ...").
_BYLINE = re.compile(
    r"^(by|par|von|por|di|door|от|oleh|updated?|published|posted|last updated|mis à jour|"
    r"publié|aktualisiert|veröffentlicht|actualizado|publicado|aggiornato|pubblicato)\b",
    re.IGNORECASE,
)
_CLOCK_OR_DATE = re.compile(r"\d{1,2}[:h.]\d{2}|\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}")
# Punctuation that does not make a text different. ASCII goes through bytes.translate and the
# rest through str.replace: both run in C, where a Unicode regex over every character cost
# more than the rest of the light profile's per-item work.
_ASCII_PUNCTUATION = bytes.maketrans(string.punctuation.encode(), b" " * len(string.punctuation))
_OTHER_PUNCTUATION = (
    "‘’‚‛“”„‟«»‹›‐‑‒–—―…·•′″\u00a0\u2009\u202f\u200b\u3000「」『』、。，！？：；（）《》〈〉"
)
_TRIVIAL_MAX_CHARS = 240  # a line of more than 12 words is longer than this in any script
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def word_count(body: str) -> int:
    """Words separated by spaces, plus one per two CJK characters (written without spaces)."""
    words = body.split()
    if len(words) >= THIN_WORDS:
        return len(words)  # the common case, without scanning for CJK
    return len(words) + len(_CJK.findall(body)) // 2


def is_thin(body: str) -> bool:
    # Splitting stops after THIN_WORDS words: a long body settles on its first few hundred
    # characters instead of being scanned whole.
    if len(body.split(None, THIN_WORDS)) > THIN_WORDS:
        return False
    return word_count(body) < THIN_WORDS


def content_key(body_fingerprint: str, title: str, where: str | None) -> str:
    """The fingerprint of a thin body: its text, its headline and where it points."""
    text = "\x1f".join((body_fingerprint, title.casefold().strip(), where or ""))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_trivial_line(line: str) -> bool:
    """A byline or a timestamp line: short, and names an author or a time, not news."""
    words = line.split()
    if not words or len(words) > 12:
        return False
    return bool(_BYLINE.match(line.strip())) or (
        len(words) <= 8 and bool(_CLOCK_OR_DATE.search(line))
    )


def loose_fingerprint(body: str) -> str:
    """SHA-256 of the body's words only: case, punctuation, quotes, spacing, bylines and
    timestamp lines do not count."""
    kept = [
        line
        for line in body.splitlines()
        if len(line) > _TRIVIAL_MAX_CHARS or not is_trivial_line(line)
    ]
    text = "\n".join(kept).casefold()
    for mark in _OTHER_PUNCTUATION:
        if mark in text:
            text = text.replace(mark, " ")
    words = text.encode("utf-8").translate(_ASCII_PUNCTUATION).split()
    return hashlib.sha256(b" ".join(words)).hexdigest()
