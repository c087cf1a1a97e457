"""The summary's statistical tables as a workbook: per programme, by street, by community, by month, and
what is not available. Amounts are yuan; an amount the payments module has not reported reads 暂无数据."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from canlian.common.tabular import Sheet, write_workbook
from canlian.programmes.choices import Unit


def _money(value: str | None) -> Decimal | str:
    return _("暂无数据") if value is None else Decimal(value)


def _rate(value: str | None) -> Decimal | str:
    return "" if value is None else Decimal(value)


def _source(programme: dict[str, Any], source: str) -> str | None:
    return (programme["amount_by_source"] or {}).get(source)


def write_xlsx(report: dict[str, Any]) -> bytes:
    programmes = report["programmes"]
    names = {code: p["name"] for code, p in programmes.items()}
    units = {u.value: str(u.label) for u in Unit}
    per_programme = Sheet(
        name=_("项目完成情况"),
        headers=[_("项目编号"), _("项目名称"), _("计量单位"), _("目标任务"), _("完成数"), _("完成率（%）"),
                 _("超目标"), _("服务人数"), _("户数"), _("件数"), _("发放资金（元）"), _("其中上级资金（元）"),
                 _("其中区级资金（元）"), _("待拨付资金（元）"), _("已审批未发放（元）")],
        rows=[[code, p["name"], units.get(p["unit"], p["unit"]), p["target"], p["done"], _rate(p["rate"]),
               p["over"], p["people"], p["households"], p["items"], _money(p["amount"]),
               _money(_source(p, "upper")), _money(_source(p, "district")),
               _money(p["amount_awaiting"]), _money(p["amount_committed"])] for code, p in programmes.items()],
        widths=[8, 30, 8, 10, 10, 12, 8, 10, 8, 8, 16, 18, 18, 16, 16],
    )
    area_headers = [_("区划代码"), _("名称"), _("项目编号"), _("项目名称"), _("服务人数"), _("户数"), _("件数"),
                    _("完成数")]
    by_street = Sheet(
        name=_("分街道"),
        headers=[*area_headers, _("街道目标任务"), _("完成率（%）"), _("发放资金（元）")],
        rows=[[r["area_code"], r["area_name"], r["programme"], names.get(r["programme"], ""), r["people"],
               r["households"], r["items"], r["done"], r["target"], _rate(r["rate"]), _money(r["amount"])]
              for r in report["by_street"]],
        widths=[14, 16, 8, 30, 10, 8, 8, 10, 14, 12, 16], text_columns=(0,),
    )
    by_community = Sheet(
        name=_("分社区"),
        headers=[*area_headers, _("发放资金（元）")],
        rows=[[r["area_code"], r["area_name"], r["programme"], names.get(r["programme"], ""), r["people"],
               r["households"], r["items"], r["done"], _money(r["amount"])] for r in report["by_community"]],
        widths=[14, 16, 8, 30, 10, 8, 8, 10, 16], text_columns=(0,),
    )
    by_month = Sheet(
        name=_("分月"),
        headers=[_("月份"), _("项目编号"), _("项目名称"), _("服务人数"), _("完成数"), _("发放资金（元）")],
        rows=[[r["month"], r["programme"], names.get(r["programme"], ""), r["people"], r["done"], _money(r["amount"])]
              for r in report["by_month"]],
        widths=[10, 8, 30, 10, 10, 16], text_columns=(0,),
    )
    missing = Sheet(
        name=_("暂无数据"),
        headers=[_("编号"), _("内容"), _("需要")],
        rows=[[m["key"], m["text"], m["needs"]] for m in report["not_available"]],
        widths=[34, 60, 30],
    )
    return write_workbook([per_programme, by_street, by_community, by_month, missing])
