"""The date-range line above a report's header, in the interface languages the platforms write it in.

Google Ads: "January 17, 2024 - February 15, 2024", "1 ene 2024 - 31 ene 2024", "1 de septiembre de 2026 -
2 de septiembre de 2026", "01.01.2024 - 31.01.2024", "1 janv. 2024 - 31 janv. 2024", "All time", "Todo el
periodo". Microsoft Advertising: "Report Time: 1/1/2024,1/31/2024" or "... - ...".
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, timedelta

# "All time" downloads have no first day; Google Ads (AdWords) served its first ads in October 2000, so no
# account's data starts before this.
ALL_TIME_FROM = date(2000, 10, 1)

ALL_TIME = {
    "all time",
    "todo el periodo",
    "todo el período",
    "gesamtzeitraum",
    "gesamter zeitraum",
    "toute la période",
    "toute la periode",
    "sempre",
    "tutto il periodo",
    "todo o período",
    "todo o periodo",
}

# The first letters of a month's name (accents removed) in English, Spanish, German, French, Italian, Portuguese.
_MONTHS = {
    "jan": 1,
    "ene": 1,
    "gen": 1,
    "janv": 1,
    "feb": 2,
    "fev": 2,
    "fevr": 2,
    "mar": 3,
    "mrz": 3,
    "marz": 3,
    "apr": 4,
    "abr": 4,
    "avr": 4,
    "may": 5,
    "mai": 5,
    "mag": 5,
    "jun": 6,
    "juin": 6,
    "giu": 6,
    "jul": 7,
    "juil": 7,
    "lug": 7,
    "aug": 8,
    "ago": 8,
    "aou": 8,
    "sep": 9,
    "set": 9,
    "oct": 10,
    "okt": 10,
    "ott": 10,
    "out": 10,
    "nov": 11,
    "dec": 12,
    "dez": 12,
    "dic": 12,
}
_SPLIT = re.compile(r"\s+[-–—]\s+|\s*,\s*(?=\d{1,2}/)")
_NUMERIC = re.compile(r"^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})$")
_PREFIX = re.compile(r"^\s*report time\s*:\s*", re.IGNORECASE)
_NOISE = {"de", "del", "di", "du", "of"}


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def _month(word: str) -> int | None:
    word = _plain(word).strip(".")
    for size in (4, 3):
        if len(word) >= size and word[:size] in _MONTHS:
            if size == 3 and word[:3] == "jui":
                return None
            return _MONTHS[word[:size]]
    return None


def _one_date(text: str, month_first: bool) -> date | None:
    text = text.strip().strip('"').strip()
    numeric = _NUMERIC.match(text)
    if numeric:
        a, b, c = (int(part) for part in numeric.groups())
        if a > 31:
            year, month, day = a, b, c
        else:
            month, day = (a, b) if month_first else (b, a)
            year = c
        try:
            return date(year, month, day)
        except ValueError:
            return None
    words = [w for w in re.split(r"[\s,]+", text) if w and _plain(w).strip(".") not in _NOISE]
    numbers = [int(w.strip(".")) for w in words if w.strip(".").isdigit()]
    months = [m for m in (_month(w) for w in words if not w.strip(".").isdigit()) if m]
    if len(numbers) != 2 or len(months) != 1:
        return None
    day, year = (numbers[0], numbers[1]) if numbers[1] > 31 else (numbers[1], numbers[0])
    try:
        return date(year, months[0], day)
    except ValueError:
        return None


def parse_range(line: str, *, month_first: bool, today: date) -> tuple[date, date] | None:
    """(first day, last day) that ``line`` names, or None when it is not a date-range line."""
    text = _PREFIX.sub("", line.strip().strip('"')).strip().strip('"').strip()
    if not text or len(text) > 80:
        return None
    if _plain(text) in {_plain(name) for name in ALL_TIME}:
        return ALL_TIME_FROM, today
    parts = _SPLIT.split(text)
    if len(parts) != 2:
        return None
    start, end = (_one_date(part, month_first) for part in parts)
    if start is None or end is None or end < start:
        return None
    return start, end


_YEAR_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$|^(\d{1,2})[-/.](\d{4})$")


def _month_of(text: str) -> date | None:
    """The first day of a month written as "2024-01", "01/2024", "January 2024", "ene. 2024", "janeiro de 2024"."""
    numeric = _YEAR_MONTH.match(text)
    if numeric:
        year, month = (int(numeric[1]), int(numeric[2])) if numeric[1] else (int(numeric[4]), int(numeric[3]))
        return date(year, month, 1) if 1 <= month <= 12 and year > 1900 else None
    words = [w for w in re.split(r"[\s,]+", text) if w and _plain(w).strip(".") not in _NOISE]
    years = [int(w) for w in words if w.isdigit() and len(w) == 4]
    months = [m for m in (_month(w) for w in words if not w.isdigit()) if m]
    if len(words) == 2 and len(years) == 1 and len(months) == 1:
        return date(years[0], months[0], 1)
    return None


_QUARTER_WORDS = r"(?:quarter|qtr|quartal|trimestre|trim)"
_ORDINAL = r"(?:\.?\s*(?:er|eme|e|ro|do|to|o|°|st|nd|rd|th)?\.?)"  # 1er, 2e, 2ème, 3º, 4th (accents gone)
_QUARTER = [
    # "Q1 2024", "T1 2024" (trimestre), "Q1/2024", "Q1-2024"
    re.compile(r"^[qt]\s*(?P<q>[1-4])\s*[/.-]?\s*(?P<y>\d{4})$"),
    # "2024 Q1", "2024-Q1", "2024/T1"
    re.compile(r"^(?P<y>\d{4})\s*[/.-]?\s*[qt]\s*(?P<q>[1-4])$"),
    # "1. Quartal 2024", "1er trimestre 2024", "1.er trim. 2024", "1st quarter of 2024", "1º trimestre de 2024"
    re.compile(rf"^(?P<q>[1-4]){_ORDINAL}\s*{_QUARTER_WORDS}\.?\s*(?:de|del|di|of)?\s*(?P<y>\d{{4}})$"),
    # "Quarter 1 2024", "trimestre 1 de 2024"
    re.compile(rf"^{_QUARTER_WORDS}\.?\s*(?P<q>[1-4])\s*(?:de|del|di|of)?\s*,?\s*(?P<y>\d{{4}})$"),
]


def _quarter_of(text: str) -> date | None:
    """The first day of a quarter written as "Q1 2024", "2024 Q1", "T1 2024", "1. Quartal 2024",
    "1er trimestre 2024"."""
    plain = " ".join(_plain(text).split())
    for pattern in _QUARTER:
        found = pattern.match(plain)
        if found:
            return date(int(found["y"]), 3 * int(found["q"]) - 2, 1)
    return None


def segment_period(text: str, segment: str, *, month_first: bool) -> tuple[date, date] | None:
    """(first day, last day) of a Week, Month, Quarter or Year segment cell, or None when the cell is not one.

    A cell holds the period's first day ("2026-08-31", "31/08/2026", "Week of Aug 31, 2026", "Jan 15, 2024"),
    the whole range ("Aug 31, 2026 - Sep 6, 2026"), for months the month's name ("August 2026", "2026-08",
    "agosto de 2026"), for quarters its name ("Q1 2024", "T1 2024", "1. Quartal 2024") and for years the year
    ("2024"). A month, quarter or year given by a day is the one holding that day (Google Ads writes each as its
    first day).
    """
    text = text.strip().strip('"').strip()
    if not text or len(text) > 80 or segment not in ("week", "month", "quarter", "year"):
        return None
    parts = _SPLIT.split(text)
    if len(parts) == 2:
        start, end = (_one_date(part, month_first) for part in parts)
        return (start, end) if start is not None and end is not None and start <= end else None
    first: date | None = None
    if segment == "year" and re.fullmatch(r"\d{4}", text) and int(text) > 1900:
        first = date(int(text), 1, 1)
    elif segment == "quarter":
        first = _quarter_of(text)
    if first is None and segment in ("month", "quarter", "year"):
        first = _month_of(text)
    first = first or _one_date(text, month_first)
    if first is None:
        return None
    if segment == "week":
        return first, first + timedelta(days=6)
    if segment == "year":
        return date(first.year, 1, 1), date(first.year, 12, 31)
    months = 3 if segment == "quarter" else 1
    first = date(first.year, first.month - (first.month - 1) % months, 1)
    last_month = first.month + months - 1
    return first, date(first.year, last_month, calendar.monthrange(first.year, last_month)[1])
