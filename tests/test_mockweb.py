"""The mock web itself: the proxy server (urllib and raw sockets) and the portals it serves."""

from __future__ import annotations

import functools
import http.client
import json
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import pytest

from tests.mockweb import RunningWeb
from tests.mockweb.server import (
    MockRequest,
    MockResponse,
    MockWeb,
    cut_mid_body,
    delayed,
    page,
    proxy_env,
    redirect,
    requested,
    retry_after,
    sequence,
)

# ---------------------------------------------------------------- helpers


@functools.cache
def _no_verify() -> ssl.SSLContext:
    # A client context without the system CA store (loading it costs ~25 ms a time); nothing is verified anyway.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def opener(web: MockWeb, *, follow: bool = True) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = [
        urllib.request.ProxyHandler({"http": web.proxy_url, "https": web.proxy_url}),
        urllib.request.HTTPSHandler(context=_no_verify()),
    ]
    if not follow:
        handlers.append(_NoRedirect())
    return urllib.request.build_opener(*handlers)


def fetch(
    web: MockWeb,
    url: str,
    *,
    data: bytes | None = None,
    method: str | None = None,
    follow: bool = True,
    timeout: float = 10,
) -> tuple[int, dict[str, str], bytes, str]:
    """(status, headers, body, final URL) through the proxy; HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with opener(web, follow=follow).open(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read(), response.url
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read(), url


def raw(port: int, data: bytes, *, timeout: float = 5) -> bytes:
    """Send bytes on a fresh connection, read until the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def split_response(data: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


@pytest.fixture
def web() -> Iterator[MockWeb]:
    with MockWeb() as server:
        server.add("http://www.example.gov.cn/", "<html><body>首页</body></html>")
        server.add("http://www.example.gov.cn/xxgk/list.html", "<p>list</p>")
        server.add("http://www.example.gov.cn/xxgk/list.html?page=2", "<p>page 2</p>")
        server.add("https://secure.example.gov.cn/nb/", "<p>https 年报</p>")
        yield server


# ---------------------------------------------------------------- the server


def test_absolute_uri_get_is_served_by_host(web: MockWeb) -> None:
    status, headers, body = split_response(
        raw(
            web.port,
            (
                b"GET http://www.example.gov.cn/xxgk/list.html HTTP/1.1\r\nHost: www.example.gov.cn\r\n"
                b"Connection: close\r\n\r\n"
            ),
        )
    )
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert body == b"<p>list</p>"
    assert fetch(web, "http://www.example.gov.cn/")[2].decode() == "<html><body>首页</body></html>"
    # the host decides: the same path on another host is not there
    assert fetch(web, "http://other.example.gov.cn/xxgk/list.html")[0] == 404


def test_origin_form_uses_the_host_header(web: MockWeb) -> None:
    status, _, body = split_response(
        raw(web.port, (b"GET /xxgk/list.html HTTP/1.1\r\nHost: WWW.Example.gov.cn:80\r\nConnection: close\r\n\r\n"))
    )
    assert (status, body) == (200, b"<p>list</p>")


def test_query_is_matched_exactly_when_given(web: MockWeb) -> None:
    assert fetch(web, "http://www.example.gov.cn/xxgk/list.html?page=2")[2] == b"<p>page 2</p>"
    # a page added without a query answers any query (servers ignore unknown parameters)
    assert fetch(web, "http://www.example.gov.cn/xxgk/list.html?_=123")[2] == b"<p>list</p>"


def test_head_has_headers_and_no_body(web: MockWeb) -> None:
    status, headers, body = split_response(
        raw(
            web.port,
            (
                b"HEAD http://www.example.gov.cn/xxgk/list.html HTTP/1.1\r\nHost: www.example.gov.cn\r\n"
                b"Connection: close\r\n\r\n"
            ),
        )
    )
    assert status == 200
    assert headers["content-length"] == str(len(b"<p>list</p>"))
    assert body == b""
    assert web.requests[-1].method == "HEAD"


def test_post_body_is_read_and_logged(web: MockWeb) -> None:
    web.route("http://www.example.gov.cn/echo", lambda r: page(f"{r.method} {r.arg('columnid')} {r.body.decode()}"))
    status, _, body, _ = fetch(web, "http://www.example.gov.cn/echo?startrecord=16", data=b"columnid=4589&col=1")
    assert status == 200
    assert body == b"POST 4589 columnid=4589&col=1"
    last = web.requests[-1]
    assert (last.method, last.body, last.query["startrecord"], last.form["col"]) == (
        "POST",
        b"columnid=4589&col=1",
        ["16"],
        ["1"],
    )
    assert last.headers["content-type"] == "application/x-www-form-urlencoded"


def test_chunked_post_body(web: MockWeb) -> None:
    web.route("http://www.example.gov.cn/echo", lambda r: page(r.body))
    status, _, body = split_response(
        raw(
            web.port,
            (
                b"POST http://www.example.gov.cn/echo HTTP/1.1\r\nHost: www.example.gov.cn\r\nTransfer-Encoding: chunked\r\n"
                b"Connection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
            ),
        )
    )
    assert (status, body) == (200, b"abcde")


def test_connect_tunnel_serves_https_pages(web: MockWeb) -> None:
    with socket.create_connection(("127.0.0.1", web.port), timeout=5) as sock:
        sock.sendall(b"CONNECT secure.example.gov.cn:443 HTTP/1.1\r\nHost: secure.example.gov.cn:443\r\n\r\n")
        reply = b""
        while b"\r\n\r\n" not in reply:
            reply += sock.recv(1)
        assert reply.startswith(b"HTTP/1.1 200")
        with _no_verify().wrap_socket(sock, server_hostname="secure.example.gov.cn") as tls:
            cert = ssl.DER_cert_to_PEM_cert(tls.getpeercert(binary_form=True))
            tls.sendall(b"GET /nb/ HTTP/1.1\r\nHost: secure.example.gov.cn\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := tls.recv(65536):
                data += chunk
    status, _, body = split_response(data)
    assert (status, body.decode()) == (200, "<p>https 年报</p>")
    assert "BEGIN CERTIFICATE" in cert
    methods = [(r.method, r.url) for r in web.requests]
    assert methods == [("CONNECT", "https://secure.example.gov.cn"), ("GET", "https://secure.example.gov.cn/nb/")]


def test_https_through_urllib_and_scheme_matters(web: MockWeb) -> None:
    status, _, body, _ = fetch(web, "https://secure.example.gov.cn/nb/")
    assert (status, body.decode()) == (200, "<p>https 年报</p>")
    # the http page of the same address is another page
    assert fetch(web, "http://secure.example.gov.cn/nb/")[0] == 404
    assert fetch(web, "https://www.example.gov.cn/")[0] == 404


def test_self_signed_certificate_is_mockweb() -> None:
    from tests.mockweb.server import CERT_FILE

    decoded = ssl._ssl._test_decode_cert(str(CERT_FILE))  # type: ignore[attr-defined]
    assert decoded["subject"] == ((("commonName", "mockweb"),),)
    assert int(decoded["notAfter"].split()[-2]) >= 2100


def test_certificate_names_cover_the_https_portal_hosts(mockweb: RunningWeb) -> None:
    from tests.mockweb.server import CERT_FILE

    names = [v for k, v in ssl._ssl._test_decode_cert(str(CERT_FILE))["subjectAltName"] if k == "DNS"]  # type: ignore[attr-defined]
    hosts = {urlsplit(u).hostname for u in mockweb.web.served_urls() if u.startswith("https://")}
    assert hosts >= {"www.hhjp.gov.cn", "www.xjwqx.gov.cn"}
    for host in hosts:
        assert any(n == host or (n.startswith("*.") and host.partition(".")[2] == n[2:]) for n in names), host


def test_unknown_host_and_path_are_404_html(web: MockWeb) -> None:
    for url in ("http://www.nowhere.gov.cn/", "http://www.example.gov.cn/no/such/page.html"):
        status, headers, body, _ = fetch(web, url)
        assert status == 404
        assert headers["Content-Type"].startswith("text/html")
        assert b"404" in body and len(body) < 500


def test_redirect(web: MockWeb) -> None:
    web.route("http://www.example.gov.cn/old.html", redirect("/xxgk/list.html"))
    web.route("http://www.example.gov.cn/tmp.html", redirect("https://secure.example.gov.cn/nb/", 302))
    status, headers, _, _ = fetch(web, "http://www.example.gov.cn/old.html", follow=False)
    assert (status, headers["Location"]) == (301, "/xxgk/list.html")
    status, _, body, final = fetch(web, "http://www.example.gov.cn/old.html")
    assert (status, body, final) == (200, b"<p>list</p>", "http://www.example.gov.cn/xxgk/list.html")
    status, _, body, final = fetch(web, "http://www.example.gov.cn/tmp.html")
    assert (status, final) == (200, "https://secure.example.gov.cn/nb/")


def test_request_log(web: MockWeb) -> None:
    fetch(web, "http://www.example.gov.cn/?a=1", data=b"x=1")
    fetch(web, "https://secure.example.gov.cn/nb/")
    log = web.requests
    first = log[0]
    assert (first.method, first.scheme, first.host, first.path, first.body) == (
        "POST",
        "http",
        "www.example.gov.cn",
        "/?a=1",
        b"x=1",
    )
    assert first.url == "http://www.example.gov.cn/?a=1"
    assert first.headers["host"] == "www.example.gov.cn"
    assert "user-agent" in first.headers and first.at <= time.time()
    assert web.urls() == ["http://www.example.gov.cn/?a=1", "https://secure.example.gov.cn/nb/"]
    assert web.urls("GET") == ["https://secure.example.gov.cn/nb/"]
    assert requested(web, ["HTTPS://Secure.example.gov.cn:443/nb/", "http://www.example.gov.cn/"]) == [
        "HTTPS://Secure.example.gov.cn:443/nb/"
    ]
    log.clear()  # a snapshot: the server's log is untouched
    assert len(web.requests) == 3  # CONNECT included
    web.clear_log()
    assert web.requests == []


def test_keep_alive_serves_several_requests_on_one_connection(web: MockWeb) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=5)
    for path in ("/", "/xxgk/list.html", "/missing"):
        connection.request("GET", f"http://www.example.gov.cn{path}")
        response = connection.getresponse()
        response.read()
    connection.close()
    assert response.status == 404
    assert web.urls()[-1] == "http://www.example.gov.cn/missing"


def test_handlers_prefix_and_precedence(web: MockWeb) -> None:
    web.route("http://www.example.gov.cn/xxgk/", lambda r: page(f"prefix {r.path}"))
    web.route("http://www.example.gov.cn/xxgk/col/", lambda r: page("longer") if "skip" not in r.path else None)
    web.route("http://www.example.gov.cn/api?x=1", MockResponse(200, b"exact query"))
    assert fetch(web, "http://www.example.gov.cn/xxgk/list.html")[2] == b"<p>list</p>"  # a page beats a handler
    assert fetch(web, "http://www.example.gov.cn/xxgk/a/b.html?q=1")[2] == b"prefix /xxgk/a/b.html?q=1"
    assert fetch(web, "http://www.example.gov.cn/xxgk/col/1.html")[2] == b"longer"
    assert fetch(web, "http://www.example.gov.cn/xxgk/col/skip.html")[2] == b"prefix /xxgk/col/skip.html"
    assert fetch(web, "http://www.example.gov.cn/api?x=1")[2] == b"exact query"
    assert fetch(web, "http://www.example.gov.cn/api?x=2")[0] == 404


def test_a_broken_handler_answers_500(web: MockWeb) -> None:
    web.route("http://www.example.gov.cn/boom", lambda r: 1 / 0)
    assert fetch(web, "http://www.example.gov.cn/boom")[0] == 500
    assert fetch(web, "http://www.example.gov.cn/")[0] == 200


def test_fault_delay(web: MockWeb) -> None:
    web.route("http://www.example.gov.cn/slow", delayed(0.5, page("late")))
    started = time.monotonic()
    assert fetch(web, "http://www.example.gov.cn/slow")[2] == b"late"
    assert time.monotonic() - started >= 0.5
    web.route("http://www.example.gov.cn/slower", delayed(3, page("too late")))
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        fetch(web, "http://www.example.gov.cn/slower", timeout=0.5)


def test_fault_connection_closed_mid_body(web: MockWeb) -> None:
    web.route("http://www.example.gov.cn/cut", cut_mid_body(b"x" * 1000, 100))
    connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=5)
    connection.request("GET", "http://www.example.gov.cn/cut")
    response = connection.getresponse()
    assert response.getheader("Content-Length") == "1000"
    with pytest.raises(http.client.IncompleteRead) as info:
        response.read()
    assert len(info.value.partial) == 100
    connection.close()


def test_fault_retry_after_and_sequence(web: MockWeb) -> None:
    web.route("http://www.example.gov.cn/busy", sequence(retry_after(503, 7), retry_after(429, 1), page("ok")))
    answers = [fetch(web, "http://www.example.gov.cn/busy") for _ in range(4)]
    assert [a[0] for a in answers] == [503, 429, 200, 200]
    assert answers[0][1]["Retry-After"] == "7"
    assert answers[3][2] == b"ok"


def test_threaded(web: MockWeb) -> None:
    web.route("http://www.example.gov.cn/slow", delayed(0.3, page("late")))
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(fetch(web, "http://www.example.gov.cn/slow")[0]))
        for _ in range(10)
    ]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 10
    assert time.monotonic() - started < 2  # answered side by side, not one after another


def test_stop_ends_idle_connections_and_proxy_env() -> None:
    server = MockWeb().start()
    env = proxy_env(server)
    assert env["http_proxy"] == env["HTTPS_PROXY"] == server.proxy_url
    assert env["no_proxy"] == ""
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.proxy_url)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    connection.request("GET", "http://a.gov.cn/")
    connection.getresponse().read()
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 3
    with pytest.raises(RuntimeError):
        _ = server.proxy_url


# ---------------------------------------------------------------- the portals


def test_portals_and_their_sizes(mockweb: RunningWeb) -> None:
    manifest = mockweb.manifest
    assert list(manifest.portals) == ["xj-wuqia", "sd-hedong", "yn-jinping", "yn-chuxiong", "test-plain"]
    assert 100 <= len(mockweb.web.served_urls()) <= 220
    keys = list(manifest.all_reports().values())
    assert len(keys) == len(set(keys)), "one report, one manifest URL"
    refs = {k for k in keys if k.startswith("ref:")}
    assert refs == {"ref:000", "ref:001", "ref:002", "ref:003", "ref:004"}
    for portal in manifest.portals.values():
        assert portal.reports and portal.home in portal.pages
        assert all(portal.on_site(u) for u in [*portal.reports, *portal.expected_failures, *portal.aliases])
    # the seed list the tests crawl matches seeds/reference.csv for the four real portals
    seeds = manifest.seeds_csv().splitlines()
    assert seeds[0] == "id,name,url,level,region_code,list_url"
    assert "xj-wuqia,乌恰县人民政府,http://www.xjwqx.gov.cn/,county,653024," in seeds


def test_every_report_answers_200_html(mockweb: RunningWeb) -> None:
    manifest = mockweb.manifest
    for url, key in manifest.all_reports().items():
        status, headers, body, final = fetch(mockweb.web, url, follow=False)
        assert status == 200, url
        if url.endswith(".pdf"):  # a report published only as a file
            assert headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF-"), url
            continue
        assert headers["Content-Type"].startswith("text/html"), url
        assert final == url
        title = manifest.expected(url)["title"]
        encoding = "gb18030" if "charset" not in headers["Content-Type"] else "utf-8"
        assert title in body.decode(encoding), (url, key)
    for portal in manifest.portals.values():
        for alias, url in portal.aliases.items():
            status, _, body, final = fetch(mockweb.web, alias)
            assert status == 200, alias
            assert body == fetch(mockweb.web, url)[2]


def test_seed_home_pages(mockweb: RunningWeb) -> None:
    for portal in mockweb.manifest.portals.values():
        status, _, body, final = fetch(mockweb.web, portal.home)
        assert (status, final) == (200, portal.home)
    # jinping's seed row says http://; the portal redirects to https
    status, headers, _, _ = fetch(mockweb.web, "http://www.hhjp.gov.cn/", follow=False)
    assert (status, headers["Location"]) == (301, "https://www.hhjp.gov.cn/")


def test_word_gbk_page_is_gbk_without_charset_header(mockweb: RunningWeb) -> None:
    pages = [(u, p) for p in mockweb.manifest.portals.values() for u, f in p.renderings.items() if f == "word_gbk"]
    assert len(pages) == 1
    url, portal = pages[0]
    assert portal.seed_id == "yn-chuxiong"
    status, headers, body, _ = fetch(mockweb.web, url)
    assert status == 200
    assert headers["Content-Type"] == "text/html"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert mockweb.manifest.expected(url)["title"] in body.decode("gbk")


def test_robots_txt(mockweb: RunningWeb) -> None:
    status, headers, body, _ = fetch(mockweb.web, "http://www.cxs.gov.cn/robots.txt")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert "Disallow: /private/" in body.decode()
    for home in (
        "http://www.xjwqx.gov.cn/",
        "http://www.hedong.gov.cn/",
        "http://xxgk.hedong.gov.cn/",
        "https://www.hhjp.gov.cn/",
        "http://www.plainxian.gov.cn/",
    ):
        assert fetch(mockweb.web, home + "robots.txt")[0] == 404


def test_forbidden_urls_are_offsite_or_robots_disallowed(mockweb: RunningWeb) -> None:
    robots = RobotFileParser()
    robots.parse(fetch(mockweb.web, "http://www.cxs.gov.cn/robots.txt")[2].decode().splitlines())
    for portal in mockweb.manifest.portals.values():
        assert portal.forbidden
        for url in portal.forbidden:
            if portal.on_site(url):
                assert urlsplit(url).hostname == "www.cxs.gov.cn"
                assert not robots.can_fetch("gkspider", url), url
                assert portal.expected_failures[url] == "robots-disallowed"
            else:
                assert not mockweb.web.serves_host(urlsplit(url).hostname or ""), url
                assert fetch(mockweb.web, url)[0] == 404, url
    offsite = set().union(*(p.forbidden for p in mockweb.manifest.portals.values()))
    assert {"http://www.gov.cn/", "http://www.mengzi.gov.cn/zwgk/xxgknb/202302/t20230210_3.html"} <= offsite


def test_expected_failures_answer_as_announced(mockweb: RunningWeb) -> None:
    reasons = {u: r for p in mockweb.manifest.portals.values() for u, r in p.expected_failures.items()}
    assert sorted(reasons.values()) == ["http-404", "needs-browser", "robots-disallowed", "unsupported-format"]
    for url, reason in reasons.items():
        status, headers, body, _ = fetch(mockweb.web, url)
        if reason == "http-404":
            assert status == 404
        elif reason == "unsupported-format":
            assert (status, headers["Content-Type"]) == (200, "application/ofd") and url.endswith(".ofd")
        elif reason == "needs-browser":
            assert status == 200 and b'<div id="app"></div>' in body and b"<a " not in body
        else:
            assert reason == "robots-disallowed" and "/private/" in url


def _links(base: str, body: bytes) -> list[str]:
    return [
        urljoin(base, h.decode("latin-1").strip())
        for h in re.findall(rb"""href\s*=\s*["']([^"'#][^"']*)["']""", body)
        if not h.startswith((b"javascript:", b"mailto:"))
    ]


def test_navigation_links_all_lead_somewhere(mockweb: RunningWeb) -> None:
    """Every on-site link of every navigation/list page answers (the deliberate dead link aside)."""
    checked: dict[str, int] = {}
    for portal in mockweb.manifest.portals.values():
        skip = set(portal.reports) | set(portal.aliases) | set(portal.forbidden)
        for url in portal.pages:
            if url in skip or url.endswith(("robots.txt", ".pdf", "dataproxy.jsp", "/api/content/list")):
                continue
            status, headers, body, final = fetch(mockweb.web, url)
            assert status == 200, url
            for link in _links(final, body):
                # images are not served; dataproxy.jsp is the jpage parameter block, POSTed, not a link
                if portal.on_site(link) and link not in checked and not re.search(r"/images/|dataproxy\.jsp", link):
                    checked[link] = fetch(mockweb.web, link, follow=False)[0]
    broken = {u: s for u, s in checked.items() if s not in (200, 301)}
    assert broken == {"http://www.xjwqx.gov.cn/zwgk/zfxxgkzl/gknb/201901/t20190125_12.html": 404}
    assert len(checked) > 80


def test_trs_pages_exist_as_create_page_html_says(mockweb: RunningWeb) -> None:
    col = "http://www.xjwqx.gov.cn/zwgk/zfxxgkzl/gknb/"
    body = fetch(mockweb.web, col)[2].decode()
    assert 'createPageHTML(3, 0, "index", "html")' in body
    for i in (1, 2):
        assert f'createPageHTML(3, {i}, "index", "html")' in fetch(mockweb.web, f"{col}index_{i}.html")[2].decode()
    assert fetch(mockweb.web, f"{col}index_3.html")[0] == 404
    # the cut title keeps the whole title in its title attribute
    assert re.search(
        r'title="乌恰县人民政府2021年政府信息公开工作年度报告"[^>]*>[^<]*\.\.\.</a>',
        fetch(mockweb.web, f"{col}index_1.html")[2].decode(),
    )
    fgw = fetch(mockweb.web, "http://www.xjwqx.gov.cn/zwgk/zfxxgkzl/bmxxgk/fgw/gknb/")[2].decode()
    assert "var countPage = 2;" in fgw and "createPageHTML(countPage, currentPage, prefixName, suffixName)" in fgw


def test_jpage_needs_the_post(mockweb: RunningWeb) -> None:
    web, manifest = mockweb.web, mockweb.manifest
    listing = fetch(web, "http://xxgk.hedong.gov.cn/col/col4589/index.html")[2].decode()
    assert "totalRecord: 22" in listing and "perPage: 15" in listing
    embedded = re.findall(r"<record><!\[CDATA\[<li><a href=\"([^\"]+)\"", listing)
    assert len(embedded) == 15
    proxy = "http://xxgk.hedong.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=60&perpage=15"
    form = "col=1&appid=1&webid=1&path=/&columnid=4589&sourceContentType=1&unitid=12345&permissiontype=0"
    status, headers, body, _ = fetch(web, proxy, data=form.encode())
    assert status == 200 and headers["Content-Type"].startswith("text/xml")
    xml = body.decode()
    assert "<totalrecord>22</totalrecord>" in xml
    rest = re.findall(r"<record><!\[CDATA\[<li><a href=\"([^\"]+)\"", xml)
    assert len(rest) == 7
    ref001 = "http://xxgk.hedong.gov.cn/art/2021/1/31/art_4589_123.html"
    assert manifest.portals["sd-hedong"].reports[ref001] == "ref:001"
    assert "/art/2021/1/31/art_4589_123.html" in rest and ref001[len("http://xxgk.hedong.gov.cn") :] not in embedded
    assert fetch(web, proxy)[0] == 405  # GET is not enough
    assert "<totalrecord>0</totalrecord>" in fetch(web, proxy, data=b"columnid=1")[2].decode()


def test_json_column(mockweb: RunningWeb) -> None:
    web = mockweb.web
    column = fetch(web, "https://www.hhjp.gov.cn/zwgk/zfxxgk/gknb/")[2].decode()
    assert 'url: "/api/content/list"' in column and "pageSize: 3" in column
    assert not re.search(r'href="[^"]*/gknb/\d{6}/', column), "the reports are linked only from the JSON"
    seen = []
    for number in (1, 2, 3):
        status, _, body, _ = fetch(
            web, f"https://www.hhjp.gov.cn/api/content/list?channelId=1024&pageNo={number}&pageSize=3"
        )
        data = json.loads(body)["data"]
        assert (status, data["total"], data["pages"]) == (200, 8, 3)
        seen += [urljoin("https://www.hhjp.gov.cn/", r["url"]) for r in data["list"]]
    reports = mockweb.manifest.portals["yn-jinping"].reports
    assert len(seen) == 8 and sum(u in reports for u in seen) == 6
    assert all(fetch(web, u)[0] == 200 for u in seen)


def test_query_and_plain_pagination(mockweb: RunningWeb) -> None:
    web = mockweb.web
    first = fetch(web, "https://www.hhjp.gov.cn/zwgk/zfxxgk/bmnb/")[2].decode()
    assert '<a href="?page=3">尾页</a>' in first
    assert fetch(web, "https://www.hhjp.gov.cn/zwgk/zfxxgk/bmnb/?page=1")[2].decode() == first
    assert fetch(web, "https://www.hhjp.gov.cn/zwgk/zfxxgk/bmnb/?page=3")[2].decode() != first
    assert "暂无数据" in fetch(web, "https://www.hhjp.gov.cn/zwgk/zfxxgk/bmnb/?page=9")[2].decode()
    col = "http://www.cxs.gov.cn/xxgk/xzxxgk/xcz/gknb/"
    listing = fetch(web, col + "list.html")[2].decode()
    assert '<a href="list_2.html">下一页</a>' in listing and '<a href="list_3.html">尾页</a>' in listing
    assert fetch(web, col + "list_3.html")[0] == 200 and fetch(web, col + "list_4.html")[0] == 404


def test_old_report_url_redirects_to_the_manifest_url(mockweb: RunningWeb) -> None:
    portal = mockweb.manifest.portals["yn-chuxiong"]
    ((old, new),) = portal.aliases.items()
    status, headers, _, _ = fetch(mockweb.web, old, follow=False)
    assert (status, headers["Location"]) == (301, new)
    assert new in portal.reports and old not in portal.reports


def test_manifest_expected_items(mockweb: RunningWeb) -> None:
    manifest = mockweb.manifest
    ref = manifest.expected("http://www.xjwqx.gov.cn/zwgk/zfxxgkzl/gknb/202101/t20210123_86.html")
    assert (ref["title"], ref["report_year"]) == ("乌恰县人民政府2020年政府信息公开工作年度报告", 2020)
    plain = manifest.expected("http://www.plainxian.gov.cn/xxgk/ndbg/2021/")
    assert (plain["report_year"], plain["index_no"]) == (2021, None)  # meta_only pages carry no 索引号
    alias = manifest.expected("https://www.xjwqx.gov.cn/zwgk/zfxxgkzl/gknb/202101/t20210123_86.html")
    assert alias == ref
    with pytest.raises(KeyError):
        manifest.expected("http://www.xjwqx.gov.cn/")


def test_fresh_mockweb_is_its_own(fresh_mockweb: RunningWeb, mockweb: RunningWeb) -> None:
    assert fresh_mockweb.proxy_url != mockweb.proxy_url
    assert fresh_mockweb.web.requests == []
    fresh_mockweb.web.route("http://www.xjwqx.gov.cn/", MockResponse(503, b"down"))
    assert fetch(fresh_mockweb.web, "http://www.xjwqx.gov.cn/")[0] == 503
    assert fetch(mockweb.web, "http://www.xjwqx.gov.cn/")[0] == 200
    assert fresh_mockweb.env["https_proxy"] == fresh_mockweb.proxy_url


def test_mock_request_helpers() -> None:
    request = MockRequest("POST", "http", "h.gov.cn", "/a?x=1&y=", {}, b"x=2&z=3")
    assert (request.path_only, request.arg("x"), request.arg("z"), request.arg("y"), request.arg("w", "-")) == (
        "/a",
        "1",
        "3",
        "",
        "-",
    )


# Every kind of page that is not a report (docs/FAMILIES.md) is linked from a portal, and none is in the manifest.
TRAP_KINDS = (
    "解读",
    "图解",
    "一图读懂",
    "政务公开工作要点",
    "法治政府建设年度报告",
    "政府工作报告",
    "企业年报公示",
    "统计公报",
    "政府信息公开指南",
    "政府信息公开目录",
    "年度报告编制工作的通知",
)
_ANCHOR = re.compile(r"""<a\s[^>]*?href="([^"]+)"([^>]*)>(.*?)</a>""", re.S)


def test_every_non_report_kind_is_linked_and_not_a_report(mockweb: RunningWeb) -> None:
    web, manifest = mockweb.web, mockweb.manifest
    reports = {u for p in manifest.portals.values() for u in [*p.reports, *p.aliases]}
    labels: list[tuple[str, str]] = []  # (absolute URL, anchor text + title)
    for portal in manifest.portals.values():
        for url in portal.pages:
            if url in reports or not url.endswith(("/", ".html")):
                continue
            status, _, body, final = fetch(web, url)
            for href, attrs, text in _ANCHOR.findall(body.decode("utf-8", "replace")):
                labels.append((urljoin(final, href), text + attrs))
    api = "https://www.hhjp.gov.cn/api/content/list?channelId=1024&pageNo=1&pageSize=100"
    labels += [(urljoin(api, r["url"]), r["title"]) for r in json.loads(fetch(web, api)[2])["data"]["list"]]
    proxy = "http://xxgk.hedong.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=60&perpage=15"
    xml = fetch(web, proxy, data=b"columnid=4589")[2].decode()
    labels += [(urljoin(proxy, h), t) for h, t in re.findall(r'<a href="([^"]+)" title="([^"]+)"', xml)]
    for kind in TRAP_KINDS:
        hits = {url for url, label in labels if kind in label}
        assert hits, f"no link to a {kind} page"
        assert not hits & reports, kind
        assert all(fetch(web, u)[0] == 200 for u in hits), kind
