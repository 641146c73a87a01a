"""Shared fixtures: the mock web (tests/mockweb) with every portal built.

`mockweb` is one server for the whole session: read its request log only after clear_log(), or use
`fresh_mockweb`, a server of the test's own (portals built, log empty) that the test may add routes to.
Both give a RunningWeb: .web, .manifest, .proxy_url, .env (http_proxy & co. for a subprocess or os.environ).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.mockweb import RunningWeb, serve_portals


@pytest.fixture(scope="session")
def mockweb() -> Iterator[RunningWeb]:
    running = serve_portals()
    try:
        yield running
    finally:
        running.web.stop()


@pytest.fixture
def fresh_mockweb() -> Iterator[RunningWeb]:
    running = serve_portals()
    try:
        yield running
    finally:
        running.web.stop()
