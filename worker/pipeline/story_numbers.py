"""Numbers as facts of an event: which numbers of a lead count, and when two figures match.

Pure. A count of dead, a sum or a magnitude is shared by the reports of one event, whatever
their language and however they write it (``40,000``, ``40.000``, ``40 000``, ``40000人``);
years, days of the month, times and codes (``A320``, ``G7``) are not: they name the day or
a kind, shared by every report of the day or of the kind. One outlet rounds what another
gives exactly (838 and "more than 800").
"""

from __future__ import annotations

import math
import re

from worker.pipeline.enrich.calendar_words import MONTHS, fold
from worker.pipeline.scripts import HAN, HANGUL_SYLLABLES, KANA

_NUMBER = re.compile(r"\d+(?:[ \u00a0\u202f.,]\d+)*")
# Dates are not facts of the event: every report of the day shares them, and outlets write
# the day differently (17 April, Rabu 17/4, 16 мая). "d/m[/y]" and a day beside a month word.
_SLASH_DATE = re.compile(r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b")
_WORD_BEFORE = re.compile(r"([^\W\d_]+)\.?,?\s*$")
_WORD_AFTER = re.compile(r"^\.?\s*(?:de\s+)?([^\W\d_]+)")
# Scripts that glue a counter to its number (151人, 149명, 67세): a number so glued is a
# count of the event, not a code; but 年月日 and the hour's units make it a date or a time.
_HAN_KANA = re.compile(f"[{KANA}{HAN}]")
_COUNTER_SCRIPT = re.compile(f"[{KANA}{HAN}{HANGUL_SYLLABLES}]")
# Counters and units of Chinese, Japanese and Korean (people, ages, vehicles, events,
# myriads, currencies, measures), and the particles after a number that stands alone.
_COUNTERS = frozenset(
    "人名个個岁歲架台辆輛艘起例件户戶栋棟座头頭只隻匹具条條家所万萬亿億千百兆元吨噸米公级級度倍票余餘多成次"
    "歳機戸円ドキメカヶか回社株本つ校軒"
    "명세건개대척채곳만억조천원달배표회킬미"
    "のとをがはでにもや의이가은는을를에로와과도"
)
_CJK_CALENDAR = frozenset("年月日時时点點分秒号號년월일시분초")


def numbers_of(text: str) -> list[str]:
    """Numbers as values (``40,000``, ``40.000`` and ``40 000`` are ``40000``; ``2,4`` is
    ``2.4``), without years and whole numbers under 10 (counts of everything)."""
    found: list[str] = []
    text = _SLASH_DATE.sub(" ", text)
    for match in _NUMBER.finditer(text):
        if is_date_or_code(text, match.start(), match.end()):
            continue
        value = _value(match.group())
        whole = value is not None and value == int(value)
        if value is None or (whole and (value < 10 or 1900 <= value <= 2100)):
            continue
        shown = f"{value:g}"
        if shown not in found:
            found.append(shown)
    return found


def is_date_or_code(text: str, start: int, end: int) -> bool:
    """Whether the number at ``text[start:end]`` is a day of a month (beside a month word),
    a date or a time in CJK units (12月18日), or part of a code glued to letters (A320, G7,
    Covid-19), which names a kind, not an event."""
    before, after = text[max(0, start - 20) : start], text[end : end + 20]
    if after[:1] in _CJK_CALENDAR:
        return True
    # Chinese and Japanese write no spaces: a number glued to the word before is a count
    # there (造成149人死亡), as one glued to the counter after it is in Korean too (149명).
    glued_before = before[-1:].isalpha() and not _HAN_KANA.match(before[-1:])
    if glued_before or (before[-1:] == "-" and before[-2:-1].isalpha()):
        return True
    if after[:1].isalpha() and not _COUNTER_SCRIPT.match(after[:1]):
        return True
    # Glued to a CJK character, a number is a count only when that is a counter, a unit or a
    # particle (151人, 7.6级, 7.6と); before any other noun it names a kind or a rank (737客机,
    # 737-800型, 7C2216편, 第16任), which another event of the kind shares.
    if _COUNTER_SCRIPT.match(after[:1]) and after[:1] not in _COUNTERS:
        return True
    word_before, word_after = _WORD_BEFORE.search(before), _WORD_AFTER.search(after)
    return any(w is not None and fold(w.group(1)) in MONTHS for w in (word_before, word_after))


def _value(raw: str) -> float | None:
    parts = re.split(r"[ \u00a0\u202f.,]", raw)
    try:
        if len(parts) > 1 and all(len(p) == 3 for p in parts[1:]):
            return float("".join(parts))  # thousands separators
        if len(parts) == 2:
            return float(f"{parts[0]}.{parts[1]}")  # a decimal point or comma
        return float(parts[0])
    except ValueError:
        return None


# How far a rounded figure may be from the exact one, relative to it.
ROUNDING = 0.05


def numbers_match(a: float, b: float) -> bool:
    """One figure, maybe rounded by one outlet: equal, or the round one (838 and "more than
    800", 2.26 and 2.3) is the other rounded to its own precision."""
    if a == b:
        return True
    rough, exact = (a, b) if _precision(a) >= _precision(b) else (b, a)
    step = 10.0 ** _precision(rough)
    close = abs(exact - rough) <= ROUNDING * abs(rough)  # 14 dead are not "10 dead"
    return close and math.isclose(round(exact / step) * step, rough)


def _precision(x: float) -> int:
    """The power of ten of the last significant digit of ``x`` (800: 2, 2.3: -1)."""
    text = f"{abs(x):.6f}".rstrip("0")
    if not text.endswith("."):
        return -len(text.split(".")[1])
    whole = text[:-1]
    return len(whole) - len(whole.rstrip("0")) if whole.strip("0") else 0


def shared_numbers(a: set[str], b: set[str]) -> int:
    """Numbers of the smaller side with a match on the other (``numbers_match``)."""
    small, large = sorted(([float(x) for x in a], [float(x) for x in b]), key=len)
    return sum(any(numbers_match(x, y) for y in large) for x in small)
