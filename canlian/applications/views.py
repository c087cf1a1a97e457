"""Screens of applications. Thin: parse, authorise, call one service or selector, render."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from canlian.accounts.permissions import can, requires
from canlian.applications import pdf, selectors, services, workflow
from canlian.applications.choices import Transition
from canlian.applications.forms import (
    AttachmentForm,
    BatchForm,
    CreateForm,
    FilterForm,
    HolidayForm,
    TransitionForm,
)
from canlian.applications.models import Attachment, Holiday
from canlian.common.exceptions import DomainError
from canlian.common.jobs import job_start
from canlian.programmes.choices import Step
from canlian.registry.models import Household, Person

PAGE_SIZE = 50
INLINE_BATCH = 50  # larger selections run as a background job with a progress bar


def _filters(form: FilterForm, *, mine: bool = False) -> selectors.Filters:
    d = form.cleaned_data if form.is_valid() else {}
    return selectors.Filters(programme=d.get("programme") or "", year=d.get("year"), status=d.get("status") or "",
                             step=d.get("step") or "", q=d.get("q") or "", source=d.get("source") or "",
                             overdue=bool(d.get("overdue")), mine=mine)


def _list(request: HttpRequest, *, mine: bool, template: str, title: str) -> HttpResponse:
    form = FilterForm(request.GET or None)
    qs = selectors.application_list(request.user, _filters(form, mine=mine))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "title": title, "mine": mine, "query": query.urlencode(),
               "today": timezone.localdate(), "can_batch": can(request.user, "application.batch"),
               "can_create": can(request.user, "application.create")}
    if request.htmx:
        return render(request, "applications/partials/table.html", context)
    return render(request, template, context)


@requires("application.view")
def application_list(request: HttpRequest) -> HttpResponse:
    return _list(request, mine=False, template="applications/list.html", title=_("申请"))


@requires("application.act")
def inbox(request: HttpRequest) -> HttpResponse:
    return _list(request, mine=True, template="applications/list.html", title=_("我的待办"))


@requires("application.overdue")
def overdue(request: HttpRequest) -> HttpResponse:
    qs = selectors.overdue(request.user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "applications/overdue.html", {"page": page, "today": timezone.localdate()})


@requires("application.create")
def create(request: HttpRequest) -> HttpResponse:
    person = get_object_or_404(Person.objects.visible_to(request.user), pk=request.GET.get("person") or 0)
    household_member = person.memberships.filter(left_on__isnull=True).select_related("household").first()
    year = timezone.localdate().year
    form = CreateForm(request.POST or None, initial={"year": year})
    duplicate_url = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        household = None
        if d["programme"].unit == "household":
            household = Household.objects.visible_to(request.user).filter(pk=d["household"] or 0).first() or (
                household_member.household if household_member else None)
        try:
            app = services.application_create(
                actor=request.user, person=person, programme=d["programme"], year=d["year"], period=d["period"],
                household=household, requested_amount=d["requested_amount"], items=d["items"],
                funding_source=d["funding_source"], opinion=d["opinion"], override_reason=d["override_reason"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            duplicate_url = getattr(exc, "link", None)
        else:
            messages.success(request, _("申请已提交，进入“%(s)s”环节。") % {"s": app.step_label})
            return redirect(app)
    return render(request, "applications/create.html",
                  {"form": form, "person": person, "duplicate_url": duplicate_url})


def _detail_context(request: HttpRequest, app: object, form: TransitionForm | None = None) -> dict:
    allowed = services.allowed_transitions(actor=request.user, application=app)
    return {
        "app": app, "events": selectors.timeline(app), "allowed": allowed,
        "form": form or TransitionForm(initial={"version": app.version, "delivered_on": timezone.localdate(),
                                                "visited_on": timezone.localdate(),
                                                "approved_amount": app.approved_amount or app.requested_amount}),
        "attachment_form": AttachmentForm(), "attachments": list(app.attachments.all()),
        "steps": [{"step": s, "label": Step(s).label, "done": app.programme.steps.index(s)
                   < app.programme.steps.index(app.step) or app.status == "closed", "current": s == app.step}
                  for s in app.programme.steps],
        "roles": [str(r.label) for r in workflow.STEP_ROLES[app.step]],
        "delivery_note": services.delivery_refusal(app),
        "T": {t.name: t.value for t in Transition},
    }


@requires("application.view")
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = selectors.application_detail(request.user, pk)
    if app is None:
        raise Http404
    return render(request, "applications/detail.html", _detail_context(request, app))


@require_POST
@requires("application.act")
def act(request: HttpRequest, pk: int) -> HttpResponse:
    app = selectors.application_detail(request.user, pk)
    if app is None:
        raise Http404
    form = TransitionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        data = services.StepData(approved_amount=d["approved_amount"], delivered_on=d["delivered_on"],
                                 delivered_amount=d["delivered_amount"], delivered_items=d["delivered_items"],
                                 visited_on=d["visited_on"], method=d["method"], satisfied=d["satisfied"],
                                 aware=d["aware"], comment=d["comment"])
        try:
            services.application_transition(actor=request.user, application=app, transition=d["transition"],
                                            opinion=d["opinion"], data=data, expected_version=d["version"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已办理：%(t)s。") % {"t": Transition(d["transition"]).label})
            app = selectors.application_detail(request.user, pk)
            if request.htmx:
                return render(request, "applications/partials/case.html", _detail_context(request, app))
            return redirect(app)
    context = _detail_context(request, app, form)
    if request.htmx:
        return render(request, "applications/partials/case.html", context)
    return render(request, "applications/detail.html", context, status=400)


@require_POST
@requires("application.act")
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    app = selectors.application_detail(request.user, pk)
    if app is None:
        raise Http404
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.attachment_add(actor=request.user, application=app, content=upload.read(), name=upload.name,
                                    kind=form.cleaned_data["kind"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("附件已上传。"))
    else:
        messages.error(request, _("请选择附件类型和文件。"))
    return redirect(app)


@requires("application.view")
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    att = get_object_or_404(Attachment.objects.filter(application__in=selectors.visible(request.user)), pk=pk)
    response = FileResponse(att.file.open("rb"), content_type=att.content_type, as_attachment=True,
                            filename=att.name)
    response["Cache-Control"] = "no-store"
    return response


@requires("application.view")
def print_one(request: HttpRequest, pk: int) -> HttpResponse:
    app = selectors.application_detail(request.user, pk)
    if app is None:
        raise Http404
    return _pdf_response(pdf.approval_forms([app]), f"审批表-{app.pk}.pdf")


@requires("application.view")
def print_many(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    ids = [int(i) for i in source.getlist("ids") if i.isdigit()][:500]
    apps = (selectors.visible(request.user).filter(pk__in=ids)
            .select_related("programme", "person", "person__community__parent").order_by("id"))
    try:
        content = pdf.approval_forms(apps)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("applications:list")
    return _pdf_response(content, "审批表.pdf")


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@requires("application.batch")
def batch(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请勾选申请并填写意见。"))
        return redirect(request.POST.get("next") or "applications:list")
    d = form.cleaned_data
    ids = list(selectors.visible(request.user).filter(pk__in=d["ids"]).values_list("pk", flat=True))
    if len(ids) > INLINE_BATCH:
        title = _("批量办理 %(n)s 件申请") % {"n": len(ids)}
        job = job_start(actor=request.user, kind="application.batch", title=title,
                        func_path="canlian.applications.services.batch_job",
                        params={"ids": ids, "transition": d["transition"], "opinion": d["opinion"]})
        return redirect("jobs:detail", job.pk)
    try:
        done, errors = services.application_batch(actor=request.user, ids=ids, transition=d["transition"],
                                                  opinion=d["opinion"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已办理 %(d)s 件。") % {"d": done})
        for e in errors[:20]:
            messages.warning(request, e)
    return redirect(request.POST.get("next") or "applications:list")


@requires("application.view")
def rates(request: HttpRequest) -> HttpResponse:
    year = request.GET.get("year")
    by_programme, by_officer = selectors.followup_rates(request.user, int(year) if year and year.isdigit() else None)
    return render(request, "applications/rates.html",
                  {"by_programme": by_programme, "by_officer": by_officer, "year": year or ""})


@requires("holiday.manage")
def holidays(request: HttpRequest) -> HttpResponse:
    form = HolidayForm(request.POST or None)
    if request.method == "POST" and "delete" in request.POST:
        services.holiday_delete(actor=request.user, holiday=get_object_or_404(Holiday, pk=request.POST["delete"]))
        messages.success(request, _("已删除。"))
        return redirect("applications:holidays")
    if request.method == "POST" and form.is_valid():
        try:
            services.holiday_set(actor=request.user, day=form.cleaned_data["date"], name=form.cleaned_data["name"],
                                 is_workday=form.cleaned_data["is_workday"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已保存。"))
            return redirect(f"{reverse('applications:holidays')}?year={form.cleaned_data['date'].year}")
    year = int(request.GET.get("year") or timezone.localdate().year)
    rows = Holiday.objects.filter(date__year=year)
    return render(request, "applications/holidays.html", {"form": form, "rows": rows, "year": year,
                                                          "years": range(year - 1, year + 3)})
