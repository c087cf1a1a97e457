"""Screens of screening (应享未享 / 应退未退) and of a person's enrolments (在享记录)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from canlian.accounts.permissions import can, requires
from canlian.audit.services import record
from canlian.common.certificate import CATEGORY_NAMES, GRADE_NAMES
from canlian.common.exceptions import DomainError
from canlian.common.tabular import Sheet, write_workbook, xlsx_response
from canlian.programmes import screening, services
from canlian.programmes.choices import EnrolmentSource, ScreeningKind, ScreeningStatus
from canlian.programmes.forms import EnrolmentEndForm, EnrolmentForm, ScreeningForm
from canlian.programmes.models import Enrolment, ScreeningRun
from canlian.regions.models import Region
from canlian.registry.selectors import person_get

RECENT_RUNS = 50


@requires("screening.view")
def screening_list(request: HttpRequest) -> HttpResponse:
    """Recent runs in the user's area, and the form to start one (one programme, or all) for a date."""
    initial = {"ref_date": timezone.localdate(), "programme": request.GET.get("programme") or None}
    form = ScreeningForm(request.POST or None, initial=initial)
    if request.method == "POST" and can(request.user, "screening.run") and form.is_valid():
        data = form.cleaned_data
        try:
            if data["programme"] is None:
                runs = screening.screening_start_all(actor=request.user, ref_date=data["ref_date"], kind=data["kind"])
                messages.success(request, _("已开始筛查 %(n)d 个项目。") % {"n": len(runs)})
                return redirect("jobs:detail", pk=runs[0].job_id)
            run = screening.screening_start(actor=request.user, programme=data["programme"],
                                            ref_date=data["ref_date"], kind=data["kind"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("programmes:screening_detail", pk=run.pk)
    runs = ScreeningRun.objects.visible_to(request.user).select_related("programme", "rule_version", "owner")
    return render(request, "programmes/screening_list.html", {
        "form": form, "runs": runs[:RECENT_RUNS], "can_run": can(request.user, "screening.run"),
    })


@requires("screening.view")
def screening_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The run: a progress bar while it runs, then its results with filters and keyset pages."""
    run = screening.screening_get(request.user, pk)
    if request.htmx and request.GET.get("status"):
        response = render(request, "programmes/partials/screening_status.html", _status(run))
        if run.status != ScreeningStatus.RUNNING:
            response["HX-Refresh"] = "true"
        return response
    filters = screening.ResultFilters.from_params(request.GET)
    items, next_cursor = screening.result_page(run, filters, request.GET.get("after"))
    areas = list(Region.objects.filter(code__startswith=run.area_prefix, level__in=["street", "community"])
                 .order_by("code").values_list("code", "name")) if run.status == ScreeningStatus.DONE else []
    context = {
        "run": run, "filters": filters, "items": items, "kinds": [ScreeningKind.MISSING, ScreeningKind.EXCESS],
        "kind_choices": [(k.value, k.label) for k in (ScreeningKind.MISSING, ScreeningKind.EXCESS)],
        "areas": areas, "categories": CATEGORY_NAMES.items(), "grades": GRADE_NAMES.items(),
        "next_url": f"?{urlencode({**filters.as_params(), 'after': next_cursor})}" if next_cursor else None,
        "export_query": urlencode(filters.as_params()), "can_run": can(request.user, "screening.run"),
        "queued": screening.queued_selections(run).count() if run.status == ScreeningStatus.DONE else 0,
        **_status(run),
    }
    return render(request, "programmes/screening_detail.html", context)


def _status(run: ScreeningRun) -> dict[str, object]:
    from canlian.common.jobs import job_snapshot

    return {"run": run, "snap": job_snapshot(run.job) if run.job_id else None}


@requires("screening.run")
def screening_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's results (filtered) as xlsx with masked ID numbers; the export is audited."""
    run = screening.screening_get(request.user, pk)
    filters = screening.ResultFilters.from_params(request.GET)
    rows = list(screening.export_rows(run, filters))
    content = write_workbook([Sheet(name=_("筛查结果"), headers=screening.EXPORT_HEADERS, rows=rows,
                                    text_columns=(2,))])
    record(actor=request.user, action="screening.export", obj=run, after={"rows": len(rows), **filters.as_params()})
    return xlsx_response(content, f"筛查-{run.programme.code}-{run.ref_date.isoformat()}.xlsx")


@requires("screening.run")
@require_POST
def screening_select(request: HttpRequest, pk: int) -> HttpResponse:
    """生成草稿申请: queue the ticked 应享未享 people and start the job that turns the run's queue into draft
    applications (registered by the applications module); its progress page lists duplicates and refusals."""
    run = screening.screening_get(request.user, pk)
    ids = [int(v) for v in request.POST.getlist("result") if v.isdigit()]
    try:
        job = screening.drafts_start(actor=request.user, run=run, result_ids=ids)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if job is not None:
            return redirect("jobs:detail", pk=job.pk)
        messages.success(request, _("已将选中人员加入“待生成草稿申请”队列。"))
    return redirect(request.POST.get("back") or run_url(run))


def run_url(run: ScreeningRun) -> str:
    from django.urls import reverse

    return reverse("programmes:screening_detail", args=[run.pk])


# --- a person's enrolments ------------------------------------------------------------------------------------------


@requires("person.view")
def person_enrolments(request: HttpRequest, person_pk: int) -> HttpResponse:
    """The person's enrolments (在享记录) and the “登记在享” form."""
    person = person_get(request.user, person_pk)
    form = EnrolmentForm(request.POST or None, initial={"start": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.enrolment_start(actor=request.user, person=person, programme=form.cleaned_data["programme"],
                                     start=form.cleaned_data["start"], source=EnrolmentSource.MANUAL,
                                     note=form.cleaned_data["note"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已登记在享。"))
            return redirect("programmes:person_enrolments", person_pk=person.pk)
    enrolments = Enrolment.objects.filter(person=person).select_related("programme")
    return render(request, "programmes/person_enrolments.html", {
        "person": person, "form": form, "enrolments": enrolments, "end_form": EnrolmentEndForm(),
        "can_manage": can(request.user, "enrolment.manage"),
    })


@requires("enrolment.manage")
@require_POST
def enrolment_end(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_object_or_404(Enrolment.objects.visible_to(request.user), pk=pk)
    form = EnrolmentEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写停止日期和原因。"))
    else:
        try:
            services.enrolment_end(actor=request.user, enrolment=enrolment, end=form.cleaned_data["end"],
                                   reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("在享记录已停止。"))
    return redirect("programmes:person_enrolments", person_pk=enrolment.person_id)
