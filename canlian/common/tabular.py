"""Reading and writing the spreadsheets staff live in: xlsx (and csv) in, xlsx out.

Reading uses python-calamine (fast, Rust) after a cheap structural check of the file, so that a
corrupt zip, an oversized file, formulas or merged cells are refused with a reason before any row is
looked at. Writing uses xlsxwriter; every text cell that a spreadsheet would run as a formula
(=, +, -, @, tab, CR) is neutralised with a leading apostrophe-quote (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

import xlsxwriter
from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class TableError(ValueError):
    """The file as a whole cannot be read (wrong type, corrupt, too large, empty, formulas…)."""


@dataclass(frozen=True)
class CellError:
    """One problem in one cell: what the error workbook and the screen list."""

    row: int  # spreadsheet row number as the user sees it (header = 1)
    column: str  # header text of the column ("" for a whole-row problem)
    value: str
    reason: str


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Any]]  # data rows only, values as calamine gives them (str, int, float, date, …)
    first_row: int = 2  # spreadsheet row number of rows[0]
    sheet_name: str = ""
    errors: list[CellError] = field(default_factory=list)

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row number, {header: value}) for each data row that is not entirely blank."""
        headers = self.headers
        for offset, row in enumerate(self.rows):
            if not _blank(row):
                yield self.first_row + offset, dict(zip(headers, row, strict=False))

    def count(self) -> int:
        """How many rows `records()` yields, without building them."""
        return sum(1 for row in self.rows if not _blank(row))


def _blank(row: Sequence[Any]) -> bool:
    """Whether every cell is empty or white space (a loop that stops at the first filled cell: most rows' first)."""
    for cell in row:  # noqa: SIM110  (a plain loop: no generator per row, stops at the first filled cell)
        if cell is not None and not (isinstance(cell, str) and not cell.strip()):
            return False
    return True


def read_table(
    data: bytes | BinaryIO, *, filename: str, required: Sequence[str] = (), optional: Sequence[str] = ()
) -> Table:
    """Read the first sheet of an xlsx (or a csv) whose first row holds the headers.

    Refuses, with a reason that names what to fix: files above CANLIAN_MAX_UPLOAD_MB, unknown types,
    corrupt zips, formulas, merged cells, an empty sheet, missing or unknown or repeated headers.
    """
    raw = data if isinstance(data, bytes) else data.read()
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if len(raw) > limit:
        raise TableError(_("文件过大（%(size).1f MB），上限为 %(limit)d MB，请拆分后分批导入") % {
            "size": len(raw) / 1024 / 1024, "limit": settings.MAX_UPLOAD_MB})
    name = filename.lower()
    if name.endswith(".csv"):
        table = _read_csv(raw)
    elif name.endswith((".xlsx", ".xlsm")):
        table = _read_xlsx(raw)
    else:
        raise TableError(_("不支持的文件类型：%(name)s。请上传 .xlsx 或 .csv 文件") % {"name": filename})
    _check_headers(table, required, optional)
    return table


def _read_csv(raw: bytes) -> Table:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableError(_("CSV 文件编码无法识别，请另存为 UTF-8 或 GB18030 编码"))
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise TableError(_("文件是空的：第 1 行应为表头"))
    for number, row in enumerate(rows[1:], start=2):
        for header, cell in zip(rows[0], row, strict=False):
            if cell.startswith("=") and len(cell) > 1:
                raise TableError(_("第 %(row)d 行“%(col)s”列含公式 %(value)s，请改为数值后再导入") % {
                    "row": number, "col": header.strip(), "value": cell[:30]})
    return Table(headers=[h.strip() for h in rows[0]], rows=[list(r) for r in rows[1:]])


_FORMULA = re.compile(rb"<f[ >/]")
_MERGE = re.compile(rb'<mergeCell ref="([A-Z0-9:]+)"')


def _read_xlsx(raw: bytes) -> Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        first_sheet = sorted(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))
        sheet_xml = archive.read(first_sheet[0]) if first_sheet else b""
    except (zipfile.BadZipFile, KeyError, IndexError, OSError) as exc:
        raise TableError(_("文件已损坏或不是有效的 Excel（.xlsx）文件，请重新保存后上传")) from exc
    if formula := _FORMULA.search(sheet_xml):
        start = sheet_xml.rfind(b'<c r="', 0, formula.start()) + 6
        cell = sheet_xml[start:sheet_xml.find(b'"', start)].decode(errors="replace")
        raise TableError(_("单元格 %(cell)s 含公式。请复制后“选择性粘贴为数值”，再导入") % {"cell": cell})
    if merged := _MERGE.search(sheet_xml):
        raise TableError(_("单元格 %(cells)s 为合并单元格。请取消合并并逐行填写后再导入") % {
            "cells": merged.group(1).decode()})
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError) as exc:
        raise TableError(_("文件已损坏或不是有效的 Excel（.xlsx）文件，请重新保存后上传")) from exc
    if not rows or not any(str(c).strip() for c in rows[0] if c is not None):
        raise TableError(_("工作表“%(name)s”是空的：第 1 行应为表头") % {"name": sheet.name})
    headers = [str(c).strip() if c is not None else "" for c in rows[0]]
    return Table(headers=headers, rows=[list(r) for r in rows[1:]], sheet_name=sheet.name)


def _check_headers(table: Table, required: Sequence[str], optional: Sequence[str]) -> None:
    while table.headers and table.headers[-1] == "":
        table.headers.pop()
    seen: set[str] = set()
    for header in table.headers:
        if header in seen:
            raise TableError(_("表头“%(h)s”出现了两次") % {"h": header})
        seen.add(header)
    if not required and not optional:
        return
    missing = [h for h in required if h not in seen]
    if missing:
        raise TableError(_("缺少必填列：%(cols)s。请使用系统提供的导入模板") % {"cols": "、".join(missing)})
    unknown = [h for h in table.headers if h and h not in required and h not in optional]
    if unknown:
        raise TableError(_("无法识别的列：%(cols)s。请使用系统提供的导入模板") % {"cols": "、".join(unknown)})


def neutralise(value: Any) -> Any:
    """A text cell that Excel would evaluate as a formula gets a leading ' so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass
class Sheet:
    name: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[int] = ()
    text_columns: Sequence[int] = ()  # columns to format as text (ID and account numbers)


def write_workbook(sheets: Sequence[Sheet]) -> bytes:
    """An xlsx with one sheet per `Sheet`: bold frozen header, numbers and dates typed, text neutralised."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    header_fmt = book.add_format({"bold": True, "bg_color": "#F0F2F5", "border": 1})
    text_fmt = book.add_format({"num_format": "@"})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    datetime_fmt = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    money_fmt = book.add_format({"num_format": "#,##0.00"})
    for spec in sheets:
        ws = book.add_worksheet(spec.name[:31])
        ws.freeze_panes(1, 0)
        for col, header in enumerate(spec.headers):
            ws.write_string(0, col, str(header), header_fmt)
            width = spec.widths[col] if col < len(spec.widths) else max(10, min(40, len(str(header)) * 2 + 4))
            ws.set_column(col, col, width, text_fmt if col in spec.text_columns else None)
        for r, row in enumerate(spec.rows, start=1):
            for c, value in enumerate(row):
                _write_cell(ws, r, c, value, date_fmt, datetime_fmt, money_fmt, text=c in spec.text_columns)
    book.close()
    return buffer.getvalue()


def _write_cell(ws: Any, r: int, c: int, value: Any, date_fmt: Any, dt_fmt: Any, money_fmt: Any, *, text: bool) -> None:
    if value is None or value == "":
        ws.write_blank(r, c, None)
    elif text:
        ws.write_string(r, c, str(value))
    elif isinstance(value, bool):
        ws.write_string(r, c, _("是") if value else _("否"))
    elif isinstance(value, Decimal):
        ws.write_number(r, c, float(value), money_fmt)  # display only; the Decimal stays in the database
    elif isinstance(value, int | float):
        ws.write_number(r, c, value)
    elif isinstance(value, datetime.datetime):
        ws.write_datetime(r, c, value.replace(tzinfo=None), dt_fmt)
    elif isinstance(value, datetime.date):
        ws.write_datetime(r, c, datetime.datetime.combine(value, datetime.time()), date_fmt)
    else:
        ws.write_string(r, c, str(neutralise(str(value))))


def error_workbook(errors: Sequence[CellError]) -> bytes:
    """The workbook a user downloads after a refused import: row, column, value, reason."""
    return write_workbook([
        Sheet(
            name=_("错误清单"),
            headers=[_("行号"), _("列"), _("内容"), _("原因")],
            rows=[(e.row, e.column, e.value, e.reason) for e in errors],
            widths=[8, 16, 28, 70],
            text_columns=(2,),
        )
    ])


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
