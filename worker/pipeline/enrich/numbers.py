"""Numbers with what they count: ``300 drones``, ``7 ans``, ``2,5 millions d’euros``, ``40%``,
``2,4 Millionen Euro``, ``1.500 personnes``, ``12,5 %``, ``Rp 2,5 triliun``, ``yüzde 12,5``.

A number is only worth keeping with its unit or noun; bare numbers and numbers inside a
date mention (``17 avril``) are left out. The decimal mark is read from the number itself
(see ``_parse_number``), so one rule serves the point languages and the comma languages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# Scale words per language, lower case; abbreviations keep their dot optional.
_SCALES = {
    **dict.fromkeys(("thousand", "mille", "tausend", "mil", "duizend", "ribu", "bin"), 1e3),
    **dict.fromkeys(("тыс", "тысяч", "тысячи"), 1e3),
    **dict.fromkeys(("million", "millions", "millionen", "mio", "millón", "millones"), 1e6),
    **dict.fromkeys(("milione", "milioni", "milhão", "milhões", "miljoen", "juta"), 1e6),
    **dict.fromkeys(("milyon", "mn", "млн", "миллион", "миллиона", "миллионов"), 1e6),
    **dict.fromkeys(("milliard", "milliards", "milliarde", "milliarden", "mrd", "bn"), 1e9),
    **dict.fromkeys(("billion", "billions", "mil millones", "miliardo", "miliardi"), 1e9),
    **dict.fromkeys(("bilhão", "bilhões", "miljard", "miliar", "milyar"), 1e9),
    **dict.fromkeys(("млрд", "миллиард", "миллиарда", "миллиардов"), 1e9),
    **dict.fromkeys(("trillion", "triliun", "trilyon", "трлн"), 1e12),
}
# "per cent" and its kin are one unit, written out: the word after "12,5" is not "por".
_PERCENT_WORDS = (
    "per cent",
    "percent",
    "prozent",
    "pour cent",
    "por ciento",
    "per cento",
    "por cento",
    "procent",
    "процента",
    "процентов",
    "процент",
    "persen",
)
_PERCENT = "|".join(sorted(_PERCENT_WORDS, key=len, reverse=True))
_CURRENCY = r"US\$|R\$|Rp\.?|[$€£¥₹₺₽]"
_NUMBER = r"(?P<number>\d{1,3}(?:[ \u00a0\u202f,.]\d{3})+(?![\d])|\d+(?:[.,]\d+)?)"
_SCALE = (
    r"(?:\s*(?P<scale>"
    + "|".join(re.escape(s) for s in sorted(_SCALES, key=len, reverse=True))
    + r")\.?(?![\w]))?"
)
# Unit after the number, with the linking word some languages put between ("millions
# d'euros", "millones de euros", "milioni di euro", "2,5 млн рублей").
_UNIT = rf"\s*(?:(?:de|d'|d’|di|of)\s*)?(?P<unit>%|{_PERCENT}|[$€£]|[^\W\d_][^\W\d_\-]*)"
# Currency or percent before the number ("$2.5 billion", "Rp 2,5 triliun", Turkish "%12,5").
_PREFIX = rf"(?P<prefix>{_CURRENCY}|%|yüzde)\s*"
NUMBER_RE = re.compile(rf"(?:{_PREFIX})?(?<![\w.,]){_NUMBER}{_SCALE}(?:{_UNIT})?", re.IGNORECASE)

# Words that follow a number without being what it counts ("300 et", "7 in", "5 und").
_NOT_UNITS = frozenset(
    [
        "et",
        "ou",
        "de",
        "du",
        "des",
        "le",
        "la",
        "les",
        "à",
        "au",
        "en",
        "and",
        "or",
        "the",
        "a",
        "an",
        "in",
        "on",
        "at",
        "to",
        "of",
        "for",
        "by",
        "with",
        "from",
        "und",
        "oder",
        "der",
        "die",
        "das",
        "von",
        "im",
        "am",
        "zu",
        "bis",
        "y",
        "o",
        "el",
        "los",
        "las",
        "del",
        "al",
        "a",
        "en",
        "por",
        "e",
        "o",
        "il",
        "lo",
        "gli",
        "di",
        "da",
        "nel",
        "per",
        "e",
        "ou",
        "o",
        "os",
        "as",
        "do",
        "da",
        "dos",
        "em",
        "no",
        "na",
        "en",
        "of",
        "het",
        "een",
        "van",
        "tot",
        "и",
        "в",
        "на",
        "по",
        "до",
        "с",
        "dan",
        "di",
        "ke",
        "dari",
        "yang",
        "atau",
        "ve",
        "ile",
        "bir",
    ]
)


def find_numbers(text: str, skip: Sequence[tuple[int, int]] = ()) -> list[dict[str, Any]]:
    """``{text, value, unit, offset}`` for each number with a unit outside the ``skip`` spans."""
    found = []
    for match in NUMBER_RE.finditer(text):
        unit = _unit(match)
        if unit is None or _inside(match.start("number"), skip):
            continue
        # After a currency sign the next word is prose ("$2.5 billion in aid"), not the unit.
        end = max(match.end("number"), match.end("scale"))
        end = max(end, match.end("unit")) if not match["prefix"] else end
        found.append(
            {
                "text": text[match.start() : end],
                "value": _value(match),
                "unit": unit,
                "offset": match.start(),
            }
        )
    return found


def _unit(match: re.Match[str]) -> str | None:
    """What the number counts: the currency or percent sign before it, else the word after."""
    prefix, after = match["prefix"], match["unit"]
    if prefix:
        return "%" if prefix.lower() == "yüzde" else prefix
    if after is None or after.lower() in _NOT_UNITS:
        return None
    return after


def _inside(offset: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in spans)


def _value(match: re.Match[str]) -> int | float:
    value = _parse_number(match["number"])
    if match["scale"]:
        value *= _SCALES[match["scale"].lower()]
    return int(value) if float(value).is_integer() else value


def _parse_number(raw: str) -> float:
    """``1 000`` / ``1,000`` / ``1.000`` group thousands; a lone ``,``/``.`` + 1-2 digits is
    a decimal mark (``2,5`` French, ``2.5`` English)."""
    digits = re.sub(r"[ \u00a0\u202f]", "", raw)
    if re.fullmatch(r"\d+[.,]\d{1,2}", digits) or re.fullmatch(r"\d+[.,]\d{4,}", digits):
        return float(digits.replace(",", "."))
    return float(re.sub(r"[.,]", "", digits))
