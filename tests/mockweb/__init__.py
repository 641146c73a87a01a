"""The mock web: a local forward proxy (server.py) serving five small portals (portals.py) for crawl tests.

python -m tests.mockweb [--port 8899]     # serve the portals until Ctrl-C
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.mockweb.server import MockWeb, proxy_env

if TYPE_CHECKING:
    from tests.mockweb.portals import Manifest


@dataclass
class RunningWeb:
    """A started MockWeb with the portals built: what the mockweb fixtures give."""

    web: MockWeb
    manifest: Manifest

    @property
    def proxy_url(self) -> str:
        return self.web.proxy_url

    @property
    def env(self) -> dict[str, str]:
        return proxy_env(self.web)


def serve_portals(host: str = "127.0.0.1", port: int = 0) -> RunningWeb:
    """Start a MockWeb on host:port (0: a free port) with every portal; stop it with .web.stop()."""
    from tests.mockweb.portals import build_web  # the report corpus loads only when portals are wanted

    web = MockWeb(host, port).start()
    try:
        return RunningWeb(web, build_web(web))
    except BaseException:
        web.stop()
        raise


def serve_hostile(host: str = "127.0.0.1", port: int = 0) -> RunningWeb:
    """Start a MockWeb with only the hostile portal (tests/mockweb/hostile.py); its manifest's one portal is a
    HostileManifest. Stop it with .web.stop()."""
    from tests.mockweb.hostile import build_hostile
    from tests.mockweb.portals import Manifest

    web = MockWeb(host, port).start()
    try:
        portal = build_hostile(web)
        return RunningWeb(web, Manifest(portals={portal.seed_id: portal}))
    except BaseException:
        web.stop()
        raise
