"""The output writer: whole lines only, UTF-8 without escapes, partial tails repaired, schema file current."""

from __future__ import annotations

import json
from pathlib import Path

from gkspider.items import SCHEMA_FILE, report_schema
from gkspider.output import JsonlWriter, content_fingerprint, read_jsonl, repair_tail


def test_writer_appends_whole_utf8_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    writer = JsonlWriter(path)
    writer.write({"title": "乌恰县人民政府2020年政府信息公开工作年度报告", "n": 1})
    writer.write({"title": "x" * 100_000})  # larger than any buffer: still one line
    # Flushed per record: readable before close.
    assert [r["n"] for _, r in read_jsonl(path) if "n" in r] == [1]
    writer.close()
    raw = path.read_bytes()
    assert raw.count(b"\n") == 2 and raw.endswith(b"\n")
    assert "乌恰县".encode() in raw and b"\\u" not in raw


def test_partial_tail_from_a_killed_run_is_cut_on_open(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"a":1}\n{"a":2}\n{"a":3, "tit')
    assert repair_tail(path) == len(b'{"a":3, "tit')
    writer = JsonlWriter(path)
    writer.write({"a": 4})
    writer.close()
    assert [r["a"] for _, r in read_jsonl(path)] == [1, 2, 4]


def test_malformed_line_is_skipped_with_its_number(tmp_path: Path, caplog) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"a":1}\nnot json\n{"a":3}\n', encoding="utf-8")
    assert [n for n, _ in read_jsonl(path)] == [1, 3]
    assert "r.jsonl:2" in caplog.text


def test_fingerprint_ignores_fetch_time_and_validation() -> None:
    a = {"url": "u", "title": "t", "fetched_at": "1", "validation": {"status": "ok"}, "sha256": "0"}
    b = {**a, "fetched_at": "2", "validation": {"status": "error"}, "sha256": "1"}
    assert content_fingerprint(a) == content_fingerprint(b)
    assert content_fingerprint(a) != content_fingerprint({**a, "title": "t2"})


def test_committed_schema_file_is_generated_from_the_item_definition() -> None:
    committed = json.loads((Path(__file__).resolve().parents[1] / "gkspider" / SCHEMA_FILE).read_text("utf-8"))
    assert committed == report_schema(), "run: python -m gkspider.items"
