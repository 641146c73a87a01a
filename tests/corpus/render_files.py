"""Render a structured report doc (tests/corpus/docs/*.json, synthetic docs) as the PDF or DOCX file a portal links.

Only what the file itself carries: the title, the body (headings, paragraphs, tables) and the signature. The
metadata block (索引号, 发布机构, 发布日期…) lives on the web page that links the file, so it is not rendered.

- `render_pdf(doc)`: reportlab with the built-in CID font STSong-Light (no font file: what many generators embed by
  reference), ruled tables (GRID) with spans, or borderless ones (`ruled=False`); tables longer than the space left
  on a page break across pages with no repeated header rows, and every page carries a page number footer.
- `render_docx(doc)`: python-docx, table spans made with `cell.merge`, a `\\n` in a cell as a new paragraph.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from tests.corpus.render import is_number_text, place, widen

_FONT = "STSong-Light"


# ---------------------------------------------------------------- grids


def grid_matrix(grid: dict[str, Any]) -> tuple[list[list[str]], list[tuple[int, int, int, int]]]:
    """A doc grid as a rectangular matrix of texts ('' where a span covers or a short row ends) and its spans as
    (col0, row0, col1, row1), both as reportlab and python-docx want them."""
    placed = place(grid["rows"])
    width = max(col + c.get("colspan", 1) for row in placed for c, col, _cov in row)
    matrix = [[""] * width for _ in placed]
    spans: list[tuple[int, int, int, int]] = []
    for r, row in enumerate(placed):
        for c, col, _cov in row:
            matrix[r][col] = c["text"]
            rs, cs = c.get("rowspan", 1), c.get("colspan", 1)
            if rs > 1 or cs > 1:
                spans.append((col, r, col + cs - 1, r + rs - 1))
    return matrix, spans


def _print_text(text: str) -> str:
    # Prose and labels with full-width punctuation as printed documents have it; numbers untouched.
    return text if is_number_text(text) else widen(text)


# ---------------------------------------------------------------- PDF


def _pdf_styles() -> dict[str, Any]:
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    base = ParagraphStyle(
        "body",
        fontName=_FONT,
        fontSize=11,
        leading=18,
        wordWrap="CJK",
        alignment=TA_JUSTIFY,
        firstLineIndent=22,
        spaceAfter=2,
    )
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontSize=16, leading=24, alignment=TA_CENTER, firstLineIndent=0, spaceAfter=12
        ),
        "h": ParagraphStyle(
            "h", parent=base, fontSize=12.5, leading=20, alignment=TA_LEFT, spaceBefore=6, spaceAfter=4
        ),
        "p": base,
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER, firstLineIndent=0),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT, firstLineIndent=0),
        "cell": ParagraphStyle(
            "cell", parent=base, fontSize=8.5, leading=11, alignment=TA_CENTER, firstLineIndent=0, spaceAfter=0
        ),
    }


def _col_widths(kind: str | None, width: int, total: float) -> list[float]:
    # Label columns wide enough for short labels; long ones (部分公开(区分处理的,…)) wrap inside their cell.
    if kind == "applications" and width == 10:
        label = [34.0, 46.0, 150.0]
        return label + [(total - sum(label)) / 7] * 7
    if kind == "active_disclosure":
        first = 150.0
        return [first] + [(total - first) / (width - 1)] * (width - 1)
    return [total / width] * width


def _pdf_table(grid: dict[str, Any], styles: dict[str, Any], total: float, *, ruled: bool) -> Any:
    from reportlab.platypus import Paragraph, Table, TableStyle

    matrix, spans = grid_matrix(grid)
    data = [
        [
            Paragraph("<br/>".join(escape(_print_text(t)) for t in text.split("\n")), styles["cell"]) if text else ""
            for text in row
        ]
        for row in matrix
    ]
    commands: list[tuple] = [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("FONT", (0, 0), (-1, -1), _FONT, 8.5)]
    commands += [("SPAN", (c0, r0), (c1, r1)) for c0, r0, c1, r1 in spans]
    if ruled:
        commands.append(("GRID", (0, 0), (-1, -1), 0.5, "black"))
    table = Table(
        data, colWidths=_col_widths(grid.get("kind"), len(matrix[0]), total), repeatRows=0, style=TableStyle(commands)
    )
    return table


def _margins(header: str | None) -> Callable[[Any, Any], None]:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(_FONT, 9)
        canvas.drawCentredString(doc.pagesize[0] / 2, 28, f"- {doc.page} -")
        if header:
            canvas.drawRightString(doc.pagesize[0] - 50, doc.pagesize[1] - 36, header)
        canvas.restoreState()

    return draw


def render_pdf(doc: dict[str, Any], *, ruled: bool = True, encrypt: Any = None, header: str | None = None) -> bytes:
    """The report as a PDF: title, body and signature, a page number in every footer. `encrypt`: a user password,
    or a reportlab StandardEncryption (an owner password only, say); `header`: a running header on every page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = _pdf_styles()
    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=50,
        rightMargin=50,
        topMargin=56,
        bottomMargin=56,
        title=doc["title"],
        encrypt=encrypt,
    )
    story: list[Any] = [Paragraph(escape(doc["title"]), styles["title"])]
    for block in doc["body"]:
        if "h" in block:
            story.append(Paragraph(escape(widen(block["h"])), styles["h"]))
        elif "p" in block:
            story.append(Paragraph(escape(widen(block["p"])), styles[block.get("align") or "p"]))
        else:
            story.append(Spacer(1, 4))
            story.append(_pdf_table(block["table"], styles, template.width, ruled=ruled))
            story.append(Spacer(1, 8))
    template.build(story, onFirstPage=_margins(header), onLaterPages=_margins(header))
    return out.getvalue()


def render_scanned_pdf(pages: int = 2) -> bytes:
    """A 'scanned' PDF: each page only an image (a raster drawn inline, no font, no text layer)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    # A small grey raster written by hand as PGM (reportlab reads it through Pillow, which pdfplumber requires).
    w, h = 64, 90
    pixels = bytes((x * 3 + y) % 256 for y in range(h) for x in range(w))
    pgm = b"P5 %d %d 255\n" % (w, h) + pixels
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    for _ in range(pages):
        c.drawImage(ImageReader(io.BytesIO(pgm)), 40, 40, width=A4[0] - 80, height=A4[1] - 80)
        c.rect(60, 60, 200, 100, stroke=1, fill=0)
        c.showPage()
    c.save()
    return out.getvalue()


# ---------------------------------------------------------------- DOCX


def render_docx(doc: dict[str, Any], *, framed: bool = False) -> bytes:
    """The report as a DOCX: title, body and signature, tables with merged cells. `framed` puts it all inside a
    one-cell layout table (the data tables nested in it), as some templates frame the page."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    align = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}
    out = Document()
    box: Any = out
    if framed:
        box = out.add_table(rows=1, cols=1).cell(0, 0)
    title = box.paragraphs[0] if framed else box.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(doc["title"])
    run.bold = True
    run.font.size = Pt(18)
    for block in doc["body"]:
        if "h" in block:
            para = box.add_paragraph()
            para.paragraph_format.first_line_indent = Pt(32)
            para.add_run(widen(block["h"])).bold = True
        elif "p" in block:
            para = box.add_paragraph(widen(block["p"]))
            if block.get("align"):
                para.alignment = align[block["align"]]
            else:
                para.paragraph_format.first_line_indent = Pt(32)
        else:
            _docx_table(box, block["table"])
            box.add_paragraph()
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def _docx_table(out: Any, grid: dict[str, Any]) -> None:
    matrix, spans = grid_matrix(grid)
    table = out.add_table(rows=len(matrix), cols=len(matrix[0]))
    table.style = "Table Grid"
    for c0, r0, c1, r1 in spans:
        table.cell(r0, c0).merge(table.cell(r1, c1))
    covered = {
        (r, c) for c0, r0, c1, r1 in spans for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (r, c) != (r0, c0)
    }
    for r, row in enumerate(matrix):
        for c, text in enumerate(row):
            if (r, c) in covered or not text:
                continue
            cell = table.cell(r, c)
            lines = [_print_text(t) for t in text.split("\n")]
            cell.paragraphs[0].text = lines[0]
            for line in lines[1:]:
                cell.add_paragraph(line)
