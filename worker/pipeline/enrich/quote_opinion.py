"""A quote introduced as someone's view: "Pour Bruno Le Maire, « … »", "Per il ministro
Giancarlo Giorgetti “…”", "Para el presidente Pedro Sánchez, “…”".

The view's holder opens the sentence and the quote follows right after the name: that is
how French, Italian, Spanish and Portuguese copy attribute an opinion. Without a model a
single capitalised word there is as likely a place ("Per Roma, “…”"), so a name needs two
words or a model that says it is a person.
"""

from __future__ import annotations

import re

from worker.pipeline.enrich.quote_marks import Quote
from worker.pipeline.enrich.quote_names import Speaker, name_at, named_next
from worker.pipeline.enrich.quote_patterns import DESCRIBED_NAME
from worker.pipeline.enrich.quote_reading import QuoteText

# "For" at the sentence's (or a line's) opening, then the holder and at most a comma.
VIEW_OF = re.compile(
    r"(?:\A|[.!?;]\s+|\n\s*)(?:Pour|Per|Para)\s+(?P<rest>[^\n]{3,80}?)\s*(?:,\s*)?\Z"
)


def view_holder(text: QuoteText, start: int, quote: Quote) -> Speaker | None:
    """The person whose view the quote gives, when the sentence opens with "for" and them."""
    match = VIEW_OF.search(text.masked, start, quote.start)
    if match is None:
        return None
    rest_at, rest = match.start("rest"), match["rest"]
    found = named_next(text, rest_at, quote.start)
    if found and found.name and found.label == "PER":
        return found
    described = DESCRIBED_NAME.match(rest)
    if described is None or rest[described.end() :].strip(" ,"):
        return None  # more than a name (and its role) before the quote
    if len(described["name"].split()) < 2:
        return None
    return name_at(text, rest_at, described)
