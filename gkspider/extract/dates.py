"""Dates as published (`2021-01-23 19:13`, `2021年1月23`, `2021.01.29`, `二〇二一年一月二十九日`) to ISO strings.

An exact fast path handles nearly every real string; dateparser (about 1 ms a call, slower on failures, and blind
to Chinese numerals) is the fallback for the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from gkspider.extract.text import to_halfwidth

_NUMERIC = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:[-./年])\s*(\d{1,2})\s*(?:[-./月])\s*(\d{1,2})(?!\d)\s*日?")
_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")
_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "O": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_DATE = re.compile(
    r"([〇○零O一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,4})\s*日?"
)


def _cn_number(text: str) -> int:
    """一 .. 三十一 (the only range dates need)."""
    if "十" not in text:
        return _CN_DIGITS[text]
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def find_dates(text: str) -> list[tuple[int, int, str]]:
    """Every date in a text as (start, end, iso), in order; numeric and Chinese-numeral forms."""
    text = to_halfwidth(text)
    found: list[tuple[int, int, str]] = []
    for m in _NUMERIC.finditer(text):
        iso = _iso(int(m[1]), int(m[2]), int(m[3]))
        if iso:
            found.append((m.start(), m.end(), iso))
    for m in _CN_DATE.finditer(text):
        try:
            year = int("".join(str(_CN_DIGITS[c]) for c in m[1]))
            iso = _iso(year, _cn_number(m[2]), _cn_number(m[3]))
        except KeyError:
            iso = None
        if iso:
            found.append((m.start(), m.end(), iso))
    found.sort()
    return found


@lru_cache(maxsize=4096)
def parse_date(text: str | None) -> str | None:
    """The first date in `text` as YYYY-MM-DD (the time of day dropped), or None."""
    if not text or not text.strip():
        return None
    found = find_dates(text)
    if found:
        return found[0][2]
    compact = _COMPACT.search(to_halfwidth(text))
    if compact:
        iso = _iso(int(compact[1]), int(compact[2]), int(compact[3]))
        if iso:
            return iso
    if not re.search(r"\d", text) or len(text) > 40:
        return None  # dateparser would spend ~15 ms failing
    return _dateparser_fallback(text.strip())


def _dateparser_fallback(text: str) -> str | None:
    import dateparser  # imported lazily: it takes a while to load and is rarely needed

    parsed = dateparser.parse(
        text, languages=["zh", "en"], settings={"PREFER_DAY_OF_MONTH": "first", "STRICT_PARSING": True}
    )
    return parsed.date().isoformat() if parsed else None
