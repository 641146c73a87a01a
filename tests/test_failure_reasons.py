"""Failure reasons are short and stable: what failures.jsonl says of a candidate that could not be fetched."""

from __future__ import annotations

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TimeoutError
from twisted.python.failure import Failure

from gkspider.spiders.annual_reports import failure_reason


def _failure(exc: BaseException) -> Failure:
    try:
        raise exc
    except BaseException:
        return Failure()


@pytest.mark.parametrize(
    ("exc", "reason", "status"),
    [
        (
            HttpError(Response("http://x.gov.cn/", status=404, request=Request("http://x.gov.cn/")), "404"),
            "http-404",
            404,
        ),
        (DNSLookupError("no such host"), "dns-error", None),
        (TimeoutError("slow"), "timeout", None),
        (IgnoreRequest("Forbidden by robots.txt"), "robots-disallowed", None),
        (IgnoreRequest("offsite: http://evil.com/ is not on http://x.gov.cn/'s site"), "offsite-redirect", None),
    ],
)
def test_reasons(exc: BaseException, reason: str, status: int | None) -> None:
    assert failure_reason(_failure(exc)) == (reason, status)


def test_scrapy_219_dns_error_is_dns_error() -> None:
    from scrapy import exceptions

    cls = getattr(exceptions, "CannotResolveHostError", None)
    if cls is None:
        pytest.skip("this Scrapy has no CannotResolveHostError")
    assert failure_reason(_failure(cls("www.x.gov.cn")))[0] == "dns-error"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("DownloadTimeoutError", "timeout"),
        ("ResponseDataLossError", "connection-lost"),
        ("DownloadConnectionRefusedError", "connection-refused"),
    ],
)
def test_scrapy_219_download_errors(name: str, reason: str) -> None:
    from scrapy import exceptions

    cls = getattr(exceptions, name, None)
    if cls is None:
        pytest.skip(f"this Scrapy has no {name}")
    assert failure_reason(_failure(cls("x")))[0] == reason
