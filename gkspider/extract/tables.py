"""The three standard tables from a token stream, for both official formats (2019 and 2021).

Rows are found by their labels (the label table in data/labels.json), not by position, so header rows whose spans
differ from the data rows, tables split in two, Word-pasted cells and flattened text all read the same way. A row's
values are the value-like tokens after its label: within the same grid row when the reader knew the rows, else the
next N tokens, N being what the template prescribes for that row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from itertools import compress
from typing import Any

from gkspider.extract import cells
from gkspider.extract.document import Document
from gkspider.extract.labels import Label, label_data, lookup, template_markers
from gkspider.extract.text import label_key

_MAX_VALUE_LEN = 24  # longer text after a label is prose or a heading, not a cell
_ROW_KINDS = frozenset(("active_row", "app_row"))


@dataclass
class TablesResult:
    tables: dict[str, Any]
    template: str | None
    flags: list[dict] = field(default_factory=list)


def _flag(rule: str, severity: str, message: str, path: str) -> dict:
    return {"rule": rule, "severity": severity, "message": message, "path": path}


class _Scan:
    """The document's texts and rows, and the label of every text, computed once."""

    def __init__(self, doc: Document) -> None:
        self.texts, _, self.rows, _ = doc.columns
        self.labels = _labels_of(self.texts)
        labels = self.labels
        self.labelled = list(compress(range(len(labels)), labels))  # indices of the labels, in order
        self.row_labels = [i for i in self.labelled if labels[i].kind in _ROW_KINDS]  # type: ignore[union-attr]

    def is_value_like(self, i: int) -> bool:
        text = self.texts[i]
        if self.labels[i] is not None:
            return False
        if self.rows[i] is None and not text:
            return False
        return len(text) <= _MAX_VALUE_LEN and not _looks_like_heading(text)


def _labels_of(texts: list[str]) -> list[Label | None]:
    """The label of each text; None for texts over 60 characters (prose). Each distinct text is looked up once: a
    page repeats '0' and a few other cells hundreds of times."""
    found = {text: lookup(text) for text in set(texts) if len(text) <= 60}
    return list(map(found.get, texts))


def _looks_like_heading(text: str) -> bool:
    return (
        len(text) > 2
        and text[0] in "一二三四五六七八九十"
        and text[1:3].lstrip("一二三四五六七八九十")[:1] in ("、", ",")
    )


@cache
def _templates_marked_by() -> dict[str, tuple[str, ...]]:
    """Normalised label -> the templates it marks."""
    out: dict[str, tuple[str, ...]] = {}
    for template, marks in template_markers().items():
        for key in marks:
            out[key] = (*out.get(key, ()), template)
    return out


def detect_template(scan: _Scan, year_hint: int | None) -> str | None:
    marked_by = _templates_marked_by()
    votes: Counter[str] = Counter()
    only_2021 = frozenset(label_data()["applications"]["rows_2021_only"])
    texts, labels = scan.texts, scan.labels
    for i in scan.labelled:
        lab = labels[i]
        for template in marked_by.get(label_key(texts[i]), ()):
            votes[template] += 1
        if lab.kind == "app_row" and lab.key in only_2021:  # type: ignore[union-attr]
            votes["2021"] += 1
    if votes:
        return max(("2021", "2019"), key=lambda t: (votes[t], t == "2021"))
    if scan.row_labels:
        return "2021" if (year_hint or 0) >= 2021 else "2019"
    return None


def _collect(scan: _Scan, start: int, expected: int | None) -> tuple[list[str], int]:
    """Values after the label at `start`: (raw texts, index after the last one)."""
    texts, rows, labels = scan.texts, scan.rows, scan.labels
    label_row = rows[start]
    if label_row is not None:  # the fast path of every HTML/DOCX table: the rest of the label's grid row
        stop = start + 1
        while stop < len(rows) and rows[stop] == label_row:
            stop += 1
        # ... up to the first label in it. A label right after this one (a group label followed by its first row
        # label, in the same grid row) leaves no values.
        after = labels[start + 1 : stop]
        if after.count(None) < len(after):
            stop = start + 1 + next(k for k, lab in enumerate(after) if lab is not None)
        return texts[start + 1 : stop], stop
    # Text read line by line: the value-like tokens after the label, as many as the row has cells.
    values: list[str] = []
    j = start + 1
    while j < len(texts):
        if labels[j] is not None or not scan.is_value_like(j):
            break
        values.append(texts[j])
        j += 1
        if expected is not None and len(values) >= expected:
            break
    return values, j


def _fit(values: list[str], expected: int) -> tuple[list[str | None], bool]:
    """Padding cells of a wider grid are dropped; returns (values of exactly `expected` length, fitted cleanly)."""
    vals: list[str | None] = list(values)
    while len(vals) > expected and vals and not (vals[-1] or "").strip():
        vals.pop()
    while len(vals) > expected and vals and not (vals[0] or "").strip():
        vals.pop(0)
    ok = len(vals) == expected
    if len(vals) > expected:
        vals = vals[:expected]
    vals += [None] * (expected - len(vals))
    return vals, ok


def _amount_unit(scan: _Scan) -> str:
    for text in scan.texts:
        if "金额" in text and len(text) <= 30:
            key = label_key(text)
            if "万元" in key:
                return "万元"
            if key.endswith("(元)") or "单位:元" in key:
                return "元"
    return "万元"  # the 2021 template prints 万元, and 2019 reports overwhelmingly use it


def _cell_flag(rule: str, raw: str, path: str, flags: list[dict]) -> None:
    if rule == cells.EMPTY:
        flags.append(_flag(rule, "warning", f"cell is empty ({raw.strip() or 'blank'!r})", path))
    elif rule == cells.NOT_NUMBER:
        flags.append(_flag(rule, "error", f"cell holds text {raw.strip()!r}, not a number", path))


def _cell(raw: str | None, path: str, flags: list[dict], *, amount_unit: str | None = None) -> int | None:
    if raw is None:
        return None  # a missing cell is reported once for its row as table.shape
    value, rule = cells.parse_amount_yuan(raw, amount_unit) if amount_unit else cells.parse_int(raw)
    if rule is not None:
        _cell_flag(rule, raw, path, flags)
    return value


def extract_tables(doc: Document, *, year_hint: int | None = None) -> TablesResult:
    scan = _Scan(doc)
    template = detect_template(scan, year_hint)
    flags: list[dict] = []
    data = label_data()
    active_fields: dict[str, list[str]] = data["active_disclosure"]["fields"].get(template or "2019", {})
    app_columns: list[str] = data["applications"]["columns"]
    amount_fields = set(data["active_disclosure"]["amount_fields"])
    unit = _amount_unit(scan)

    active: dict[str, dict[str, int | None]] = {}
    apps: dict[str, dict[str, int | None]] = {}
    consumed = 0  # tokens before this index were taken as values of an earlier row
    for i in scan.row_labels:
        if i < consumed:
            continue
        lab = scan.labels[i]
        if lab.kind == "active_row":
            names = active_fields.get(lab.key)
            if names is None or lab.key in active:
                continue  # a row of the other format (其他对外管理服务事项 in a 2021 table) or a repeat
            raw, nxt = _collect(scan, i, len(names))
            table, key, base = active, lab.key, "tables.active_disclosure"
        else:
            names = app_columns
            if lab.key in apps:
                continue
            raw, nxt = _collect(scan, i, len(names))
            table, key, base = apps, lab.key, "tables.applications"
        if not raw:
            continue  # a group label ('(六)其他处理' in 2021) or a label mentioned without values
        # A row that has exactly its cells, the usual row, is what _fit would return (a copy of it).
        fitted, ok = (raw, True) if len(raw) == len(names) else _fit(raw, len(names))
        if not ok:
            flags.append(
                _flag(
                    "table.shape", "error", f"row {key}: expected {len(names)} cells, found {len(raw)}", f"{base}.{key}"
                )
            )
        row: dict[str, int | None] = {}
        for name, v in zip(names, fitted, strict=True):
            if v is None:
                row[name] = None  # a missing cell is reported once for its row as table.shape
                continue
            value, rule = cells.parse_amount_yuan(v, unit) if name in amount_fields else cells.parse_int(v)
            row[name] = value
            if rule is not None:
                _cell_flag(rule, v, f"{base}.{key}.{name}", flags)
        table[key] = row
        consumed = nxt

    reviews = _reviews(scan, flags)
    tables = {
        "active_disclosure": _complete(active, active_fields) if active else None,
        "applications": _complete_apps(apps, template, flags) if apps else None,
        "reviews": reviews,
    }
    if not any(tables.values()):
        template = None
    return TablesResult(tables, template, flags)


def _complete(rows: dict[str, dict], fields: dict[str, list[str]]) -> dict[str, dict]:
    return {key: rows.get(key, dict.fromkeys(names)) for key, names in fields.items()}


def _complete_apps(rows: dict[str, dict], template: str | None, flags: list[dict]) -> dict[str, dict]:
    data = label_data()["applications"]
    skip = set(data["rows_2019_only"] if template == "2021" else data["rows_2021_only"])
    out: dict[str, dict] = {}
    for key in data["rows"]:
        if key in skip:
            continue
        if key not in rows:
            flags.append(
                _flag(
                    "table.shape",
                    "error",
                    f"row {key} not found in the applications table",
                    f"tables.applications.{key}",
                )
            )
        out[key] = rows.get(key, dict.fromkeys(data["columns"]))
    return out


_REVIEW_WORDS = sorted((label_key(w) for w in label_data()["reviews"]["headers"]), key=len, reverse=True)
_REVIEW_CHARS = frozenset("".join(_REVIEW_WORDS) + "|,")  # what a header can be made of


def _is_reviews_header(text: str) -> bool:
    key = label_key(text)
    if not key or len(key) > 120:
        return False
    if not _REVIEW_CHARS.issuperset(key):
        return False  # a character no header word removes ('0', most cells): the words would leave it
    for word in _REVIEW_WORDS:
        key = key.replace(word, "")
    return key.strip("|,") == ""


def _reviews_start(scan: _Scan) -> int | None:
    for i, text in enumerate(scan.texts):
        if "复" not in text or len(text) > 200:  # cheap pre-check before normalising
            continue
        key = label_key(text)
        if key.startswith("行政复议") and _is_reviews_header(text):
            return i
    return None


def _reviews(scan: _Scan, flags: list[dict]) -> dict | None:
    start = _reviews_start(scan)
    if start is None:
        return None
    texts, rows = scan.texts, scan.rows
    header_rows = {rows[start]} if rows[start] is not None else set()
    values: list[str] = []
    value_rows: set[tuple[int, int]] = set()
    for j in range(start + 1, len(texts)):
        text, row = texts[j], rows[j]
        if row is not None:
            if row in header_rows:
                continue
            if _is_reviews_header(text) and text:
                header_rows.add(row)
                continue
            if value_rows and row[0] != next(iter(value_rows))[0] and len(values) >= 15:
                break
            value_rows.add(row)
            values.append(text)
            continue
        if _is_reviews_header(text):
            if values:
                break
            continue
        if not scan.is_value_like(j):
            break
        values.append(text)
        if len(values) >= 15:
            break
    if not values:
        return None
    fitted, ok = _fit(values, 15)
    if not ok:
        flags.append(
            _flag("table.shape", "error", f"reviews: expected 15 numbers, found {len(values)}", "tables.reviews")
        )
    data = label_data()["reviews"]
    out: dict[str, dict[str, int | None]] = {}
    it = iter(fitted)
    for group in data["groups"]:
        out[group] = {f: _cell(next(it), f"tables.reviews.{group}.{f}", flags) for f in data["fields"]}
    return out
