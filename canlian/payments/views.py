"""Screens of payments. Thin: parse, authorise, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from canlian.accounts.permissions import can, requires
from canlian.common.exceptions import DomainError
from canlian.common.tabular import XLSX_CONTENT_TYPE
from canlian.payments import jobs, selectors, services
from canlian.payments.choices import (
    BatchStatus,
    BatchTransition,
    FindingKind,
    LayoutKind,
    LineStatus,
    RosterField,
)
from canlian.payments.forms import BuildForm, FilterForm, LayoutEditForm, LayoutForm, ReasonForm, ReturnForm
from canlian.payments.models import Batch, Finding, PaymentLine, RosterLayout
from canlian.payments.roster import ReturnFileError, RosterFile

PAGE_SIZE = 50


def _file(out: RosterFile) -> HttpResponse:
    from urllib.parse import quote

    kind = "text/csv; charset=utf-8" if out.file_name.endswith(".csv") else XLSX_CONTENT_TYPE
    response = HttpResponse(out.content, content_type=kind)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(out.file_name)}"
    response["X-Content-SHA256"] = out.sha256
    return response


def _batch(request: HttpRequest, pk: int) -> Batch:
    batch = selectors.batch_get(request.user, pk)
    if batch is None:
        raise Http404
    return batch


def _to_job(request: HttpRequest, batch: Batch, transition: str) -> bool:
    """A large batch's step goes to a background job — when the user may take it now; otherwise the step runs
    inline and the service's refusal is shown at once rather than in a failed job."""
    if not jobs.runs_as_job(selectors.batch_size(batch)):
        return False
    return not transition or transition in services.allowed_transitions(actor=request.user, batch=batch)


@requires("payment.view")
def batch_list(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    filters = selectors.BatchFilters(programme=d["programme"].code if d.get("programme") else "",
                                     year=d.get("year"), status=d.get("status") or "")
    page = Paginator(selectors.batch_list(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    budget = (selectors.budget_overview(d["programme"].pk, d["year"]) if d.get("programme") and d.get("year")
              else None)
    return render(request, "payments/list.html", {
        "form": form, "page": page, "budget": budget,
        "build_form": BuildForm() if can(request.user, "payment.manage") else None})


@requires("payment.manage")
def build(request: HttpRequest) -> HttpResponse:
    form = BuildForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if jobs.runs_as_job(selectors.build_size(request.user, d["programme"], d["period"], d["batch_date"],
                                                 d["source"])):
            job = jobs.build_start(actor=request.user, programme=d["programme"], period=d["period"],
                                   batch_date=d["batch_date"], source=d["source"], note=d["note"])
            return redirect("jobs:detail", job.pk)
        try:
            batch = services.batch_build(actor=request.user, programme=d["programme"], period=d["period"],
                                         batch_date=d["batch_date"], source=d["source"], note=d["note"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("已生成批次 %(b)s：%(n)d 条明细，%(l)d 人未纳入") % {
                "b": batch.code, "n": batch.lines.count(), "l": len(batch.left_out)})
            return redirect(batch)
    return render(request, "payments/build.html", {"form": form})


def _lines_context(request: HttpRequest, batch: Batch) -> dict:
    q, status = request.GET.get("q", ""), request.GET.get("status", "")
    qs = selectors.line_search(request.user, batch, q=q, status=status if status in LineStatus.values else "")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"batch": batch, "lines": page, "q": q, "line_status": status, "LineStatus": LineStatus.choices,
            "can_manage": can(request.user, "payment.manage"),
            "editable": batch.status in (BatchStatus.DRAFT, BatchStatus.CHECKED)}


@requires("payment.view")
def detail(request: HttpRequest, pk: int, return_errors: list | None = None) -> HttpResponse:
    batch = _batch(request, pk)
    context = _lines_context(request, batch)
    if request.htmx and request.GET.get("lines"):
        return render(request, "payments/partials/lines.html", context)
    allowed = services.allowed_transitions(actor=request.user, batch=batch)
    context.update({
        "allowed": allowed, "T": {t.name: t.value for t in BatchTransition},
        "totals": selectors.batch_totals(batch),
        "budget": selectors.budget_overview(batch.programme_id, batch.year),
        "findings": list(batch.findings.select_related("line__person", "resolved_by")),
        "open_findings": services.unresolved(batch).count(),
        "events": list(batch.events.select_related("actor")),
        "returns": list(batch.returns.select_related("imported_by")),
        "exports": list(batch.exports.select_related("layout", "exported_by")),
        "layout_form": LayoutForm(), "national_form": LayoutForm(kind=LayoutKind.NATIONAL, programme=batch.programme),
        "return_form": ReturnForm(), "return_errors": return_errors or [],
        "reissues": list(batch.reissues.all()),
        "has_failed": batch.lines.filter(status=LineStatus.FAILED).exists(),
        "FindingKind": FindingKind,
        "in_background": context["can_manage"] and jobs.runs_as_job(selectors.batch_size(batch)),
    })
    return render(request, "payments/detail.html", context)


@require_POST
@requires("payment.view")
def act(request: HttpRequest, pk: int) -> HttpResponse:
    """One lifecycle step: check, approve, await funds, funds arrived, close, cancel."""
    batch = _batch(request, pk)
    transition = request.POST.get("transition", "")
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if transition == BatchTransition.CHECK and _to_job(request, batch, transition):
        return redirect("jobs:detail", jobs.check_start(actor=request.user, batch=batch).pk)
    try:
        if transition == BatchTransition.CHECK:
            batch = services.batch_check(actor=request.user, batch=batch)
            messages.success(request, _("核查完成：%(n)d 个问题待处理") % {"n": services.unresolved(batch).count()})
        else:
            batch = services.batch_transition(actor=request.user, batch=batch, transition=transition, reason=reason)
            messages.success(request, _("批次已%(t)s") % {"t": BatchTransition(transition).label})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(batch)


@require_POST
@requires("payment.manage")
def export(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    national = request.POST.get("kind") == LayoutKind.NATIONAL
    form = LayoutForm(request.POST, kind=LayoutKind.NATIONAL if national else LayoutKind.BANK,
                      programme=batch.programme)
    if not form.is_valid():
        messages.error(request, _("请选择格式"))
        return redirect(batch)
    if _to_job(request, batch, "" if national else BatchTransition.EXPORT):
        return redirect("jobs:detail", jobs.export_start(actor=request.user, batch=batch,
                                                         layout=form.cleaned_data["layout"]).pk)
    try:
        if national:
            out = services.batch_export_national(actor=request.user, batch=batch, layout=form.cleaned_data["layout"])
        else:
            out = services.batch_export(actor=request.user, batch=batch, layout=form.cleaned_data["layout"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(batch)
    return _file(out)


@require_POST
@requires("payment.manage")
def reconcile(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    form = ReturnForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择银行回盘文件"))
        return redirect(batch)
    upload = form.cleaned_data["file"]
    if _to_job(request, batch, BatchTransition.RECONCILE):
        job = jobs.reconcile_start(actor=request.user, batch=batch, content=upload.read(), file_name=upload.name)
        return redirect("jobs:detail", job.pk)
    try:
        back = services.batch_reconcile(actor=request.user, batch=batch, content=upload.read(), file_name=upload.name)
    except ReturnFileError as exc:
        messages.error(request, exc.message)
        return detail(request, pk, return_errors=exc.errors)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(batch)
    messages.success(request, _("回盘已导入：成功 %(p)d 条，失败 %(f)d 条") % {"p": back.paid, "f": back.failed})
    return redirect(batch)


@require_POST
@requires("payment.manage")
def reissue(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        new = services.batch_reissue(actor=request.user, batch=batch)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(batch)
    messages.success(request, _("已生成重发批次 %(b)s") % {"b": new.code})
    return redirect(new)


@require_POST
@requires("payment.manage")
def finding_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(Finding.objects.filter(batch__in=Batch.objects.visible_to(request.user)), pk=pk)
    try:
        services.finding_resolve(actor=request.user, finding=finding, resolution=request.POST.get("resolution", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(finding.batch)


@require_POST
@requires("payment.manage")
def line_exclude(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(PaymentLine.objects.visible_to(request.user), pk=pk)
    try:
        services.line_exclude(actor=request.user, line=line, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(line.batch)


@require_POST
@requires("payment.manage")
def line_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(PaymentLine.objects.visible_to(request.user), pk=pk)
    try:
        services.line_reverse(actor=request.user, line=line, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已冲正 %(r)s") % {"r": line.ref})
    return redirect(line.batch)


@requires("payment.layout")
def layouts(request: HttpRequest) -> HttpResponse:
    return render(request, "payments/layouts.html", {"layouts": RosterLayout.objects.select_related("programme")})


@requires("payment.layout")
def layout_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    layout = get_object_or_404(RosterLayout, pk=pk) if pk else RosterLayout()
    form = LayoutEditForm(request.POST or None, instance=layout)
    if request.method == "POST" and form.is_valid():
        layout = form.save(commit=False)
        layout.success_values = form.cleaned_data["success_text"]
        try:
            services.layout_save(actor=request.user, layout=layout)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("名单格式“%(n)s”已保存") % {"n": layout.name})
            return redirect("payments:layouts")
    return render(request, "payments/layout_form.html", {"form": form, "layout": layout,
                                                         "fields": RosterField.choices})
