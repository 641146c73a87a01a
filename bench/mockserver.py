"""Serve the generated bench web (bench/webgen.py) as a forward proxy in its own process.

    python -m bench.mockserver --portals 200 [--port 0]

prints one JSON line {"port": N, "portals": M, "pid": P} once it listens, then serves until SIGTERM or Ctrl-C.
Run it apart from the crawler so that serving pages does not take the crawler's GIL.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

from bench.webgen import VARIANTS, YEARS, answer, pooled, portal_of_host
from tests.corpus.render import FAMILIES
from tests.mockweb.server import MockRequest, MockResponse, MockWeb


class BenchWeb(MockWeb):
    """MockWeb with the whole generated web behind one lookup.

    The stock _resolve scans every route on every request (O(routes): 1,000 portals would cost the server more than
    the pages), and _record keeps every request for the tests' assertions (unbounded memory over 50,000 requests);
    here a request costs one host parse and is counted, not kept.
    """

    def __init__(self, portals: int, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.portals = portals
        self.count = 0
        self._count_lock = threading.Lock()

    def _record(self, request: MockRequest) -> None:
        with self._count_lock:
            self.count += 1

    def _resolve(self, request: MockRequest) -> MockResponse:
        portal = portal_of_host(request.host)
        if portal is None or portal.i >= self.portals or request.scheme != "http":
            return MockResponse(404, b"<html><body>no such host</body></html>", {"Content-Type": "text/html"})
        status, body, ctype = answer(portal, request.path)
        return MockResponse(status, body, {"Content-Type": ctype})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mockserver", description=__doc__)
    parser.add_argument("--portals", type=int, default=200)
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    # Render the report pool before listening: no crawl pays for it.
    for family in FAMILIES:
        for variant in range(VARIANTS):
            for year in YEARS:
                pooled(family, year, variant)
    web = BenchWeb(args.portals, args.host, args.port).start()
    print(json.dumps({"port": web.port, "portals": args.portals, "pid": os.getpid()}), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):  # a timed wait lets the SIGTERM handler run promptly
            pass
    except KeyboardInterrupt:
        pass
    finally:
        web.stop()
        print(json.dumps({"requests": web.count}), file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
