"""Quotation marks (« », » «, “ ”, „ “, ‘ ’, "…") and the quoted spans they enclose."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Guillemets both ways (« » French and Russian, » « German), German „ “, English doubles
# (closed by ” or by two apostrophes ’’, within its paragraph by a straight double after the
# closing punctuation where a CMS mixed the two kinds (“…," she said), or left open at a
# paragraph end when the next paragraph opens the quote again, as wire copy continues a
# long quote), a closing ” that opens a quote after a blank and before a letter, closed by
# another on its line (Spanish CMS copy: ”Haré todo lo necesario”, añadió), ASCII doubles
# (closed by either double), and single ‘ ’ (the closing one only before a non-letter,
# else it is an apostrophe).
QUOTE_RE = re.compile(
    r"«\s*([^«»]+?)\s*»|»\s*([^«»]+?)\s*«|„([^„“”]+?)[“”]"
    r"|“([^“”\n]+?)(?<=[,.?!])\"(?=\s|\Z)"
    r"|(?:(?<=\s)|\A)”(?=[^\W\d_])([^“”\n]+?)”"
    r"|“([^“”]+?)(?:”|’’|(?=\n\s*“))"
    r"|\"([^“”\"\n]+?)(?:[”\"]|’’|''|(?=\n\s*[\"“]))"
    r"|‘([^‘\n]+?)’(?!\w)"
)
_CLOSERS = "»«“”\"’'"


@dataclass
class Quote:
    start: int  # the opening mark
    end: int  # after the closing mark
    offset: int  # where the quoted text starts
    text: str
    open: bool  # left open at its paragraph's end: continued in the next paragraph
    speaker: str | None = None
    label: str = "PER"
    how: str | None = None


def quote_from_match(match: re.Match[str]) -> Quote:
    inner = next(g for g in match.groups() if g is not None)
    offset = match.start() + match[0].index(inner)
    text = inner.rstrip()
    return Quote(match.start(), match.end(), offset, text, match[0][-1] not in _CLOSERS)
