"""One table cell's text to a number, keeping blank, 0, '/' and text apart (the contract's Cells section)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from gkspider.extract.text import clean

EMPTY = "cell.empty"
NOT_NUMBER = "cell.not_number"

_PLACEHOLDERS = frozenset({"", "/", "\\", "-", "--", "—", "——", "－", "_", "／"})
_INT = re.compile(r"^([+-]?)(\d+)(?:件|个|项|条|人次|次)?$")
_AMOUNT = re.compile(r"^([+-]?\d+(?:\.\d+)?)(万元|万|元)?$")


def _compact(raw: str) -> str:
    return clean(raw).replace(" ", "").replace(",", "").replace("，", "")


@lru_cache(maxsize=16384)  # cell texts repeat ('0' above all): parse each once
def parse_int(raw: str) -> tuple[int | None, str | None]:
    """(value, flag rule or None): '+56' -> 56, '０' -> 0, '' and '/' -> (None, cell.empty), '无' -> (None, cell.not_number)."""
    text = _compact(raw)
    if text in _PLACEHOLDERS:
        return None, EMPTY
    m = _INT.match(text)
    if m:
        value = int(m[2])
        return (-value if m[1] == "-" else value), None
    return None, NOT_NUMBER


def parse_amount_yuan(raw: str, default_unit: str = "万元") -> tuple[int | None, str | None]:
    """An amount to whole yuan: '2449.4638万元' -> 24494638, '70280元' -> 70280, '4245.64' with 万元 -> 42456400.

    The unit written in the cell wins over `default_unit` (the table header's unit)."""
    text = _compact(raw).replace("（", "(").replace("）", ")")
    text = re.sub(r"\(?单位:?(万元|元)\)?", r"\1", text)
    if text in _PLACEHOLDERS:
        return None, EMPTY
    m = _AMOUNT.match(text)
    if not m:
        return None, NOT_NUMBER
    try:
        amount = Decimal(m[1])
    except InvalidOperation:
        return None, NOT_NUMBER
    unit = m[2] or default_unit
    if unit.startswith("万"):
        amount *= 10000
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)), None
