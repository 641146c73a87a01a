"""The label table (gkspider/data/labels.json) and lookups over it. No label lives anywhere else."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from gkspider.extract.text import TEXT_CACHE_ENTRIES, label_key, strip_enumerator


@cache
def label_data() -> dict[str, Any]:
    return json.loads(resources.files("gkspider").joinpath("data/labels.json").read_text("utf-8"))


@dataclass(frozen=True)
class Label:
    """What a table cell's text is, when it is a label."""

    kind: str  # 'active_row' | 'app_row' | 'app_group' | 'header' | 'reviews_header'
    key: str  # contract key for rows ('licensing', 'denied_state_secret'…); the normalised text for headers


@dataclass(frozen=True)
class _Index:
    exact: dict[str, Label]
    core: dict[str, Label]  # enumerator-free forms, for labels long enough to be unambiguous
    fuzzy_pool: tuple[str, ...]


_MIN_CORE = 4  # shorter cores ('其他', '总计') are only trusted with their enumerator


@cache
def _index() -> _Index:
    data = label_data()
    exact: dict[str, Label] = {}
    core: dict[str, Label] = {}

    def add(text: str, label: Label) -> None:
        key = label_key(text)
        exact.setdefault(key, label)
        stripped = strip_enumerator(key)
        if len(stripped) >= _MIN_CORE:
            core.setdefault(stripped, label)

    for row, variants in data["applications"]["rows"].items():
        for v in variants:
            add(v, Label("app_row", row))
    for row, variants in data["active_disclosure"]["rows"].items():
        for v in variants:
            add(v, Label("active_row", row))
    for v in data["applications"]["group_labels"]:
        add(v, Label("app_group", label_key(v)))
    for v in data["reviews"]["headers"]:
        exact.setdefault(label_key(v), Label("reviews_header", label_key(v)))
    for v in data["applications"]["headers"] + data["active_disclosure"]["headers"]:
        add(v, Label("header", label_key(v)))
    fuzzy = tuple(k for k, lab in core.items() if lab.kind in ("app_row", "active_row") and len(k) >= 6)
    return _Index(exact, core, fuzzy)


@lru_cache(maxsize=TEXT_CACHE_ENTRIES)  # bounded: a national crawl meets millions of distinct texts
def lookup(text: str) -> Label | None:
    """The label a cell's text is, or None. Exact first, then without its enumerator, then a close typo."""
    key = label_key(text)
    if not key or len(key) > 60:
        return None
    index = _index()
    if key in index.exact:
        return index.exact[key]
    stripped = strip_enumerator(key)
    if stripped in index.core:
        return index.core[stripped]
    # Unlisted typos ('保护第三放合法权益' style): one wrong character in a long label still names the row.
    if len(stripped) >= 6:
        candidates = _fuzzy_candidates(stripped)
        close = difflib.get_close_matches(stripped, candidates, n=1, cutoff=0.85) if candidates else None
        if close:
            return index.core[close[0]]
    return None


@cache
def _bigram_index() -> dict[str, tuple[int, ...]]:
    """Character pair -> the fuzzy pool's labels that contain it."""
    pool = _index().fuzzy_pool
    out: dict[str, list[int]] = {}
    for n, key in enumerate(pool):
        for gram in {key[i : i + 2] for i in range(len(key) - 1)}:
            out.setdefault(gram, []).append(n)
    return {gram: tuple(ns) for gram, ns in out.items()}


def _fuzzy_candidates(text: str) -> list[str]:
    """The pool labels sharing at least a third of the text's character pairs. A label within difflib's 0.85 of the
    text shares far more (one wrong character breaks two pairs), so this only spares difflib (45 µs a text over
    the whole pool) the texts that are no label at all: organ names, titles, dates, the short lines of prose."""
    index = _bigram_index()
    grams = {text[i : i + 2] for i in range(len(text) - 1)}
    shared: dict[int, int] = {}
    for gram in grams:
        for n in index.get(gram, ()):
            shared[n] = shared.get(n, 0) + 1
    need = len(grams) / 3
    pool = _index().fuzzy_pool
    return [pool[n] for n, count in shared.items() if count >= need]


@cache
def metadata_labels() -> dict[str, str]:
    """Normalised metadata label -> field ('index_no', 'organ', … and non-contract ones like 'source')."""
    out: dict[str, str] = {}
    for field, variants in label_data()["metadata"].items():
        for v in variants:
            out[label_key(v)] = field
    return out


@cache
def template_markers() -> dict[str, frozenset[str]]:
    return {t: frozenset(label_key(m) for m in ms) for t, ms in label_data()["template_markers"].items()}
