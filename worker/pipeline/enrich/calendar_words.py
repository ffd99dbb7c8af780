"""Month, weekday and relative-day words for the languages the date stage reads.

Kept as plain tables (French, English, German, Spanish) rather than dateparser's search:
a regex over these finds the mentions in microseconds, and the stage has to stay a small
fraction of the NER time per article.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MONTHS_BY_NUMBER: dict[int, tuple[str, ...]] = {
    1: ("janvier", "janv", "january", "jan", "januar", "enero"),
    2: ("février", "fevrier", "févr", "fév", "february", "feb", "februar", "febrero"),
    3: ("mars", "march", "mar", "märz", "marzo"),
    4: ("avril", "avr", "april", "apr", "abril"),
    5: ("mai", "may", "mayo"),
    6: ("juin", "june", "jun", "juni", "junio"),
    7: ("juillet", "juil", "july", "jul", "juli", "julio"),
    8: ("août", "aout", "august", "aug", "agosto"),
    9: ("septembre", "sept", "september", "sep", "septiembre"),
    10: ("octobre", "oct", "october", "oktober", "octubre"),
    11: ("novembre", "nov", "november", "noviembre"),
    12: ("décembre", "decembre", "déc", "december", "dec", "dezember", "diciembre"),
}
MONTHS = {name: number for number, names in _MONTHS_BY_NUMBER.items() for name in names}

_WEEKDAYS_BY_NUMBER: dict[int, tuple[str, ...]] = {
    0: ("lundi", "monday", "montag", "lunes"),
    1: ("mardi", "tuesday", "dienstag", "martes"),
    2: ("mercredi", "wednesday", "mittwoch", "miércoles", "miercoles"),
    3: ("jeudi", "thursday", "donnerstag", "jueves"),
    4: ("vendredi", "friday", "freitag", "viernes"),
    5: ("samedi", "saturday", "samstag", "sábado", "sabado"),
    6: ("dimanche", "sunday", "sonntag", "domingo"),
}
WEEKDAYS = {name: number for number, names in _WEEKDAYS_BY_NUMBER.items() for name in names}

# Words after (French, Spanish) or before (English, German) a weekday: -1 last, +1 next.
WEEKDAY_SHIFTS = {
    "dernier": -1,
    "passé": -1,
    "last": -1,
    "past": -1,
    "letzten": -1,
    "pasado": -1,
    "prochain": 1,
    "next": 1,
    "nächsten": 1,
    "próximo": 1,
    "this": 0,
}

# Days relative to the publication date.
DAY_WORDS = {
    "avant-hier": -2,
    "hier": -1,
    "aujourd'hui": 0,
    "demain": 1,
    "après-demain": 2,
    "yesterday": -1,
    "today": 0,
    "tomorrow": 1,
    "vorgestern": -2,
    "gestern": -1,
    "heute": 0,
    "morgen": 1,
    "anteayer": -2,
    "ayer": -1,
    "hoy": 0,
    "mañana": 1,
}


def alternation(words: Iterable[str]) -> str:
    """A regex alternation, longest first so ``sept`` never shadows ``septembre``."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
