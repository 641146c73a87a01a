"""Serve the mock portals until Ctrl-C: python -m tests.mockweb [--port 8899] [--host 127.0.0.1]"""

from __future__ import annotations

import argparse
import signal
import threading

from tests.mockweb import serve_portals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mockweb", description=__doc__)
    parser.add_argument("--port", type=int, default=8899, help="proxy port (default 8899; 0 for a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    args = parser.parse_args(argv)
    running = serve_portals(args.host, args.port)
    manifest = running.manifest
    print(f"mock web proxy: {running.proxy_url}")
    print(f"  export http_proxy={running.proxy_url} https_proxy={running.proxy_url} no_proxy=")
    print(f"{len(running.web.served_urls())} URLs, {len(manifest.all_reports())} reports, portals:")
    for p in manifest.portals.values():
        print(
            f"  {p.seed_id:<12} {p.home:<32} {len(p.reports):>3} reports  {len(p.pages):>3} pages  "
            f"({', '.join(p.families)})"
        )
    print("Ctrl-C to stop.", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as cleanly as Ctrl-C
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.web.stop()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    raise SystemExit(main())
