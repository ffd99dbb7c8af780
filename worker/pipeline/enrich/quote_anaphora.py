"""A quote attributed by the sentence after it, with a word that points back at it.

Wire copy in many languages closes a quote with its sentence and names the speaker in the
next one: "“…”. Lo ha detto la premier Giorgia Meloni", "“…”. Così il ministro Giorgetti",
"“…”. Об этом заявил Дмитрий Песков", "“…”. Hal itu disampaikan Menteri Sri Mulyani",
"“…”. Así lo afirmó el presidente Sánchez", "« … ». C'est ce qu'a déclaré Emmanuel Macron",
"„…“ Das sagte Olaf Scholz", "“…”. Dat zei Mark Rutte". Only that opening counts: a next
sentence that merely names someone says nothing of who spoke.
"""

from __future__ import annotations

import re

from worker.pipeline.enrich.quote_attribution import name_after_verb
from worker.pipeline.enrich.quote_marks import Quote
from worker.pipeline.enrich.quote_names import Speaker, named_next
from worker.pipeline.enrich.quote_reading import QuoteText

_SAID_IT = (
    "detto|dichiarato|affermato|spiegato|annunciato|sottolineato|ribadito|scritto|riferito"
    "|precisato|evidenziato|commentato|assicurato|aggiunto"
)
_SAID_ES = "dijo|afirmó|aseguró|declaró|explicó|señaló|indicó|manifestó|expresó|sostuvo|advirtió"
_SAID_FR = "déclaré|affirmé|dit|expliqué|indiqué|assuré|annoncé|souligné|estimé|confié|écrit"
_SAID_DE = "sagte|sagt|erklärte|erklärt|betonte|schrieb|sagten|erklärten"
_SAID_NL = "zei|zegt|schreef|schrijft|verklaarde|stelde|stelt"
_SAID_PT = "disse|afirmou|declarou|explicou|garantiu|destacou"
_SAID_RU = (
    "заявил|заявила|заявили|сообщил|сообщила|сообщили|сказал|сказала|рассказал|рассказала"
    "|написал|написала|отметил|отметила"
)
_SAID_ID = "disampaikan|dikatakan|diungkapkan|ditegaskan|dijelaskan|disebutkan"
# The opening of the next sentence, up to where the speaker's name (or role) follows; a
# word or three may stand between ("Lo ha detto oggi", "Об этом в понедельник заявил").
POINTING_BACK = re.compile(
    rf"(?:(?:Lo\s+|L['’])ha(?:nno)?\s+(?:[a-zà-ù]+\s+){{0,2}}(?:{_SAID_IT})\b|(?P<thus>Così)\b"
    rf"|Así\s+lo\s+(?:{_SAID_ES})\b"
    rf"|C['’]est\s+ce\s+qu['’](?:a|ont)\s+(?:{_SAID_FR})\b"
    rf"|(?:Das|Dies)\s+(?:{_SAID_DE})\b"
    rf"|Dat\s+(?:{_SAID_NL})\b"
    rf"|(?:Foi|É)\s+o\s+que\s+(?:{_SAID_PT})\b"
    rf"|Об\s+этом\s+(?:[а-яё\-]+\s+){{0,3}}(?:{_SAID_RU})\b"
    rf"|Hal\s+(?:itu|tersebut|ini)\s+(?:{_SAID_ID})(?:\s+oleh)?\b)"
    r"[ \t]*"
)
_SENTENCE_END = re.compile(r"[ \t]*[.!?]?[ \t]*\n?[ \t]*")
_REACH = 160  # the next sentence's opening: the name follows within this many characters


def speaker_next_sentence(text: QuoteText, quote: Quote) -> Speaker | None:
    """The person named right after a pointing-back opening of the next sentence, when the
    quote closes its own sentence."""
    if not _closes_its_sentence(text, quote):
        return None
    # Bounded: the blanks of the quotes that follow must not be scanned from every quote.
    gap = _SENTENCE_END.match(text.masked, quote.end, quote.end + _REACH)
    start = gap.end() if gap else quote.end
    cue = POINTING_BACK.match(text.masked, start)
    if cue is None:
        return None
    rest_at = cue.end()
    end = min(len(text.masked), rest_at + _REACH)
    rest = text.masked[rest_at:end]
    found = named_next(text, rest_at, end) or name_after_verb(text, rest_at, rest)
    if found is None or not found.name:
        return None
    if cue["thus"] and not _ends_the_clause(text.masked, text.masked.find(found.name, rest_at)):
        return None  # "Così il ministro Giorgetti ha chiuso …": a clause, not an attribution
    return found


# After "Così" and a name, an attribution ends or goes on with where or how it was said
# ("Così il ministro Giorgetti a margine del vertice", "…, in una nota"); a verb after the
# name makes "Così" the adverb of a clause of its own.
_AFTER_THE_NAME = re.compile(
    r"[ \t]*(?:[.,;:\n]|\Z|(?:in|a|al|alla|ai|nel|nella|nei|durante|su|sul|sulla|con|da|dal"
    r"|dalla|oggi|ieri|stamani|stamattina|stasera)\b)"
)


_NAME_WORDS = re.compile(r"\S+(?:\s+[A-ZÀ-Ý][\w'’\-]*)*")
_STOPS = (".", "!", "?", "…")


def _closes_its_sentence(text: QuoteText, quote: Quote) -> bool:
    """The quote ends on a full stop, or one follows right after its closing mark."""
    if quote.text.rstrip()[-1:] in _STOPS:
        return True
    return text.masked[quote.end : quote.end + 3].lstrip(" \t")[:1] in _STOPS


def _ends_the_clause(masked: str, at: int) -> bool:
    """Whether the name at ``at`` ends its clause or goes on with where or when."""
    name = _NAME_WORDS.match(masked, at) if at >= 0 else None
    return bool(name and _AFTER_THE_NAME.match(masked, name.end(), name.end() + _REACH))
