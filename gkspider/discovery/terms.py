"""Loads gkspider/data/discovery_terms.json once; the discovery modules read their term lists from here."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

TERMS_PATH = Path(__file__).resolve().parent.parent / "data" / "discovery_terms.json"


@cache
def terms() -> dict[str, Any]:
    with TERMS_PATH.open(encoding="utf-8") as f:
        return json.load(f)


@cache
def any_of(section: str, key: str, *, literal: bool = True, flags: int = 0) -> re.Pattern[str]:
    """One alternation regex for a list in the terms file (literal strings escaped unless literal=False)."""
    items = terms()[section][key]
    parts = [re.escape(x) if literal else x for x in items]
    # Longest first so that alternation prefers the most specific term.
    parts.sort(key=len, reverse=True)
    return re.compile("|".join(parts), flags)


_WS = re.compile(r"\s+")


def squash(text: str | None) -> str:
    """NFKC (full-width digits/brackets to ASCII) and all whitespace removed: the form titles are matched in.

    None gives '' so that callers can pass Link.title as is.
    """
    if not text:
        return ""
    return _WS.sub("", unicodedata.normalize("NFKC", text))


def normalize_space(text: str) -> str:
    return " ".join(text.split())
