"""General clean-up rules for a small model's entity spans, mostly for French: leading
articles and elided words, a role or common noun the span took along ("tabloïd Blesk",
"ministre de la Santé Roman Prymula"), generic nouns alone ("l'Etat") and the noun before
a list of names ("les entreprises Lime et Bird")."""

from __future__ import annotations

import re

from worker.pipeline.enrich.calendar_words import MONTHS, WEEKDAYS, fold
from worker.pipeline.enrich.name_words import NOT_NAMES, ROLES, TITLES
from worker.pipeline.enrich.speech_words import word_set

# A lower-case article the span took along: "la Tunisie", "les Etats-Unis", "l'Ostrava".
LEADING_ARTICLE = re.compile(r"^(?:(?:the|la|le|les)\s+|l['’](?=[A-ZÀ-Ý]))")
# A capitalised article before a name: "La Tunisie" at a sentence start.
CAPITAL_ARTICLE = re.compile(r"^(?:(?:The|La|Le|Les)\s+|L['’](?=[A-ZÀ-Ý]))")
# An elided word the span ran into: "Bird n’ont", "Notre règlement n’a".
TRAILING_ELISION = re.compile(
    r"\s+(?:n|qu|d|l|c|s|j|m|t|puisqu|lorsqu|jusqu)['’]\s*\Z", re.IGNORECASE
)
# Capitalised common nouns that name no one on their own ("le chef de l'Etat", "153 Etats").
GENERIC_NOUNS = word_set("état etat états etats gouvernement ville")
_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
# "de la Santé", "des Affaires étrangères": a minister's portfolio.
_PORTFOLIO = (
    rf"(?:de\s+la|de\s+l['’]\s*|du|des|de|d['’]\s*)\s*[{_UPPER}][\w\-]*"
    rf"(?:\s+[{_LOWER}][\w\-]*)*?"
)
# "ministre de la Santé Roman Prymula", "tabloïd Blesk": lower-case words, then perhaps a
# portfolio ("de la Santé"), then the name.
_LED_BY_NOUN = re.compile(
    rf"^(?P<noun>[{_LOWER}][\w\-]*)(?:\s+[{_LOWER}][\w\-]*)*?"
    rf"(?P<portfolio>\s+{_PORTFOLIO})?"
    rf"\s+(?P<name>[{_UPPER}].*)$"
)
# "le ministre de la Santé": a role and its portfolio, no name.
_ROLE_ONLY = re.compile(
    rf"^(?P<noun>[{_LOWER}][\w\-]*)(?:\s+[{_LOWER}][\w\-]*)*?"
    rf"\s+{_PORTFOLIO}$"
)
PERSON_ROLES = TITLES | ROLES
# Lower-case particles that start names ("de Gaulle", "van Gogh", "al-Assad"): kept.
PARTICLES = word_set(
    "de du des d' la le les l' van von der den ten ter da di do dos das del della el al bin "
    "ibn ben bint y e et and of the"
)
# The common noun before a name (or a list of names) that makes it an organisation.
ORG_NOUNS_ROMANCE = word_set(
    "société sociétés entreprise entreprises groupe groupes journal quotidien hebdomadaire "
    "tabloïd magazine parti partis ministère agence banque compagnie chaîne syndicat "
    "association fondation équipe université hôpital firme constructeur opérateur "
    "companies firms brands apps"
)
# "les entreprises Lime et ", "companies Acme, Globex and ": the list's own names skipped.
_LIST_BEFORE = re.compile(
    rf"(?:[{_UPPER}][\w'’\-]*(?:\s+[{_UPPER}][\w'’\-]*)*\s*(?:,|\s(?:et|and|or|ou))\s*)+\Z"
)


def strip_article(text: str) -> str:
    """Without a lower-case leading article: "la Tunisie" -> "Tunisie"."""
    return LEADING_ARTICLE.sub("", text)


def strip_elision(raw: str) -> str:
    """Without a trailing elided word: "Bird n’" -> "Bird"."""
    return TRAILING_ELISION.sub("", raw)


def without_capital_article(text: str) -> str:
    """``text`` without a capitalised leading article ("La Tunisie" -> "Tunisie")."""
    return CAPITAL_ARTICLE.sub("", text)


def is_role_only(text: str) -> bool:
    """A role and its portfolio with no name: "ministre de la Santé"."""
    match = _ROLE_ONLY.match(text)
    return bool(match and match.group("noun").casefold() in PERSON_ROLES)


def split_leading_noun(text: str) -> tuple[str, str] | None:
    """``(noun, name)`` when a lower-case common noun (and a portfolio) leads the span:
    "tabloïd Blesk" -> ("tabloïd", "Blesk"); None when the span starts with a capital."""
    if not text[:1].islower():
        return None
    match = _LED_BY_NOUN.match(text)
    if not match or not match.group("noun").islower() or match.group("noun") in PARTICLES:
        return None
    noun, name = match.group("noun").casefold(), match.group("name")
    if noun in PERSON_ROLES and not all(w[:1].isupper() for w in name.split()):
        return None  # "ministre des Affaires étrangères": a role, no name after it
    return noun, name


def label_by_noun(noun: str, label: str) -> str:
    """The label the common noun before a name gives it, else ``label``."""
    if noun in ORG_NOUNS_ROMANCE:
        return "ORG"
    if noun in PERSON_ROLES and label != "LOC":
        return "PER"
    return label


def noun_before_list(before: str) -> str:
    """The word before a name, or before the list of names it ends: "les entreprises Lime
    et " -> "entreprises"."""
    match = _LIST_BEFORE.search(before)
    head = before[: match.start()] if match else before
    words = head.split()
    return words[-1] if words else ""  # as written: "Union" is a name, "union" a noun


def is_generic(text: str) -> bool:
    """A capitalised common noun alone: "Etat", "Etats"."""
    return " " not in text and text.casefold() in GENERIC_NOUNS


# The head noun of an institution's name, which goes on in lower case: "Conseil des
# ministres" (one word, then punctuation: "des ministres a décidé" could be a verb's).
INSTITUTION_HEADS = word_set(
    "conseil office cour commission comité ministère direction agence institut banque caisse "
    "chambre tribunal service autorité secrétariat conférence assemblée fédération "
    "confédération syndicat département haut haute"
)
_INSTITUTION_TAIL = re.compile(
    rf"\A\s+(?:des|du|de\s+la|de\s+l'|de|d')\s*[{_LOWER}][\w\-]*(?=\s*[.,;:!?»\")\n])"
)
# "le Nord de l'Afrique": a compass point is part of the place after it.
COMPASS = word_set("nord sud est ouest north south east west")
_PLACE_TAIL = re.compile(
    rf"\A\s+(?:de\s+la|de\s+l['’]|du|des|de|of(?:\s+the)?)\s*[{_UPPER}][\w\-]*"
)


def institution_tail(text: str, label: str, after: str) -> int:
    """How many characters of ``after`` belong to an institution's name the model cut at
    its lower-case part (0 when none)."""
    if label != "ORG" or text.split()[0].casefold() not in INSTITUTION_HEADS:
        return 0
    match = _INSTITUTION_TAIL.match(after)
    return match.end() if match else 0


def place_tail(text: str, label: str, after: str) -> int:
    """How many characters of ``after`` a compass point takes along: "Nord de l'Afrique"."""
    if label != "LOC" or text.casefold() not in COMPASS:
        return 0
    match = _PLACE_TAIL.match(after)
    return match.end() if match else 0


# "where Adolf Hitler was born" read as "Hitler": a capitalised word right before a one-word
# person, itself after a lower-case word or a comma (so not a sentence's first word).
_GIVEN_NAME = re.compile(rf"(?<=[{_LOWER},]\s)([{_UPPER}][{_LOWER}\-]+)\s\Z")
_NOT_GIVEN = word_set(NOT_NAMES) | TITLES | ROLES | frozenset(MONTHS) | frozenset(WEEKDAYS)
# "the Twitter account": what follows a name says it is an organisation's.
ORG_AFTER = word_set("account accounts feed page platform app shares stock spokesman")
_ORG_AFTER = re.compile(r"\A\s+(\w+)")


def given_name(text: str, label: str, before: str) -> int:
    """How many characters of ``before`` are a one-word person's first name (0 if none)."""
    if label != "PER" or " " in text:
        return 0
    match = _GIVEN_NAME.search(before)
    if not match or fold(match.group(1)) in _NOT_GIVEN:
        return 0
    return len(before) - match.start()


def organisation_after(label: str, after: str) -> bool:
    """A person-labelled name followed by a noun only an organisation has: "Twitter
    account"."""
    match = _ORG_AFTER.match(after)
    return label == "PER" and match is not None and match.group(1).casefold() in ORG_AFTER


# A standalone word of the text, not a piece of an address, a handle or a URL
# ("pic.twitter.com", "@givewell"): the lower-case words a text writes.
_PLAIN_WORD = re.compile(r"(?<![\w'’./@\-])[^\W\d_]\w*(?![\w/@\-])(?!\.\w)")


def lower_case_words(text: str) -> frozenset[str]:
    return frozenset(w for w in _PLAIN_WORD.findall(text) if w.islower())


def is_one_capitalised_word(name: str) -> bool:
    """ "Moon", "Céréales": one word, capitalised, not an acronym."""
    return name[:1].isupper() and not name.isupper() and _PLAIN_WORD.fullmatch(name) is not None
