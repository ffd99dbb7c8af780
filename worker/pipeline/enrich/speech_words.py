"""Words that attribute a quotation, per language: speech verbs, the auxiliaries of their
compound tenses, subject pronouns and "according to".

Plain tables, joined into regex alternations by ``quotes.py``. A verb form is listed as it
stands next to the speaker: the past of wire copy ("said", "sagte", "dijo", "сказал") and
the present of features ("says", "sagt", "dice").
"""

from __future__ import annotations

SPEECH_VERBS: dict[str, list[str]] = {
    "en": [
        "said",
        "says",
        "told",
        "added",
        "stated",
        "explained",
        "noted",
        "wrote",
        "insisted",
        "warned",
        "announced",
        "declared",
        "continued",
        "replied",
        "argued",
        "claimed",
        "tweeted",
        "asked",
        "urged",
    ],
    "fr": [
        "déclaré",
        "dit",
        "ajouté",
        "affirmé",
        "indiqué",
        "souligné",
        "expliqué",
        "estimé",
        "précisé",
        "assuré",
        "poursuivi",
        "conclu",
        "répondu",
        "annoncé",
        "averti",
        "insisté",
        "martelé",
        "lancé",
        "confié",
        "rappelé",
        "noté",
        "écrit",
        "déclare",
        "ajoute",
        "affirme",
        "indique",
        "souligne",
        "explique",
        "estime",
        "précise",
        "assure",
        "poursuit",
        "conclut",
        "répond",
        "annonce",
        "avertit",
        "insiste",
        "confie",
        "rappelle",
        "note",
    ],
    "de": [
        "sagte",
        "sagt",
        "sagten",
        "gesagt",
        "erklärte",
        "erklärt",
        "erklärten",
        "betonte",
        "betont",
        "meinte",
        "meint",
        "warnte",
        "schrieb",
        "ergänzte",
        "fügte",
        "kündigte",
    ],
    "es": [
        "dijo",
        "dice",
        "dicho",
        "afirmó",
        "afirma",
        "declaró",
        "aseguró",
        "asegura",
        "señaló",
        "señala",
        "explicó",
        "explica",
        "indicó",
        "añadió",
        "agregó",
        "advirtió",
        "subrayó",
        "sostuvo",
        "manifestó",
        "comentó",
        "insistió",
    ],
    "it": [
        "detto",
        "dichiarato",
        "affermato",
        "spiegato",
        "aggiunto",
        "sottolineato",
        "annunciato",
        "precisato",
        "dice",
        "afferma",
        "spiega",
        "aggiunge",
        "disse",
        "dichiara",
        "sottolinea",
    ],
    "pt": [
        "disse",
        "diz",
        "afirmou",
        "afirma",
        "declarou",
        "explicou",
        "acrescentou",
        "destacou",
        "garantiu",
        "ressaltou",
        "salientou",
    ],
    "nl": [
        "zei",
        "zegt",
        "zeiden",
        "gezegd",
        "verklaarde",
        "stelde",
        "meldde",
        "benadrukte",
        "schreef",
    ],
    "ru": [
        "сказал",
        "сказала",
        "сказали",
        "заявил",
        "заявила",
        "заявили",
        "отметил",
        "отметила",
        "добавил",
        "добавила",
        "подчеркнул",
        "подчеркнула",
        "сообщил",
        "сообщила",
        "пояснил",
        "пояснила",
        "говорит",
    ],
    "id": [
        "kata",
        "ujar",
        "tutur",
        "ungkap",
        "imbuh",
        "tambah",
        "mengatakan",
        "menyatakan",
        "menjelaskan",
    ],
    "tr": ["dedi", "söyledi", "açıkladı", "belirtti", "kaydetti", "vurguladı", "konuştu"],
}

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

# Turkish closes a quote with "diye" before the verb: "\"…\" diye açıkladı Şimşek".
QUOTATIVES = ("diye",)

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
PRONOUN_VERBS = ["katanya", "ujarnya", "tuturnya", "ungkapnya", "imbuhnya", "tambahnya", "jelasnya"]

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


def all_verbs() -> list[str]:
    """Every speech verb of every language, longest first for the regex alternation."""
    return sorted({v for verbs in SPEECH_VERBS.values() for v in verbs}, key=len, reverse=True)


# Words that may stand between a speaker and the verb: "Smith also said:", Turkish
# "Erdoğan şunları söyledi:" ("said the following").
BETWEEN = (
    "also again then later auch noch aussi encore también anche também ook также juga şunları şöyle"
)

# A capitalised article or pronoun starts a common noun phrase, not a name: "The minister
# said", "Die Ministerin sagte", "Il a déclaré". Not "le", "la", "de": "Le Pen", "De Luca".
NOT_NAMES = (
    "the a an this he she they we i it die der das ein eine er sie wir les un une il elle "
    "ils nous on los las gli os as um uma het een hij zij wij"
)
