"""End-of-crawl summary: counts (pure), a terminal text and a self-contained HTML page.

`build_summary` returns plain JSON-safe data (string keys only), so it can be
written next to the outputs as summary.json; the renderers only read it.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from gkspider.validation.rules import RULES, normalise_organ, status_of

STATUSES = ("ok", "warning", "error")
_NO_ORGAN = "(organ unknown)"


def _report_status(report: dict) -> str:
    validation = report.get("validation")
    if not isinstance(validation, dict):
        return "unknown"
    status = validation.get("status")
    if status in STATUSES:
        return status
    flags = validation.get("flags")
    return status_of(flags if isinstance(flags, list) else [])


def _flags_of(report: dict) -> list[dict]:
    validation = report.get("validation")
    flags = validation.get("flags") if isinstance(validation, dict) else None
    return [f for f in flags if isinstance(f, dict)] if isinstance(flags, list) else []


def _site_of(report: dict) -> dict:
    site = report.get("site")
    return site if isinstance(site, dict) else {}


def _site_id(value: object) -> str:
    return "(no site)" if value in (None, "") else str(value)


def _organ_key(report: dict) -> tuple[str, str]:
    """(grouping key, display name): spelling variants of one organ share a row."""
    organ = report.get("organ")
    key = normalise_organ(organ)
    if key is None:
        return _NO_ORGAN, _NO_ORGAN
    return key, organ.strip()


# One str object per year for every organ's grid row: str(year) per report kept one copy per organ and year (~50 bytes
# a report, issue 8).
_YEAR_KEYS = {year: str(year) for year in range(1990, 2100)}

_RULE_INDEX = {rule: i for i, rule in enumerate(RULES)}


def _rule_sort(rule: str) -> tuple[int, str]:
    return (_RULE_INDEX.get(rule, len(_RULE_INDEX)), rule)


# What the summary keeps grows with portals, organs and years, not with reports: a national crawl has ~850,000.
FLAGGED_MAX = 1_000  # flagged reports listed (errors first); the rest are counted (reports.jsonl has them all)
GRID_LINKS_MAX = 10_000  # up to this many reports the HTML grid links each one; above, cells count by status
_CELL_STATUSES = (*STATUSES, "unknown")
_CELL_INDEX = {s: i for i, s in enumerate(_CELL_STATUSES)}
_FLAGGED_ORDER = {"error": 0, "warning": 1}


def _flagged_key(f: dict) -> tuple[int, str, str]:
    return (_FLAGGED_ORDER.get(f["status"], 2), f["site_id"], str(f["url"]))


@dataclass(slots=True)
class _PortalTally:
    """One portal's counters in SummaryBuilder."""

    name: Any = None
    level: Any = None
    url: Any = None
    reports: int = 0
    failures: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    organs: dict[str, list] = field(default_factory=dict)  # organ key -> [display name, {year key: counts}]

    def describe(self, site: dict) -> None:
        """Name, level and URL from a site object, where they are not known yet."""
        for key in ("name", "level", "url"):
            if getattr(self, key) is None and site.get(key) is not None:
                setattr(self, key, site.get(key))


class SummaryBuilder:
    """`build_summary` fed one report and one failure at a time (the output pipeline calls it as items arrive).

    It keeps counters, one small entry per portal and per organ with a tuple of status counts per year, at most
    `max_flagged` flagged reports (the first in the summary's order) and, while a crawl has at most `max_links`
    reports, one slim tuple per report for the links of the HTML grid.
    """

    def __init__(self, max_flagged: int | None = FLAGGED_MAX, max_links: int | None = GRID_LINKS_MAX) -> None:
        self.max_flagged = max_flagged
        self.max_links = max_links
        self._portals: dict[str, _PortalTally] = {}
        self.status_counts: Counter[str] = Counter()
        self.flag_counts: Counter[str] = Counter()
        self.flag_reports: Counter[str] = Counter()
        self.flag_severity: dict[str, str] = {}
        self.years: set[int] = set()
        self.unknown_year = False
        self.reasons: Counter[str] = Counter()
        self.n_reports = 0
        self.n_failures = 0
        self.n_flagged = 0
        self._flagged: list[dict] = []
        # (site id, organ key, year key, url, status, tooltip) per report; None once there are more than max_links
        self.links: list[tuple] | None = []
        self._counts: dict[tuple[int, ...], tuple[int, ...]] = {}  # one object per distinct tuple of counts

    def _portal(self, site_id: str, site: dict | None = None) -> _PortalTally:
        entry = self._portals.get(site_id)
        if entry is None:
            entry = self._portals[site_id] = _PortalTally()
        if site:
            entry.describe(site)
        return entry

    def add_report(self, r: dict) -> None:
        if not isinstance(r, dict):
            return
        self.n_reports += 1
        site = _site_of(r)
        site_id = _site_id(site.get("id"))
        entry = self._portal(site_id, site)
        status = _report_status(r)
        self.status_counts[status] += 1
        entry.reports += 1
        entry.by_status[status] = entry.by_status.get(status, 0) + 1
        key, display = _organ_key(r)
        organ = entry.organs.get(key)
        if organ is None:
            organ = entry.organs[key] = [display, {}]
        year = r.get("report_year")
        if isinstance(year, int):
            self.years.add(year)
            year_key = _YEAR_KEYS.get(year) or str(year)
        else:
            self.unknown_year = True
            year_key = "unknown"
        counts = list(organ[1].get(year_key) or (0,) * len(_CELL_STATUSES))
        counts[_CELL_INDEX[status]] += 1
        cell = tuple(counts)
        organ[1][year_key] = self._counts.setdefault(cell, cell)

        flags = _flags_of(r)
        for rule in {f.get("rule") for f in flags if isinstance(f.get("rule"), str)}:
            self.flag_reports[rule] += 1
        for f in flags:
            rule = f.get("rule")
            if isinstance(rule, str):
                self.flag_counts[rule] += 1
                self.flag_severity.setdefault(rule, f.get("severity") or RULES.get(rule, "warning"))

        if self.links is not None:
            if self.max_links is not None and len(self.links) >= self.max_links:
                self.links = None
            else:
                self.links.append((site_id, key, year_key, r.get("url"), status, _tooltip(r)))

        if status != "ok":
            self.n_flagged += 1
            self._flagged.append(
                {
                    "url": r.get("url"),
                    "title": r.get("title"),
                    "organ": r.get("organ"),
                    "site_id": site_id,
                    "report_year": year,
                    "status": status,
                    "flags": [{k: f.get(k) for k in ("rule", "severity", "message", "path")} for f in flags],
                }
            )
            if self.max_flagged is not None and len(self._flagged) >= 2 * self.max_flagged + 64:
                self._trim_flagged()

    def _trim_flagged(self) -> None:
        # A stable sort keeps equal keys in arrival order: the same list as sorting everything, then cutting.
        self._flagged.sort(key=_flagged_key)
        if self.max_flagged is not None:
            del self._flagged[self.max_flagged :]

    def add_failure(self, f: dict) -> None:
        if not isinstance(f, dict):
            return
        self.n_failures += 1
        self.reasons[str(f.get("reason") or "unknown")] += 1
        self._portal(_site_id(f.get("site_id"))).failures += 1

    def build(self, dataset_flags: Iterable[dict] = (), seeds: Iterable[dict] = (), stats: dict | None = None) -> dict:
        stats = dict(stats or {})
        # A seed's name, level and URL come first, then the first report's (as if the seeds were read first).
        from_seeds: dict[str, _PortalTally] = {}
        for seed in seeds:
            if isinstance(seed, dict):
                site_id = _site_id(seed.get("id"))
                from_seeds.setdefault(site_id, _PortalTally()).describe(seed)
                self._portal(site_id)

        per_portal = []
        for site_id in sorted(self._portals):
            entry = self._portals[site_id]
            seeded = from_seeds.get(site_id)
            if seeded is not None:
                seeded.describe({"name": entry.name, "level": entry.level, "url": entry.url})
            described = seeded or entry
            organ_rows = [
                {"key": key, "organ": display, "years": {y: sum(c) for y, c in years.items()}}
                for key, (display, years) in entry.organs.items()
            ]
            organ_rows.sort(key=lambda o: (o["organ"] == _NO_ORGAN, o["organ"]))
            per_portal.append(
                {
                    "id": site_id,
                    "name": described.name,
                    "level": described.level,
                    "url": described.url,
                    "reports": entry.reports,
                    "failures": entry.failures,
                    "by_status": dict(entry.by_status),
                    "organs": organ_rows,
                }
            )
        without = [
            {k: p[k] for k in ("id", "name", "level", "url", "failures")} for p in per_portal if p["reports"] == 0
        ]

        dataset_counts: Counter[str] = Counter(str(f.get("rule")) for f in dataset_flags if isinstance(f, dict))
        severity_counts: Counter[str] = Counter()
        for rule, n in self.flag_counts.items():
            severity_counts[self.flag_severity[rule]] += n

        n_reports, n_failures = self.n_reports, self.n_failures
        expected = stats.get("candidates")
        candidates = (
            expected if isinstance(expected, int) and not isinstance(expected, bool) else n_reports + n_failures
        )
        self._trim_flagged()
        status_counts = self.status_counts

        return {
            "portals": {
                "crawled": len(per_portal),
                "with_reports": len(per_portal) - len(without),
                "without_reports": len(without),
            },
            "portals_without_reports": without,
            "counts": {
                "candidates": candidates,
                "reports": n_reports,
                "failures": n_failures,
                "add_up": candidates == n_reports + n_failures,
            },
            # "unknown" (a line without validation) only appears when there is one.
            "reports_by_status": {s: status_counts[s] for s in _CELL_STATUSES if s in STATUSES or status_counts[s]},
            "years": sorted(self.years),
            "per_portal": per_portal,
            "flags_by_rule": [
                {
                    "rule": rule,
                    "severity": self.flag_severity[rule],
                    "count": self.flag_counts[rule],
                    "reports": self.flag_reports[rule],
                }
                for rule in sorted(self.flag_counts, key=_rule_sort)
            ],
            "flags_by_severity": {s: severity_counts.get(s, 0) for s in ("error", "warning")},
            "dataset_flags_by_rule": [
                {"rule": rule, "severity": RULES.get(rule, "warning"), "count": dataset_counts[rule]}
                for rule in sorted(dataset_counts, key=_rule_sort)
            ],
            "failures_by_reason": [
                {"reason": k, "count": n} for k, n in sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
            # Errors first, then by portal and URL; at most max_flagged of them (flagged_reports_total: all).
            "flagged_reports": list(self._flagged),
            "flagged_reports_total": self.n_flagged,
            "stats": stats,
        }

    def cells(self) -> dict[tuple[str, str, str], tuple[int, ...]]:
        """(site id, organ key, year key) -> reports in that cell by status (ok, warning, error, unknown)."""
        return {
            (site_id, key, year): counts
            for site_id, entry in self._portals.items()
            for key, (_display, years) in entry.organs.items()
            for year, counts in years.items()
        }


def build_summary(
    reports: Iterable[dict],
    failures: Iterable[dict],
    dataset_flags: Iterable[dict] = (),
    seeds: Iterable[dict] = (),
    stats: dict | None = None,
    *,
    max_flagged: int | None = FLAGGED_MAX,
) -> dict:
    """Aggregate one crawl's output.

    `seeds` are the site objects of every portal crawled, so that portals
    which yielded nothing still appear. `stats` may carry "candidates" (the
    number of report candidates the crawl found); it is checked against
    reports + failures, which is otherwise taken as the candidate count.
    `flagged_reports` lists at most `max_flagged` reports (None: all);
    `flagged_reports_total` counts them all.
    """
    builder = SummaryBuilder(max_flagged=max_flagged, max_links=0)
    for r in reports:
        builder.add_report(r)
    for f in failures:
        builder.add_failure(f)
    return builder.build(dataset_flags, seeds, stats)


# ------------------------------------------------------------------- text


def _portal_label(p: dict) -> str:
    parts = [str(p.get("id"))]
    if p.get("name"):
        parts.append(str(p["name"]))
    if p.get("level"):
        parts.append(f"({p['level']})")
    return " ".join(parts)


def render_summary_text(summary: dict) -> str:
    """What a person reads in the terminal at the end of a crawl."""
    c, p = summary["counts"], summary["portals"]
    lines = ["=" * 20 + " gkspider crawl summary " + "=" * 20]
    lines.append(f"portals crawled: {p['crawled']} ({p['with_reports']} with reports, {p['without_reports']} without)")
    if c["add_up"]:
        lines.append(f"candidates: {c['candidates']} = {c['reports']} report(s) + {c['failures']} failure(s)")
    else:
        lines.append(
            f"!! counts do not add up: {c['candidates']} candidate(s), "
            f"but {c['reports']} report(s) + {c['failures']} failure(s) = {c['reports'] + c['failures']}"
        )
    lines.append("reports by status: " + ", ".join(f"{k} {v}" for k, v in summary["reports_by_status"].items()))

    lines += ["", "reports per portal, organ and year:"]
    for portal in summary["per_portal"]:
        lines.append(f"  {_portal_label(portal)}: {portal['reports']} report(s), {portal['failures']} failure(s)")
        for organ in portal["organs"]:
            years = " ".join(f"{y}×{n}" if n > 1 else y for y, n in sorted(organ["years"].items()))
            lines.append(f"      {organ['organ']}: {years}")

    lines += ["", "flags by rule:"]
    for row in summary["flags_by_rule"] or [{"rule": "(none)", "severity": "", "count": 0, "reports": 0}]:
        lines.append(f"  {row['rule']:<28} {row['severity']:<8} {row['count']} flag(s) in {row['reports']} report(s)")
    if summary["dataset_flags_by_rule"]:
        lines.append("dataset flags:")
        for row in summary["dataset_flags_by_rule"]:
            lines.append(f"  {row['rule']:<28} {row['severity']:<8} {row['count']}")

    lines += ["", "failures by reason:"]
    for row in summary["failures_by_reason"] or [{"reason": "(none)", "count": 0}]:
        lines.append(f"  {row['reason']:<28} {row['count']}")

    without = summary["portals_without_reports"]
    if without:
        bar = "!" * 64
        lines += ["", bar, f"WARNING: {len(without)} of {p['crawled']} portal(s) yielded NO report:"]
        for portal in without:
            extra = f", {portal['failures']} failure(s)" if portal["failures"] else ""
            url = f" {portal['url']}" if portal.get("url") else ""
            lines.append(f"  - {_portal_label(portal)}{url}{extra}")
        lines.append(bar)
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------- html

_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
tr.portal th{background:#e8eef7}
td.cell{text-align:center;min-width:4.5em}
.status{display:inline-block;padding:0 .4em;border-radius:3px;color:#fff;text-decoration:none;margin:1px}
.status-ok{background:#2e7d32}.status-warning{background:#ef8f00}.status-error{background:#c62828}
.status-unknown{background:#777}
.loud{border:3px solid #c62828;background:#fdecea;padding:.5em 1em}
.num{text-align:right}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _link(url: object, text: str, css: str = "", tooltip: str = "") -> str:
    """An <a> only for http(s) URLs: a crawled `javascript:` URL must not become a link."""
    cls = f' class="{_e(css)}"' if css else ""
    if tooltip:
        cls += f' title="{_e(tooltip)}"'
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return f'<a{cls} href="{_e(url)}">{text}</a>'
    return f"<span{cls}>{text}</span>"


def _tooltip(report: dict) -> str:
    rules = sorted({str(f.get("rule")) for f in _flags_of(report)})
    title = str(report.get("title") or report.get("url") or "")
    return f"{title} — {', '.join(rules)}" if rules else title


def render_summary_html(summary: dict, reports: Iterable[dict] | SummaryBuilder) -> str:
    """One self-contained page: coverage grid, flag counts, flagged reports, failures."""
    return "".join(iter_summary_html(summary, reports))


def _cell_links(links: list[tuple]) -> str:
    return "".join(
        _link(url, _e(status), f"status status-{status}", tooltip)
        for _site, _organ, _year, url, status, tooltip in sorted(links, key=lambda t: str(t[3]))
    )


def _cell_counts(counts: tuple[int, ...]) -> str:
    return "".join(
        f'<span class="status status-{status}" title="{n} {status} report(s)">{status}{f"×{n}" if n > 1 else ""}</span>'
        for status, n in zip(_CELL_STATUSES, counts, strict=True)
        if n
    )


def iter_summary_html(summary: dict, reports: Iterable[dict] | SummaryBuilder) -> Iterator[str]:
    """render_summary_html in pieces, to be written as they come. `reports` are this crawl's reports, or the
    SummaryBuilder that saw them: in the grid each report is a link to it up to GRID_LINKS_MAX reports; above,
    each cell counts its reports by status."""
    if isinstance(reports, SummaryBuilder):
        grid = reports
    else:
        grid = SummaryBuilder(max_flagged=0)
        for r in reports:
            grid.add_report(r)
    years = summary["years"]
    columns = [str(y) for y in range(years[0], years[-1] + 1)] if years else []
    if grid.unknown_year:
        columns.append("unknown")

    links: dict[tuple[str, str, str], list[tuple]] | None = None
    if grid.links is not None:
        links = {}
        for link in grid.links:
            links.setdefault(link[:3], []).append(link)
    counts = grid.cells() if links is None else {}

    c, p = summary["counts"], summary["portals"]
    yield "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="zh"><head><meta charset="utf-8">',
            "<title>gkspider crawl summary</title>",
            f"<style>{_CSS}</style></head><body>",
            "<h1>gkspider crawl summary</h1>",
            '<ul id="totals">',
            f"<li>portals crawled: {p['crawled']} ({p['with_reports']} with reports, {p['without_reports']} without)</li>",
            f"<li>candidates: {c['candidates']}; reports: {c['reports']}; failures: {c['failures']}"
            + ("" if c["add_up"] else ' <strong class="loud">counts do not add up</strong>')
            + "</li>",
            "<li>reports by status: "
            + ", ".join(f"{_e(k)} {v}" for k, v in summary["reports_by_status"].items())
            + "</li>",
            "</ul>",
            "",
        ]
    )

    out: list[str] = []
    without = summary["portals_without_reports"]
    if without:
        out.append(
            f'<div class="loud" id="no-reports"><strong>WARNING: {len(without)} portal(s) yielded no report</strong><ul>'
        )
        for portal in without:
            out.append(
                f"<li>{_link(portal.get('url'), _e(_portal_label(portal)))} — {portal['failures']} failure(s)</li>"
            )
        out.append("</ul></div>")

    out.append("<h2>Coverage</h2>")
    if links is None:
        out.append(
            f'<p id="coverage-note">{c["reports"]} reports: each cell counts its reports by status (links to '
            f"single reports up to {GRID_LINKS_MAX:,} reports; reports.jsonl has them all).</p>"
        )
    out += ['<table id="coverage"><thead><tr><th>portal / organ</th>']
    out += [f'<th class="year">{_e(y)}</th>' for y in columns]
    out.append("</tr></thead><tbody>")
    for portal in summary["per_portal"]:
        out.append(
            f'<tr class="portal"><th colspan="{len(columns) + 1}">{_e(_portal_label(portal))} — '
            f"{portal['reports']} report(s), {portal['failures']} failure(s)</th></tr>"
        )
        if not portal["organs"]:
            out.append(f'<tr class="empty"><td colspan="{len(columns) + 1}"><em>no report found</em></td></tr>')
        for organ in portal["organs"]:
            out.append(f'<tr class="organ"><th>{_e(organ["organ"])}</th>')
            for year in columns:
                key = (portal["id"], organ["key"], year)
                if links is not None:
                    cell = _cell_links(links.get(key, []))
                else:
                    cell = _cell_counts(counts[key]) if key in counts else ""
                out.append(f'<td class="cell">{cell}</td>')
            out.append("</tr>")
        if len(out) > 1000:
            yield "\n".join(out) + "\n"
            out = []
    out.append("</tbody></table>")

    out += [
        "<h2>Flags by rule</h2>",
        '<table id="flags"><thead><tr><th>rule</th><th>severity</th><th>flags</th><th>reports</th></tr></thead><tbody>',
    ]
    for row in summary["flags_by_rule"]:
        out.append(
            f'<tr><td class="rule">{_e(row["rule"])}</td><td>{_e(row["severity"])}</td>'
            f'<td class="num count">{row["count"]}</td><td class="num">{row["reports"]}</td></tr>'
        )
    for row in summary["dataset_flags_by_rule"]:
        out.append(
            f'<tr class="dataset"><td class="rule">{_e(row["rule"])}</td><td>{_e(row["severity"])}</td>'
            f'<td class="num count">{row["count"]}</td><td class="num">(data set)</td></tr>'
        )
    out.append("</tbody></table>")

    flagged = summary["flagged_reports"]
    total = summary.get("flagged_reports_total", len(flagged))
    out += ["<h2>Flagged reports</h2>"]
    if total > len(flagged):
        out.append(
            f'<p id="flagged-note">{total} flagged reports: the first {len(flagged)} are listed (errors first, then '
            "by portal); reports.jsonl has every report's validation.</p>"
        )
    out.append('<ul id="flagged">')
    for f in flagged:
        title = _e(f.get("title") or f.get("url"))
        out.append(
            f'<li class="flagged"><span class="status status-{_e(f["status"])}">{_e(f["status"])}</span> '
            f"{_link(f.get('url'), title)} <small>{_e(f.get('site_id'))} · {_e(f.get('organ'))} · "
            f"{_e(f.get('report_year'))}</small><ul>"
        )
        for flag in f["flags"]:
            out.append(
                f"<li><code>{_e(flag.get('rule'))}</code> {_e(flag.get('message'))} <code>{_e(flag.get('path'))}</code></li>"
            )
        out.append("</ul></li>")
    if total > len(flagged):
        out.append(f'<li class="more">… and {total - len(flagged)} more</li>')
    out.append("</ul>")

    out += [
        "<h2>Failures by reason</h2>",
        '<table id="failures"><thead><tr><th>reason</th><th>count</th></tr></thead><tbody>',
    ]
    for row in summary["failures_by_reason"]:
        out.append(f'<tr><td>{_e(row["reason"])}</td><td class="num">{row["count"]}</td></tr>')
    out += ["</tbody></table>", "</body></html>"]
    yield "\n".join(out) + "\n"
