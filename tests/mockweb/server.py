"""A local mock web for crawler tests: an HTTP forward proxy that serves pages by host + path.

Clients point http_proxy / https_proxy at it (see proxy_env) and ask for real host names
(`GET http://www.xjwqx.gov.cn/xxgk/ HTTP/1.1`); nothing leaves the machine. Origin-form requests
(`GET /xxgk/` + `Host:`) are served too. HTTPS goes through CONNECT: the tunnel is TLS-wrapped here with the
self-signed certificate in certs/, made once with

    openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 36500 -subj "/CN=mockweb" \
      -addext "subjectAltName=DNS:mockweb,DNS:localhost,IP:127.0.0.1,DNS:*.gov.cn,DNS:*.xjwqx.gov.cn,\
DNS:*.hedong.gov.cn,DNS:*.hhjp.gov.cn,DNS:*.cxs.gov.cn,DNS:*.plainxian.gov.cn,DNS:*.example.gov.cn"

Nothing verifies the chain (Scrapy does not by default; tests turn verification off); the names are there only
so that Scrapy's hostname check does not log a warning per connection for the portals' https hosts.

Lookup for a request (scheme, host, path?query); add() and route() for the same URL replace each other:
  1. a page added with add() for exactly that URL (query included);
  2. a handler given to route(): the one whose URL equals the request URL (query included, when the route has
     one), or equals it without the query, or is a prefix of it ending in '/'; the longest wins. A handler may
     return None to pass;
  3. a page added without a query, when the request carries one (servers ignore unknown parameters);
  4. 404 with a small HTML body.
Every request (CONNECT included) is logged before it is answered.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

CERT_DIR = Path(__file__).resolve().parent / "certs"
CERT_FILE = CERT_DIR / "cert.pem"
KEY_FILE = CERT_DIR / "key.pem"
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class MockRequest:
    """One request as the server received it."""

    method: str
    scheme: str  # "http" or "https" (the page's scheme; "https" for CONNECT)
    host: str  # lowercased, default port dropped
    path: str  # path + "?query" as sent; "" for CONNECT
    headers: dict[str, str]  # names lowercased; repeated headers joined with ", "
    body: bytes = b""
    at: float = 0.0  # time.time() of arrival

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}{self.path}"

    @property
    def path_only(self) -> str:
        return self.path.split("?", 1)[0]

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query, keep_blank_values=True)

    @property
    def form(self) -> dict[str, list[str]]:
        """The body read as application/x-www-form-urlencoded."""
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First value of a query or form parameter (query first)."""
        for source in (self.query, self.form):
            if name in source:
                return source[name][0]
        return default


@dataclass
class MockResponse:
    """What a route answers. The fault fields make the server misbehave on purpose."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering
    cut_after: int | None = None  # send this many body bytes (full Content-Length announced), then drop the line

    def __post_init__(self) -> None:
        if isinstance(self.body, str):
            self.body = self.body.encode("utf-8")


Handler = Callable[[MockRequest], MockResponse | None]


# ---------------------------------------------------------------- response and fault helpers


def page(
    body: bytes | str, *, status: int = 200, content_type: str = "text/html; charset=utf-8", **headers: str
) -> MockResponse:
    return MockResponse(
        status, body.encode("utf-8") if isinstance(body, str) else body, {"Content-Type": content_type, **headers}
    )


def not_found(url: str = "") -> MockResponse:
    body = (
        f"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1><p>{_esc(url)}</p></body></html>"
    )
    return page(body, status=404)


def redirect(location: str, status: int = 301) -> MockResponse:
    """A 301/302/303/307/308 to location (absolute or relative)."""
    body = f'<html><body>Moved: <a href="{_esc(location)}">{_esc(location)}</a></body></html>'
    return page(body, status=status, Location=location)


def retry_after(status: int = 503, seconds: int = 120, body: bytes | str = b"") -> MockResponse:
    """A refusal that says when to come back (429/503 with Retry-After)."""
    return page(
        body or f"<html><body>{status}: try again later</body></html>", status=status, **{"Retry-After": str(seconds)}
    )


def cut_mid_body(
    body: bytes | str, after: int | None = None, *, content_type: str = "text/html; charset=utf-8"
) -> MockResponse:
    """Announce the whole body, send only its first `after` bytes (default: half), then close the connection."""
    response = page(body, content_type=content_type)
    response.cut_after = len(response.body) // 2 if after is None else after
    return response


def delayed(seconds: float, answer: MockResponse | Handler) -> Handler:
    """A handler that sleeps `seconds` before answering (to trip client timeouts)."""

    def handler(request: MockRequest) -> MockResponse | None:
        response = answer(request) if callable(answer) else answer
        return replace(response, delay=seconds) if response is not None else None

    return handler


def sequence(*answers: MockResponse | Handler) -> Handler:
    """Answer the i-th request with the i-th answer, the last one from then on (e.g. 503, 503, then the page)."""
    lock = threading.Lock()
    counter = itertools.count()

    def handler(request: MockRequest) -> MockResponse | None:
        with lock:
            i = min(next(counter), len(answers) - 1)
        answer = answers[i]
        return answer(request) if callable(answer) else answer

    return handler


def _constant(response: MockResponse) -> Handler:
    def handler(request: MockRequest) -> MockResponse:
        return response

    return handler


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _norm_host(netloc: str, scheme: str) -> str:
    host = netloc.strip().lower()
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and "]" not in port and int(port) == DEFAULT_PORTS.get(scheme):
        host = name
    return host.rstrip(".")


def _split_url(url: str) -> tuple[str, str, str]:
    """(scheme, host, path?query) of an absolute URL; the path defaults to '/'."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.netloc:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, _norm_host(parts.netloc, parts.scheme), path


# ---------------------------------------------------------------- the web


class MockWeb:
    """Pages by URL behind a local forward proxy. Thread-safe; use as a context manager or start()/stop()."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._address = (host, port)
        self._lock = threading.Lock()
        self._static: dict[tuple[str, str, str], MockResponse] = {}
        self._handlers: dict[tuple[str, str, str], Handler] = {}
        self._log: list[MockRequest] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._live: set[_ProxyHandler] = set()
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.load_cert_chain(CERT_FILE, KEY_FILE)

    # lifecycle

    def start(self) -> MockWeb:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(self._address, _ProxyHandler)
        self._server.web = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="mockweb", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes handlers sleeping in a delay
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            live = list(self._live)
        for handler in live:  # keep-alive connections would otherwise idle until their timeout
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(5)
        self._server = self._thread = None

    def __enter__(self) -> MockWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("MockWeb is not started")
        return self._server.server_address[1]

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # routes

    def add(
        self,
        url: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str = "text/html; charset=utf-8",
    ) -> None:
        """Serve a static page at an absolute http(s) URL; a query in url is matched exactly."""
        all_headers = {"Content-Type": content_type}
        for name, value in (headers or {}).items():
            if name.lower() == "content-type":
                all_headers.pop("Content-Type")
            all_headers[name] = value
        response = MockResponse(status, body.encode("utf-8") if isinstance(body, str) else body, all_headers)
        key = _split_url(url)
        with self._lock:
            self._handlers.pop(key, None)  # the latest word on a URL wins
            self._static[key] = response

    def route(self, url_prefix_or_exact: str, handler: Handler | MockResponse) -> None:
        """Answer with handler(request): for this URL (any query, unless one is given) or, when it ends with '/',
        every URL under it that has no page of its own. It replaces a page added for exactly this URL. A
        MockResponse stands for a handler that always gives it."""
        if isinstance(handler, MockResponse):
            handler = _constant(handler)
        key = _split_url(url_prefix_or_exact)
        with self._lock:
            self._static.pop(key, None)  # a test's fault on a portal page replaces the page
            self._handlers[key] = handler

    def served_urls(self) -> list[str]:
        """URLs of the static pages and handlers, sorted (handlers may answer more URLs than these)."""
        with self._lock:
            keys = set(self._static) | set(self._handlers)
        return sorted(f"{s}://{h}{p}" for s, h, p in keys)

    def serves_host(self, host: str) -> bool:
        host = host.lower()
        with self._lock:
            return any(h == host for _, h, _ in itertools.chain(self._static, self._handlers))

    # log

    @property
    def requests(self) -> list[MockRequest]:
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def urls(self, method: str | None = None) -> list[str]:
        """URLs requested so far (CONNECTs excluded), in order; only `method` when given."""
        return [r.url for r in self.requests if r.method != "CONNECT" and (method is None or r.method == method)]

    # serving (called by the request handler threads)

    def _record(self, request: MockRequest) -> None:
        with self._lock:
            self._log.append(request)

    def _resolve(self, request: MockRequest) -> MockResponse:
        scheme, host, path = request.scheme, request.host, request.path
        path_only = request.path_only
        with self._lock:
            static = self._static.get((scheme, host, path))
            if static is not None:
                return static
            candidates = []
            for (s, h, p), handler in self._handlers.items():
                if s != scheme or h != host:
                    continue
                if p in (path, path_only) or ("?" not in p and p.endswith("/") and path_only.startswith(p)):
                    candidates.append((p == path, len(p), handler))
            fallback = self._static.get((scheme, host, path_only)) if path != path_only else None
        for _, _, handler in sorted(candidates, key=lambda c: (c[0], c[1]), reverse=True):
            response = handler(request)
            if response is not None:
                return response
        return fallback if fallback is not None else not_found(request.url)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    web: MockWeb


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every answer carries Content-Length
    server_version = "mockweb/1.0"
    timeout = 30  # an idle keep-alive connection ends after this
    server: _Server
    tunnel: str | None = None  # "host:port" once inside a CONNECT tunnel

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: do not let Nagle hold the body back.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.web._lock:
            self.server.web._live.add(self)

    def finish(self) -> None:
        with self.server.web._lock:
            self.server.web._live.discard(self)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # the request log is the record; stderr noise would drown test output

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = do_GET

    def do_CONNECT(self) -> None:
        web = self.server.web
        authority = self.path
        web._record(
            MockRequest("CONNECT", "https", _norm_host(authority, "https"), "", self._headers(), at=time.time())
        )
        if self.tunnel is not None:
            self.send_error(400, "CONNECT inside a tunnel")
            return
        self.send_response(200, "Connection Established")
        self.end_headers()
        old_rfile = self.rfile
        try:
            tls = web._tls.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True  # the client did not speak TLS: nothing more to read
            return
        with contextlib.suppress(OSError):
            old_rfile.close()
        # From here on the handler's request loop reads the decrypted requests of the tunnel.
        self.connection = self.request = tls
        self.rfile = tls.makefile("rb", self.rbufsize)
        self.wfile = socketserver._SocketWriter(tls)  # type: ignore[attr-defined]
        self.tunnel = authority
        self.close_connection = False

    # ------------------------------------------------------------ internals

    def _headers(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            out[key] = f"{out[key]}, {value}" if key in out else value
        return out

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _target(self) -> tuple[str, str, str]:
        host_header = self.headers.get("Host", "")
        if self.tunnel is not None:
            return "https", _norm_host(host_header or self.tunnel, "https"), self.path
        if self.path.lower().startswith(("http://", "https://")):
            parts = urlsplit(self.path)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            return parts.scheme.lower(), _norm_host(parts.netloc, parts.scheme.lower()), path
        return "http", _norm_host(host_header, "http"), self.path or "/"

    def _serve(self) -> None:
        web = self.server.web
        scheme, host, path = self._target()
        request = MockRequest(self.command, scheme, host, path, self._headers(), self._read_body(), time.time())
        web._record(request)
        try:
            response = web._resolve(request)
        except Exception as exc:  # a broken handler is a test bug: answer 500 so it shows, keep serving
            response = page(f"<html><body>handler error: {_esc(repr(exc))}</body></html>", status=500)
        if response.delay and web._stopping.wait(response.delay):
            self.close_connection = True
            return
        body = response.body
        self.send_response(response.status)
        names = set()
        for name, value in response.headers.items():
            self.send_header(name, value)
            names.add(name.lower())
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(body)))
        if response.cut_after is not None:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD":
            return
        if response.cut_after is not None:
            self.wfile.write(body[: response.cut_after])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)


def proxy_env(web: MockWeb) -> dict[str, str]:
    """Environment variables that send http and https traffic of urllib, requests and Scrapy through web."""
    url = web.proxy_url
    return {
        "http_proxy": url,
        "https_proxy": url,
        "HTTP_PROXY": url,
        "HTTPS_PROXY": url,
        "no_proxy": "",
        "NO_PROXY": "",
    }


def requested(web: MockWeb, urls: Iterable[str]) -> list[str]:
    """The subset of urls that web was asked for (scheme, host case and default ports normalised)."""
    wanted = {}
    for url in urls:
        with contextlib.suppress(ValueError):
            wanted[_split_url(url)] = url
    seen = {(r.scheme, r.host, r.path) for r in web.requests if r.method != "CONNECT"}
    return [url for key, url in wanted.items() if key in seen]
