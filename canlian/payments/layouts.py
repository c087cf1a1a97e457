"""The roster layouts preloaded by migration 0002: a bank (农商行, xlsx), a second bank in csv (邮储银行), and
the national fuel-subsidy system's template for L1. Plain data, read by the migration, the tests and the demo;
administrators change them in the admin (RosterLayout) without code."""

from __future__ import annotations

from typing import Any

_RETURN = {"line_ref": "明细编号", "account_number": "卡号", "amount": "金额", "result": "处理结果",
           "reason": "失败原因", "paid_on": "入账日期"}

LAYOUTS: list[dict[str, Any]] = [
    {
        "kind": "bank", "name": "农商行代发", "bank_name": "农村商业银行", "file_format": "xlsx",
        "columns": [
            {"header": "序号", "field": "seq"}, {"header": "明细编号", "field": "line_ref"},
            {"header": "户名", "field": "holder_name"}, {"header": "身份证号", "field": "id_number"},
            {"header": "卡号", "field": "account_number"}, {"header": "金额", "field": "amount"},
            {"header": "摘要", "field": "constant", "value": "残联补贴"},
        ],
        "return_columns": _RETURN, "success_values": ["成功", "已入账"],
    },
    {
        "kind": "bank", "name": "邮储银行代发（CSV）", "bank_name": "中国邮政储蓄银行", "file_format": "csv",
        "columns": [
            {"header": "流水号", "field": "line_ref"}, {"header": "账号", "field": "account_number"},
            {"header": "户名", "field": "holder_name"}, {"header": "金额", "field": "amount"},
            {"header": "用途", "field": "programme"},
        ],
        "return_columns": {"line_ref": "流水号", "account_number": "账号", "amount": "金额", "result": "状态",
                           "reason": "备注", "paid_on": "日期"},
        "success_values": ["成功"],
    },
    {
        "kind": "national", "name": "中残联燃油补贴系统", "programme": "L1", "file_format": "xlsx",
        "columns": [
            {"header": "姓名", "field": "name"}, {"header": "身份证号", "field": "id_number"},
            {"header": "残疾人证号", "field": "certificate"}, {"header": "残疾类别", "field": "category"},
            {"header": "残疾等级", "field": "grade"}, {"header": "所在社区", "field": "community"},
            {"header": "补贴年度", "field": "period"}, {"header": "补贴金额（元）", "field": "amount"},
            {"header": "开户银行", "field": "bank_name"}, {"header": "银行账号", "field": "account_number"},
        ],
        "return_columns": {}, "success_values": [],
    },
]


def ensure_layouts(layout_model: Any, programme_model: Any) -> None:
    """Create the preloaded layouts that are missing (by name); existing ones are left as edited."""
    for data in LAYOUTS:
        if layout_model.objects.filter(name=data["name"]).exists():
            continue
        values = dict(data)
        code = values.pop("programme", None)
        programme = programme_model.objects.filter(code=code).first() if code else None
        layout_model.objects.create(programme=programme, **values)
