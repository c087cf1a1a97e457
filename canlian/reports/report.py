"""The annual summary as one plain structure: the JSON document, which the .docx and .xlsx are written from.

`build()` computes every figure once (canlian.reports.definitions), renders the work lines the apps
registered (canlian.common.report_sections) in the outline's order, and lists what is not available.
The keys of the returned dict are stable and documented in docs/annual-report.md; SCHEMA changes when
one of them does.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from canlian.accounts.scoping import area_prefix as user_area_prefix
from canlian.common import report_sections
from canlian.common.exceptions import DomainError, PermissionDenied
from canlian.common.jobs import NullProgress, Progress
from canlian.regions.models import Region
from canlian.reports import definitions as d

DOCUMENT_LANGUAGE = "zh-hans"

SCHEMA = "canlian.annual_report/1"
CN_NUMBERS = "一二三四五六七八九十"


def cn_number(n: int) -> str:
    """1 → 一 … 10 → 十, 11 → 十一 … 19 → 十九 (enough for headings and 一是、二是)."""
    if n <= 10:
        return CN_NUMBERS[n - 1]
    if n < 20:
        return "十" + CN_NUMBERS[n - 11]
    return str(n)


def check_area(user: Any, area: str) -> str:
    """The area prefix to report on: `area` ("" = the user's whole area) must lie inside the user's area."""
    area = (area or "").strip()
    if user is None:
        if area and not Region.objects.filter(code=area).exists():
            raise DomainError(_("没有区划代码为 %(c)s 的区域") % {"c": area}, field="area")
        return area
    own = user_area_prefix(user)
    if own is None:
        raise PermissionDenied(_("您的账号没有所属区域，不能查看统计"))
    if not area:
        return own
    if not area.startswith(own):
        raise PermissionDenied(_("只能统计本辖区内的区域"))
    if not Region.objects.filter(code=area).exists():
        raise DomainError(_("没有区划代码为 %(c)s 的区域") % {"c": area}, field="area")
    return area


def _area(prefix: str) -> tuple[str, str, str]:
    """(name, phrase used in sentences, title) bits for the area."""
    region = Region.objects.filter(code=prefix).first() if prefix else None
    if region is None:
        return _("全区"), _("全区"), _("区残联")
    if len(prefix) <= d.DISTRICT_CODE_LENGTH:
        return region.name, _("全区"), _("%(n)s残联") % {"n": region.name}
    return region.name, region.name, region.name


def build(*, period: d.Period, area: str = "", user: Any = None, progress: Progress | None = None) -> dict[str, Any]:
    """Every figure and sentence of the summary for the period and area, as JSON-ready values.

    The summary is the federation's official document in Chinese, whatever language the user's screens are
    in: its wording (programmes/report_lines.py) is Chinese, so every phrase put into it (全区, 一是…, the
    headings) is taken from the Chinese source strings too, never half translated."""
    with translation.override(DOCUMENT_LANGUAGE):
        return _build(period=period, area=area, user=user, progress=progress)


def _build(*, period: d.Period, area: str, user: Any, progress: Progress | None) -> dict[str, Any]:
    progress = progress or NullProgress()
    prefix = check_area(user, area)
    scope = report_sections.Scope(start=period.start, end=period.end, area_prefix=prefix, user=user)
    progress.start(6, _("统计项目完成情况"))
    cash = d.money(scope)
    programmes = d.programme_figures(scope, cash)
    progress.advance()
    area_name, area_phrase, issuer = _area(prefix)
    figures: dict[str, Any] = {
        "report": {"period": period.label, "area_name": area_name, "area_phrase": area_phrase},
        "programmes": programmes,
    }
    figures.update(report_sections.figures(scope))
    progress.advance()

    missing: list[dict[str, str]] = []
    sections = []
    all_lines = report_sections.lines()
    pending = report_sections.pending()
    for number, section in enumerate(report_sections.sections(), start=1):
        texts = []
        for line in (x for x in all_lines if x.section == section.key):
            text, absent = d.render(line.template, figures)
            if not text:
                continue
            texts.append({"key": line.key, "text": text})
            missing.extend({"line": line.key, "figure": path} for path in absent)
        if section.numbered and len(texts) > 1:
            for i, item in enumerate(texts, start=1):
                item["text"] = _("%(n)s是%(t)s") % {"n": cn_number(i), "t": item["text"]}
        for item in texts:
            item["text"] += "。"
        sections.append({
            "key": section.key, "number": f"（{cn_number(number)}）", "heading": section.heading, "lines": texts,
            "pending": [p.key for p in pending if p.section == section.key],
        })
    progress.advance()
    by_street = d.by_area(scope, d.STREET_CODE_LENGTH, cash)
    progress.advance()
    by_community = d.by_area(scope, 12, cash)
    progress.advance()
    by_month = d.by_month(scope, cash)
    progress.advance()
    names = dict(Region.objects.filter(code__in={r["area_code"] for r in by_street + by_community})
                 .values_list("code", "name"))
    for row in by_street + by_community:
        row["area_name"] = names.get(row["area_code"], row["area_code"])
    label = period.label
    return {
        "schema": SCHEMA,
        "title": _("%(issuer)s%(label)s工作总结") % {"issuer": issuer, "label": label} if len(prefix) <= 6
        else _("%(issuer)s%(label)s残疾人工作完成情况") % {"issuer": issuer, "label": label},
        "part": _("一、%(label)s工作完成情况") % {"label": label},
        "intro": _("现将%(area)s%(label)s残疾人工作完成情况报告如下：") % {"area": area_phrase, "label": label},
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(),
                   "year": period.start.year if period.is_calendar_year else None, "label": label},
        "area": {"code": prefix, "name": area_name},
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "payments_available": cash.available,
        "programmes": programmes,
        "figures": {k: v for k, v in figures.items() if k not in ("programmes",)},
        "funds_by_source": d.funds_by_source(cash),
        "sections": sections,
        "not_available": [
            {"key": p.key, "section": p.section, "text": str(p.text), "needs": str(p.needs)} for p in pending
        ] + [
            {"key": f"{m['line']}:{m['figure']}", "section": m["line"].split(".")[0],
             "text": _not_available_text(m["figure"], programmes), "needs": _needs(m["figure"])}
            for m in missing
        ],
        "by_street": by_street,
        "by_community": by_community,
        "by_month": by_month,
    }


def _not_available_text(path: str, programmes: dict[str, Any]) -> str:
    code, _sep, figure = path.partition(".")
    name = programmes.get(code, {}).get("name", code)
    labels = {"amount": _("发放资金"), "amount_awaiting": _("待拨付资金"), "amount_committed": _("已审批未发放资金"),
              "rate": _("完成率（未下达目标任务）"), "over": _("超目标任务数（未下达目标任务）"),
              "target": _("目标任务")}
    return f"{name}：{labels.get(figure, figure)}"


def _needs(path: str) -> str:
    figure = path.partition(".")[2]
    if figure.startswith("amount") or figure.startswith("people_paid") or figure == "last_paid_month":
        return _("支付模块（payments）")
    return _("目标任务")
