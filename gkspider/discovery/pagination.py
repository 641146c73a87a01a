"""The further pages of a list page, for the families in docs/FAMILIES.md: plain, query, trs, jpage, json.

find_pages() says which requests to make; parse_jpage_xml() / parse_json_list() read what they return;
embedded_records() reads the records a jpage list page carries inside its <script type="text/xml">
(lxml keeps script contents as raw text, so extract_links() never sees them).
"""

from __future__ import annotations

import html as html_lib
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from .links import Link, as_doc, canonical_url, decode_body, extract_links, parse_html, resolve_url
from .terms import normalize_space, squash, terms


@dataclass(frozen=True)
class PageRequest:
    url: str
    method: str = "GET"
    body: str | None = None  # form-encoded body for POST (JSON text when meta has ('content_type', ...json))
    kind: str = "html"  # 'html' | 'jpage-xml' | 'json'
    meta: tuple = ()  # (key, value) pairs the caller passes back when parsing

    def get(self, key: str, default: Any = None) -> Any:
        for k, v in self.meta:
            if k == key:
                return v
        return default


# ---------------------------------------------------------------------------------------------------------------
# small JS readers (regex, not a JS parser: these pages are templated, not hand-written)

_JS_STRING = r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'"""
_JS_VALUE = re.compile(r"\s*(" + _JS_STRING + r"|-?\d+(?:\.\d+)?|true|false|null|[A-Za-z_$][\w$.]*)")


def _js_literal(token: str) -> Any:
    token = token.strip()
    if token[:1] in "\"'":
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    if re.fullmatch(r"-?\d+\.\d+", token):
        return float(token)
    if token in ("true", "false"):
        return token
    return _Unresolved(token)


class _Unresolved(str):
    """A JS identifier whose value we could not find."""


def _js_var(script: str, name: str) -> Any:
    """The literal a script assigns to a variable (var/let/const or plain assignment), else _Unresolved."""
    m = re.search(r"(?<![\w$.])" + re.escape(name) + r"\s*=(?!=)" + _JS_VALUE.pattern, script)
    if not m:
        return _Unresolved(name)
    return _js_literal(m.group(1))


def _resolve_js(script: str, token: str) -> Any:
    v = _js_literal(token)
    if isinstance(v, _Unresolved):
        v = _js_var(script, token.strip())
    return v


def _balanced(text: str, start: int, open_ch: str = "{", close_ch: str = "}") -> str | None:
    """The text from text[start] (an opening bracket) to its matching closing bracket, quotes respected."""
    depth = 0
    quote: str | None = None
    i = start
    n = len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == open_ch:
            depth += 1
        elif c == close_ch:
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
        i += 1
    return None


_OBJ_KEY = re.compile(r"""\s*(?:"([\w$-]+)"|'([\w$-]+)'|([A-Za-z_$][\w$-]*))\s*:""")


def _object_items(obj: str) -> Iterator[tuple[str, str]]:
    """(key, raw value text) for the top-level entries of a JS object literal '{...}'."""
    inner = obj.strip()
    if inner.startswith("{"):
        inner = inner[1:-1] if inner.endswith("}") else inner[1:]
    i, n = 0, len(inner)
    while i < n:
        m = _OBJ_KEY.match(inner, i)
        end = _skip_value(inner, m.end() if m else i)
        if m:
            yield m.group(1) or m.group(2) or m.group(3), inner[m.end() : end].strip()
        i = end + 1


def _skip_value(s: str, i: int) -> int:
    """Index of the top-level ',' ending the value that starts at i (or len(s))."""
    depth = 0
    quote: str | None = None
    n = len(s)
    while i < n:
        c = s[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c in "{[(":
            depth += 1
        elif c in "}])":
            depth -= 1
        elif c == "," and depth == 0:
            return i
        i += 1
    return n


def _scripts_text(doc: lxml.html.HtmlElement) -> str:
    return "\n".join(s.text for s in doc.iter("script") if s.text)


# ---------------------------------------------------------------------------------------------------------------
# trs: createPageHTML(count, current, prefix, suffix)

_TRS_CALL = re.compile(r"createPageHTML\s*\(([^()]*)\)")


def _trs_pages(script: str, url: str, max_pages: int) -> list[PageRequest]:
    out: list[PageRequest] = []
    for m in _TRS_CALL.finditer(script):
        if re.search(r"function\s*$", script[max(0, m.start() - 20) : m.start()]):
            continue  # the function's own definition
        args = [_resolve_js(script, a) for a in m.group(1).split(",")]
        # Newer TRS templates pass the pager div's id first: createPageHTML('page_div', 5, 0, 'index', 'html', 90).
        if len(args) >= 5 and isinstance(args[0], str) and not isinstance(args[1], str):
            args = args[1:]
        if len(args) < 4:
            continue
        count, _current, prefix, suffix = args[:4]
        if not isinstance(count, int) or isinstance(prefix, _Unresolved) or isinstance(suffix, _Unresolved):
            continue
        if not isinstance(prefix, str) or not isinstance(suffix, str) or not prefix:
            continue
        for k in range(min(count, max_pages + 1)):
            name = f"{prefix}.{suffix}" if k == 0 else f"{prefix}_{k}.{suffix}"
            out.append(PageRequest(urljoin(url, name)))
    return out


# ---------------------------------------------------------------------------------------------------------------
# jpage (Hanweb)

_JPAGE_CALL = re.compile(r"""(?:\$|jQuery)\(\s*(['"])#([^'"]+)\1\s*\)\s*\.jpage\s*\(""")
_RECORD = re.compile(r"<record[^>]*>(.*?)</record>", re.S | re.I)
_CDATA = re.compile(r"^\s*<!\[CDATA\[(.*?)\]\]>\s*$", re.S)
_NEXTGROUP = re.compile(r"<nextgroup[^>]*>(.*?)</nextgroup>", re.S | re.I)
_HREF = re.compile(r"""href\s*=\s*(["'])(.*?)\1""", re.S | re.I)
_TOTALRECORD = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"


def _record_html(raw: str) -> str:
    m = _CDATA.match(raw)
    return m.group(1) if m else html_lib.unescape(raw)


def _datastore_text(doc: lxml.html.HtmlElement, div_id: str | None) -> str:
    """The raw <datastore> text of a jpage list (the one inside div#div_id when given)."""
    if div_id:
        try:
            el = doc.get_element_by_id(div_id)
        except KeyError:
            el = None
        if el is not None:
            text = _scripts_text(el)
            if "<datastore" in text.lower():
                return text
    for s in doc.iter("script"):
        if s.text and "<datastore" in s.text.lower():
            return s.text
    return ""


def _jpage_body(nextgroup_href: str) -> str:
    """The dataproxy form body: the nextgroup link's parameters (kept as written) without page, plus col=1 and
    sourceContentType=1 as the Hanweb script sends them."""
    query = html_lib.unescape(nextgroup_href).split("?", 1)[1] if "?" in nextgroup_href else ""
    pieces = [
        p
        for p in query.split("&")
        if p and p.split("=", 1)[0].lower() not in ("page", "startrecord", "endrecord", "perpage")
    ]
    keys = [p.split("=", 1)[0].lower() for p in pieces]
    if "col" not in keys:
        pieces.insert(0, "col=1")
        keys.insert(0, "col")
    if "sourcecontenttype" not in keys:
        at = keys.index("columnid") + 1 if "columnid" in keys else len(pieces)
        pieces.insert(at, "sourceContentType=1")
    return "&".join(pieces)


def _jpage_requests(doc: lxml.html.HtmlElement, script: str, url: str, max_pages: int) -> list[PageRequest]:
    out: list[PageRequest] = []
    for m in _JPAGE_CALL.finditer(script):
        cfg_text = _balanced(script, script.find("{", m.end() - 1))
        if not cfg_text:
            continue
        cfg = {k: _resolve_js(script, v) for k, v in _object_items(cfg_text) if v and v[0] not in "{[("}
        store = _datastore_text(doc, m.group(2))
        embedded = len(_RECORD.findall(store))
        per_page = cfg.get("perPage") if isinstance(cfg.get("perPage"), int) else (embedded or 15)
        group = cfg.get("groupSize") if isinstance(cfg.get("groupSize"), int) else 1
        total = cfg.get("totalRecord")
        if not isinstance(total, int):
            t = _TOTALRECORD.search(store)
            total = int(t.group(1)) if t else None
        proxy = cfg.get("proxyUrl") if isinstance(cfg.get("proxyUrl"), str) and cfg.get("proxyUrl") else _DEFAULT_PROXY
        ng = _NEXTGROUP.search(store)
        href = _HREF.search(_record_html(ng.group(1))) if ng else None
        if not href or per_page <= 0:
            continue  # without the nextgroup parameters the proxy cannot be asked
        body = _jpage_body(href.group(2))
        proxy_url = urljoin(url, proxy)
        chunk = per_page * max(group, 1)
        start = embedded + 1
        # Unknown total: ask once; the caller's next call sees no new embedded records anyway.
        last = total if total is not None else start
        while start <= last and len(out) < max_pages:
            end = start + chunk - 1
            sep = "&" if "?" in proxy_url else "?"
            out.append(
                PageRequest(
                    f"{proxy_url}{sep}startrecord={start}&endrecord={end}&perpage={per_page}",
                    method="POST",
                    body=body,
                    kind="jpage-xml",
                    meta=(("startrecord", start), ("endrecord", end), ("perpage", per_page), ("total", total)),
                )
            )
            start = end + 1
    return out


def _records_links(records: list[str], base_url: str) -> list[Link]:
    if not records:
        return []
    return extract_links(parse_html("<html><body>" + "\n".join(records) + "</body></html>"), base_url)


def embedded_records(doc_or_html: lxml.html.HtmlElement | bytes | str, base_url: str) -> list[Link]:
    """Links of the records a jpage list page embeds in <script type="text/xml"><datastore>… (first page)."""
    if isinstance(doc_or_html, bytes | bytearray):
        text = decode_body(bytes(doc_or_html))
    elif isinstance(doc_or_html, str):
        text = doc_or_html
    else:
        text = "\n".join(s.text for s in doc_or_html.iter("script") if s.text and "<datastore" in s.text.lower())
    records: list[str] = []
    for store in re.finditer(r"<datastore[^>]*>(.*?)</datastore>", text, re.S | re.I):
        records.extend(_record_html(r) for r in _RECORD.findall(store.group(1)))
    return _records_links(records, base_url)


def parse_jpage_xml(body: bytes | str, base_url: str) -> list[Link]:
    """Links of a dataproxy.jsp XML answer (<datastore><recordset><record><![CDATA[<li>…]]>).

    Parsed without entity expansion or network access (a billion-laughs body stays small); a body that is not
    well-formed XML falls back to reading the CDATA records with a regex.
    """
    # A str was decoded already: its declaration (maybe encoding="GBK") would mislead the parser.
    raw = re.sub(r"^\s*<\?xml[^>]*\?>", "", body).encode("utf-8") if isinstance(body, str) else bytes(body)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    records: list[str] = []
    try:
        root = etree.fromstring(raw, parser)
        records = [r.text for r in root.iter("record") if r.text]
    except (etree.XMLSyntaxError, ValueError):
        text = decode_body(raw)
        records = [_record_html(r) for r in _RECORD.findall(text)]
    return _records_links(records, base_url)


# ---------------------------------------------------------------------------------------------------------------
# json: $.ajax / $.get / $.post list endpoints

_AJAX_CALL = re.compile(r"(?:\$|jQuery)\s*\.\s*(ajax|get|post|getJSON)\s*\(")


@cache
def _param_names() -> tuple[dict[str, str], dict[str, str]]:
    p = terms()["pagination"]
    return {k.lower(): k for k in p["page_params"]}, {k.lower(): k for k in p["size_params"]}


def _ajax_calls(script: str) -> Iterator[tuple[str, str, dict[str, Any], bool]]:
    """(url, method, data, data_is_json) for each jQuery AJAX call whose url is a literal."""
    for m in _AJAX_CALL.finditer(script):
        kind = m.group(1)
        pos = m.end()
        while pos < len(script) and script[pos].isspace():
            pos += 1
        url: Any = None
        method = "POST" if kind == "post" else "GET"
        data_raw = ""
        if kind == "ajax" and script[pos : pos + 1] == "{":
            obj = _balanced(script, pos)
            if not obj:
                continue
            items = dict(_object_items(obj))
            url = _resolve_js(script, items["url"]) if "url" in items else None
            typ = _resolve_js(script, items.get("type") or items.get("method") or "'GET'")
            if isinstance(typ, str) and not isinstance(typ, _Unresolved) and typ.upper() == "POST":
                method = "POST"
            data_raw = items.get("data", "")
        else:
            # $.get(url, data, success) / $.post(url, data, success)
            args_text = _balanced(script, m.end() - 1, "(", ")")
            if not args_text:
                continue
            inner = args_text[1:-1]
            first_end = _skip_value(inner, 0)
            url = _resolve_js(script, inner[:first_end]) if inner[:first_end].strip() else None
            rest = inner[first_end + 1 :].strip()
            data_raw = rest[: _skip_value(rest, 0)] if rest[:1] == "{" else ""
        if not isinstance(url, str) or isinstance(url, _Unresolved) or not url:
            continue
        data, is_json = _ajax_data(script, data_raw.strip())
        yield url, method, data, is_json


def _ajax_data(script: str, raw: str) -> tuple[dict[str, Any], bool]:
    is_json = False
    m = re.match(r"JSON\s*\.\s*stringify\s*\(", raw)
    if m:
        is_json = True
        raw = raw[m.end() :].strip()
    if raw[:1] == "{":
        obj = _balanced(raw, 0) or raw
        data: dict[str, Any] = {}
        for k, v in _object_items(obj):
            if not v or v[0] in "{[(":
                continue
            val = _resolve_js(script, v)
            data[k] = val
        return data, is_json
    if raw[:1] in "\"'":
        s = _js_literal(raw)
        if isinstance(s, str):
            return dict(p.split("=", 1) if "=" in p else (p, "") for p in s.split("&") if p), False
    return {}, is_json


def _json_request(url: str, method: str, data: dict[str, Any], is_json: bool, page_url: str) -> PageRequest | None:
    pages, sizes = _param_names()
    full = urljoin(page_url, url)
    query_params = _split_query(urlsplit(full).query)
    page_param = next((k for k in data if k.lower() in pages), None)
    in_query = False
    if page_param is None:
        page_param = next((k for k, _ in query_params if k.lower() in pages), None)
        in_query = page_param is not None
    if page_param is None:
        return None  # not a paged list (a visit counter, a login check ...)
    first: Any = dict(query_params).get(page_param) if in_query else data.get(page_param)
    try:
        first_page = int(first)
    except (TypeError, ValueError):
        first_page = 1  # a variable (pageNo: page): lists start at 1
    clean = {
        k: (first_page if k == page_param else v)
        for k, v in data.items()
        if not isinstance(v, _Unresolved) or k == page_param
    }
    size_param = next((k for k in clean if k.lower() in sizes), None)
    meta: list[tuple[str, Any]] = [("page_param", page_param), ("page", first_page), ("first_page", first_page)]
    if size_param is not None:
        meta += [("size_param", size_param), ("page_size", clean[size_param])]
    body = None
    if method == "POST":
        if is_json:
            body = json.dumps(clean, ensure_ascii=False)
            meta.append(("content_type", "application/json"))
        else:
            body = urlencode([(k, str(v)) for k, v in clean.items()])
    elif clean:
        full = full + ("&" if "?" in full else "?") + urlencode([(k, str(v)) for k, v in clean.items()])
    if resolve_url(full, full) is None:
        return None
    return PageRequest(full, method=method, body=body, kind="json", meta=tuple(meta))


def _split_query(query: str) -> list[tuple[str, str]]:
    return [tuple(p.split("=", 1)) if "=" in p else (p, "") for p in query.split("&") if p]  # type: ignore[misc]


def _json_requests(script: str, url: str) -> list[PageRequest]:
    out = []
    for u, method, data, is_json in _ajax_calls(script):
        req = _json_request(u, method, data, is_json, url)
        if req:
            out.append(req)
    return out


def has_json_endpoint(doc_or_html: lxml.html.HtmlElement | bytes | str) -> bool:
    """The page fills a list from a paged JSON endpoint find_pages can read."""
    return bool(_json_requests(_scripts_text(as_doc(doc_or_html)), "http://x.invalid/"))


# ---------------------------------------------------------------------------------------------------------------
# plain / query: pager anchors

_PAGE_FILE = re.compile(r"^(?P<stem>[A-Za-z][\w-]*?)(?:(?P<sep>[_-])(?P<n>\d{1,5}))?\.(?P<ext>s?html?|jsp|php|aspx?)$")
_PAGER_STRIP = re.compile(r"[\[\]【】()<>«»‹›〈〉《》|]")


@cache
def _pager_words() -> dict[str, frozenset[str]]:
    p = terms()["pagination"]
    return {k: frozenset(w.lower() for w in p[k]) for k in ("next", "last", "prev", "first")}


def _pager_kind(label: str) -> str | None:
    words = _pager_words()
    low = label.lower()
    for core in (low, _PAGER_STRIP.sub("", low)):
        for kind in ("next", "last", "prev", "first"):
            if core in words[kind]:
                return kind
    if low.isdigit() and len(low) <= 5:
        return "num"
    return None


def _template(url: str) -> tuple[tuple, int | None, Any] | None:
    """(group key, page number or None for the numberless first page, builder n -> url) for a paged URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    pages, _ = _param_names()
    q = _split_query(parts.query)
    for i, (k, v) in enumerate(q):
        if k.lower() in pages and v.isdigit():
            others = tuple(q[:i] + q[i + 1 :])

            def build_q(n: int, parts=parts, q=q, i=i) -> str:
                qq = list(q)
                qq[i] = (qq[i][0], str(n))
                return urlunsplit(parts._replace(query="&".join(f"{a}={b}" for a, b in qq), fragment=""))

            return ("q", parts.netloc.lower(), parts.path, k, others), int(v), build_q
    directory, _, last = parts.path.rpartition("/")
    m = _PAGE_FILE.match(last)
    if not m:
        return None
    stem, sep, ext = m.group("stem"), m.group("sep") or "_", m.group("ext")

    def build_p(n: int, parts=parts, directory=directory, stem=stem, sep=sep, ext=ext) -> str:
        return urlunsplit(parts._replace(path=f"{directory}/{stem}{sep}{n}.{ext}", fragment=""))

    n = int(m.group("n")) if m.group("n") else None
    return ("p", parts.netloc.lower(), directory, stem, ext, parts.query), n, build_p


def _anchor_pages(doc: lxml.html.HtmlElement, url: str, max_pages: int) -> list[PageRequest]:
    groups: dict[tuple, dict[str, Any]] = {}
    for a in doc.iter("a"):
        href = a.get("href")
        if not href:
            continue
        label = squash("".join(a.itertext())) or squash(a.get("title") or "")
        kind = _pager_kind(label) if label else None
        if kind is None:
            continue
        u = resolve_url(url, href)
        if u is None:
            continue
        tpl = _template(u)
        if tpl is None:
            continue
        key, n, build = tpl
        if kind == "num" and n is not None and n != int(label) and n != int(label) - 1:
            continue  # a number that is not the page number it links to (a year, a count)
        g = groups.setdefault(key, {"kinds": set(), "numbers": set(), "urls": [], "build": build})
        g["kinds"].add(kind)
        g["urls"].append((n, u))
        if n is not None:
            g["numbers"].add(n)
    out: list[PageRequest] = []
    for g in groups.values():
        kinds = g["kinds"]
        if kinds == {"num"} and len(g["urls"]) < 2:
            continue  # one lone number is not a pager
        if kinds == {"first"}:
            continue  # 首页 alone is the site's home link
        by_number = {n: u for n, u in g["urls"]}  # None: the numberless first page (list.html)
        nums = g["numbers"]
        if nums and ("last" in kinds or len(nums) >= 2):
            lo, hi = min(nums), max(nums)
            for n in range(lo, min(hi, lo + max_pages) + 1):
                by_number.setdefault(n, g["build"](n))
        order = sorted(by_number, key=lambda n: -1 if n is None else n)
        out.extend(PageRequest(by_number[n]) for n in order)
    return out


# ---------------------------------------------------------------------------------------------------------------


def find_pages(
    doc_or_html: lxml.html.HtmlElement | bytes | str, url: str, *, max_pages: int = 200
) -> list[PageRequest]:
    """Every other page of this list that the page itself reveals (not the page itself): the requests to make.

    "Further" means every page but this one, earlier ones included (when the crawl starts mid-list); the caller
    dedupes. Families (docs/FAMILIES.md):
      plain/query  下一页/尾页/上一页/numbered pager links; with a 尾页 (or two numbers) the whole range between the
                   lowest and highest page number seen is filled in (list_2 … list_9, ?page=2 … ?page=5);
                   with only 下一页 just that page (call again on it).
      trs          createPageHTML(count, current, prefix, suffix) (literals or variables): prefix.suffix,
                   prefix_1.suffix … prefix_{count-1}.suffix.
      jpage        POST dataproxy.jsp?startrecord=…&endrecord=…&perpage=… in chunks of perPage*groupSize after the
                   embedded records until totalRecord, body = the nextgroup link's parameters (kind 'jpage-xml').
      json         the $.ajax/$.get/$.post endpoint's first page (kind 'json', meta page_param/page/first_page/
                   size_param/page_size); parse_json_list gives the rest.
    Deduped on (method, url, body); at most max_pages requests (a result of exactly max_pages may be capped).
    POST requests share a URL: dedupe them on (url, body), not on canonical_url.
    """
    doc = as_doc(doc_or_html)
    script = _scripts_text(doc)
    here = canonical_url(url)
    candidates: list[PageRequest] = []
    if "createPageHTML" in script:
        candidates += _trs_pages(script, url, max_pages)
    if ".jpage" in script:
        candidates += _jpage_requests(doc, script, url, max_pages)
    if "$" in script or "jQuery" in script:
        candidates += _json_requests(script, url)
    candidates += _anchor_pages(doc, url, max_pages)
    out: list[PageRequest] = []
    seen: set[tuple[str, str, str | None]] = set()
    for req in candidates:
        key = (req.method, canonical_url(req.url) if req.method == "GET" else req.url, req.body)
        if key in seen or (req.kind == "html" and key[1] == here):
            continue
        seen.add(key)
        out.append(req)
        if len(out) >= max_pages:
            break
    return out


# ---------------------------------------------------------------------------------------------------------------
# json answers


@cache
def _json_keys() -> dict[str, tuple[str, ...]]:
    j = terms()["json"]
    return {k: tuple(x.lower() for x in v) for k, v in j.items()}


_TAG = re.compile(r"<[^>]+>")
_JSONP = re.compile(r"^\s*[\w$.]+\s*\((.*)\)\s*;?\s*$", re.S)


def _load_json(body: bytes | str) -> Any:
    text = decode_body(bytes(body)) if isinstance(body, bytes | bytearray) else body
    text = text.lstrip("\ufeff")
    try:
        return json.loads(text)
    except ValueError:
        m = _JSONP.match(text)  # callback({...})
        if m:
            try:
                return json.loads(m.group(1))
            except ValueError:
                return None
    return None


def _first_str(d: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    low = {k.lower(): v for k, v in d.items() if isinstance(k, str)}
    for k in keys:
        v = low.get(k)
        if isinstance(v, str) and v.strip():
            return v
    return None


def _walk_record_lists(data: Any, out: list[dict[str, Any]], depth: int = 0) -> None:
    if depth > 12:
        return
    if isinstance(data, list):
        dicts = [x for x in data if isinstance(x, dict)]
        keys = _json_keys()
        if dicts and any(_first_str(d, keys["url_keys"]) and _first_str(d, keys["title_keys"]) for d in dicts):
            out.extend(dicts)
        for x in data:
            if isinstance(x, dict | list):
                _walk_record_lists(x, out, depth + 1)
    elif isinstance(data, dict):
        for v in data.values():
            if isinstance(v, dict | list):
                _walk_record_lists(v, out, depth + 1)


def _find_number(data: Any, keys: tuple[str, ...]) -> int | None:
    """The first integer under one of keys, breadth first (the list's own counters sit near the top)."""
    queue = [data]
    while queue:
        nxt = []
        for node in queue:
            if isinstance(node, dict):
                low = {k.lower(): v for k, v in node.items() if isinstance(k, str)}
                for k in keys:
                    v = low.get(k)
                    if isinstance(v, bool):
                        continue
                    if isinstance(v, int) or (isinstance(v, str) and v.isdigit()):
                        return int(v)
                nxt.extend(v for v in node.values() if isinstance(v, dict))
        queue = nxt
    return None


def _find_flag(data: Any, keys: tuple[str, ...]) -> bool | None:
    if isinstance(data, dict):
        for k, v in data.items():
            if isinstance(k, str) and k.lower() in keys and isinstance(v, bool):
                return v
        for v in data.values():
            f = _find_flag(v, keys)
            if f is not None:
                return f
    return None


def _with_page(request: PageRequest, param: str, n: int) -> PageRequest:
    meta = tuple((k, n if k == "page" else v) for k, v in request.meta)
    if not any(k == "page" for k, _ in request.meta):
        meta += (("page", n),)
    if request.method == "POST" and request.body is not None and request.get("content_type") == "application/json":
        try:
            obj = json.loads(request.body)
            obj[param] = n
            return PageRequest(request.url, request.method, json.dumps(obj, ensure_ascii=False), request.kind, meta)
        except (ValueError, TypeError):
            return request
    if request.method == "POST" and request.body is not None:
        body = _replace_param(request.body, param, n)
        return PageRequest(request.url, request.method, body, request.kind, meta)
    parts = urlsplit(request.url)
    return PageRequest(
        urlunsplit(parts._replace(query=_replace_param(parts.query, param, n))),
        request.method,
        request.body,
        request.kind,
        meta,
    )


def _replace_param(query: str, param: str, n: int) -> str:
    pieces = [p for p in query.split("&") if p]
    done = False
    for i, p in enumerate(pieces):
        if p.split("=", 1)[0] == param:
            pieces[i] = f"{param}={n}"
            done = True
    if not done:
        pieces.append(f"{param}={n}")
    return "&".join(pieces)


def _request_page_param(request: PageRequest) -> tuple[str | None, int | None]:
    param = request.get("page_param")
    pages, _ = _param_names()
    sources = [urlsplit(request.url).query]
    if request.body and request.get("content_type") != "application/json":
        sources.append(request.body)
    for src in sources:
        for k, v in _split_query(src):
            if (param and k == param) or (not param and k.lower() in pages):
                return k, int(v) if v.isdigit() else None
    if request.body and request.get("content_type") == "application/json":
        try:
            obj = json.loads(request.body)
            for k, v in obj.items():
                if (param and k == param) or (not param and k.lower() in pages):
                    return k, int(v)
        except (ValueError, TypeError, AttributeError):
            pass
    return param, request.get("page")


def parse_json_list(
    body: bytes | str, base_url: str, request: PageRequest, *, max_pages: int = 200
) -> tuple[list[Link], list[PageRequest]]:
    """Links of a JSON list answer and the requests for its remaining pages.

    Records are any list of objects with a url-ish and a title-ish key (discovery_terms.json "json"), anywhere
    in the JSON (JSONP wrappers too); titles lose HTML tags. Pages: when the answer gives the page count (pages,
    or total and pageSize), the first page's answer yields every remaining page at once and later pages yield
    nothing (no request is planned twice); when it does not (hasMore, or a full page), each answer yields the
    next page. Built by changing the page parameter of `request` (query for GET, form or JSON body for POST).
    """
    data = _load_json(body)
    if data is None:
        return [], []
    keys = _json_keys()
    recs: list[dict[str, Any]] = []
    _walk_record_lists(data, recs)
    links: list[Link] = []
    seen: set[Link] = set()
    for rec in recs:
        u, t = _first_str(rec, keys["url_keys"]), _first_str(rec, keys["title_keys"])
        if not u or not t:
            continue
        url = resolve_url(base_url, u)
        if url is None:
            continue
        link = Link(url, normalize_space(html_lib.unescape(_TAG.sub("", t))), None)
        if link not in seen:
            seen.add(link)
            links.append(link)

    param, current = _request_page_param(request)
    if not param or current is None:
        return links, []
    first = request.get("first_page", current)
    size = _find_number(data, keys["size_keys"]) or request.get("page_size")
    pages = _find_number(data, keys["pages_keys"])
    if pages is None:
        total = _find_number(data, keys["total_keys"])
        if total is not None and isinstance(size, int) and size > 0:
            pages = math.ceil(total / size)
    zero_based = first == 0
    if pages is not None:
        last = pages - 1 if zero_based else pages
        if current != first:
            return links, []
        return links, [_with_page(request, param, n) for n in range(current + 1, min(last, current + max_pages) + 1)]
    more = _find_flag(data, keys["has_more_keys"])
    if more or (more is None and isinstance(size, int) and size > 0 and len(recs) >= size):
        return links, [_with_page(request, param, current + 1)]
    return links, []
