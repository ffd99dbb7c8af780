"""Author names out of bylines: "By TOM KRISHER, AP Auto Writer" -> ["Tom Krisher"].

One function for every source of authors (a page's meta tags and JSON-LD, a record's
``authors`` field): the "by" word, roles, agencies, e-mail addresses and handles go, several
authors become a list, and ALL-CAPS names are title-cased. Names already in mixed or lower
case are kept as written ("danah boyd" chose her spelling; we cannot tell).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

MAX_AUTHORS = 10
MAX_NAME_CHARS = 80
MAX_NAME_WORDS = 6  # more is a sentence that landed in an author field, not a name

# "By" in the languages we see, with one word before it if any ("Analysis by", "Written by").
_BY = re.compile(r"^(?:(?:[\w-]+\s+)?by|par|por|door|av|af|text|texte)\b[\s:]*", re.IGNORECASE)
# ... but "Editing by", "Photos by" name someone who did not write the article.
_NOT_WRITTEN_BY = re.compile(
    r"^(?:editing|edited|photos?|photography|graphics|illustrations?|video|translat\w*)\s+by\b",
    re.IGNORECASE,
)
# "By" words that are also surnames or particles go only when a name of two words or more
# is left after them: "Von Anna Schmidt", but "Di Maio".
_BY_OR_NAME = re.compile(r"^(?:von|di|de|da)\s+", re.IGNORECASE)

# Several authors in one string. One-letter conjunctions only in lower case: "Robert E Lee".
# A full stop ends a name after a word, not after an initial: "Troy L. Smith", "NH. Shear".
_SEPARATORS = re.compile(
    r"\s*(?:[,;|/]|(?<=[a-zß-ÿ]{2})\.\s|\s[-–—]\s|&|\b(?i:and|und|et|en|och|og)\b|\s[ey]\s)\s*"
)
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]|<[^>]*>")
_EMAIL = re.compile(r"(?:mailto:)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+|@\w+|https?://\S+")
# A host name or a user name with dots: "cleveland.com", "christian.stadtfeld".
_DOMAIN = re.compile(r"(?:www\.)?[\w-]+(?:\.[\w-]+)+")
# "Jane Doe in Kyiv": where the reporter was is not part of the name.
_PLACE = re.compile(r"\s+(?:in|à)\s+(?=[A-ZÀ-ÖØ-Þ]).*$")

# fmt: off
_ROLE_WORDS = frozenset({
    "writer", "writers", "correspondent", "correspondents", "reporter", "reporters",
    "reporting", "editor", "editors", "editing", "edited", "staff", "contributor",
    "contributors", "contributing", "columnist", "photographer", "photographers",
    "journalist", "journalists", "analyst", "producer", "bureau", "chief", "desk", "team",
    "newsroom", "senior", "special", "wire", "agencies", "agency", "services",
    # French, German, Spanish, Italian
    "correspondant", "correspondante", "envoyé", "envoyée", "spécial", "spéciale",
    "journaliste", "rédacteur", "rédactrice", "rédaction",
    "redakteur", "redakteurin", "redaktion", "korrespondent", "korrespondentin",
    "reporterin", "autor", "autorin",
    "corresponsal", "periodista", "redactor", "redactora", "redacción", "enviado", "enviada",
    "inviato", "inviata", "giornalista", "redazione", "corrispondente",
})
# Words of organisations (a site or publisher in the author field) and placeholders.
_ORG_WORDS = frozenset({
    "news", "media", "online", "zeitung", "magazine", "magazin", "verlag", "gmbh", "ltd",
    "inc", "llc", "business", "redakcja", "redacción", "redaccion",
})
_NOT_NAMES = frozenset({
    "admin", "administrator", "publisher", "super user", "no author", "anonymous", "anónimo",
    "anonym", "unknown", "guest", "gast", "webmaster", "editorial", "ev", "dr", "prof", "mr",
    "mrs", "ms", "mme",
    # degrees after a comma: "Ilana Muhlstein, MS, RDN"
    "phd", "md", "msc", "mba", "rdn", "rd", "ma", "mph", "rn", "esq",
})
_AGENCIES = frozenset({
    "ap", "afp", "reuters", "dpa", "efe", "ansa", "apa", "sda", "kna", "epd", "upi", "tass",
    "xinhua", "kyodo", "yonhap", "belga", "anp", "bloomberg",
})
# fmt: on
_AGENCY_NAMES = frozenset(
    {
        "associated press",
        "the associated press",
        "agence france-presse",
        "agence france presse",
        "press association",
        "pa media",
        "ria novosti",
        "europa press",
        "thomson reuters",
    }
)

# An agency written after the name without a separator ("TOM KRISHER Associated Press").
# Acronyms only as agencies write them: "Apa" or "Ansa" at the end may be a surname.
_TRAILING_AGENCY = re.compile(
    r"\s+(?:(?i:(?:the\s+)?(?:associated\s+press|agence\s+france[-\s]presse|reuters))"
    r"|AP|AFP|DPA|dpa|EFE|ANSA|APA|SDA|KNA|epd|UPI|TASS)$"
)

# Lower case inside a name, capitalised only as its first word ("Van Gogh").
# fmt: off
_PARTICLES = frozenset({
    "de", "del", "della", "der", "den", "des", "di", "du", "da", "dos", "das", "do", "la",
    "le", "van", "von", "ten", "ter", "zu", "y", "bin", "ibn",
})
# fmt: on
_ROMAN = re.compile(r"^(?:I{1,3}|IV|V|VI{1,3})\.?$")
_WORD_START = re.compile(r"(^|[-'’.])(\w)")


def clean_authors(raw: str | Iterable[str]) -> list[str]:
    """The person names in ``raw`` (one byline or a list of them), in order, once each."""
    bylines = [raw] if isinstance(raw, str) else list(raw)
    seen: dict[str, str] = {}
    for byline in bylines:
        for name in _names_in(byline):
            seen.setdefault(name.casefold(), name)
    return list(seen.values())[:MAX_AUTHORS]


def _names_in(byline: str) -> list[str]:
    # Unescaped first: "Redacci&oacute;n" would split at its ";".
    text = " ".join(_EMAIL.sub(" ", _PARENS.sub(" ", html.unescape(byline))).split())
    if text.startswith(("http://", "https://")):
        return []
    pieces = _SEPARATORS.split(text)
    names = (_name(_strip_by(piece)) for piece in pieces if not _NOT_WRITTEN_BY.match(piece))
    return [name for name in names if name is not None]


def _strip_by(text: str) -> str:
    text = _BY.sub("", text.strip(" \t:-–—,;"))
    rest = _BY_OR_NAME.sub("", text)
    if rest == text or len(rest.split()) < 2:
        return text
    # "Von der Leyen" is a surname, "Von Anna Schmidt" a byline.
    return text if rest.split()[0].lower() in _PARTICLES else rest


def _name(piece: str) -> str | None:
    if _is_role_or_agency(piece):  # before the trailing agency goes: "The Associated Press"
        return None
    name = _TRAILING_AGENCY.sub("", _PLACE.sub("", piece)).strip(" \t.,;:-–—'\"“”«»")
    words = name.split()
    if not words or len(name) >= MAX_NAME_CHARS or len(words) > MAX_NAME_WORDS:
        return None
    if not any(c.isalpha() for c in name) or any(c.isdigit() for c in name):
        return None
    if _is_role_or_agency(name):
        return None
    return _title_case(words, whole=_is_shouted(name))


def _is_role_or_agency(text: str) -> bool:
    """A role, an agency, an organisation, a placeholder or a host name: not a person."""
    folded = text.casefold().strip(" .")
    if folded in _AGENCY_NAMES or folded.removeprefix("the ") in _AGENCY_NAMES:
        return True
    if folded.replace(".", "") in _NOT_NAMES or _DOMAIN.fullmatch(folded):
        return True
    words = re.findall(r"\w+", folded)
    return bool(words) and (
        any(w in _ROLE_WORDS or w in _ORG_WORDS for w in words)
        or all(w in _AGENCIES for w in words)
    )


def _is_shouted(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


def _title_case(words: list[str], whole: bool) -> str:
    """Title case for a shouted name, or for its shouted surname ("Jean DUPONT", the French
    convention); a short capital word in a mixed-case name is initials ("JD Vance"), and
    acronyms stay as they are ("PTI", "BBC")."""
    if len(words) == 1 and len(words[0]) <= 4:
        return words[0]
    return " ".join(
        word
        if _is_acronym(word) or not (whole or _is_shouted_word(word))
        else _title_word(word, first=i == 0)
        for i, word in enumerate(words)
    )


def _is_acronym(word: str) -> bool:
    # Latin letters without a vowel cannot be said as a name: "CBS", "NDR", "BDZV".
    return word.isascii() and word.isalpha() and not any(c in "AEIOUYaeiouy" for c in word)


def _is_shouted_word(word: str) -> bool:
    return _is_shouted(word) and sum(c.isalpha() for c in word) >= 3 and not _ROMAN.match(word)


def _title_word(word: str, first: bool) -> str:
    if _ROMAN.match(word) and not first:
        return word  # "John Smith III"
    lower = word.lower()
    if lower in _PARTICLES and not first:
        return lower
    titled = _WORD_START.sub(lambda m: m[1] + m[2].upper(), lower)
    # "MCDONALD" -> "McDonald"; "Mac" is left alone: Macy, Mack and Machado are not "MacX".
    if len(titled) > 3 and titled.startswith("Mc"):
        titled = "Mc" + titled[2].upper() + titled[3:]
    return titled
