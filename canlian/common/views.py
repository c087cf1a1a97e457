"""Home, background-job pages and the import pages. Thin: services and selectors do the work."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from canlian.accounts.permissions import require, requires
from canlian.common.choices import ImportStatus
from canlian.common.exceptions import DomainError
from canlian.common.forms import ImportConfirmForm, ImportUploadForm
from canlian.common.imports import (
    ImportKind,
    error_workbook_path,
    get_kind,
    import_confirm,
    import_discard,
    import_upload,
    kinds_for,
)
from canlian.common.inbox import items_for
from canlian.common.jobs import job_result_path, job_snapshot
from canlian.common.models import ImportRun, Job
from canlian.common.navigation import home_view_for
from canlian.common.tabular import XLSX_CONTENT_TYPE, xlsx_response


@requires("home.view")
def home(request: HttpRequest) -> HttpResponse:
    view = home_view_for(request.user)
    if view is not None:
        return view(request)
    return render(request, "common/home.html", {"inbox": items_for(request.user)})


# --- background jobs --------------------------------------------------------------------------------


@requires("job.view")
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = Job.objects.visible_to(request.user).filter(owner=request.user).select_related("owner")[:50]
    return render(request, "common/job_list.html", {"jobs": jobs})


@requires("job.view")
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress page; an HTMX request (the poll, every second) gets only the progress partial."""
    job = get_object_or_404(Job.objects.visible_to(request.user).select_related("owner"), pk=pk)
    context = {"snap": job_snapshot(job), "poll_url": request.path}
    if request.htmx:
        return render(request, "common/partials/job_progress.html", context)
    return render(request, "common/job_detail.html", context)


@requires("job.view")
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The result file, to the job's owner only (an administrator may watch a job, not take its data)."""
    job = get_object_or_404(Job, pk=pk, owner=request.user)
    path = job_result_path(job)
    if path is None:
        raise Http404(_("该任务没有可下载的结果文件"))
    content_type = XLSX_CONTENT_TYPE if path.suffix == ".xlsx" else "application/octet-stream"
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.result_name or path.name,
                        content_type=content_type)


# --- imports ----------------------------------------------------------------------------------------


def _kind(request: HttpRequest, name: str) -> ImportKind:
    try:
        kind = get_kind(name)
    except KeyError as error:
        raise Http404(_("没有这种导入")) from error
    require(request.user, kind.action)
    return kind


@requires("import.view")
def import_index(request: HttpRequest) -> HttpResponse:
    runs = ImportRun.objects.filter(owner=request.user).select_related("job")[:50]
    kinds = {k.name: k for k in kinds_for(request.user)}
    return render(request, "common/import_index.html", {
        "kinds": list(kinds.values()),
        "runs": [(run, kinds.get(run.kind)) for run in runs],
    })


@requires("import.view")
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _kind(request, kind)
    return xlsx_response(spec.template(), _("%(label)s导入模板.xlsx") % {"label": spec.label})


@requires("import.view")
def import_upload_view(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _kind(request, kind)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = import_upload(actor=request.user, kind=spec, file_name=upload.name, data=upload.read())
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            return redirect("imports:run", pk=run.pk)
    return render(request, "common/import_upload.html", {"kind": spec, "form": form})


def _run(request: HttpRequest, pk: int) -> ImportRun:
    return get_object_or_404(ImportRun.objects.visible_to(request.user).select_related("owner", "job"), pk=pk)


@requires("import.view")
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    """Preview, progress or outcome of one import; the HTMX poll gets the body partial only."""
    run = _run(request, pk)
    try:
        kind = get_kind(run.kind)
    except KeyError as error:
        raise Http404 from error
    context = {
        "run": run, "kind": kind, "form": ImportConfirmForm(),
        "snap": job_snapshot(run.job) if run.job_id else None,
        "is_owner": run.owner_id == request.user.pk,
        "result_url": reverse(kind.result_url_name) if kind.result_url_name else "",
        "has_error_workbook": bool(run.error_count and (path := error_workbook_path(run)) and path.is_file()),
    }
    if request.htmx:
        return render(request, "common/partials/import_run_body.html", context)
    return render(request, "common/import_run.html", context)


@require_POST
@requires("import.view")
def import_run_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    form = ImportConfirmForm(request.POST)
    form.is_valid()
    try:
        run = import_confirm(actor=request.user, run=run, valid_only=form.cleaned_data.get("valid_only", False))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if run.status == ImportStatus.APPLIED:
            messages.success(request, _("导入完成：%(summary)s") % {"summary": run.message})
    return redirect("imports:run", pk=run.pk)


@require_POST
@requires("import.view")
def import_run_discard(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    try:
        import_discard(actor=request.user, run=run)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("imports:run", pk=run.pk)
    messages.info(request, _("已放弃该导入，上传的文件已删除。"))
    return redirect("imports:index")


@requires("import.view")
def import_run_errors(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    path = error_workbook_path(run)
    if path is None or not path.is_file():
        raise Http404(_("该导入没有错误清单"))
    stem = run.file_name.rsplit(".", 1)[0]
    return xlsx_response(path.read_bytes(), _("%(name)s-错误清单.xlsx") % {"name": stem})
