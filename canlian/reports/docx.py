"""The summary as an editable Word document in the usual style of Chinese official documents (GB/T 9704):
title in 小标宋 二号, 一、 headings in 黑体 三号, (一) headings in 楷体 三号, body in 仿宋 三号 with a
two-character first-line indent and a fixed 28-point line spacing. The East-Asian font is set through
w:eastAsia, which Word uses for Chinese characters (the plain font name only covers Latin text)."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号


def _run(paragraph: Any, text: str, font: str, size: Pt, *, bold: bool = False) -> None:
    run = paragraph.add_run(text)
    run.font.name = font
    run.font.size = size
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:ascii"), font)
    fonts.set(qn("w:hAnsi"), font)


def _paragraph(document: Any, *, indent: bool = True, align: Any = None) -> Any:
    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(32)  # two characters of 三号
    if align is not None:
        paragraph.alignment = align
    return paragraph


def write_docx(report: dict[str, Any]) -> bytes:
    """The .docx bytes: title, part 一, one (一) heading per section, one paragraph per work line."""
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = SIZE_3
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    _run(_paragraph(document, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER), report["title"], TITLE_FONT, SIZE_2)
    _paragraph(document, indent=False)
    _run(_paragraph(document), report["intro"], BODY_FONT, SIZE_3)
    _run(_paragraph(document), report["part"], HEADING_FONT, SIZE_3)
    pending = {p["key"]: p for p in report["not_available"]}
    for section in report["sections"]:
        _run(_paragraph(document), f"{section['number']}{section['heading']}", SUBHEADING_FONT, SIZE_3)
        for line in section["lines"]:
            _run(_paragraph(document), line["text"], BODY_FONT, SIZE_3)
        if not section["lines"]:
            items = "；".join(pending[k]["text"] for k in section["pending"] if k in pending)
            _run(_paragraph(document), _("〔暂无数据：%(items)s。请人工补充。〕") % {"items": items}, BODY_FONT, SIZE_3)

    if report["not_available"]:
        _paragraph(document, indent=False)
        _run(_paragraph(document, indent=False), _("附：系统尚未记录、需人工补充的内容"), HEADING_FONT, SIZE_3)
        for n, item in enumerate(report["not_available"], start=1):
            text = _("%(n)d. %(text)s（需：%(needs)s）") % {"n": n, "text": item["text"], "needs": item["needs"]}
            _run(_paragraph(document), text, BODY_FONT, SIZE_3)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
