"""Text normalisation shared by every extractor: one place for full-width forms, odd spaces and enumerators."""

from __future__ import annotations

import re
from functools import lru_cache

# Full-width ASCII (Ｕ+FF01..FF5E) to half-width, plus the ideographic space and no-break spaces to a plain space.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH.update({0x3000: 0x20, 0xA0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20, 0x200B: None, 0xFEFF: None})
# Brackets and quotes that vary between reports but never carry meaning in a label.
_LABEL_FOLD = str.maketrans(
    {
        "（": "(",
        "）": ")",
        "〔": "(",
        "〕": ")",
        "【": "(",
        "】": ")",
        "［": "(",
        "］": ")",
        "“": "",
        "”": "",
        '"': "",
        "‘": "",
        "’": "",
        "'": "",
        "「": "",
        "」": "",
        "：": ":",
        "，": ",",
        "、": ",",
        "．": ".",
        "。": "",
        "；": ";",
        "—": "-",
        "－": "-",
    }
)
_ENUM_COMMA = re.compile(r"^(\d+),")


_NEEDS_HALFWIDTH = re.compile("[\uff01-\uff5e\u3000\xa0\u2002\u2003\u2009\u200b\ufeff]")


_HALFWIDTH_OF = {chr(cp): "" if half is None else chr(half) for cp, half in _FULLWIDTH.items()}


def to_halfwidth(text: str) -> str:
    """Full-width digits, letters and punctuation to ASCII; odd spaces to ' '."""
    # str.translate looks every character up in a dict (70 ns each); a text holds few distinct full-width
    # characters, and str.replace of each runs at memchr speed.
    found = _NEEDS_HALFWIDTH.findall(text)
    if not found:
        return text
    for char in set(found):
        text = text.replace(char, _HALFWIDTH_OF[char])
    return text


# Entries of each text cache (clean, label_key, labels.lookup, metadata's pairs). Labels and cell texts recur on every
# page and stay in; a page's own texts (names, prose) rarely recur, so a larger cache only holds more of them: at
# 65,536 entries the caches filled ~90 MB of a 1,000-portal crawl (issue 8), at 16,384 about a quarter of that.
TEXT_CACHE_ENTRIES = 16384


@lru_cache(maxsize=TEXT_CACHE_ENTRIES)
def clean(text: str | None) -> str:
    """Collapse whitespace (full-width and no-break spaces included) and trim."""
    if not text:
        return ""
    # = re.sub(r"\s+", " ", text).strip(), five times faster: str.split() cuts at exactly the characters \s matches.
    return " ".join(to_halfwidth(text).split())


@lru_cache(maxsize=TEXT_CACHE_ENTRIES)
def label_key(text: str) -> str:
    """The form labels are compared in: no whitespace, folded brackets/quotes, no trailing colon.

    '索  引  号：' -> '索引号'; '（三）不予公开' -> '(三)不予公开'; '1．属于国家秘密' -> '1.属于国家秘密'.
    Enumerator separators ('1、', '1.', '1．') all become '1.'; the section separator '一、' stays '一,'.
    """
    key = "".join(to_halfwidth(text).split()).translate(_LABEL_FOLD)  # no whitespace, as re.sub(r"\s+", "", …)
    key = _ENUM_COMMA.sub(r"\1.", key)
    return key.rstrip(":")


_ENUM = re.compile(r"^(?:\(?[一二三四五六七八九十]+\)|[一二三四五六七八九十]+,|\(\d+\)|\d+\.|,)")


def strip_enumerator(key: str) -> str:
    """'(三)不予公开' -> '不予公开'; '1.属于国家秘密' -> '属于国家秘密'; '一,本年新收…' -> '本年新收…'."""
    return _ENUM.sub("", key, count=1)
