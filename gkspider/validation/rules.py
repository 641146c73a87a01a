"""Validation rules for one report line (see CONTRACT.md, "validation").

Pure functions over the report dict: no Scrapy, no I/O. The pipeline calls
`validate_report` per item and `cross_year_flags` once over the whole output.

Rule ids and severities are those of the contract, plus a few extra ones
(documented in RULES below) whose ids do not clash with the contract's.
"""

from __future__ import annotations

import marshal
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import chain, repeat
from operator import add, itemgetter

from gkspider.extract.labels import label_data

# rule id -> severity. Order matters: flags are reported in this order.
RULES: dict[str, str] = {
    "table.shape": "error",
    "cell.not_number": "error",
    "cell.empty": "warning",
    "table.missing": "error",
    "template.outdated": "warning",
    "applications.balance": "error",
    "applications.row_sum": "error",
    "applications.results_sum": "error",
    "reviews.sum": "error",
    # extra: a count of applications or of reviews/lawsuits below zero (a sign or parse error)
    "count.negative": "error",
    "date.missing": "warning",
    # extra: a date field that is not a real YYYY-MM-DD date, so the date rules could not run on it
    "date.invalid": "warning",
    "date.before_period": "error",
    "date.late": "warning",
    "year.mismatch": "warning",
    "metadata.missing": "warning",
    "sections.missing": "warning",
    "text.table_mismatch": "warning",
    "applications.cross_year": "warning",
}

# Flags only the extractor can raise (it sees the raw cells); validation carries them over.
EXTRACTION_RULES = frozenset({"cell.empty", "cell.not_number", "table.shape"})

# Rules about the whole data set, not one line (never part of a line's validation).
DATASET_RULES = frozenset({"applications.cross_year"})

_SEVERITY_RANK = {"error": 2, "warning": 1}

# Row and column keys come from the one label table (gkspider/data/labels.json), like everything else.
_LABELS = label_data()
APPLICATION_COLUMNS = tuple(_LABELS["applications"]["columns"])
_APPLICANT_COLUMNS = APPLICATION_COLUMNS[:-1]
_OTHER_ROWS_2019 = tuple(_LABELS["applications"]["rows_2019_only"])
_OTHER_ROWS_2021 = tuple(_LABELS["applications"]["rows_2021_only"])
_NOT_OUTCOMES = {"new", "carried_over", "total", "carried_forward", *_OTHER_ROWS_2019, *_OTHER_ROWS_2021}
_OUTCOME_ROWS_COMMON = tuple(r for r in _LABELS["applications"]["rows"] if r not in _NOT_OUTCOMES)
APPLICATION_ROWS = tuple(_LABELS["applications"]["rows"])

REVIEW_GROUPS = tuple(_LABELS["reviews"]["groups"])
REVIEW_FIELDS = tuple(_LABELS["reviews"]["fields"])
_REVIEW_PARTS = REVIEW_FIELDS[:-1]

STANDARD_TABLES = ("active_disclosure", "applications", "reviews")


# ---------------------------------------------------------------- helpers


def _flag(rule: str, message: str, path: str) -> dict:
    return {"rule": rule, "severity": RULES[rule], "message": message, "path": path}


def _int(value: object) -> int | None:
    # bool is an int subclass; a True cell is a bug upstream, not the number 1.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _table(item: dict, name: str) -> dict | None:
    tables = item.get("tables")
    if not isinstance(tables, dict):
        return None
    table = tables.get(name)
    return table if isinstance(table, dict) else None


def _cell(table: dict, row: str, col: str) -> int | None:
    cells = table.get(row)
    if cells.__class__ is not dict:
        return None  # a missing row is a row of nulls
    value = cells.get(col)
    return value if value.__class__ is int else None  # not bool, an int subclass: a True cell is a bug upstream


_NO_CELLS: dict[str, int] = {}


Grid = dict[str, dict[str, int]]


_ONLY_INT = frozenset((int,))
_ONLY_DICT = frozenset((dict,))


def _int_row(cells: dict) -> dict[str, int]:
    if set(map(type, cells.values())) <= _ONLY_INT:
        return cells  # the usual row, integers only: used as it is (the rules only read it), tested in C
    return {col: v for col, v in cells.items() if v.__class__ is int}


def _int_grid(table: dict) -> Grid:
    """The table's integer cells by row, anything else (None, text, bool) left out: one pass over the table, then
    plain lookups (a table has 200 cells and every rule reads them)."""
    rows = table.values()
    cells = chain.from_iterable(map(dict.values, rows))  # read only once the rows are known to be dicts
    if _ONLY_DICT.issuperset(map(type, rows)) and _ONLY_INT.issuperset(map(type, cells)):
        # The usual table, every row a dict of integers: the grid would be a copy of it, so it is the table (the
        # rules only read it). Two passes in C instead of one Python call per row.
        return table
    return {row: _int_row(cells) for row, cells in table.items() if cells.__class__ is dict}


def _grids(item: dict) -> dict[str, Grid | None]:
    """The integer grids of the two tables the sum rules read, made once per validation."""
    out: dict[str, Grid | None] = {}
    for name in ("applications", "reviews"):
        table = _table(item, name)
        out[name] = _int_grid(table) if table is not None else None
    return out


def _plus(values: Iterable[int]) -> str:
    return " + ".join(str(v) for v in values)


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _parse_date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    m = _ISO_DATE.fullmatch(value.strip())
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _norm(text: str) -> str:
    # Full-width digits and spaces (common in Chinese pages) become ASCII.
    # "".join(split()) removes exactly what re.sub(r"\s+", "", …) does, several times faster.
    return "".join(unicodedata.normalize("NFKC", text).split())


# ------------------------------------------------------------- table rules


def _outcome_rows(table: dict, template: object) -> tuple[str, ...]:
    """The (六)其他处理 rows that belong to this table's format.

    The rows present decide; the template only breaks a tie, so a table whose
    template was misdetected is still summed over the rows it actually has.
    """
    has_2021 = not table.keys().isdisjoint(_OTHER_ROWS_2021)  # any of the rows in the table, tested in C
    has_2019 = "other" in table
    if has_2021 and not has_2019:
        others = _OTHER_ROWS_2021
    elif has_2019 and not has_2021:
        others = _OTHER_ROWS_2019
    else:
        others = _OTHER_ROWS_2019 if template == "2019" else _OTHER_ROWS_2021
    return _OUTCOME_ROWS_COMMON + others


_ALL_COLUMNS = itemgetter(*APPLICATION_COLUMNS)
_APPLICANT_CELLS = itemgetter(*_APPLICANT_COLUMNS)
_TOTAL_CELL = itemgetter("total")
_BALANCE_ROWS = itemgetter("new", "carried_over", "total", "carried_forward")


def _applications_add_up(grid: Grid, outcome: tuple[str, ...]) -> bool:
    """True when the table is complete and adds up, so that the three sum rules have nothing to flag: every cell the
    rules read is there, and every balance, row sum and results sum holds. Tested in C (itemgetter, map, sum, zip),
    not cell by cell; a missing row or cell (KeyError) or a sum that fails sends the caller to the rules, which find
    the details."""
    try:
        new, over, total, fwd = map(_ALL_COLUMNS, _BALANCE_ROWS(grid))
        if list(map(add, new, over)) != list(map(add, total, fwd)):
            return False
        # The rows of the table the row sums read (an empty row has no total: nothing to check).
        rows = list(filter(None, map(grid.get, APPLICATION_ROWS)))
        if list(map(sum, map(_APPLICANT_CELLS, rows))) != list(map(_TOTAL_CELL, rows)):
            return False
        by_outcome = map(_ALL_COLUMNS, map(grid.__getitem__, outcome))
        return list(map(sum, zip(*by_outcome, strict=True))) == list(total)
    except KeyError:
        return False


def _check_applications(item: dict, grids: dict[str, Grid | None] | None = None) -> Iterator[dict]:
    table = _table(item, "applications")
    if table is None:
        return
    grid = (grids or _grids(item))["applications"] or {}
    outcome = _outcome_rows(table, item.get("template"))
    if _applications_add_up(grid, outcome):
        return  # the usual table: nothing to flag, and no need to walk it cell by cell
    yield from _application_sum_flags(table, grid, outcome)


def _application_sum_flags(table: dict, grid: Grid, outcome: tuple[str, ...]) -> Iterator[dict]:
    """applications.balance, applications.row_sum and applications.results_sum, cell by cell in report order."""
    base = "tables.applications"
    new_row, over_row = grid.get("new", _NO_CELLS), grid.get("carried_over", _NO_CELLS)
    total_row, fwd_row = grid.get("total", _NO_CELLS), grid.get("carried_forward", _NO_CELLS)

    for col in APPLICATION_COLUMNS:
        new, over = new_row.get(col), over_row.get(col)
        total, fwd = total_row.get(col), fwd_row.get(col)
        if None in (new, over, total, fwd):
            continue
        if new + over != total + fwd:
            yield _flag(
                "applications.balance",
                f"column {col}: new + carried_over = {new} + {over} = {new + over}, "
                f"but total + carried_forward = {total} + {fwd} = {total + fwd}",
                f"{base}.carried_forward.{col}",
            )

    for row in APPLICATION_ROWS:
        if row not in table:
            continue
        cells = grid.get(row, _NO_CELLS)
        parts = list(map(cells.get, _APPLICANT_COLUMNS))
        total = cells.get("total")
        if total is None or None in parts:
            continue
        if sum(parts) != total:
            yield _flag(
                "applications.row_sum",
                f"row {row}: {' + '.join(_APPLICANT_COLUMNS)} = {_plus(parts)} = {sum(parts)}, but total = {total}",
                f"{base}.{row}.total",
            )

    outcome_cells = [grid.get(r, _NO_CELLS) for r in outcome]
    for col in APPLICATION_COLUMNS:
        parts = list(map(dict.get, outcome_cells, repeat(col)))  # each outcome row's cell in this column
        total = total_row.get(col)
        if total is None or None in parts:
            continue
        if sum(parts) != total:
            nonzero = [f"{r} {v}" for r, v in zip(outcome, parts, strict=True) if v]
            detail = ", ".join(nonzero) if nonzero else "all 0"
            yield _flag(
                "applications.results_sum",
                f"column {col}: the {len(outcome)} outcome rows {outcome[0]} … {outcome[-1]} "
                f"sum to {sum(parts)} ({detail}), but total = {total}",
                f"{base}.total.{col}",
            )


_REVIEW_GROUP_ROWS = itemgetter(*REVIEW_GROUPS)
_REVIEW_PART_CELLS = itemgetter(*_REVIEW_PARTS)


def _reviews_add_up(grid: Grid) -> bool:
    """True when every group is complete and its parts sum to its total: reviews.sum has nothing to flag. Tested in
    C like _applications_add_up; a missing group or cell (KeyError) or a failed sum sends the caller to the rule."""
    try:
        groups = _REVIEW_GROUP_ROWS(grid)
        return list(map(sum, map(_REVIEW_PART_CELLS, groups))) == list(map(_TOTAL_CELL, groups))
    except KeyError:
        return False


def _check_reviews(item: dict, grids: dict[str, Grid | None] | None = None) -> Iterator[dict]:
    grid = (grids or _grids(item))["reviews"]
    if grid is None or _reviews_add_up(grid):
        return
    yield from _review_sum_flags(grid)


def _review_sum_flags(grid: Grid) -> Iterator[dict]:
    """reviews.sum, group by group."""
    for group in REVIEW_GROUPS:
        cells = grid.get(group, _NO_CELLS)
        parts = [cells.get(f) for f in _REVIEW_PARTS]
        total = cells.get("total")
        if total is None or None in parts:
            continue
        if sum(parts) != total:
            yield _flag(
                "reviews.sum",
                f"{group}: {' + '.join(_REVIEW_PARTS)} = {_plus(parts)} = {sum(parts)}, but total = {total}",
                f"tables.reviews.{group}.total",
            )


def _check_negative(item: dict, grids: dict[str, Grid | None] | None = None) -> Iterator[dict]:
    grids = grids or _grids(item)
    for name, rows, cols in (
        ("applications", APPLICATION_ROWS, APPLICATION_COLUMNS),
        ("reviews", REVIEW_GROUPS, REVIEW_FIELDS),
    ):
        grid = grids[name]
        if grid is None:
            continue
        if min(chain.from_iterable(map(dict.values, grid.values())), default=0) >= 0:
            continue  # the usual case: no need to walk the cells in the order flags are reported
        for row in rows:
            for col in cols:
                value = grid.get(row, _NO_CELLS).get(col)
                if value is not None and value < 0:
                    yield _flag(
                        "count.negative",
                        f"a count cannot be negative: expected >= 0, found {value}",
                        f"tables.{name}.{row}.{col}",
                    )


def _check_tables_present(item: dict) -> Iterator[dict]:
    year = _int(item.get("report_year"))
    if year is None:
        return
    if year >= 2019:
        tables = item.get("tables") if isinstance(item.get("tables"), dict) else {}
        for name in STANDARD_TABLES:
            if not isinstance(tables.get(name), dict):
                yield _flag(
                    "table.missing",
                    f"a report for {year} (>= 2019) must have the {name} table; found none",
                    f"tables.{name}",
                )
    if year >= 2021 and item.get("template") == "2019":
        yield _flag(
            "template.outdated",
            f"a report for {year} (>= 2021) should use the 2021 table format; found the 2019 format",
            "template",
        )


# -------------------------------------------------------------- date rules

# Bodies whose own report is due 31 March: a 县级以上 people's government (条例 第四十九条).
# Departments (and townships, which the article does not name) are due 31 January.
_GOV_SUFFIX = re.compile(r"(人民政府|政府)$")
# A bare place name (金平县) names its government; 社区/园区/景区 are not places of that kind.
_PLACE_SUFFIX = re.compile(r"(省|自治区|市|州|盟|地区|县|(?<![社园景校矿发])区|旗)$")
_TOWNSHIP_SUFFIX = re.compile(r"(镇|乡|街道|街道办事处|苏木|社区)(人民政府|政府)?$")
# Dispatched bodies (开发区管委会…) are neither a 县级以上 government nor township: due 31 January.
_OTHER_SUFFIX = re.compile(r"(管委会|管理委员会|派出机构)$")
_OFFICE_SUFFIX = re.compile(r"(人民政府|政府)(办公室|办公厅|办)$")
_DEPARTMENT_SUFFIX = re.compile(
    r"(局|委员会|委|厅|办公室|办公厅|办|中心|院|所|队|署|会|站|处|部|科|行|社|馆|团|公司|分局|支队|大队)$"
)
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2}|[〇零一二三四五六七八九]{4})\s*年")


def _title_subject(title: object) -> str:
    """The body named in the title before the year: 金平县人民政府 in 金平县人民政府2022年…"""
    if not isinstance(title, str):
        return ""
    m = _YEAR_IN_TITLE.search(title)
    return _norm(title[: m.start()]) if m else ""


def report_body_kind(item: dict) -> str:
    """Classify who reports: "government", "township", "department", "other" or "unknown".

    The title's subject wins over `organ`, because a government's own report is
    often published by its office (002: title 金平县人民政府…, organ …办公室).
    A 人民政府办公室 name is ambiguous (its own department report, or the
    government's report compiled by it) and so stays "unknown".
    """
    level = (item.get("site") or {}).get("level") if isinstance(item.get("site"), dict) else None
    names = [_title_subject(item.get("title")), _norm(item.get("organ") or "")]
    for name in names:
        if not name:
            continue
        if _OFFICE_SUFFIX.search(name):
            return "unknown"
        if _TOWNSHIP_SUFFIX.search(name):
            return "township"
        if _OTHER_SUFFIX.search(name):
            return "other"
        if _GOV_SUFFIX.search(name) or _PLACE_SUFFIX.search(name):
            return "township" if level == "township" else "government"
        if _DEPARTMENT_SUFFIX.search(name):
            return "department"
    if level == "department":
        return "department"
    if level == "township":
        return "township"
    return "unknown"


def publication_deadline(item: dict, is_government_own: bool | None = None) -> date | None:
    """The last day the report may be published on, or None when report_year is unknown.

    Reports for 2018 and earlier fall under the 2008 条例 (31 March for all).
    From 2019 on: 31 March for a 县级以上 government's own report, 31 January
    for departments and townships; when unsure, the lenient 31 March.
    """
    year = _int(item.get("report_year"))
    if year is None:
        return None
    march = date(year + 1, 3, 31)
    if year < 2019:
        return march
    if is_government_own is None:
        kind = report_body_kind(item)
        is_government_own = kind in ("government", "unknown")
    return march if is_government_own else date(year + 1, 1, 31)


def _check_dates(item: dict, is_government_own: bool | None) -> Iterator[dict]:
    published = None  # publish_date, parsed once
    for key in ("publish_date", "written_date", "signed_date"):
        raw = item.get(key)
        if raw is None:
            continue
        parsed = _parse_date(raw)
        if parsed is None:
            yield _flag("date.invalid", f"{key}: expected a YYYY-MM-DD date, found {raw!r}", key)
        elif key == "publish_date":
            published = parsed

    raw = item.get("publish_date")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        yield _flag("date.missing", "no publish_date", "publish_date")
        return
    year = _int(item.get("report_year"))
    if published is None or year is None:
        return
    period_end = date(year, 12, 31)
    if published <= period_end:
        yield _flag(
            "date.before_period",
            f"publish_date {published.isoformat()} is on or before the end of the period {period_end.isoformat()}",
            "publish_date",
        )
        return
    organ = item.get("organ")
    if published <= date(year + 1, 1, 31) and (not organ or isinstance(organ, str)):
        # Every deadline is 31 January or later: on time whoever reports, so the body need not be classified. (An
        # organ that is neither text nor empty is still handed to publication_deadline, which raises on it.)
        return
    deadline = publication_deadline(item, is_government_own)
    if deadline is not None and published > deadline:
        yield _flag(
            "date.late",
            f"publish_date {published.isoformat()} is {(published - deadline).days} day(s) "
            f"after the deadline {deadline.isoformat()}",
            "publish_date",
        )


_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")


def _title_years(title: object) -> set[int]:
    if not isinstance(title, str):
        return set()
    years = set()
    for m in _YEAR_IN_TITLE.finditer(unicodedata.normalize("NFKC", title)):
        years.add(int(m[1].translate(_CN_DIGITS)))
    return years


def _check_years(item: dict) -> Iterator[dict]:
    year = _int(item.get("report_year"))
    if year is None:
        return
    title_years = _title_years(item.get("title"))
    # A title may name two years (e.g. a publication year too); it agrees when one of them matches.
    if title_years and year not in title_years:
        found = ", ".join(str(y) for y in sorted(title_years))
        yield _flag("year.mismatch", f"report_year is {year}, but the title names {found}", "title")
    period = item.get("period")
    if isinstance(period, dict):
        for key in ("start", "end"):
            d = _parse_date(period.get(key))
            if d is not None and d.year != year:
                yield _flag(
                    "year.mismatch",
                    f"report_year is {year}, but the period {key} {d.isoformat()} is in {d.year}",
                    f"period.{key}",
                )


# ------------------------------------------------------ metadata and text

# The six standard sections, each recognised by any of its keywords.
_STANDARD_SECTIONS = (
    ("总体情况", ("总体情况", "基本情况", "概述", "总体")),
    ("主动公开政府信息情况", ("主动公开",)),
    ("收到和处理政府信息公开申请情况", ("申请",)),
    ("政府信息公开行政复议、行政诉讼情况", ("复议", "诉讼")),
    ("存在的主要问题及改进情况", ("问题", "改进")),
    ("其他需要报告的事项", ("其他", "其它")),
)


_HEADING_BREAK = "\x00"


def _check_metadata(item: dict) -> Iterator[dict]:
    for key in ("index_no", "organ"):
        value = item.get(key)
        if not (isinstance(value, str) and value.strip()):
            yield _flag("metadata.missing", f"no {key}", key)

    sections = item.get("sections")
    headings = [s for s in sections if isinstance(s, str)] if isinstance(sections, list) else []
    # The _norm of every heading, in one string: NFKC once over the headings joined by NUL, which NFKC leaves as it
    # is and never composes across, and which is not a blank. A keyword (no NUL in it) is in this string exactly when
    # it is in one of the normalised headings.
    all_headings = _norm(_HEADING_BREAK.join(headings))
    found = [label for label, keywords in _STANDARD_SECTIONS if any(map(all_headings.__contains__, keywords))]
    if len(found) < len(_STANDARD_SECTIONS):
        missing = [label for label, _ in _STANDARD_SECTIONS if label not in found]
        yield _flag(
            "sections.missing",
            f"expected the {len(_STANDARD_SECTIONS)} standard sections, found {len(found)} "
            f"({len(headings)} heading(s)); missing: {'、'.join(missing)}",
            "sections",
        )


# Phrases whose number maps to one table cell without doubt. Each is matched
# inside one clause (text split at punctuation), so numbers never cross clauses.
_CLAUSE_SPLIT = re.compile(r"[,,。;;!!??、\n\r|]")
_NUM = r"(\d+)\s*件"
_TEXT_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("new", re.compile(r"(?:受理|收到|接收|接到)[^\d]{0,20}?(?:信息公开申请|依申请公开|公开申请)[^\d]{0,12}?" + _NUM)),
    ("carried_over", re.compile(r"(?:上年|上一年|去年)度?结转[^\d]{0,8}?" + _NUM)),
    ("carried_forward", re.compile(r"结转(?:到|至)?下(?:一)?年度?[^\d]{0,8}?" + _NUM)),
    ("granted", re.compile(r"(?<![不未])予以公开[^\d]{0,4}?" + _NUM)),
    ("partial", re.compile(r"部分公开[^\d]{0,4}?" + _NUM)),
    ("review", re.compile(r"行政复议[^\d]{0,6}?(\d+)\s*(?:件|起|宗)")),
    ("litigation", re.compile(r"行政诉讼[^\d]{0,6}?(\d+)\s*(?:件|起|宗)")),
)
# Text each phrase's pattern cannot match without.
_PHRASE_CUES: dict[str, tuple[str, ...]] = {
    "new": ("受理", "收到", "接收", "接到"),
    "carried_over": ("结转",),
    "carried_forward": ("结转",),
    "granted": ("予以公开",),
    "partial": ("部分公开",),
    "review": ("行政复议",),
    "litigation": ("行政诉讼",),
}
_YEAR_OF_CLAUSE = re.compile(r"((?:19|20)\d{2})年")
# A clause about another period or a change is not a statement of this year's count.
_HAS_COUNT = re.compile(r"\d\s*(?:件|起|宗)")
_CLAUSE_SKIP = re.compile(r"同比|较上年|比上年|增长|减少|增加|下降|上升|主动|累计")


_CLAUSE_ENDS = ",。;!?、\n\r|"  # _CLAUSE_SPLIT's characters, after NFKC


_COUNT_UNITS = "件起宗"  # _HAS_COUNT's units
_COUNT_BLANKS = 64  # how far before its unit a count's number is looked for (digit and blanks included)
# Matched from a clause's start up to a count, it ends just after the last clause end before the count (greedy .*).
_UP_TO_CLAUSE_END = re.compile("(?s).*[" + re.escape(_CLAUSE_ENDS) + "]")


def _count_units(text: str) -> dict[int, int]:
    """Where _HAS_COUNT matches (a digit up to _COUNT_BLANKS blanks before its unit): the digit's index -> the unit's.
    Found from the units: str.find runs at memchr speed, while a regex that starts with \\d tests every character of
    a long text. The digit is the last character before the unit that is not a blank (str.isspace and str.isdecimal
    are the regex's \\s and \\d); most units have it, or none, right before them."""
    units = {}
    for unit in _COUNT_UNITS:
        at = text.find(unit, 1)  # a unit at 0 has no digit before it
        while at != -1:
            before = text[at - 1]
            if before.isdecimal():
                units[at - 1] = at
            elif before.isspace():
                window = max(0, at - _COUNT_BLANKS)
                number = text[window:at].rstrip()
                if number and number[-1].isdecimal():
                    units[window + len(number) - 1] = at
            at = text.find(unit, at + 1)
    return units


def _clauses_with_counts(text: str) -> Iterator[str]:
    """The clauses (text between _CLAUSE_SPLIT characters) that state a count, each once, in order. Most prose
    states none: finding the counts first skips it without splitting it."""
    end = 0
    units = _count_units(text)
    for count_start in sorted(units):
        if count_start < end:
            continue  # a second count in a clause already given
        # The clause starts after the last clause end before the count; `end` (where the clause before stopped, at a
        # clause end) bounds the search, so a long text is not scanned back to its start once per count.
        before = _UP_TO_CLAUSE_END.match(text, end, count_start)
        start = before.end() if before else 0
        stop = _CLAUSE_SPLIT.search(text, count_start)
        end = stop.start() if stop else len(text)
        # The clause holds its count when the unit is in it; otherwise a line break came between the number and its
        # unit, and another count may still be in the clause.
        if units[count_start] < end or _HAS_COUNT.search(text, start, end):
            yield text[start:end]


# _TEXT_PHRASES with their cue words, and whether the phrase is one of the two a clause naming both 复议 and 诉讼
# cannot be read for ("行政复议和行政诉讼3件": which one is 3?).
_PHRASE_TESTS = tuple(
    (key, pattern, _PHRASE_CUES[key], key in ("review", "litigation")) for key, pattern in _TEXT_PHRASES
)


def _stated_counts(text: str, report_year: int | None) -> dict[str, set[int]]:
    stated: dict[str, set[int]] = {}
    for clause in _clauses_with_counts(unicodedata.normalize("NFKC", text)):
        clause = "".join(clause.split())  # = re.sub(r"\s+", "", clause)
        if not clause or _CLAUSE_SKIP.search(clause):
            continue
        # The clause talks about another year (a clause without 年 names none: the regex is not run).
        if (
            report_year is not None
            and "年" in clause
            and any(int(y) != report_year for y in _YEAR_OF_CLAUSE.findall(clause))
        ):
            continue
        for key, pattern, cues, one_of_two_courts in _PHRASE_TESTS:
            for cue in cues:
                if cue in clause:
                    break
            else:
                continue  # the pattern cannot match: a cheaper test than the regex, and most clauses fail it
            if one_of_two_courts and "复议" in clause and "诉讼" in clause:
                continue
            for m in pattern.finditer(clause):
                stated.setdefault(key, set()).add(int(m[1]))
    return stated


def _check_text(item: dict, text: str) -> Iterator[dict]:
    stated = _stated_counts(text, _int(item.get("report_year")))
    if not stated:
        return  # the text states no count: nothing to compare (flags are only raised for stated keys)
    apps = _table(item, "applications")
    reviews = _table(item, "reviews")

    def app(row: str) -> int | None:
        return _cell(apps, row, "total") if apps is not None else None

    def rev(group: str) -> int | None:
        return _cell(reviews, group, "total") if reviews is not None else None

    lit_direct, lit_after = rev("litigation_direct"), rev("litigation_after_review")
    lit_sum = lit_direct + lit_after if None not in (lit_direct, lit_after) else None
    new, over, total = app("new"), app("carried_over"), app("total")
    handled = new + over if None not in (new, over) else None

    # key -> (path, the table value the number is compared with, other readings it may also mean)
    targets = {
        # "受理N件" is this year's new requests, but reports also use it for all handled requests.
        "new": ("tables.applications.new.total", new, (handled, total)),
        "carried_over": ("tables.applications.carried_over.total", over, ()),
        "carried_forward": ("tables.applications.carried_forward.total", app("carried_forward"), ()),
        "granted": ("tables.applications.granted.total", app("granted"), ()),
        "partial": ("tables.applications.partial.total", app("partial"), ()),
        "review": ("tables.reviews.review.total", rev("review"), ()),
        # "行政诉讼N件" usually counts both kinds of lawsuit; accept either group alone too.
        "litigation": ("tables.reviews.litigation_direct.total", lit_sum, (lit_direct, lit_after)),
    }
    for key, (path, value, alternatives) in targets.items():
        numbers = stated.get(key)
        if not numbers or value is None or value in numbers:
            continue  # nothing stated, nothing to compare with, or the text agrees with the table (the usual case)
        accepted = {value} | {a for a in alternatives if a is not None}
        if numbers & accepted:
            continue
        said = "/".join(str(n) for n in sorted(numbers))
        yield _flag(
            "text.table_mismatch",
            f"the text states {key} = {said}, but the table has {value}",
            path,
        )


# ------------------------------------------------------------------ public


def status_of(flags: Iterable[dict]) -> str:
    """error if any flag is an error, else warning if any is a warning, else ok."""
    rank = 0
    for f in flags:
        severity = f.get("severity") or RULES.get(f.get("rule", ""), "warning")
        rank = max(rank, _SEVERITY_RANK.get(severity, 0))
    return {2: "error", 1: "warning", 0: "ok"}[rank]


def _normalise_carried(flag: dict) -> dict | None:
    if not isinstance(flag, dict) or not isinstance(flag.get("rule"), str):
        return None
    rule = flag["rule"]
    path = flag.get("path")
    return {
        "rule": rule,
        "severity": flag.get("severity") or RULES.get(rule, "warning"),
        "message": str(flag.get("message") or ""),
        "path": None if path is None else str(path),
    }


_RULE_ORDER = {rule: (i, "") for i, rule in enumerate(RULES)}


def _flag_order(flag: dict) -> tuple[int, str]:
    # The rules in RULES order, then any other (carried) rule by name.
    return _RULE_ORDER.get(flag["rule"]) or (len(RULES), flag["rule"])


# The rules validate_report computes itself (a carried flag of one of these is stale), with and without a text.
_RECOMPUTED = frozenset(RULES) - EXTRACTION_RULES - DATASET_RULES
_RECOMPUTED_WITHOUT_TEXT = _RECOMPUTED - {"text.table_mismatch"}


def validate_report(
    item: dict,
    *,
    text: str | None = None,
    carried_flags: Iterable[dict] = (),
    is_government_own: bool | None = None,
) -> dict:
    """Run every per-report rule; return {"status", "flags"}.

    Any `validation` already in `item` is ignored. `carried_flags` are kept
    unless they belong to a rule recomputed here (a stale copy would disagree):
    so the extractor's cell/shape flags are always kept, and text.table_mismatch
    is kept only when `text` is None.
    """
    flags: list[dict] = []
    flags += _check_tables_present(item)
    grids = _grids(item)
    flags += _check_applications(item, grids)
    flags += _check_reviews(item, grids)
    flags += _check_negative(item, grids)
    flags += _check_dates(item, is_government_own)
    flags += _check_years(item)
    flags += _check_metadata(item)
    if text is not None:
        flags += _check_text(item, text)

    computed = _RECOMPUTED if text is not None else _RECOMPUTED_WITHOUT_TEXT
    for raw in carried_flags:
        f = _normalise_carried(raw)
        if f is not None and f["rule"] not in computed:
            flags.append(f)

    if not flags:
        return {"status": "ok", "flags": flags}  # the usual report: nothing to dedupe, sort or rank
    if len(flags) == 1:
        # Nothing to dedupe or sort. status_of hashes the severity like the dedupe key would, so an unhashable one
        # raises the same TypeError.
        return {"status": status_of(flags), "flags": flags}
    seen: set[tuple] = set()
    unique = []
    for f in flags:
        key = (f["rule"], f["severity"], f["message"], f["path"])
        if key not in seen:
            seen.add(key)
            unique.append(f)
    # Stable sort: by rule, and within a rule in the order the checks walk the table.
    unique.sort(key=_flag_order)
    return {"status": status_of(unique), "flags": unique}


# ------------------------------------------------------------- cross-year


def normalise_organ(organ: object) -> str | None:
    """Compare organ names across years: width, spaces and 人民政府/政府 variants ignored."""
    if not isinstance(organ, str):
        return None
    name = _norm(organ).replace("人民政府", "政府")
    return name or None


def cross_year_view(report: dict) -> tuple | None:
    """The part of a report line cross_year_flags reads, as one small tuple; None when the rule cannot use the
    report (no organ, year or applications table). Keep this, not whole lines, when reading a whole data set (a
    national crawl has hundreds of thousands of reports): (site id, organ key, year, url, title, organ,
    carried_forward by column, carried_over by column)."""
    if not isinstance(report, dict):
        return None
    site = report.get("site") if isinstance(report.get("site"), dict) else {}
    organ = normalise_organ(report.get("organ"))
    year = _int(report.get("report_year"))
    apps = _table(report, "applications")
    if organ is None or year is None or apps is None:
        return None
    return (
        str(site.get("id")),
        organ,
        year,
        report.get("url"),
        report.get("title"),
        report.get("organ"),
        tuple(_cell(apps, "carried_forward", c) for c in APPLICATION_COLUMNS),
        tuple(_cell(apps, "carried_over", c) for c in APPLICATION_COLUMNS),
    )


# Cross-year rows held in memory before the rest spill to disk: ~400 bytes each (url, title, two rows of numbers), so
# ~4 MB at most. At 100,000 the close of a 1,000-portal bench crawl (45,000 reports) took 21 MB more than the crawl
# itself had needed (issue 8); spilling costs no time (marshal is faster than building the groups in memory).
CROSS_YEAR_HELD_ROWS = 10_000


def cross_year_flags(reports: Iterable[dict | tuple | None], spill_rows: int = CROSS_YEAR_HELD_ROWS) -> list[dict]:
    """applications.cross_year: carried_forward of year N vs carried_over of year N+1, per column.

    Reports are grouped by (site.id, normalised organ). When a year has several
    reports (an HTML page and its PDF, or two different bodies sharing an organ),
    copies with identical numbers count once, and otherwise only reports whose
    titles name the same body are paired; anything still ambiguous is skipped.

    `reports` are report dicts or their cross_year_view tuples, read once. Up to `spill_rows` of the tuples are
    held in memory; past that they go to temporary files, one per share of the (site, organ) groups, and the
    groups are compared one file at a time, so memory stays bounded however large the data set.
    """
    parts = 64
    held: list[tuple] = []
    spill: list | None = None  # the partition files, once spilling
    tmpdir: tempfile.TemporaryDirectory | None = None
    strings: dict = {}  # site ids, organ keys and names, rows of numbers: one object each
    try:
        for r in reports:
            row = cross_year_view(r) if isinstance(r, dict) else r
            if not row:
                continue
            if spill is not None:
                marshal.dump(row, spill[hash(row[:2]) % parts])
                continue
            site_id, organ, organ_name = row[0], row[1], row[5]
            site_id = strings.setdefault(site_id, site_id)
            organ = strings.setdefault(organ, organ)
            if isinstance(organ_name, str):
                organ_name = strings.setdefault(organ_name, organ_name)
            forward, over = strings.setdefault(row[6], row[6]), strings.setdefault(row[7], row[7])
            held.append((site_id, organ, row[2], row[3], row[4], organ_name, forward, over))
            if len(held) > spill_rows:
                tmpdir = tempfile.TemporaryDirectory(prefix="gkspider-cross-year-")
                spill = [open(f"{tmpdir.name}/{i}", "wb") for i in range(parts)]  # noqa: SIM115
                for row in held:
                    marshal.dump(row, spill[hash(row[:2]) % parts])
                held, strings = [], {}

        def shares() -> Iterator[list[tuple]]:
            if spill is None:
                yield held
                return
            for fp in spill:
                fp.close()
            for i in range(parts):
                rows = []
                with open(f"{tmpdir.name}/{i}", "rb") as fp:  # type: ignore[union-attr]
                    while True:
                        try:
                            rows.append(marshal.load(fp))
                        except EOFError:
                            break
                yield rows

        def as_report(row: tuple, row_name: str) -> dict:
            # What _pairs and _compare_years read of a report.
            values = row[6] if row_name == "carried_forward" else row[7]
            return {
                "url": row[3],
                "title": row[4],
                "organ": row[5],
                "tables": {"applications": {row_name: dict(zip(APPLICATION_COLUMNS, values, strict=True))}},
            }

        found: list[tuple[tuple[str, str], list[dict]]] = []
        for rows in shares():
            groups: dict[tuple[str, str], dict[int, list[tuple]]] = {}
            for row in rows:
                groups.setdefault((row[0], row[1]), {}).setdefault(row[2], []).append(row)
            del rows
            for key, by_year in groups.items():
                group_flags: list[dict] = []
                for year in sorted(by_year):
                    if year + 1 not in by_year:
                        continue
                    prevs = [as_report(row, "carried_forward") for row in by_year[year]]
                    nexts = [as_report(row, "carried_over") for row in by_year[year + 1]]
                    for prev, nxt in _pairs(prevs, nexts):
                        group_flags += _compare_years(prev, nxt, year)
                if group_flags:
                    found.append((key, group_flags))
        found.sort(key=lambda kf: kf[0])
        return [flag for _, group_flags in found for flag in group_flags]
    finally:
        for fp in spill or ():
            fp.close()
        if tmpdir is not None:
            tmpdir.cleanup()


def _row_values(report: dict, row: str) -> tuple:
    table = _table(report, "applications") or {}
    return tuple(_cell(table, row, c) for c in APPLICATION_COLUMNS)


def _pairs(prevs: list[dict], nexts: list[dict]) -> list[tuple[dict, dict]]:
    def distinct(reports: list[dict], row: str) -> list[dict]:
        out: dict[tuple, dict] = {}
        for r in sorted(reports, key=lambda r: str(r.get("url"))):
            out.setdefault(_row_values(r, row), r)
        return list(out.values())

    prevs, nexts = distinct(prevs, "carried_forward"), distinct(nexts, "carried_over")
    if len(prevs) == 1 and len(nexts) == 1:
        return [(prevs[0], nexts[0])]
    return [
        (p, n)
        for p in prevs
        for n in nexts
        if _title_subject(p.get("title")) and _title_subject(p.get("title")) == _title_subject(n.get("title"))
    ]


def _compare_years(prev: dict, nxt: dict, year: int) -> list[dict]:
    flags = []
    fwd, over = _row_values(prev, "carried_forward"), _row_values(nxt, "carried_over")
    for col, a, b in zip(APPLICATION_COLUMNS, fwd, over, strict=True):
        if a is None or b is None or a == b:
            continue
        flags.append(
            {
                "rule": "applications.cross_year",
                "severity": RULES["applications.cross_year"],
                "message": f"column {col}: carried_forward of {year} = {a}, but carried_over of {year + 1} = {b}",
                "path": f"tables.applications.carried_over.{col}",
                "url": nxt.get("url"),
                "other_url": prev.get("url"),
                "organ": nxt.get("organ"),
                "years": [year, year + 1],
            }
        )
    return flags
