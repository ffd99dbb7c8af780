"""Words that never start or end a key phrase, per language.

The base is the Stopwords ISO collection (the ``stopwordsiso`` package: 58 languages by
ISO 639-1 code, MIT, maintained, no network), which is broad on purpose: its English list
has "said", "new", "world", "state". Two kinds of words come on top, for every language,
because news is full of them and they never say what an article is about: speech verbs
("said", "told", "sagte", "a déclaré") and the pieces of a web address.

Broad lists also hold words that are part of names ("New York", "World Bank", "State
Department"), so they are split in two: ``hard`` words (spaCy's short grammatical list,
speech verbs, URL pieces) are stop words everywhere; the others (``soft``) are not when
written with a capital inside a sentence (see keywords.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# Reported speech in wire copy: present and past forms, as they stand in the text.
SPEECH_VERBS: dict[str, str] = {
    "en": "say says said saying tell tells told added adds stated noted explained "
    "insisted warned announced declared replied argued claimed tweeted according",
    "de": "sagen sagt sagte sagten gesagt erklärt erklärte erklärten betont betonte "
    "teilte mit sprach meinte meinten fügte hinzu laut zufolge",
    "fr": "dit dire déclaré déclare affirmé affirme ajouté ajoute indiqué indique "
    "souligné souligne expliqué explique estimé estime précisé précise assuré assure "
    "annoncé annonce selon",
    "es": "dijo dice dicen dijeron decir afirmó afirma declaró declara añadió añade "
    "señaló señala explicó explica aseguró asegura indicó indica según",
    "it": "detto dice dicono disse dichiarato dichiara affermato afferma aggiunto "
    "aggiunge spiegato spiega sottolineato sottolinea secondo",
    "pt": "disse diz dizem disseram afirmou afirma declarou declara acrescentou "
    "explicou explica segundo",
    "nl": "zei zegt zeggen zeiden verklaarde verklaart vertelde liet weten volgens",
    "ru": "сказал сказала сказали заявил заявила заявили сообщил сообщила сообщили "
    "отметил отметила по словам",
    "id": "kata katanya mengatakan ujar ujarnya menurut menyatakan",
    "tr": "dedi söyledi açıkladı belirtti ifade etti göre",
}
# Address pieces that survive tokenising a URL that was not caught whole (amzn.to/...).
URL_PIECES = frozenset(
    ["http", "https", "www", "com", "org", "net", "html", "htm", "php", "amzn", "utm", "bit", "ly"]
)


@dataclass(frozen=True)
class StopWords:
    """``hard`` words are never key; ``soft`` ones are, written as part of a name;
    ``breaks`` (speech verbs, URL pieces) are not even inside a phrase ("Powell told
    reporters")."""

    hard: frozenset[str]
    soft: frozenset[str]
    breaks: frozenset[str]

    def __contains__(self, word: object) -> bool:
        return word in self.hard or word in self.soft


@lru_cache(maxsize=64)
def stop_words(language: str | None) -> StopWords:
    """The stop words of ``language`` (an ISO 639-1 code); URL pieces only when unknown."""
    code = (language or "").lower()
    breaks = frozenset(SPEECH_VERBS.get(code, "").split()) | URL_PIECES
    hard = _grammatical(code) | breaks
    return StopWords(hard, _maintained(code) - hard, breaks)


def _maintained(code: str) -> frozenset[str]:
    import stopwordsiso  # late: only enrichment needs the word lists

    return frozenset(w.lower() for w in stopwordsiso.stopwords(code)) if code else frozenset()


def _grammatical(code: str) -> frozenset[str]:
    """spaCy's list: short, grammatical words only (articles, pronouns, auxiliaries)."""
    if not code:
        return frozenset()
    from spacy.util import get_lang_class  # imported late: only the lists are wanted

    try:
        return frozenset(get_lang_class(code).Defaults.stop_words)
    except ImportError:
        return frozenset()
