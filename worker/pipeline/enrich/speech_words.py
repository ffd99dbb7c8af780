"""Words that attribute a quotation with a speech verb, per language: the auxiliaries of
its compound tenses, subject pronouns, participles and "according to". The verbs themselves
are in ``speech_verbs.py``, the words around a speaker's name in ``name_words.py``.

Plain tables, joined into regex alternations by ``quote_patterns.py``.
"""

from __future__ import annotations

# Between the speaker and the verb of a compound tense: "a déclaré", "ha detto", "hat gesagt".
AUXILIARIES = [
    "a",
    "ont",
    "avait",
    "avaient",
    "ha",
    "hanno",
    "han",
    "hat",
    "haben",
    "heeft",
    "hebben",
    "has",
    "have",
    "had",
]

# Turkish closes a quote with "diye" before the verb: "\"…\" diye açıkladı Şimşek", or
# with "his words": "\"…\" ifadelerini kullandı".
QUOTATIVES = ("diye", "ifadelerini", "ifadesini", "sözlerini")

# A pronoun next to the verb points back to the last named speaker ("he said", "zei hij").
PRONOUNS = [
    "he",
    "she",
    "they",
    "il",
    "elle",
    "ils",
    "elles",
    "er",
    "sie",
    "hij",
    "zij",
    "ze",
    "él",
    "ella",
    "ellos",
    "lui",
    "lei",
    "ele",
    "ela",
    "eles",
    "он",
    "она",
    "они",
    "ia",
    "dia",
]

# Indonesian joins the pronoun to the verb: "katanya" is "he said".
PRONOUN_VERBS = [
    "katanya",
    "ujarnya",
    "tuturnya",
    "ungkapnya",
    "imbuhnya",
    "tambahnya",
    "jelasnya",
    "tegasnya",
    "paparnya",
    "sebutnya",
    "lanjutnya",
    "pungkasnya",
]

# A pronoun that stands for an organisation: "“…,” it said" is the company or ministry.
THING_PRONOUNS = ("it",)

# Participles and gerunds introduce a quote of the sentence's subject ("Smith left, saying
# “…”"), but never name a speaker after a quote ("“…,” adding that Jones…" is not Jones).
PARTICIPLES = {
    "en": [
        "saying",
        "adding",
        "telling",
        "writing",
        "noting",
        "warning",
        "explaining",
        "stating",
        "called",
        "calling",
        "described",
        "describing",
        "dubbed",
    ],
    "fr": ["déclarant", "ajoutant", "expliquant", "affirmant", "estimant", "soulignant"],
    "de": ["sprach", "spricht", "nannte", "bezeichnete"],
    "es": [
        "diciendo",
        "añadiendo",
        "agregando",
        "afirmando",
        "explicando",
        "asegurando",
        "señalando",
        "indicando",
        "precisando",
        "subrayando",
        "advirtiendo",
    ],
    "it": ["dicendo", "aggiungendo", "spiegando", "affermando"],
    "pt": ["dizendo", "afirmando", "acrescentando", "explicando"],
    "nl": ["zeggend"],
}

# Right after a quote, these name the speaker without a verb: "„…“, so Merkel", "aldus Rutte".
AFTER_QUOTE = ("so", "aldus")

ACCORDING = (
    "according to",
    "selon",
    "d'après",
    "d’après",
    "según",
    "secondo",
    "segundo",
    "de acordo com",
    "laut",
    "volgens",
    "menurut",
    "по словам",
)

# The one-word keys among them ("selon", "según", "laut"): never a name, never a verb.
ACCORDING_WORDS = frozenset(phrase for phrase in ACCORDING if " " not in phrase)

# Words that may stand between a speaker and the verb: "Smith also said:", Turkish
# "Erdoğan şunları söyledi:" ("said the following").
BETWEEN = (
    "also again then later auch noch aussi encore también anche também ook также juga şunları "
    "şöyle instead previously further recently earlier finally once"
)


def word_set(words: str) -> frozenset[str]:
    """The words of a space-separated list."""
    return frozenset(words.split())


def all_participles() -> list[str]:
    """Every participle of ``PARTICIPLES``, longest first."""
    return sorted({v for verbs in PARTICIPLES.values() for v in verbs}, key=len, reverse=True)
