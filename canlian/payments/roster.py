"""Roster files as data: a layout's columns turned into an xlsx or csv, and a bank return file read back.

Reading a return file checks the whole file before anything is written (services.batch_reconcile): every
problem is listed with its row, column and reason, and a refused file changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from canlian.common.exceptions import DomainError
from canlian.common.tabular import CellError, Sheet, TableError, neutralise, read_table, write_workbook
from canlian.payments.choices import FileFormat, RosterField
from canlian.payments.models import RosterLayout

TEXT_FIELDS = {RosterField.ID_NUMBER, RosterField.ACCOUNT_NUMBER, RosterField.LINE_REF, RosterField.CERTIFICATE,
               RosterField.PHONE}


class ReturnFileError(DomainError):
    """The bank return file was refused: `errors` name each row, column and reason. Nothing was changed."""

    def __init__(self, errors: list[CellError]) -> None:
        first = errors[0]
        where = _("第 %(r)d 行") % {"r": first.row} if first.row else ""
        column = f"“{first.column}”" if first.column else ""
        more = _("（共 %(n)d 个问题）") % {"n": len(errors)} if len(errors) > 1 else ""
        super().__init__(_("银行回盘文件未导入，未做任何更改：%(w)s%(c)s %(reason)s%(more)s") % {
            "w": where, "c": column, "reason": first.reason, "more": more}, field="file", code="return_file")
        self.errors = errors


@dataclass(frozen=True)
class RosterFile:
    content: bytes
    file_name: str
    sha256: str
    lines: int


def render(layout: RosterLayout, rows: Iterable[dict[str, Any]], *, base_name: str) -> RosterFile:
    """The roster: one row per dict (keys: RosterField values), columns as the layout says."""
    headers = [str(c["header"]) for c in layout.columns]
    fields = [c["field"] for c in layout.columns]
    constants = [str(c.get("value", "")) for c in layout.columns]
    out: list[list[Any]] = []
    for row in rows:
        out.append([constants[i] if f == RosterField.CONSTANT else row.get(f, "") for i, f in enumerate(fields)])
    if layout.file_format == FileFormat.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        for values in out:
            writer.writerow([_csv_cell(v, f in TEXT_FIELDS) for v, f in zip(values, fields, strict=True)])
        content = buffer.getvalue().encode("utf-8-sig")
        name = f"{base_name}.csv"
    else:
        text_cols = [i for i, f in enumerate(fields) if f in TEXT_FIELDS]
        content = write_workbook([Sheet(name=layout.name[:31], headers=headers, rows=out, text_columns=text_cols)])
        name = f"{base_name}.xlsx"
    return RosterFile(content=content, file_name=name, sha256=hashlib.sha256(content).hexdigest(), lines=len(out))


def _csv_cell(value: Any, text: bool) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if text else str(neutralise(str(value)))


@dataclass(frozen=True)
class ReturnRow:
    row: int
    ref: str
    amount: Decimal
    paid: bool
    reason: str
    paid_on: date | None
    account: str


def read_return(layout: RosterLayout, content: bytes, file_name: str) -> tuple[list[ReturnRow], list[CellError]]:
    """Parse a return file by the layout's return columns: rows and the errors of their shape."""
    cols: dict[str, str] = dict(layout.return_columns or {})
    required = [cols["line_ref"], cols["amount"], cols["result"]]
    try:
        table = read_table(content, filename=file_name)
    except TableError as exc:
        raise ReturnFileError([CellError(row=0, column="", value="", reason=str(exc))]) from exc
    missing = [h for h in required if h not in table.headers]
    if missing:
        raise ReturnFileError([CellError(row=1, column="、".join(missing), value="", reason=_(
            "缺少列。本批次使用“%(l)s”格式，回盘文件须包含：%(c)s") % {"l": layout.name, "c": "、".join(required)})])
    success = {str(v).strip() for v in layout.success_values}
    rows: list[ReturnRow] = []
    errors: list[CellError] = []
    for number, rec in table.records():
        ref = _text(rec.get(cols["line_ref"]))
        if not ref:
            errors.append(CellError(number, cols["line_ref"], "", _("缺少明细编号")))
            continue
        raw_amount = rec.get(cols["amount"])
        try:
            amount = Decimal(str(raw_amount).replace(",", "").strip()).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            errors.append(CellError(number, cols["amount"], _text(raw_amount), _("金额无法识别")))
            continue
        result = _text(rec.get(cols["result"]))
        paid = result in success
        paid_on = None
        if paid:
            raw_date = rec.get(cols.get("paid_on", ""), None) if cols.get("paid_on") else None
            paid_on = _date(raw_date)
            if paid_on is None:
                errors.append(CellError(number, cols.get("paid_on", ""), _text(raw_date),
                                        _("成功的明细须有入账日期（YYYY-MM-DD）")))
                continue
        reason = _text(rec.get(cols["reason"])) if cols.get("reason") else ""
        if not paid and not reason:
            reason = result or _("银行未说明原因")
        account = _text(rec.get(cols["account_number"])) if cols.get("account_number") else ""
        rows.append(ReturnRow(row=number, ref=ref, amount=amount, paid=paid, reason=reason[:200], paid_on=paid_on,
                              account=account))
    if not rows and not errors:
        errors.append(CellError(2, "", "", _("文件没有数据行")))
    return rows, errors


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def headers_of(layout: RosterLayout) -> Sequence[str]:
    return [str(c["header"]) for c in layout.columns]
