"""Which of PER, ORG, LOC and MISC a mention is: every model's labels mapped onto those
four, then rules for what a small model often misreads (streets, home towns, listed places,
institutions read as places, and the common noun right before a name)."""

from __future__ import annotations

import re

from worker.pipeline.enrich.entity_rules import ORG_NOUNS_ROMANCE, noun_before_list
from worker.pipeline.enrich.name_words import INSTITUTION_FIRST, ROLES, TITLES
from worker.pipeline.enrich.speech_words import word_set

# Every pipeline's labels onto the four of the French (WikiNER) scheme. OntoNotes (English)
# places GPE, LOC and FAC apart; we keep one LOC. A label we do not know becomes MISC.
LABELS = {
    "PER": "PER",
    "PERSON": "PER",
    "ORG": "ORG",
    "LOC": "LOC",
    "GPE": "LOC",
    "FAC": "LOC",
    "MISC": "MISC",
    "NORP": "MISC",
    "EVENT": "MISC",
    "PRODUCT": "MISC",
    "WORK_OF_ART": "MISC",
    "LAW": "MISC",
    "LANGUAGE": "MISC",
}
# OntoNotes also tags values; dates and numbers have their own fields (dates, numbers).
DROPPED = frozenset({"DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "ORDINAL", "CARDINAL"})
# A street is a place whatever the model says ("1909 Jolinda Drive" as a person): by its
# last word in English, by its first in the Romance languages.
_STREET_LAST = word_set(
    "street st avenue ave road rd drive boulevard blvd lane place court way highway square "
    "parkway terrace"
)
_STREET_FIRST = word_set("rue avenue boulevard calle avenida rua viale piazza plaza praça largo")
# "Barry, Berrien, Cass and Van Buren counties": every name of a list before a place noun is
# a place, whatever the model calls each one.
_CAPITALISED = r"[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*)*"
_LIST_OF_PLACES = re.compile(
    rf"(?:(?:,|,?\s+(?:and|or))\s+{_CAPITALISED})*\s+"
    r"(?:count(?:y|ies)|provinces?|states?|regions?|districts?|cities|towns?|villages?"
    r"|islands?|rivers?|municipalities|parishes|prefectures|oblasts?|prisons?|jails?"
    r"|airports?|stadiums?|bridges?)\b"
)
# "John Smith, 45, of Franklin": where a person lives is a place.
_HOME_TOWN = re.compile(r"\b\d{1,3},?\s+of\s*\Z")
# The common noun right before a name says what it names: "fact-checking website Full
# Fact" is an organisation, "Fox News host Jeanine Pirro" a person.
_ORG_NOUNS = word_set(
    "website site platform company firm group newspaper agency network broadcaster channel "
    "magazine outlet bank lender insurer airline carrier automaker retailer startup charity "
    "club team university college hospital union ministry app brand giant operator regulator "
    "watchdog organization organisation foundation institute association council committee "
    "publisher studio"
)
_PERSON_NOUNS = word_set(
    "host anchor analyst economist strategist trader lawyer attorney spokesman spokeswoman "
    "spokesperson official officer leader chief minister president director executive founder "
    "author writer professor researcher scientist doctor coach player actor actress singer "
    "journalist reporter correspondent editor columnist commentator activist candidate senator "
    "governor mayor judge lawmaker secretary ambassador envoy adviser advisor aide chairman "
    "chairwoman ceo manager owner resident student teacher nurse witness employee worker "
    "victim suspect rival colleague son daughter wife husband mother father brother sister "
    "supervisor commissioner councilman councilwoman councillor councilor sheriff "
    "quarterback pitcher striker goalkeeper midfielder defender linebacker receiver rusher "
    "batter catcher winger champion boxer golfer cyclist swimmer skier athlete jockey"
)
# Words never cut off a person's span: nouns that are also surnames ("Son Heung-min") and
# titles that are also first names or initials ("Don Dokken", "M. Caldwell").
_ALSO_NAMES = word_set(
    "son daughter wife husband mother father brother sister rival don bay m sr bu"
)
_TITLE_WORDS = (TITLES | ROLES | _PERSON_NOUNS) - _ALSO_NAMES
_FIRST_WORD = re.compile(r"(\S+?)\.?\s+(?=[^\W\d_])")


def person_name_only(text: str) -> str:
    """A person's span without the title or role the model took along ("Supervisor Alfredo
    Pedroza") or a photo credit's agency ("Jonathan Nackstrand/AFP"): a name has neither."""
    name = text.split("/")[0].rstrip()
    while (
        (first := _FIRST_WORD.match(name))
        and first[1].casefold() in _TITLE_WORDS
        and name[first.end()].isupper()  # "Premier ministre" is a title, not a name
    ):
        name = name[first.end() :]
    return name if sum(c.isalpha() for c in name) > 1 else text


# One word in capitals is an acronym, never a person in running text ("SAG", "KTRK").
_ACRONYM = re.compile(r"[A-Z]{2,6}")


def _team(name: str, previous: str, after: str) -> bool:
    """ "the Steelers spent", "the Telegraph," name a team or a paper; in "the Trump
    administration" a person's name is a modifier: a singular name with a lower-case word
    after it is left as the model read it (so is "the Telegraph reported")."""
    modifier = bool(_NEXT_LOWER.match(after)) and not name.endswith("s")
    return previous.casefold() == "the" and not modifier


_NEXT_LOWER = re.compile(r"\s+[a-z]")


def relabel(name: str, label: str, before: str, after: str) -> str:
    """Streets, home towns and listed places are places, and the common noun before a name
    says whether it is a person or an organisation, whatever the model read; one word
    after "the" or in capitals is no person."""
    words = name.casefold().split()
    if len(words) > 1 and (words[-1].rstrip(".") in _STREET_LAST or words[0] in _STREET_FIRST):
        return "LOC"
    if label in {"PER", "ORG", "LOC"} and (
        _LIST_OF_PLACES.match(after) or _HOME_TOWN.search(before)
    ):
        return "LOC"
    if label == "LOC" and len(words) > 1 and words[0] in INSTITUTION_FIRST:
        return "ORG"
    noun = before.split()[-1:] or [""]
    if (
        label == "PER"
        and len(words) == 1
        and (_team(name, noun[0], after) or _ACRONYM.fullmatch(name))
    ):
        return "ORG"
    if label in {"PER", "MISC"} and (
        (label == "PER" and noun[0] in _ORG_NOUNS)
        or noun_before_list(before) in _ORG_NOUNS | ORG_NOUNS_ROMANCE
    ):
        return "ORG"
    if label == "ORG" and noun[0] in _PERSON_NOUNS and 1 < len(words) < 4:
        return "PER"
    return label
