"""Test corpus: the five reference reports as structured docs, their hand-written golden items, page renderers in
real markup families (render.py) and a generator of synthetic reports (synthetic.py). See README.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CORPUS_DIR = Path(__file__).resolve().parent

EXPECTED_KEYS: tuple[str, ...] = (
    "title",
    "report_year",
    "organ",
    "index_no",
    "doc_no",
    "category",
    "publish_date",
    "written_date",
    "signed_date",
    "period",
    "template",
    "sections",
    "tables",
)
APPLICATION_COLUMNS: tuple[str, ...] = ("natural", "commercial", "research", "social", "legal", "other", "total")
REVIEW_GROUPS: tuple[str, ...] = ("review", "litigation_direct", "litigation_after_review")
REVIEW_FIELDS: tuple[str, ...] = ("upheld", "corrected", "other", "pending", "total")


def expand_tables(tables: dict[str, Any]) -> dict[str, Any]:
    """Compact golden tables → the contract's shape: applications rows given as 7-element lists (column order
    natural … total) become {column: value}; reviews given as one 15-element list become the three groups."""
    out = dict(tables)
    apps = tables.get("applications")
    if apps is not None:
        out["applications"] = {
            row: dict(zip(APPLICATION_COLUMNS, vals, strict=True)) if isinstance(vals, list) else dict(vals)
            for row, vals in apps.items()
        }
    reviews = tables.get("reviews")
    if isinstance(reviews, list):
        if len(reviews) != 15:
            raise ValueError(f"reviews needs 15 numbers, got {len(reviews)}")
        out["reviews"] = {
            group: dict(zip(REVIEW_FIELDS, reviews[i * 5 : i * 5 + 5], strict=True))
            for i, group in enumerate(REVIEW_GROUPS)
        }
    return out


def load_expected(report_id: str) -> dict[str, Any]:
    """The golden expected item of a reference report (exactly EXPECTED_KEYS), tables in the contract's shape."""
    raw = json.loads((CORPUS_DIR / "expected" / f"{report_id}.json").read_text(encoding="utf-8"))
    raw["tables"] = expand_tables(raw["tables"])
    return raw
