"""The leaders' dashboard (also the home page of leaders) and the annual summary's generation. Thin views:
the figures come from report.build(), the files from a background job (services.report_generate)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from canlian.accounts.permissions import can, requires
from canlian.applications.selectors import overdue
from canlian.common.exceptions import DomainError
from canlian.common.inbox import items_for
from canlian.common.jobs import job_snapshot, jobs_dir
from canlian.common.models import Job
from canlian.common.money import format_percent, format_wanyuan
from canlian.programmes.choices import FundingSource
from canlian.registry.models import area_code_q
from canlian.reports import charts
from canlian.reports.definitions import Period, months
from canlian.reports.forms import PeriodAreaForm
from canlian.reports.report import build
from canlian.reports.services import FORMATS, report_generate

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def _dashboard_context(request: HttpRequest) -> dict[str, Any]:
    form = PeriodAreaForm(request.GET or None, user=request.user)
    context: dict[str, Any] = {"form": form, "can_generate": can(request.user, "report.generate")}
    if request.GET and not form.is_valid():
        return context
    data = form.cleaned_data if request.GET else {}
    period = data.get("period") or Period.year(form.default_year)
    area = data.get("area", "")
    report = build(period=period, area=area, user=request.user)
    programmes = [p for p in report["programmes"].values() if p["done"] or p["target"] or p["amount"] not in
                  (None, "0.00")]
    for p in programmes:
        p["rate_text"] = format_percent(Decimal(p["rate"])) if p["rate"] is not None else "—"
        p["amount_text"] = format_wanyuan(Decimal(p["amount"])) if p["amount"] is not None else None
    context.update(report=report, programmes=programmes, period=period, area=area)
    context["target_chart"] = charts.hbars(
        [charts.Bar(f"{p['code']} {p['name']}"[:14], p["done"], p["target"],
                    f"{p['done']}/{p['target']}（{p['rate_text']}）" if p["target"] else str(p["done"]))
         for p in programmes], title=_("目标任务与完成数")) if programmes else None
    if report["payments_available"]:
        labels = {s.value: str(s.label) for s in FundingSource}
        context["funds_chart"] = charts.hbars(
            [charts.Bar(labels[s], Decimal(v or "0"), text=_("%(v)s万元") % {"v": format_wanyuan(Decimal(v or "0"))})
             for s, v in report["funds_by_source"].items()], title=_("资金来源"))
    monthly: dict[str, int] = defaultdict(int)
    for row in report["by_month"]:
        monthly[row["month"]] += row["done"]
    context["month_chart"] = charts.vbars(
        [charts.Bar(f"{m.month}月", monthly.get(m.strftime("%Y-%m"), 0)) for m in months(period)],
        title=_("各月完成数"))
    codes = [p["code"] for p in programmes]
    streets: dict[str, dict[str, Any]] = {}
    for row in report["by_street"]:
        entry = streets.setdefault(row["area_code"], {"code": row["area_code"], "name": row["area_name"], "done": {}})
        entry["done"][row["programme"]] = row["done"]
    context["street_codes"] = codes
    context["streets"] = [{**s, "cells": [s["done"].get(c, 0) for c in codes]} for s in streets.values()]
    late = overdue(request.user).filter(area_code_q(report["area"]["code"]))
    context["overdue_count"] = late.count()
    context["overdue"] = list(late[:10])
    context["can_overdue"] = can(request.user, "application.overdue")
    return context


@requires("report.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/dashboard.html", _dashboard_context(request))


def home_dashboard(request: HttpRequest) -> HttpResponse:
    """The leaders' home page: their 我的待办 first, then the dashboard."""
    if not can(request.user, "report.view"):
        return render(request, "common/home.html", {"inbox": items_for(request.user)})
    context = _dashboard_context(request)
    context.update(inbox=items_for(request.user), is_home=True)
    return render(request, "reports/dashboard.html", context)


@require_POST
@requires("report.generate")
def generate(request: HttpRequest) -> HttpResponse:
    form = PeriodAreaForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("请检查统计期间和区域"))
        return redirect("reports:dashboard")
    try:
        job = report_generate(actor=request.user, period=form.cleaned_data["period"], area=form.cleaned_data["area"])
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("reports:dashboard")
    return redirect("reports:job", pk=job.pk)


def _own_job(request: HttpRequest, pk: int) -> Job:
    return get_object_or_404(Job, pk=pk, owner=request.user, kind="annual_report")


@requires("report.generate")
def job(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress of the generation (the common progress partial polls), then the three downloads."""
    item = _own_job(request, pk)
    context = {"snap": job_snapshot(item), "poll_url": request.path, "files": (item.result or {}).get("files", {})}
    if request.htmx:
        return render(request, "reports/partials/job.html", context)
    return render(request, "reports/job.html", context)


@requires("report.generate")
def job_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    item = _own_job(request, pk)
    name = (item.result or {}).get("files", {}).get(fmt)
    if fmt not in FORMATS or not name:
        raise Http404(_("没有该格式的文件"))
    base = (jobs_dir() / str(item.pk)).resolve()
    path = (base / name).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        raise Http404(_("文件已不存在，请重新生成"))
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt])
