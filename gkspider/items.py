"""What flows through the crawl, and the JSON Schema of a report line (built from the same definitions).

The spider yields `ReportPage` (bytes of a page that presents a report) and `ReportFailure` (a candidate that could
not be fetched or read). The extract pipeline turns a `ReportPage` into a report dict with exactly `REPORT_KEYS`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from gkspider.extract.labels import label_data
from gkspider.extract.report import REPORT_FIELDS

SCHEMA_VERSION = "1.0"

REPORT_KEYS = ("schema_version", "url", "page_url", "site", *REPORT_FIELDS, "validation", "fetched_at", "sha256")
FAILURE_KEYS = ("url", "page_url", "site_id", "reason", "status", "at")


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class ReportPage:
    """The raw bytes of a report as fetched; extraction happens in the pipelines."""

    url: str
    page_url: str
    site: dict[str, Any]
    body: bytes
    content_type: str | None
    status: int
    fetched_at: str = field(default_factory=utc_now)
    kind: str = "html"  # 'html', or 'file' (a PDF/DOCX/DOC/WPS… attachment: the format is sniffed from its bytes)
    page_body: bytes | None = None  # for a file: the HTML page that presents it, whose metadata the item takes
    page_content_type: str | None = None


@dataclass
class ReportFailure:
    url: str
    page_url: str | None
    site_id: str | None
    reason: str
    status: int | None = None
    at: str = field(default_factory=utc_now)
    detail: str | None = None  # for the log and the summary; not written (the contract's keys are fixed)

    def line(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in FAILURE_KEYS}


# ---------------------------------------------------------------- JSON Schema

_DATE = {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_CELL = {"type": ["integer", "null"]}


def _object(props: dict[str, Any], *, nullable: bool = False) -> dict[str, Any]:
    return {
        "type": ["object", "null"] if nullable else "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }


def _rows_schema(rows: dict[str, list[str]]) -> dict[str, Any]:
    # A table's rows are optional one by one (a row of the other format never appears), but only known rows exist.
    return {
        "type": ["object", "null"],
        "properties": {row: _object({f: _CELL for f in fields}) for row, fields in rows.items()},
        "additionalProperties": False,
    }


def report_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one reports.jsonl line, derived from the label table's rows and fields."""
    data = label_data()
    active_rows: dict[str, list[str]] = {}
    for template_fields in data["active_disclosure"]["fields"].values():
        for row, fields in template_fields.items():
            active_rows.setdefault(row, [])
            active_rows[row] += [f for f in fields if f not in active_rows[row]]
    active = {
        "anyOf": [_rows_schema(fields) for fields in data["active_disclosure"]["fields"].values()] + [{"type": "null"}]
    }
    columns = data["applications"]["columns"]
    applications = _rows_schema({row: columns for row in data["applications"]["rows"]})
    reviews = _object(
        {g: _object({f: _CELL for f in data["reviews"]["fields"]}) for g in data["reviews"]["groups"]}, nullable=True
    )
    flag = _object(
        {
            "rule": {"type": "string"},
            "severity": {"enum": ["error", "warning"]},
            "message": {"type": "string"},
            "path": {"type": ["string", "null"]},
        }
    )
    props: dict[str, Any] = {
        "schema_version": {"const": SCHEMA_VERSION},
        "url": {"type": "string", "pattern": "^https?://"},
        "page_url": {"type": "string", "pattern": "^https?://"},
        "site": _object(
            {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "level": {"enum": ["province", "city", "county", "township", "department", None]},
                "region_code": {"type": ["string", "null"], "pattern": r"^(\d{6}|\d{9}|\d{12})$"},
            }
        ),
        "title": {"type": "string"},
        "report_year": {"type": ["integer", "null"], "minimum": 2000, "maximum": 2100},
        "organ": {"type": ["string", "null"]},
        "index_no": {"type": ["string", "null"]},
        "doc_no": {"type": ["string", "null"]},
        "category": {"type": ["string", "null"]},
        "publish_date": _DATE,
        "written_date": _DATE,
        "signed_date": _DATE,
        "period": _object({"start": _DATE, "end": _DATE}, nullable=True),
        "template": {"enum": ["2019", "2021", None]},
        "sections": {"type": "array", "items": {"type": "string"}},
        "tables": _object({"active_disclosure": active, "applications": applications, "reviews": reviews}),
        "validation": _object(
            {"status": {"enum": ["ok", "warning", "error"]}, "flags": {"type": "array", "items": flag}}
        ),
        "fetched_at": {"type": "string", "format": "date-time"},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    }
    assert tuple(props) == REPORT_KEYS
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/gkspider/gkspider/schema/report-1.0.json",
        "title": "gkspider report line",
        "description": "One line of reports.jsonl (see CONTRACT.md).",
        **_object(props),
    }


def failure_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "gkspider failure line",
        **_object(
            {
                "url": {"type": "string"},
                "page_url": {"type": ["string", "null"]},
                "site_id": {"type": ["string", "null"]},
                "reason": {"type": "string"},
                "status": {"type": ["integer", "null"]},
                "at": {"type": "string"},
            }
        ),
    }


SCHEMA_FILE = "report.schema.json"


def write_schema_file() -> str:
    """Regenerate gkspider/report.schema.json (for loaders that want a file); tests check it is current."""
    import json
    from pathlib import Path

    path = Path(__file__).with_name(SCHEMA_FILE)
    path.write_text(json.dumps(report_schema(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return str(path)


if __name__ == "__main__":
    print(write_schema_file())
