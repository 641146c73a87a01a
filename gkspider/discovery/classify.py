"""What a link or a page is: an annual report, a way toward one, an attachment, or a page that needs a browser.

Term lists live in gkspider/data/discovery_terms.json.

Borderline titles (decided here, tested in tests/test_discovery.py):

* ``2020年政府信息公开工作年度报告（更正版）`` is a report (a replacement of the report).
* ``关于2020年政府信息公开工作年度报告的解读`` / 图解 / 一图读懂 are not (commentary on a report).
* ``2020年度政府信息公开工作报告`` and older ``XX局2010年政府信息公开工作报告`` are reports.
* ``2020年政务公开工作年度报告`` is a report: some organs title the statutory report so, and a false positive is
  caught downstream (no standard tables) while a false negative is silently lost. 政务公开工作要点/总结 are not.
* ``2019年政府信息公开工作年度报告统计表`` is a report: some sites publish the tables as their own page or file,
  and the tables are what the extractor wants.
* ``关于印发XX县2020年政府信息公开工作年度报告的通知`` is a report (the body is the report); a 通知 about
  做好/编制/报送 the reports is not.
* A title must carry a year (2020年 / 2020年度 / 二〇二〇年 / (2020)). Yearless ``政府信息公开工作年度报告``,
  ``年报`` alone and ``政府信息公开工作年度报告专栏`` are column names, so they are nav (nav_score), not reports;
  a yearless report title is left to the spider, which fetches the page and reads the year from it.
* ``企业年报公示``, 法治政府建设年度报告, 政府工作报告, 统计公报, 公开指南/目录, 年报汇总, 评估/通报 are not.
* Titles cut with ``...``/``…``: a report only when the part kept already shows the report phrase up to at least
  ``…信息公开(工作)年度报`` / ``…信息公开年报`` and a year, and nothing but a bracket/year/版本 follows the
  phrase. ``…2020年政府信息公开工...`` is not decided (False): the spider must fetch the page.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from .links import Link, parse_html, resolve_url
from .pagination import has_json_endpoint
from .terms import any_of, squash, terms

if TYPE_CHECKING:
    import lxml.html

# ---------------------------------------------------------------------------------------------------------------
# report titles

_ELLIPSIS_END = re.compile(r"(?:\.{2,}|…+|⋯+|。{2,})$")
_ARABIC_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_CN_YEAR = re.compile(r"([〇零○一二三四五六七八九]{4})(?=年)")
_CN_DIGITS = str.maketrans("〇零○一二三四五六七八九", "000123456789")
# A year followed by a month or a date separator is a publication date, not the report's year.
_DATE_AFTER = re.compile(r"年\d{1,2}月|[-/.]\d{1,2}(?!\d)")


@cache
def _report_res() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    r = terms()["report"]
    return (
        any_of("report", "patterns", literal=False),
        any_of("report", "truncated_patterns", literal=False),
        any_of("report", "exclude", literal=False, flags=re.I),
        re.compile(r["truncated_allowed_trailer"]),
    )


def is_truncated(title: str) -> bool:
    """The title was cut by the list template ('...', '…', '⋯')."""
    return bool(_ELLIPSIS_END.search(squash(title)))


def _year_candidates(t: str) -> list[tuple[int, int, bool]]:
    """(position, year, written_with_年) for every year-looking number in a squashed title, dates skipped."""
    lo, hi = terms()["year"]["min"], terms()["year"]["max"]
    out: list[tuple[int, int, bool]] = []
    for m in _ARABIC_YEAR.finditer(t):
        y = int(m.group(1))
        after = t[m.end() : m.end() + 4]
        if not lo <= y <= hi or _DATE_AFTER.match(after):
            continue
        out.append((m.start(), y, after.startswith("年")))
    for m in _CN_YEAR.finditer(t):
        y = int(m.group(1).translate(_CN_DIGITS))
        if lo <= y <= hi and not _DATE_AFTER.match(t[m.end() : m.end() + 4]):
            out.append((m.start(), y, True))
    out.sort()
    return out


def title_year(title: str) -> int | None:
    """The year a title names: 2020年政府… / 2020年度… / 二〇二〇年 / …报告(2020) → 2020; None if none.

    With several years, the one written with 年 closest before the report phrase wins (关于2021年3月发布的2020年…
    is 2020); a year followed by a month/day is a date and is skipped.
    """
    t = squash(title)
    cands = _year_candidates(t)
    if not cands:
        return None
    good = [c for c in cands if c[2]]
    if good:
        m = _report_res()[0].search(t)
        if m:
            before = [c for c in good if c[0] < m.start()]
            if before:
                return before[-1][1]
        return good[0][1]
    return cands[0][1]


def is_report_title(title: str) -> bool:
    """A 政府信息公开(工作)年度报告 / 年报 title with a year; False for every non-report kind (see module doc)."""
    t = squash(title)
    truncated = bool(_ELLIPSIS_END.search(t))
    t = _ELLIPSIS_END.sub("", t)
    if not t:
        return False
    full, partial, exclude, trailer = _report_res()
    if exclude.search(t) or title_year(t) is None:
        return False
    m = full.search(t)
    if m:
        # A cut title with words after the phrase might have been cut before 解读/通知: not decided.
        return not truncated or bool(trailer.match(t[m.end() :]))
    if truncated:
        m = partial.search(t)
        return bool(m) and m.end() == len(t)
    return False


# ---------------------------------------------------------------------------------------------------------------
# navigation


@cache
def _nav_cfg() -> dict:
    n = terms()["nav"]
    slugs = [
        (re.compile(r"^" + re.escape(s["slug"]) + r"(?:[_\-\d]|$)"), s["weight"], s.get("ancestor_weight", 0))
        for s in n["url_slugs"]
    ]
    return {
        "text_terms": [(t["term"], t["weight"], t.get("max_len")) for t in n["text_terms"]],
        "year_re": re.compile(n["year_column_regex"]),
        "organ_list_re": re.compile(n["organ_list_regex"]),
        # one search tells whether any text term or the organ-list pattern can match at all
        "term_gate": re.compile("|".join([re.escape(t["term"]) for t in n["text_terms"]] + [n["organ_list_regex"]])),
        "organ_list_weight": float(n["organ_list_weight"]),
        "organ_re": re.compile(n["organ_regex"]),
        "negative_text": any_of("nav", "negative_text", flags=re.I),
        "negative_exact": {x.lower() for x in n["negative_exact"]},
        "negative_url": tuple(x.lower().strip("/") for x in n["negative_url"]),
        "external": frozenset(n["external_hosts"]),
        "column_file": re.compile(n["column_file_regex"]),
        "article_file": re.compile(n["article_file_regex"]),
        "slugs": slugs,
    }


_URL_TOKEN = re.compile(r"[/?&=._\-]+")
_NUMERIC_SEG = re.compile(r"^\d+$")


def _text_score(t: str, cfg: dict) -> float:
    if not t:
        return 0.0
    if not cfg["term_gate"].search(t):
        return _shape_score(t, cfg)
    # The most specific term decides: 部门信息公开 is an organ list although it contains 信息公开.
    best: tuple[int, float] = (0, 0.0)
    for term, weight, max_len in cfg["text_terms"]:
        if term in t and (max_len is None or len(t) <= max_len):
            best = max(best, (len(term), float(weight)))
    m = cfg["organ_list_re"].search(t)
    if m:
        best = max(best, (m.end() - m.start(), cfg["organ_list_weight"]))
    if best[1]:
        return best[1]
    return _shape_score(t, cfg)


def _shape_score(t: str, cfg: dict) -> float:
    n = terms()["nav"]
    if cfg["year_re"].match(t):
        return float(n["year_column_weight"])
    if cfg["organ_re"].match(t):
        return float(n["organ_weight"])
    return 0.0


def _is_negative_text(t: str, cfg: dict) -> bool:
    return bool(t) and (t.lower() in cfg["negative_exact"] or bool(cfg["negative_text"].search(t)))


def _url_parts(url: str) -> tuple[str, str, str]:
    """(host, unquoted lowercased path, lowercased query); by hand, urlsplit is the hot spot here."""
    _, sep, rest = url.partition("://")
    if not sep:
        return "", "", ""
    rest = rest.split("#", 1)[0]
    netloc, slash, pathq = rest.partition("/")
    netloc, _, query_in_netloc = netloc.partition("?")
    host = netloc.rpartition("@")[2]
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    path, _, query = (slash + pathq).partition("?")
    return host.lower().rstrip("."), unquote(path or "/").lower(), (query or query_in_netloc).lower()


def _url_score(path: str, cfg: dict) -> float:
    segs = [s for s in path.split("/") if s]
    if not path.endswith("/") and segs:
        last = segs[-1]
        if cfg["column_file"].match(last):
            segs.pop()
        elif "." in last:
            stem, _, ext = last.rpartition(".")
            if ext not in ("jsp", "php", "asp", "aspx", "do", "action"):
                return 0.0  # a detail page or a file, whatever column it sits in
            segs[-1] = stem
    while segs and _NUMERIC_SEG.match(segs[-1]):
        segs.pop()  # year/month sub-directories belong to their column
    best = 0.0
    for i, seg in enumerate(reversed(segs)):
        for rx, weight, ancestor in cfg["slugs"]:
            if rx.match(seg):
                best = max(best, float(weight if i == 0 else ancestor))
    return best


def nav_score(link: Link) -> float:
    """How much a link is worth following toward annual reports; 0 means don't.

    Tiers (weights in discovery_terms.json): 100 a 年报 column (政府信息公开年报, 公开年报, 年报, gknb/ndbg ...),
    50 an xxgk/政务公开 entry point, 40 a year sub-column (2020年), 30 an organ list (部门信息公开, 乡镇, bmxxgk),
    20 one department/township (区发改局, 新村镇, xx街道). +5 for each further source (text, title attribute, URL)
    that agrees. 0 for news, 解读, login, 下载, 首页 back-links, pagination (find_pages' job), known external
    portals and detail pages with no nav words. Report-title links also score as 年报 links: the spider checks
    is_report_title first. Whether the link is on the seed's site is same_site's business, not this.
    """
    cfg = _nav_cfg()
    host, path, query = _url_parts(link.url)
    if not host or host in cfg["external"]:
        return 0.0
    text, title = squash(link.text), squash(link.title or "")
    if _is_negative_text(text, cfg) or _is_negative_text(title, cfg):
        return 0.0
    tokens = [t for t in _URL_TOKEN.split(path + "?" + query) if t]
    if any(tok.startswith(cfg["negative_url"]) for tok in tokens):
        return 0.0
    scores = [_text_score(text, cfg), _text_score(title, cfg), _url_score(path, cfg)]
    if cfg["article_file"].match(path.rsplit("/", 1)[-1]):
        # An article (t20230219_55.html, art_1_2.html) that mentions 信息公开 is news, not an entry point.
        scores = [s if s >= terms()["nav"]["article_max_weight_below"] else 0.0 for s in scores]
    best = max(scores)
    if best <= 0:
        return 0.0
    agreeing = sum(1 for s in scores if s > 0) - 1
    return best + terms()["nav"]["agreement_bonus"] * agreeing


# ---------------------------------------------------------------------------------------------------------------
# attachments


@cache
def _attachment_res() -> tuple[frozenset[str], frozenset[str], re.Pattern[str]]:
    a = terms()["attachments"]
    exts = "|".join(re.escape(e) for e in sorted(a["extensions"], key=len, reverse=True))
    return (
        frozenset(a["extensions"]),
        frozenset(a["page_extensions"]),
        re.compile(r"\.(" + exts + r")(?![a-z0-9])", re.I),
    )


def is_attachment(url: str, text: str = "") -> str | None:
    """'pdf'|'doc'|'docx'|'wps'|'ofd'|'xls'|'xlsx' when the link is a report file, else None.

    The URL path's extension decides; an HTML-ish path is never an attachment even if its text ends in .pdf.
    Only for extension-less or script paths (/download?fileId=…, downfile.jsp?filename=x.pdf) the query and then
    the anchor text (楚雄市…年度报告.pdf) name the type.
    """
    exts, page_exts, in_text = _attachment_res()
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    last = unquote(parts.path).rsplit("/", 1)[-1].lower()
    if "." in last:
        ext = last.rsplit(".", 1)[1]
        if ext in exts:
            return ext
        if ext in page_exts:
            return None
    for source in (unquote(parts.query), text):
        found = in_text.findall(source)
        if found:
            return found[-1].lower()
    return None


# ---------------------------------------------------------------------------------------------------------------
# pages that need a browser

_SPA_SKIP_TAGS = ("script", "style", "noscript", "template", "head")


def needs_browser(html: str | bytes, status: int = 200, *, doc: lxml.html.HtmlElement | None = None) -> str | None:
    """'js-challenge' for a 瑞数/加速乐-style anti-bot page (HTTP 412/202/521 with a cookie-setting, reloading
    script, or such a script alone on a tiny page), 'spa-shell' for a page that is only a mount point
    (<div id="app">) and script bundles with no links and next to no text; else None.

    A page whose list comes from an $.ajax JSON endpoint is not a shell: find_pages reads the endpoint.
    `doc` is parse_html(html) when the caller has parsed the page already (it is parsed only if needed otherwise).
    """
    if isinstance(html, bytes | bytearray):
        html = bytes(html).decode("utf-8", "replace")
    cfg = terms()["browser"]
    head = html[:200_000]
    low = head.lower()
    has_script = "<script" in low
    challenge = status == 412 or any(m.lower() in low for m in cfg["challenge_markers"])
    if status in cfg["challenge_statuses"] and has_script and challenge:
        return "js-challenge"
    if len(html) < 50_000 and any(m in head for m in cfg["strong_markers"]) and "<a " not in low:
        return "js-challenge"
    if not has_script:
        return None
    if doc is None:
        doc = parse_html(html)
    for a in doc.iter("a"):
        if resolve_url("http://x.invalid/", a.get("href") or ""):
            return None
    body = doc.find("body")
    if body is None:
        return None
    text_len = 0
    for el in body.iter():
        if el.tag in _SPA_SKIP_TAGS or not isinstance(el.tag, str):
            continue
        text_len += len((el.text or "").strip())
        if el.tail and el.getparent() is not None and el.getparent().tag not in _SPA_SKIP_TAGS:
            text_len += len(el.tail.strip())
    if text_len > cfg["spa_max_text"]:
        return None
    if has_json_endpoint(doc):
        return None
    mount_ids = set(cfg["spa_mount_ids"])
    has_mount = any(el.get("id") in mount_ids for el in body.iter() if isinstance(el.tag, str))
    has_bundle = any(s.get("src") for s in doc.iter("script"))
    return "spa-shell" if has_mount or (has_bundle and text_len == 0) else None


# Control bytes that text never has (\t \n \v \f \r and ESC excepted): bytes.translate deletes them to count them.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>|&nbsp;|\s+", re.S | re.I)


@cache
def _page_problem_cfg() -> tuple[re.Pattern[str], tuple[str, ...], tuple[str, ...], int]:
    """(one regex for every marker as written and every soft-404 marker without its spaces, the blocked markers, the
    soft-404 markers without spaces, max_text): one pass over a page instead of one `in` scan per marker."""
    cfg = terms()["page_problems"]
    blocked = tuple(cfg["blocked"])
    soft = tuple(m.replace(" ", "") for m in cfg["soft_404"])
    markers = sorted({*blocked, *cfg["soft_404"], *soft}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, markers))), blocked, soft, int(cfg["max_text"])


def page_problem(body: bytes, text: str | None) -> str | None:
    """Why a page fetched as a report is no report, or None: 'empty-page', 'binary-content' (bytes that are no
    text, served as text/html), 'soft-404' (status 200 saying the page does not exist), 'blocked' (a firewall's
    block page served with 200). Only short pages are judged by their words: a real report is long."""
    if not body or body.isspace():
        return "empty-page"
    head = body[:8192]
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))  # NUL bytes are how UTF-16 text looks
    if not utf16 and (b"\x00" in head or len(head) - len(head.translate(None, _CONTROL_BYTES)) > len(head) // 20):
        return "binary-content"
    if text is None:
        return None
    any_marker, blocked, soft_404, max_text = _page_problem_cfg()
    if not any_marker.search(text):
        return None  # no marker anywhere: no need to strip the page's markup (the common case, a real report)
    visible = _MARKUP.sub("", text)
    if len(visible) > max_text:
        return None
    if any(m in visible for m in blocked):
        return "blocked"
    if any(m in visible for m in soft_404):
        return "soft-404"
    return None
