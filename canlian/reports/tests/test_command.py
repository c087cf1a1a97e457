from __future__ import annotations

import io
import json
from datetime import date

import pytest
import time_machine
from django.core.management import CommandError, call_command
from docx import Document

from canlian.reports.tests.helpers import DAY, deliver, register_person

pytestmark = pytest.mark.django_db


def test_command_writes_the_three_files(users, areas, tmp_path) -> None:
    with time_machine.travel(DAY, tick=False):
        deliver(users, register_person(users, areas.community_a1), "R1", year=2024, on=date(2024, 4, 2))
    out = {fmt: tmp_path / f"r.{fmt}" for fmt in ("docx", "xlsx", "json")}
    call_command("annual_report", "--year", "2024", "--docx", out["docx"], "--xlsx", out["xlsx"],
                 "--json", out["json"], stderr=io.StringIO())
    data = json.loads(out["json"].read_text(encoding="utf-8"))
    assert data["programmes"]["R1"]["people"] == 1
    assert data["title"] == "区残联2024年工作总结"
    text = [p.text for p in Document(str(out["docx"])).paragraphs]
    assert text[0] == "区残联2024年工作总结"
    assert "（二）提升残疾人康复质量" in text
    assert out["xlsx"].read_bytes()[:2] == b"PK"


def test_command_period_area_and_stdout(users, areas) -> None:
    with time_machine.travel(DAY, tick=False):
        deliver(users, register_person(users, areas.community_b1), "R1", year=2024, on=date(2024, 4, 2))
    stdout = io.StringIO()
    call_command("annual_report", "--start", "2024-04-01", "--end", "2024-04-30", "--area", areas.street_a.code,
                 stdout=stdout)
    data = json.loads(stdout.getvalue())
    assert data["programmes"]["R1"]["people"] == 0  # the person lives in street B
    assert data["period"] == {"start": "2024-04-01", "end": "2024-04-30", "year": None,
                              "label": "2024年4月1日至2024年4月30日"}
    assert data["title"] == "甲街道2024年4月1日至2024年4月30日残疾人工作完成情况"
    with pytest.raises(CommandError):
        call_command("annual_report", "--year", "2024", "--area", "999999")
    with pytest.raises(CommandError):
        call_command("annual_report", "--start", "2024-05-01", "--end", "2024-04-01")


def test_docx_sets_the_east_asian_font(preloaded, tmp_path) -> None:
    from docx.oxml.ns import qn

    out = tmp_path / "r.docx"
    call_command("annual_report", "--year", "2024", "--docx", out, stderr=io.StringIO())
    document = Document(str(out))
    title, body = document.paragraphs[0].runs[0], document.paragraphs[2].runs[0]
    assert title._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert body._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    headings = [p.text for p in document.paragraphs]
    assert headings[3] == "一、2024年工作完成情况"
    assert headings.index("（一）加强党的领导和建设") < headings.index("（二）提升残疾人康复质量")
    assert "附：系统尚未记录、需人工补充的内容" in headings


def test_the_summary_is_chinese_whatever_the_screen_language(preloaded) -> None:
    """An officer working in English still gets the federation's document in Chinese, not half translated."""
    from django.utils import translation

    from canlian.common.tabular import read_table
    from canlian.reports import definitions, report, services

    with translation.override("en"):
        built = report.build(period=definitions.Period.year(2024))
        files = services.write_all(built)
    assert built["intro"].startswith("现将全区") and built["part"] == "一、2024年工作完成情况"
    assert "Whole district" not in services.to_json(built).decode()
    text = [p.text for p in Document(io.BytesIO(files.docx)).paragraphs]
    assert "附：系统尚未记录、需人工补充的内容" in text
    assert "项目编号" in read_table(files.xlsx, filename="r.xlsx").headers
