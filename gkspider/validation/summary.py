"""End-of-crawl summary: counts (pure), a terminal text and a self-contained HTML page.

`build_summary` returns plain JSON-safe data (string keys only), so it can be
written next to the outputs as summary.json; the renderers only read it.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable

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


_RULE_INDEX = {rule: i for i, rule in enumerate(RULES)}


def _rule_sort(rule: str) -> tuple[int, str]:
    return (_RULE_INDEX.get(rule, len(_RULE_INDEX)), rule)


def build_summary(
    reports: Iterable[dict],
    failures: Iterable[dict],
    dataset_flags: Iterable[dict] = (),
    seeds: Iterable[dict] = (),
    stats: dict | None = None,
) -> dict:
    """Aggregate one crawl's output.

    `seeds` are the site objects of every portal crawled, so that portals
    which yielded nothing still appear. `stats` may carry "candidates" (the
    number of report candidates the crawl found); it is checked against
    reports + failures, which is otherwise taken as the candidate count.
    """
    reports = [r for r in reports if isinstance(r, dict)]
    failures = [f for f in failures if isinstance(f, dict)]
    dataset_flags = [f for f in dataset_flags if isinstance(f, dict)]
    stats = dict(stats or {})

    portals: dict[str, dict] = {}

    def portal(site_id: str, site: dict | None = None) -> dict:
        entry = portals.get(site_id)
        if entry is None:
            entry = portals[site_id] = {
                "id": site_id,
                "name": None,
                "level": None,
                "url": None,
                "reports": 0,
                "failures": 0,
                "by_status": {},
                "organs": {},
            }
        for key in ("name", "level", "url"):
            if site and entry[key] is None and site.get(key) is not None:
                entry[key] = site.get(key)
        return entry

    for seed in seeds:
        if isinstance(seed, dict):
            portal(_site_id(seed.get("id")), seed)

    status_counts: Counter[str] = Counter()
    flag_counts: Counter[str] = Counter()
    flag_reports: Counter[str] = Counter()
    flag_severity: dict[str, str] = {}
    years: set[int] = set()
    flagged = []
    for r in reports:
        site = _site_of(r)
        entry = portal(_site_id(site.get("id")), site)
        status = _report_status(r)
        status_counts[status] += 1
        entry["reports"] += 1
        entry["by_status"][status] = entry["by_status"].get(status, 0) + 1
        key, display = _organ_key(r)
        organ = entry["organs"].setdefault(key, {"key": key, "organ": display, "years": {}})
        year = r.get("report_year")
        year_key = str(year) if isinstance(year, int) else "unknown"
        if isinstance(year, int):
            years.add(year)
        organ["years"][year_key] = organ["years"].get(year_key, 0) + 1

        flags = _flags_of(r)
        for rule in {f.get("rule") for f in flags if isinstance(f.get("rule"), str)}:
            flag_reports[rule] += 1
        for f in flags:
            rule = f.get("rule")
            if isinstance(rule, str):
                flag_counts[rule] += 1
                flag_severity.setdefault(rule, f.get("severity") or RULES.get(rule, "warning"))
        if status != "ok":
            flagged.append(
                {
                    "url": r.get("url"),
                    "title": r.get("title"),
                    "organ": r.get("organ"),
                    "site_id": entry["id"],
                    "report_year": year,
                    "status": status,
                    "flags": [{k: f.get(k) for k in ("rule", "severity", "message", "path")} for f in flags],
                }
            )

    reasons: Counter[str] = Counter()
    for f in failures:
        reasons[str(f.get("reason") or "unknown")] += 1
        portal(_site_id(f.get("site_id")))["failures"] += 1

    dataset_counts: Counter[str] = Counter(str(f.get("rule")) for f in dataset_flags)
    severity_counts: Counter[str] = Counter()
    for rule, n in flag_counts.items():
        severity_counts[flag_severity[rule]] += n

    per_portal = []
    for site_id in sorted(portals):
        entry = portals[site_id]
        organs = sorted(entry["organs"].values(), key=lambda o: (o["organ"] == _NO_ORGAN, o["organ"]))
        per_portal.append({**entry, "organs": organs})
    without = [{k: p[k] for k in ("id", "name", "level", "url", "failures")} for p in per_portal if p["reports"] == 0]

    n_reports, n_failures = len(reports), len(failures)
    expected = stats.get("candidates")
    candidates = expected if isinstance(expected, int) and not isinstance(expected, bool) else n_reports + n_failures
    flagged.sort(key=lambda f: ({"error": 0, "warning": 1}.get(f["status"], 2), f["site_id"], str(f["url"])))

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
        "reports_by_status": {s: status_counts[s] for s in (*STATUSES, "unknown") if s in STATUSES or status_counts[s]},
        "years": sorted(years),
        "per_portal": per_portal,
        "flags_by_rule": [
            {"rule": rule, "severity": flag_severity[rule], "count": flag_counts[rule], "reports": flag_reports[rule]}
            for rule in sorted(flag_counts, key=_rule_sort)
        ],
        "flags_by_severity": {s: severity_counts.get(s, 0) for s in ("error", "warning")},
        "dataset_flags_by_rule": [
            {"rule": rule, "severity": RULES.get(rule, "warning"), "count": dataset_counts[rule]}
            for rule in sorted(dataset_counts, key=_rule_sort)
        ],
        "failures_by_reason": [
            {"reason": k, "count": n} for k, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "flagged_reports": flagged,
        "stats": stats,
    }


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
a.status{display:inline-block;padding:0 .4em;border-radius:3px;color:#fff;text-decoration:none;margin:1px}
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


def render_summary_html(summary: dict, reports: Iterable[dict]) -> str:
    """One self-contained page: coverage grid, flag counts, flagged reports, failures."""
    reports = [r for r in reports if isinstance(r, dict)]
    years = summary["years"]
    columns = [str(y) for y in range(years[0], years[-1] + 1)] if years else []
    if any(not isinstance(r.get("report_year"), int) for r in reports):
        columns.append("unknown")

    cells: dict[tuple[str, str, str], list[dict]] = {}
    for r in reports:
        year = r.get("report_year")
        key = (_site_id(_site_of(r).get("id")), _organ_key(r)[0], str(year) if isinstance(year, int) else "unknown")
        cells.setdefault(key, []).append(r)

    c, p = summary["counts"], summary["portals"]
    out = [
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
    ]

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

    out += ["<h2>Coverage</h2>", '<table id="coverage"><thead><tr><th>portal / organ</th>']
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
                links = [
                    _link(r.get("url"), _e(_report_status(r)), f"status status-{_report_status(r)}", _tooltip(r))
                    for r in sorted(cells.get((portal["id"], organ["key"], year), []), key=lambda r: str(r.get("url")))
                ]
                out.append(f'<td class="cell">{"".join(links)}</td>')
            out.append("</tr>")
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

    out += ["<h2>Flagged reports</h2>", '<ul id="flagged">']
    for f in summary["flagged_reports"]:
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
    out.append("</ul>")

    out += [
        "<h2>Failures by reason</h2>",
        '<table id="failures"><thead><tr><th>reason</th><th>count</th></tr></thead><tbody>',
    ]
    for row in summary["failures_by_reason"]:
        out.append(f'<tr><td>{_e(row["reason"])}</td><td class="num">{row["count"]}</td></tr>')
    out += ["</tbody></table>", "</body></html>"]
    return "\n".join(out) + "\n"
