"""Reports published as files: the reference reports rendered as PDF (ruled and borderless) and DOCX must extract to
their goldens cell by cell through the same extractor as web pages; broken, encrypted, scanned and hostile files
fail with their stable reason."""

from __future__ import annotations

import functools
import io
import os
import pickle
import random
import shutil
import stat
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gkspider.extract import files
from gkspider.extract.document import CELL, PARA
from gkspider.extract.files import (
    IMAGE_ONLY_NOTE,
    UnreadableFile,
    document_from_docx,
    document_from_file,
    document_from_pdf,
    extract_file,
    sniff_format,
)
from gkspider.extract.text import clean
from tests.corpus import load_expected
from tests.corpus.render import REPORT_IDS, load_doc
from tests.corpus.render_files import grid_matrix, render_docx, render_pdf, render_scanned_pdf
from tests.corpus.synthetic import synthetic_doc, synthetic_expected
from tests.test_golden import differences

# What a file carries: the metadata block (索引号, 发布机构, 发布日期…) lives on the page that links the file.
CONTENT_FIELDS = ("title", "report_year", "period", "template", "sections", "signed_date", "tables")
METADATA_FIELDS = ("organ", "index_no", "doc_no", "category", "publish_date", "written_date")


@functools.cache
def _rendered(report_id: str, kind: str) -> bytes:
    """A reference report as a file, rendered once per test session: 'pdf', 'pdf-borderless' or 'docx'."""
    if kind == "docx":
        return render_docx(load_doc(report_id))
    return render_pdf(load_doc(report_id), ruled=kind == "pdf")


def _content(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in CONTENT_FIELDS}


def _empty_cells(tables: dict | None) -> int:
    return sum(v is None for table in (tables or {}).values() for row in (table or {}).values() for v in row.values())


def _assert_golden(body: bytes, fmt: str, report_id: str) -> None:
    result = extract_file(body, fmt)
    expected = load_expected(report_id)
    assert differences(_content(result.fields), _content(expected)) == []
    assert [f for f in result.flags if f["rule"] != "cell.empty"] == []
    assert len([f for f in result.flags if f["rule"] == "cell.empty"]) == _empty_cells(expected["tables"])
    assert result.evidence["image_only"] is False
    # The metadata block is not in the file, and nothing in the text is taken for it.
    assert [result.fields[k] for k in METADATA_FIELDS] == [None] * len(METADATA_FIELDS)


def _prose(doc: dict[str, Any]) -> list[str]:
    return [clean(doc["title"])] + [clean(b.get("p") or b["h"]) for b in doc["body"] if "table" not in b]


def _grid_rows(doc: dict[str, Any]) -> list[list[list[str]]]:
    """Each table's rows as the file has them: origin cells only (a span's text once), the empty cells that pad a
    short row to the grid's width, line breaks inside a cell joined."""
    out = []
    for block in doc["body"]:
        if "table" not in block:
            continue
        matrix, spans = grid_matrix(block["table"])
        covered = {
            (r, c)
            for c0, r0, c1, r1 in spans
            for r in range(r0, r1 + 1)
            for c in range(c0, c1 + 1)
            if (r, c) != (r0, c0)
        }
        out.append(
            [
                [clean(text.replace("\n", "")) for c, text in enumerate(row) if (r, c) not in covered]
                for r, row in enumerate(matrix)
            ]
        )
    return out


def _cell_rows(doc: Any) -> list[list[list[str]]]:
    tables: dict[int, dict[int, list[str]]] = {}
    for tok in doc.tokens:
        if tok.kind == CELL:
            tables.setdefault(tok.row[0], {}).setdefault(tok.row[1], []).append(tok.text)
    return [[row for _r, row in sorted(rows.items())] for _t, rows in sorted(tables.items())]


# ---------------------------------------------------------------- the reference reports


@pytest.mark.parametrize("report_id", REPORT_IDS)
def test_reference_pdf_ruled(report_id: str) -> None:
    _assert_golden(_rendered(report_id, "pdf"), "pdf", report_id)


@pytest.mark.parametrize("report_id", REPORT_IDS)
def test_reference_docx(report_id: str) -> None:
    _assert_golden(_rendered(report_id, "docx"), "docx", report_id)


@pytest.mark.parametrize("report_id", REPORT_IDS)
def test_reference_pdf_borderless(report_id: str) -> None:
    body = _rendered(report_id, "pdf-borderless")
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        # The file really has no rules: the tables must be rebuilt from glyph positions.
        assert all(not p.lines and not p.rects for p in pdf.pages)
    doc = document_from_pdf(body)
    assert any(t.kind == CELL and t.row is not None for t in doc.tokens)
    _assert_golden(body, "pdf", report_id)


@pytest.mark.parametrize("report_id", ["000", "003"])
def test_reference_docx_framed_in_layout_table(report_id: str) -> None:
    """A one-cell table framing the whole report is layout: its paragraphs and nested data tables are read."""
    body = render_docx(load_doc(report_id), framed=True)
    _assert_golden(body, "docx", report_id)
    assert len(_cell_rows(document_from_docx(body))) == 3


@pytest.mark.parametrize("report_id", REPORT_IDS)
def test_prose_comes_back_as_whole_paragraphs(report_id: str) -> None:
    """PDF lines are joined into the paragraphs they wrap (across page breaks too), page numbers dropped, and no
    table text leaks into the prose; DOCX paragraphs are paragraphs."""
    doc = load_doc(report_id)
    for kind in ("pdf", "pdf-borderless", "docx"):
        parsed = document_from_file(_rendered(report_id, kind), kind.split("-")[0])
        assert [t.text for t in parsed.tokens if t.kind == PARA] == _prose(doc), kind


def test_fake_bold_is_not_doubled() -> None:
    """Fake bold draws each glyph twice, a fraction of a point apart: the text has each character once."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.setFont("STSong-Light", 16)
    for dx in (0, 0.3):
        c.drawString(120 + dx, 760, "某县人民政府2023年政府信息公开工作年度报告")
    c.setFont("STSong-Light", 11)
    c.drawString(72, 720, "本报告中所列数据的统计期限自2023年1月1日起至2023年12月31日止。")
    c.save()
    result = extract_file(out.getvalue(), "pdf")
    assert result.fields["title"] == "某县人民政府2023年政府信息公开工作年度报告"
    assert result.fields["period"] == {"start": "2023-01-01", "end": "2023-12-31"}


def test_running_header_is_not_text() -> None:
    """A header line on every page (the report's title, as many are printed) is neither the text nor a break in a
    paragraph that crosses pages."""
    doc = load_doc("000")
    body = render_pdf(doc, header=doc["title"])
    assert _page_of(body, "- 4 -") == 3  # four pages, each with the header
    parsed = document_from_pdf(body)
    assert [t.text for t in parsed.tokens if t.kind == PARA] == _prose(doc)
    _assert_golden(body, "pdf", "000")


@pytest.mark.parametrize("report_id", REPORT_IDS)
def test_docx_merged_cells_emitted_once(report_id: str) -> None:
    """Spans (gridSpan, vMerge) give each merged cell once, at its origin, like HTML's rowspan/colspan cells."""
    doc = load_doc(report_id)
    assert _cell_rows(document_from_docx(_rendered(report_id, "docx"))) == _grid_rows(doc)


def test_pdf_cells_of_a_ruled_table_row() -> None:
    # A label wrapped inside its cell comes back whole; a span leaves empty cells, never text from elsewhere.
    rows = [row for table in _cell_rows(document_from_pdf(_rendered("000", "pdf"))) for row in table]
    assert ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"] in rows
    assert ["", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)", "", "0", "0", "0", "0", "0", "0", "0"] in rows


def _page_of(body: bytes, label: str) -> int:
    # pdfium (a pdfplumber dependency) reads the text twenty times faster than pdfminer, and independently of it.
    import pypdfium2

    pdf = pypdfium2.PdfDocument(body)
    try:
        return next(i for i in range(len(pdf)) if label in clean(pdf[i].get_textpage().get_text_range()))
    finally:
        pdf.close()


@pytest.mark.parametrize(
    ("kind", "first", "second"),
    [
        ("active_disclosure", "行政规范性文件", "行政事业性收费"),
        ("applications", "一、本年新收政府信息公开申请数量", "(七)总计"),
    ],
)
def test_table_split_across_two_pages(kind: str, first: str, second: str) -> None:
    """A table breaks between two pages (no header row repeated): its halves are two tables of the token stream,
    and every row is still read."""
    filler = "本段为版式测试而加,使下表跨页。" * 3
    for n in range(40):
        trial = load_doc("002")
        at = next(i for i, b in enumerate(trial["body"]) if b.get("table", {}).get("kind") == kind)
        trial["body"][at:at] = [{"p": filler}] * n
        body = render_pdf(trial)
        if _page_of(body, second) == _page_of(body, first) + 1:
            break
    else:
        pytest.fail(f"no filler length splits the {kind} table between {first} and {second}")
    doc = document_from_pdf(body)
    tables = {t.row[0] for t in doc.tokens if t.kind == CELL and t.text in (first, second)}
    assert len(tables) == 2  # the rows sit in two consecutive tables of the stream
    result = extract_file(body, "pdf")
    assert differences(_content(result.fields), _content(load_expected("002"))) == []
    assert [f for f in result.flags if f["rule"] == "table.shape"] == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=10**6),
    year=st.integers(min_value=2019, max_value=2025),
    kind=st.sampled_from(["pdf", "pdf-borderless", "docx"]),
)
def test_random_tables_read_back_exactly(seed: int, year: int, kind: str) -> None:
    # The last name makes a title too long for one line: its two centred lines are one title.
    organ = random.Random(seed).choice(
        ["某县人民政府", "某县教育局", "某某镇人民政府", "新疆维吾尔自治区克孜勒苏柯尔克孜自治州乌恰县人民政府办公室"]
    )
    doc = synthetic_doc(organ=organ, year=year, seed=seed)
    if kind == "docx":
        body, fmt = render_docx(doc), "docx"
    else:
        body, fmt = render_pdf(doc, ruled=kind == "pdf"), "pdf"
    result = extract_file(body, fmt)
    expected = synthetic_expected(doc)
    assert differences(_content(result.fields), _content(expected)) == []
    assert result.flags == []


# ---------------------------------------------------------------- files that cannot be read as text


def test_scanned_pdf_is_image_only() -> None:
    body = render_scanned_pdf(pages=2)
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        assert [len(p.images) for p in pdf.pages] == [1, 1] and not any(p.chars for p in pdf.pages)
    result = extract_file(body, "pdf")
    assert result.evidence["image_only"] is True
    assert any(n.startswith(IMAGE_ONLY_NOTE) and "2 pages" in n for n in result.evidence["notes"])
    assert result.fields["tables"] == {"active_disclosure": None, "applications": None, "reviews": None}
    assert result.fields["title"] is None


def _png(width: int = 8, height: int = 8) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\0" + bytes([x * 30 % 256 for x in range(width)]) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_docx_of_only_a_picture_is_image_only() -> None:
    import docx

    d = docx.Document()
    d.add_picture(io.BytesIO(_png()))
    buf = io.BytesIO()
    d.save(buf)
    result = extract_file(buf.getvalue(), "docx")
    assert result.evidence["image_only"] is True


def test_encrypted_pdf() -> None:
    body = render_pdf(load_doc("003"), encrypt="secret")
    with pytest.raises(UnreadableFile) as err:
        document_from_pdf(body)
    assert err.value.reason == "pdf-encrypted"


def _latin_pdf(lines: list[str], encrypt: Any = None) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, encrypt=encrypt)
    for i, line in enumerate(lines):
        c.drawString(72, 760 - 40 * i, line)  # a paragraph apart
    c.save()
    return out.getvalue()


def test_pdf_with_owner_password_only_is_read() -> None:
    # Many portals publish PDFs that forbid copying but open without a password: they are readable.
    from reportlab.lib.pdfencrypt import StandardEncryption

    lines = ["Annual report on government information disclosure 2023", "Statistics period: 2023"]
    body = _latin_pdf(lines, encrypt=StandardEncryption("", ownerPassword="owner", canCopy=0))
    assert b"/Encrypt" in body
    assert [t.text for t in document_from_pdf(body).tokens] == lines


def test_glyphs_without_unicode_are_no_text_layer() -> None:
    """reportlab encrypts the CID font's Registry/Ordering strings and pdfminer cannot map its glyphs back to
    Unicode ('(cid:1315)'): as good as a scan, and no '(cid:…)' garbage reaches the text."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    body = render_pdf(load_doc("003"), encrypt=StandardEncryption("", ownerPassword="owner"))
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        assert "(cid:" in pdf.pages[0].extract_text()
    result = extract_file(body, "pdf")
    assert result.evidence["image_only"] is True
    assert any(n.startswith(files.UNMAPPED_NOTE) for n in result.evidence["notes"])
    assert "(cid:" not in result.text
    assert result.fields["tables"]["applications"] is None


@pytest.mark.parametrize(
    "body",
    [b"", b"\x00\x01garbage" * 100, b"%PDF-1.4\n" + bytes(range(256)) * 40, _rendered("003", "pdf")[:900]],
    ids=["empty", "garbage", "pdf-header-garbage", "truncated"],
)
def test_broken_pdf(body: bytes) -> None:
    with pytest.raises(UnreadableFile) as err:
        document_from_pdf(body)
    assert err.value.reason == "pdf-broken"


@pytest.mark.parametrize(
    "body",
    [b"", b"\x00\x01garbage" * 100, b"PK\x03\x04" + b"\x00" * 200, _rendered("003", "docx")[:2000]],
    ids=["empty", "garbage", "zip-header-garbage", "truncated"],
)
def test_broken_docx(body: bytes) -> None:
    with pytest.raises(UnreadableFile) as err:
        document_from_docx(body)
    assert err.value.reason == "docx-broken"


def test_zip_without_a_word_document_is_broken() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "not a document")
    with pytest.raises(UnreadableFile) as err:
        document_from_docx(buf.getvalue())
    assert err.value.reason == "docx-broken"


def _zip_of_zeros(megabytes: int) -> bytes:
    """A docx-shaped zip whose word/document.xml inflates to `megabytes` MB of zeros, written by streaming (the
    zeros never exist in memory at once)."""
    buf = io.BytesIO()
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(chunk)
    return buf.getvalue()


@pytest.fixture(scope="module")
def bomb_200mb() -> bytes:
    return _zip_of_zeros(200)


def _forbid_inflating(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: Any, **_k: Any) -> None:
        raise AssertionError("a zip member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "read", refuse)


def test_zip_bomb_refused_from_the_directory(bomb_200mb: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(bomb_200mb) < 2 * 1024 * 1024  # 200 MB of zeros deflate to well under 1%
    _forbid_inflating(monkeypatch)
    start = time.perf_counter()
    with pytest.raises(UnreadableFile) as err:
        document_from_docx(bomb_200mb)
    assert err.value.reason == "zip-bomb"
    assert time.perf_counter() - start < 1.0
    with pytest.raises(UnreadableFile) as err:
        extract_file(bomb_200mb, "docx")
    assert err.value.reason == "zip-bomb"


def test_zip_bomb_by_ratio_under_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    body = _zip_of_zeros(20)  # 20 MB: under the 100 MB total, but a thousand to one
    _forbid_inflating(monkeypatch)
    with pytest.raises(UnreadableFile) as err:
        document_from_docx(body)
    assert err.value.reason == "zip-bomb"
    assert "word/document.xml" in err.value.detail


def test_docx_size_limit_is_a_parameter() -> None:
    body = _rendered("003", "docx")
    with pytest.raises(UnreadableFile) as err:
        document_from_docx(body, max_uncompressed=10_000)
    assert err.value.reason == "zip-bomb"


def test_too_many_pages() -> None:
    body = _rendered("000", "pdf")
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        pages = len(pdf.pages)
    assert pages > 2
    with pytest.raises(UnreadableFile) as err:
        document_from_pdf(body, max_pages=pages - 1)
    assert err.value.reason == "too-many-pages"
    assert document_from_pdf(body, max_pages=pages).tokens


def test_file_too_large() -> None:
    with pytest.raises(UnreadableFile) as err:
        document_from_file(b"%PDF-1.4\n" + bytes(100), "pdf", max_bytes=50)
    assert err.value.reason == "file-too-large"


def test_failures_and_documents_cross_process_boundaries() -> None:
    err = pickle.loads(pickle.dumps(UnreadableFile("zip-bomb", "word/document.xml")))
    assert (err.reason, err.detail) == ("zip-bomb", "word/document.xml")
    doc = document_from_pdf(_rendered("004", "pdf"))
    assert pickle.loads(pickle.dumps(doc)) == doc


# ---------------------------------------------------------------- sniffing


def _zip_with(*names: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in names:
            zf.writestr(name, "<x/>")
    return buf.getvalue()


_OLE_WORD = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "WordDocument".encode("utf-16-le") + bytes(100)
_OLE_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "Workbook".encode("utf-16-le") + bytes(100)


@pytest.mark.parametrize(
    ("body", "url", "ctype", "expected"),
    [
        (b"%PDF-1.7\n...", "", None, "pdf"),
        (b"\r\n%PDF-1.4\n...", "http://a/b.doc", None, "pdf"),  # the bytes win over a wrong extension
        (b"PK\x03\x04", "", None, None),  # a zip header and nothing behind it
        (_OLE_WORD, "http://a/b/report.doc", None, "doc"),
        (_OLE_WORD, "http://a/b/report.wps", None, "wps"),
        (_OLE_WORD, "http://a/download?id=3", "application/kswps", "wps"),
        (_OLE_WORD, "http://a/download?id=3", None, "doc"),
        (_OLE_XLS, "http://a/b.xls", None, None),
        (_zip_with("OFD.xml", "Doc_0/Document.xml"), "", None, "ofd"),
        (_zip_with("[Content_Types].xml", "xl/workbook.xml"), "", None, "xlsx"),
        (b"\xef\xbb\xbf<!DOCTYPE html><html><body>404</body></html>", "http://a/report.pdf", "application/pdf", "html"),
        (b"  <html lang='zh'><head><title>t</title></head>", "", None, "html"),
        (b"\x00\x01 not recognisable", "http://a/files/report.PDF?v=2", None, "pdf"),
        (
            b"\x00\x01 not recognisable",
            "http://a/get",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        (b"\x00\x01 not recognisable", "http://a/get", "application/octet-stream", None),
    ],
)
def test_sniff_format(body: bytes, url: str, ctype: str | None, expected: str | None) -> None:
    assert sniff_format(body, url, ctype) == expected


def test_sniff_rendered_files() -> None:
    doc = load_doc("001")
    assert sniff_format(render_pdf(doc)) == "pdf"
    assert sniff_format(render_docx(doc), "http://a/x.pdf") == "docx"


# ---------------------------------------------------------------- doc, wps, ofd through LibreOffice


def test_doc_and_wps_unsupported_without_soffice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name, *a, **k: None)
    for fmt in ("doc", "wps"):
        with pytest.raises(UnreadableFile) as err:
            document_from_file(_OLE_WORD, fmt)
        assert err.value.reason == "unsupported-format"
        assert "soffice" in err.value.detail


@pytest.mark.parametrize("fmt", ["ofd", "xlsx", "rtf"])
def test_other_formats_unsupported(fmt: str) -> None:
    with pytest.raises(UnreadableFile) as err:
        document_from_file(b"PK\x03\x04 whatever", fmt)
    assert err.value.reason == "unsupported-format"


def _fake_soffice(tmp_path: Path, script: str) -> str:
    """An executable standing in for soffice: same command line, behaviour given by `script` (Python)."""
    path = tmp_path / "soffice"
    path.write_text(f"#!{sys.executable}\nimport sys, pathlib, time, os\nargs = sys.argv[1:]\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_conversion_path_with_a_stand_in_soffice(tmp_path: Path) -> None:
    docx_path = tmp_path / "converted.docx"
    docx_path.write_bytes(_rendered("004", "docx"))
    soffice = _fake_soffice(
        tmp_path,
        "assert '--headless' in args and args[args.index('--convert-to') + 1] == 'docx'\n"
        "assert any(a.startswith('-env:UserInstallation=file://') for a in args)\n"
        "src = pathlib.Path(args[-1]); out = pathlib.Path(args[args.index('--outdir') + 1])\n"
        "assert src.read_bytes().startswith(bytes.fromhex('d0cf11e0'))\n"
        f"(out / (src.stem + '.docx')).write_bytes(pathlib.Path({str(docx_path)!r}).read_bytes())\n",
    )
    result = extract_file(_OLE_WORD, "wps", soffice=soffice)
    assert differences(_content(result.fields), _content(load_expected("004"))) == []
    assert "converted from wps with LibreOffice" in result.evidence["notes"]


def test_conversion_without_output_fails(tmp_path: Path) -> None:
    soffice = _fake_soffice(tmp_path, "print('Error: source file could not be loaded', file=sys.stderr)\nsys.exit(1)")
    with pytest.raises(UnreadableFile) as err:
        document_from_file(_OLE_WORD, "doc", soffice=soffice)
    assert err.value.reason == "conversion-failed"
    assert "could not be loaded" in err.value.detail


def test_conversion_timeout_kills_the_converter(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    soffice = _fake_soffice(
        tmp_path,
        # Like soffice, which hands the work to soffice.bin: a child process that would outlive a plain kill.
        "import subprocess\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"pathlib.Path({str(pid_file)!r}).write_text(str(child.pid))\n"
        "time.sleep(60)\n",
    )
    start = time.perf_counter()
    with pytest.raises(UnreadableFile) as err:
        document_from_file(_OLE_WORD, "doc", soffice=soffice, timeout=1.5)
    assert err.value.reason == "conversion-failed"
    assert "timed out" in err.value.detail
    assert time.perf_counter() - start < 10
    child = int(pid_file.read_text())
    for _ in range(50):  # the whole process group was killed: the grandchild goes too
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the converter's child process survived the timeout")


_SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(
    _SOFFICE is None,
    reason="LibreOffice (soffice) is not installed: the real doc/wps conversion is not exercised here "
    "(the command line, output pickup and timeout are tested with a stand-in)",
)
def test_real_doc_conversion(tmp_path: Path) -> None:
    src = tmp_path / "report.docx"
    src.write_bytes(_rendered("001", "docx"))
    subprocess.run(
        [
            _SOFFICE,
            "--headless",
            f"-env:UserInstallation={(tmp_path / 'p').as_uri()}",
            "--convert-to",
            "doc",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    body = (tmp_path / "report.doc").read_bytes()
    assert sniff_format(body, "http://a/report.doc") == "doc"
    result = extract_file(body, "doc")
    assert differences(_content(result.fields), _content(load_expected("001"))) == []


# ---------------------------------------------------------------- DOCX details


def test_docx_list_numbering_and_line_breaks() -> None:
    """Headings numbered by Word (一、 from numbering.xml, not in the text) and a signature typed as one paragraph
    with a line break still give the sections and the signing date."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    d = docx.Document()
    numbering = d.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
            '<w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl></w:abstractNum>'
        ),
    )
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    d.add_paragraph("某县人民政府2023年政府信息公开工作年度报告")
    d.add_paragraph("本报告中所列数据的统计期限自2023年1月1日起至2023年12月31日止。")
    sections = [
        "总体情况",
        "主动公开政府信息情况",
        "收到和处理政府信息公开申请情况",
        "政府信息公开行政复议、行政诉讼情况",
        "存在的主要问题及改进情况",
        "其他需要报告的事项",
    ]
    for name in sections:
        numpr = d.add_paragraph(name)._p.get_or_add_pPr().get_or_add_numPr()
        numpr.get_or_add_numId().val = 90
        numpr.get_or_add_ilvl().val = 0
        d.add_paragraph("正文。")
    run = d.add_paragraph().add_run("某县人民政府")
    run.add_break()
    run.add_text("2024年1月20日")
    buf = io.BytesIO()
    d.save(buf)
    doc = document_from_docx(buf.getvalue())
    assert [t.text for t in doc.tokens if t.text.endswith("情况") or t.text.endswith("事项")][:6] == [
        f"{n}、{s}" for n, s in zip("一二三四五六", sections, strict=True)
    ]
    result = extract_file(buf.getvalue(), "docx")
    assert result.fields["sections"] == sections
    assert result.fields["signed_date"] == "2024-01-20"
    assert result.fields["period"] == {"start": "2023-01-01", "end": "2023-12-31"}
    assert result.fields["report_year"] == 2023
