"""A quote that a participle hands to the person after it, as Turkish copy writes it:
"“…” diyen Bakan Mehmet Şimşek, …" ("Minister Şimşek, who said “…”, …"), "“…” ifadelerini
kullanan Erdoğan", "“…” açıklamasını yapan", "“…” şeklinde konuşan". The participle makes
the quote its object and the name after it the subject of the sentence that goes on.
"""

from __future__ import annotations

import re

from worker.pipeline.enrich.quote_marks import Quote
from worker.pipeline.enrich.quote_names import Speaker, name_at, named_next
from worker.pipeline.enrich.quote_patterns import NAME_PATTERN
from worker.pipeline.enrich.quote_reading import QuoteText

SAID_WHO = re.compile(
    r"[ \t]*(?:,[ \t]*)?(?:diyen|diye\s+konuşan"
    r"|(?:ifadelerini|ifadesini|sözlerini|açıklamasını|değerlendirmesini|mesajını)"
    r"\s+(?:kullanan|yapan|dile\s+getiren|paylaşan|veren)"
    r"|şeklinde\s+(?:konuşan|açıklama\s+yapan))"
    rf"\s+(?P<name>{NAME_PATTERN})"
)
_REACH = 120


def speaker_by_participle(text: QuoteText, quote: Quote) -> Speaker | None:
    """The person a Turkish participle right after the quote names."""
    # Bounded: the blanks of the quotes that follow must not be scanned from every quote.
    match = SAID_WHO.match(text.masked, quote.end, quote.end + _REACH)
    if match is None:
        return None
    found = named_next(text, match.start("name"), min(len(text.masked), match.end() + _REACH))
    return found if found and found.name else name_at(text, 0, match)
