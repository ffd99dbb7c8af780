"""The day, week, month or year a relative mention names, from the publication date:
``yesterday``, ``next Tuesday``, ``this Friday``, ``la semaine prochaine``, ``two days ago``."""

from __future__ import annotations

from datetime import date, timedelta

from worker.pipeline.enrich.calendar_words import (
    COUNTS,
    DAY_WORDS,
    PERIODS,
    UNITS,
    WEEKDAY_SHIFTS,
    WEEKDAYS,
    fold,
)


def relative_value(groups: dict[str, str], published: date | None, ahead: bool) -> str | None:
    """The day meant, or None (unresolved) without a publication date or when the day
    falls off the calendar ("yesterday" on 0001-01-01 is no date Python can hold)."""
    if published is None:
        return None
    try:
        if "relday" in groups:
            days = DAY_WORDS[fold(groups["relday"])]
            return (published + timedelta(days=days)).isoformat()
        if "unit" in groups:
            return time_ago(groups["count"], UNITS[fold(groups["unit"])], published)
        shift = groups.get("shift") or groups.get("after")
        if "period" in groups:
            return period_value(PERIODS[fold(groups["period"])], shift or "", published)
        weekday = WEEKDAYS[fold(groups["weekday"])]
        return weekday_date(weekday, shift, published, ahead).isoformat()
    except OverflowError:
        return None


def weekday_date(weekday: int, shift: str | None, published: date, ahead: bool) -> date:
    """``samedi dernier`` is the last Saturday before publication, a bare ``Saturday`` in a
    news report the most recent one (the same day included), ``next Saturday`` the coming one
    and so is a bare one after a future word ("will testify Thursday", the same day included).
    ``this Friday`` (``este viernes``, ``ce vendredi``) is the Friday of the publication's
    week, whichever side of it, unless a future word points past it to the next one.
    """
    direction = WEEKDAY_SHIFTS.get(fold(shift), 0) if shift else 0
    forward = (weekday - published.weekday()) % 7
    if shift and direction == 0:
        this_week = published + timedelta(days=weekday - published.weekday())
        return this_week if this_week >= published or not ahead else this_week + timedelta(7)
    if ahead and not shift:
        return published + timedelta(days=forward)
    if direction > 0:
        return published + timedelta(days=(weekday - published.weekday()) % 7 or 7)
    back = (published.weekday() - weekday) % 7
    return published - timedelta(days=back or (7 if direction < 0 else 0))


def time_ago(count: str, unit: str, published: date) -> str:
    """``two days ago`` is a day, ``vor drei Wochen`` an ISO week, ``hace dos meses`` a month,
    ``il y a deux ans`` a year, counted back from publication."""
    n = int(count) if count.isdigit() else COUNTS[fold(count)]
    if unit == "day":
        return (published - timedelta(days=n)).isoformat()
    if unit == "week":
        year, week, _ = (published - timedelta(weeks=n)).isocalendar()
        return f"{year}-W{week:02d}"
    if unit == "month":
        year, month = divmod(published.year * 12 + published.month - 1 - n, 12)
        return f"{year:04d}-{month + 1:02d}"
    return f"{published.year - n:04d}"


def period_value(period: str, shift: str, published: date) -> str | None:
    """``next week`` is the ISO week after publication's (``2024-W17``), ``le mois dernier``
    the month before (``2024-03``), ``l'an prochain`` the year after (``2025``)."""
    direction = WEEKDAY_SHIFTS.get(fold(shift), 0)
    if period == "week":
        year, week, _ = (published + timedelta(weeks=direction)).isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        months = published.year * 12 + published.month - 1 + direction
        year, month = divmod(months, 12)
        return f"{year:04d}-{month + 1:02d}" if date.min.year <= year <= date.max.year else None
    year = published.year + direction
    return f"{year:04d}" if date.min.year <= year <= date.max.year else None
