"""The time zone a page's readers most likely live in, from its address and its language.

A page that gives its publication time only in UTC (``2022-11-06T23:00:00Z``) was published
on the calendar day its readers saw: a German page's midnight is 23:00 UTC the day before,
an Argentinian page's 21:00 is 00:00 UTC the day after. When nothing on the page writes a
local time, the zone comes, in this order, from:

1. the country of the host's top-level domain (``.de``, ``.com.ar``, ``.co.uk``);
2. the region of the page's declared language (``lang="pt-BR"``, og:locale ``es_AR``),
   except English's (``en_US`` is the default of blog software everywhere);
3. a language spoken (nearly) only in one zone (``de``, ``it``, ``ja``); never for
   languages spread over many zones (``en``, ``es``, ``pt``, ``fr``, ``ar``).

Failing all three, a date in the page's address (``/2020/02/24/``, written by the site's
software in its own time) names the day when it is the one before or after the UTC one: the
instant is shown at the smallest whole-hour offset that puts it on that day.

A country that spans several zones gets the zone most of its newsrooms are in (the
United States, by its domain: New York; Brazil: São Paulo; Russia: Moscow). The names are
IANA zones, read with ``zoneinfo`` from the ``tzdata`` package: they follow summer time.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Country (ISO 3166 code, as in ccTLDs and language tags) -> the zone of most of its press.
COUNTRY_ZONES = {
    "at": "Europe/Vienna",
    "be": "Europe/Brussels",
    "bg": "Europe/Sofia",
    "ch": "Europe/Zurich",
    "cz": "Europe/Prague",
    "de": "Europe/Berlin",
    "dk": "Europe/Copenhagen",
    "ee": "Europe/Tallinn",
    "es": "Europe/Madrid",
    "fi": "Europe/Helsinki",
    "fr": "Europe/Paris",
    "gb": "Europe/London",
    "uk": "Europe/London",
    "gr": "Europe/Athens",
    "hr": "Europe/Zagreb",
    "hu": "Europe/Budapest",
    "ie": "Europe/Dublin",
    "it": "Europe/Rome",
    "li": "Europe/Vaduz",
    "lt": "Europe/Vilnius",
    "lu": "Europe/Luxembourg",
    "lv": "Europe/Riga",
    "nl": "Europe/Amsterdam",
    "no": "Europe/Oslo",
    "pl": "Europe/Warsaw",
    "pt": "Europe/Lisbon",
    "ro": "Europe/Bucharest",
    "rs": "Europe/Belgrade",
    "ru": "Europe/Moscow",
    "se": "Europe/Stockholm",
    "si": "Europe/Ljubljana",
    "sk": "Europe/Bratislava",
    "tr": "Europe/Istanbul",
    "ua": "Europe/Kyiv",
    "ar": "America/Argentina/Buenos_Aires",
    "bo": "America/La_Paz",
    "br": "America/Sao_Paulo",
    "ca": "America/Toronto",
    "cl": "America/Santiago",
    "co": "America/Bogota",
    "cr": "America/Costa_Rica",
    "cu": "America/Havana",
    "do": "America/Santo_Domingo",
    "ec": "America/Guayaquil",
    "gt": "America/Guatemala",
    "hn": "America/Tegucigalpa",
    "mx": "America/Mexico_City",
    "ni": "America/Managua",
    "pa": "America/Panama",
    "pe": "America/Lima",
    "py": "America/Asuncion",
    "sv": "America/El_Salvador",
    "us": "America/New_York",
    "uy": "America/Montevideo",
    "ve": "America/Caracas",
    "au": "Australia/Sydney",
    "nz": "Pacific/Auckland",
    "cn": "Asia/Shanghai",
    "hk": "Asia/Hong_Kong",
    "id": "Asia/Jakarta",
    "il": "Asia/Jerusalem",
    "in": "Asia/Kolkata",
    "jp": "Asia/Tokyo",
    "kr": "Asia/Seoul",
    "my": "Asia/Kuala_Lumpur",
    "ph": "Asia/Manila",
    "pk": "Asia/Karachi",
    "sg": "Asia/Singapore",
    "th": "Asia/Bangkok",
    "tw": "Asia/Taipei",
    "vn": "Asia/Ho_Chi_Minh",
    "eg": "Africa/Cairo",
    "ke": "Africa/Nairobi",
    "ma": "Africa/Casablanca",
    "ng": "Africa/Lagos",
    "za": "Africa/Johannesburg",
}

# Top-level domains that name no country, or are sold to anyone ("co", ".tv", ".io").
_NOT_A_COUNTRY = frozenset({"co", "tv", "io", "me", "fm", "ai", "ly", "to", "cc", "ws", "eu"})

# Languages read (nearly) only within one zone; not en, es, pt, fr, ar, ru, zh...
LANGUAGE_ZONES = {
    "cs": "Europe/Prague",
    "da": "Europe/Copenhagen",
    "de": "Europe/Berlin",
    "el": "Europe/Athens",
    "fi": "Europe/Helsinki",
    "hu": "Europe/Budapest",
    "it": "Europe/Rome",
    "ja": "Asia/Tokyo",
    "ko": "Asia/Seoul",
    "nb": "Europe/Oslo",
    "nl": "Europe/Amsterdam",
    "no": "Europe/Oslo",
    "pl": "Europe/Warsaw",
    "ro": "Europe/Bucharest",
    "sk": "Europe/Bratislava",
    "sv": "Europe/Stockholm",
    "tr": "Europe/Istanbul",
    "uk": "Europe/Kyiv",
}


def page_zone(url: str | None, language: str | None, region: str | None) -> ZoneInfo | None:
    """The zone of the page's likely readers (see the module doc), or None."""
    # "en_US" is the default locale of blog software everywhere: it places nobody.
    country = COUNTRY_ZONES.get(region or "") if language != "en" else None
    name = _host_zone(url) or country or LANGUAGE_ZONES.get(language or "")
    return _zone(name) if name else None


def _host_zone(url: str | None) -> str | None:
    labels = (urlsplit(url or "").hostname or "").rstrip(".").split(".")
    if len(labels) < 2:
        return None
    tld = labels[-1]
    # ".co" and the like are sold to anyone, but "eltiempo.com.co" is Colombian.
    if tld in _NOT_A_COUNTRY and not (len(labels) > 2 and labels[-2] in _SECOND_LEVEL):
        return None
    return COUNTRY_ZONES.get(tld)


_SECOND_LEVEL = frozenset({"com", "org", "net", "gov", "gob", "edu", "co", "ac"})


@cache
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # a machine without a time zone database
        return None


# A permalink's date: /2020/02/24/, /2020-02-24-, never a longer run of digits.
_ADDRESS_DAY = re.compile(
    r"/((?:19|20)\d\d)[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?=[/_.-]|$)"
)
_OFFSETS = sorted(range(-12, 15), key=abs)  # whole hours, UTC-12 to UTC+14, nearest first


def at_address_day(value: datetime, url: str | None) -> datetime:
    """``value`` (an instant in UTC) on the day the page's address names, at the smallest
    whole-hour offset that puts it there; unchanged when no offset does, or none is named."""
    day = _address_day(url)
    if day is None or value.date() == day:
        return value
    for hours in _OFFSETS:
        if (value + timedelta(hours=hours)).date() == day:
            return value.astimezone(timezone(timedelta(hours=hours)))
    return value


def _address_day(url: str | None) -> date | None:
    match = _ADDRESS_DAY.search(urlsplit(url).path if url else "")
    if match is None:
        return None
    try:
        return date(*map(int, match.groups()))
    except ValueError:  # 2021/02/30
        return None
