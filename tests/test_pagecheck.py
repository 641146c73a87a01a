"""Pages fetched as reports that are no report: told apart by page_problem, never turned into report items."""

from __future__ import annotations

import pytest

from gkspider.discovery.classify import page_problem


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty-page"),
        (b"   \n ", "empty-page"),
        (bytes(range(256)) * 40, "binary-content"),
        ("<html><body><h1>对不起，您访问的页面不存在！</h1><a href='/'>返回首页</a></body></html>".encode(), "soft-404"),
        ("<html><body><p>您的访问被阻断，请求已被Web应用防火墙拦截。事件ID：8f2e</p></body></html>".encode(), "blocked"),
    ],
)
def test_problem_pages(body: bytes, reason: str) -> None:
    text = None if reason == "binary-content" else body.decode("utf-8", "replace")
    assert page_problem(body, text) == reason


def test_a_long_report_that_mentions_missing_pages_is_a_report() -> None:
    prose = "一、总体情况。" + "本机关依法公开政府信息，" * 300 + "对申请公开的信息页面不存在的情形依法告知。"
    html = f"<html><body><h1>某县2020年政府信息公开工作年度报告</h1><p>{prose}</p></body></html>"
    assert page_problem(html.encode(), html) is None


def test_gbk_bytes_are_not_binary() -> None:
    body = "<p>政府信息公开工作年度报告</p>".encode("gbk") * 50
    assert page_problem(body, body.decode("gbk")) is None


def test_utf16_with_bom_is_text() -> None:
    body = "\ufeff<p>政府信息公开工作年度报告</p>".encode("utf-16")
    assert page_problem(body, body.decode("utf-16")) is None
