"""Parsing pages and pulling links out of them; URL identity (canonical_url) and site scope (same_site).

Pure functions over markup/text, no Scrapy: the spider calls them from its callbacks.
"""

from __future__ import annotations

import codecs
import ipaddress
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from urllib.parse import quote, urljoin, urlsplit

import lxml.html
from lxml import etree

from .terms import normalize_space, terms

MAX_URL_LENGTH = 2083  # what old IE accepted; longer hrefs on these portals are junk (inlined data, loops)


@dataclass(frozen=True)
class Link:
    url: str  # absolute, fragment removed, whitespace stripped
    text: str  # anchor text, whitespace-normalised (img alt / title used when the anchor has no text)
    title: str | None  # title attribute


# ---------------------------------------------------------------------------------------------------------------
# parsing

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
# Characters libxml2 refuses in a str (C0 controls other than tab/newline/CR, lone surrogates, non-characters).
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# gb2312/gbk labels are used for pages that contain GB18030-only characters: decode with the superset.
_ENCODING_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "cp936": "gb18030",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    "unicode": "utf-8",
    "utf8": "utf-8",
}


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    name = _ENCODING_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_body(body: bytes, encoding: str | None = None) -> str:
    """Bytes to text: BOM, then the given encoding, the declared one, UTF-8, GB18030; never raises."""
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace")
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16", "replace")
    head = body[:4096]
    declared = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    candidates = [
        _codec(encoding),
        _codec(declared.group(1).decode("ascii", "ignore")) if declared else None,
        "utf-8",
        "gb18030",
    ]
    seen: list[str] = []
    for enc in candidates:
        if enc and enc not in seen:
            seen.append(enc)
            try:
                return body.decode(enc)
            except (UnicodeDecodeError, LookupError):
                continue
    # Headers and meta often lie: the first candidate with replacement characters is the best guess left.
    return body.decode(seen[0], "replace")


def _empty_doc() -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring("<html><head></head><body></body></html>")


def parse_html(body: bytes | str, encoding: str | None = None) -> lxml.html.HtmlElement:
    """An lxml document for any body: broken markup is recovered, an empty or unparseable body gives an empty doc."""
    try:
        text = decode_body(body, encoding) if isinstance(body, bytes | bytearray) else str(body)
        # lxml refuses str input with an encoding declaration, and some control characters.
        text = _XML_DECL.sub("", text, count=1)
        text = _BAD_CHARS.sub("", text)
        if not text.strip():
            return _empty_doc()
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError, TypeError):
        return _empty_doc()


def as_doc(doc_or_html: lxml.html.HtmlElement | bytes | str) -> lxml.html.HtmlElement:
    if isinstance(doc_or_html, str | bytes | bytearray):
        return parse_html(doc_or_html)
    return doc_or_html


# ---------------------------------------------------------------------------------------------------------------
# links

_SKIP_PREFIXES = (
    "javascript:",
    "data:",
    "file:",
    "mailto:",
    "tel:",
    "about:",
    "vbscript:",
    "blob:",
    "sms:",
    "ftp:",
    "#",
)
_URL_NOISE = re.compile(r"[\t\n\r]")  # browsers drop these anywhere in a URL


_ORIGIN = re.compile(r"^(https?://[^/?#]+)", re.I)
_HTTP = re.compile(r"^https?://[^/?#\s]", re.I)


def _origin(base: str) -> str | None:
    m = _ORIGIN.match(base)
    return m.group(1) if m else None


def resolve_url(base: str, href: str, origin: str | None = None) -> str | None:
    """href resolved against base as a browser would; None unless the result is an http(s) URL we may fetch.

    origin (scheme://host of base) may be passed by callers resolving many hrefs against one base.
    """
    h = _URL_NOISE.sub("", href).strip()
    if not h:
        return None
    if h[:11].lower().startswith(_SKIP_PREFIXES):
        return None
    if "\\" in h:
        h = h.replace("\\", "/")  # IIS-era pages write paths with backslashes; browsers treat them as '/'
    # Fast paths (most hrefs): absolute URLs, and root-relative paths without dot segments, need no urljoin.
    if _HTTP.match(h):
        u = h
    elif h[0] == "/" and h[1:2] != "/" and "/." not in h:
        origin = origin or _origin(base)
        if origin is None:
            return None
        u = origin + h
    else:
        try:
            u = urljoin(base, h)
        except ValueError:  # e.g. a broken IPv6 literal
            return None
        if not _HTTP.match(u):
            return None
    # Over-long URLs (> MAX_URL_LENGTH) are kept: Scrapy would drop them without an errback, so the spider decides,
    # and reports a report-like one as a failure instead of losing it.
    return u.split("#", 1)[0]


def _own_text(el: lxml.html.HtmlElement) -> list[str]:
    """Text of el without nested anchors' text (libxml2 nests an unclosed <a> inside the previous one)."""
    out = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag != "a":
            out.extend(_own_text(child))
        out.append(child.tail or "")
    return out


def _anchor_text(a: lxml.html.HtmlElement) -> str:
    inner = a.iter("a")
    next(inner)  # a itself
    if next(inner, None) is None:
        return normalize_space("".join(a.itertext()))
    return normalize_space("".join(_own_text(a)))


def _img_text(a: lxml.html.HtmlElement) -> str:
    for img in a.iter("img"):
        for attr in ("alt", "title"):
            v = normalize_space(img.get(attr) or "")
            if v:
                return v
    return ""


def extract_links(doc_or_html: lxml.html.HtmlElement | bytes | str, base_url: str) -> list[Link]:
    """Every followable <a>/<area> link of the page in document order, exact duplicates removed.

    Honours <base href>. Only http/https results; javascript:, data:, mailto: ... and bare '#' links are skipped.
    Text falls back to an <img>'s alt/title, then the anchor's own title, when the anchor has no text.
    """
    doc = as_doc(doc_or_html)
    base = base_url
    for b in doc.iter("base"):
        href = b.get("href")
        if href and href.strip():
            base = resolve_url(base_url, href) or base_url
            break
    origin = _origin(base)
    out: list[Link] = []
    seen: set[Link] = set()
    for a in doc.iter("a", "area"):
        href = a.get("href")
        if not href:
            continue
        url = resolve_url(base, href, origin)
        if url is None:
            continue
        title = normalize_space(a.get("title") or "") or None
        text = _anchor_text(a) if a.tag == "a" else ""
        if not text:
            text = _img_text(a) or normalize_space(a.get("alt") or "") or (title or "")
        link = Link(url, text, title)
        if link not in seen:
            seen.add(link)
            out.append(link)
    return out


# ---------------------------------------------------------------------------------------------------------------
# URL identity

_INDEX_FILE = re.compile(r"/(?:index\.(?:html?|shtml|jsp|php)|default\.html?)$", re.I)
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _norm_pct(s: str, safe: str) -> str:
    # Raw Chinese and its UTF-8 %-escapes are the same URL (Scrapy sends the escaped form); hex case is irrelevant.
    s = quote(s, safe=safe + "%")

    def fix(m: re.Match[str]) -> str:
        ch = chr(int(m.group(1), 16))
        return ch if ch in _UNRESERVED else "%" + m.group(1).upper()

    return _PCT.sub(fix, s)


def _remove_dot_segments(path: str) -> str:
    if "/." not in path:
        return path
    out: list[str] = []
    segs = path.split("/")
    for i, seg in enumerate(segs):
        if seg == "..":
            if len(out) > 1:
                out.pop()
        elif seg != ".":
            out.append(seg)
        if seg in (".", "..") and i == len(segs) - 1:
            out.append("")  # '/a/b/..' is the directory '/a/'
    return "/".join(out) or "/"


def canonical_url(url: str) -> str:
    """The dedupe key of a URL.

    http and https are the same page (the key always says http://); host lowercased, default ports (80, 443) and
    userinfo dropped; path %-escapes normalised, dot segments removed, a trailing index.html / index.htm /
    index.shtml / index.jsp / index.php / default.htm(l) becomes '/'; fragment dropped; query kept with its
    '&'-separated parameters sorted (values untouched). Not meant to be fetched as is.
    """
    u = url.strip().split("#", 1)[0]
    try:
        parts = urlsplit(u)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return u
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = _remove_dot_segments(_norm_pct(parts.path, "/:@!$&'()*+,;=-._~")) or "/"
    path = _INDEX_FILE.sub("/", path)
    query = "&".join(sorted(p for p in _norm_pct(parts.query, "/:@!$&'()*+,;=-._~?").split("&") if p))
    return f"http://{netloc}{path}" + (f"?{query}" if query else "")


# ---------------------------------------------------------------------------------------------------------------
# site scope


def _host(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return ""


@cache
def _site_key(seed_host: str) -> str:
    """The host suffix that marks the seed's site (see same_site)."""
    try:
        ipaddress.ip_address(seed_host)
        return seed_host
    except ValueError:
        pass
    cfg = terms()["site"]
    labels = seed_host.split(".")
    registrable = len(labels)
    for suffix in sorted(cfg["public_suffixes"], key=len, reverse=True):
        if seed_host.endswith("." + suffix):
            registrable = suffix.count(".") + 2
            break
    else:
        registrable = min(2, len(labels))
    service = set(cfg["service_labels"])
    while len(labels) > registrable and labels[0] in service:
        labels.pop(0)
    return ".".join(labels)


def same_site(url: str, seed_url: str) -> bool:
    """True when url is on the seed's site: the seed's host minus a leading www./xxgk./zwgk.-style service label,
    and that host's subdomains.

    www.hedong.gov.cn and xxgk.hedong.gov.cn are both the site hedong.gov.cn, so each covers the other and
    jyj.hedong.gov.cn. Never another portal: www.gov.cn, www.ly.gov.cn and a province portal are other sites.
    Borderline: a seed whose extra label is not a service label (hedong.linyi.gov.cn, a county hosted under a city
    domain) is a site of its own, so it never spills into www.linyi.gov.cn; the service labels are in
    discovery_terms.json. Ports are ignored.
    """
    host = _host(url).lower()
    key = _seed_site_key(seed_url)
    if not host or not key:
        return False
    return host == key or host.endswith("." + key)


@lru_cache(maxsize=4096)
def _seed_site_key(seed_url: str) -> str:
    """_site_key of the seed URL's host, '' without a host: same_site asks it for every link of a page."""
    seed = _host(seed_url).lower()
    return _site_key(seed) if seed else ""
