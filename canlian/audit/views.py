"""The audit browser (auditors and administrators): filter, page, read one event, export to xlsx."""

from __future__ import annotations

import tempfile

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from canlian.accounts.permissions import can, requires
from canlian.audit.exports import export_file_name, record_export, too_large_for_request, write_events
from canlian.audit.forms import AuditFilterForm
from canlian.audit.selectors import event_filter, event_get, event_page, field_changes
from canlian.common.jobs import job_start
from canlian.common.tabular import XLSX_CONTENT_TYPE


@requires("audit.view")
def event_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    page = None
    if filters is not None:
        qs = event_filter(user=request.user, filters=filters)
        page = event_page(qs, after=request.GET.get("after", ""), before=request.GET.get("before", ""))
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return render(request, "audit/list.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "can_export": can(request.user, "audit.export"),
    })


@requires("audit.view")
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = event_get(user=request.user, pk=pk)
    if event is None:
        raise Http404(_("没有该审计事件"))
    return render(request, "audit/detail.html", {"event": event, "changes": field_changes(event)})


@requires("audit.export")
def event_export(request: HttpRequest) -> HttpResponse:
    """The filtered events as xlsx: written to a temporary file in constant memory and streamed from it;
    above AUDIT_EXPORT_INLINE_MAX_ROWS, a background job with a progress bar instead."""
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    if filters is None:
        return redirect(f"{reverse('audit:list')}?{request.GET.urlencode()}")
    qs = event_filter(user=request.user, filters=filters)
    if too_large_for_request(qs):
        job = job_start(actor=request.user, kind="audit.export", title=_("导出审计日志"),
                        func_path="canlian.audit.exports.export_job", params={"filters": filters.as_params()})
        return redirect("jobs:detail", pk=job.pk)
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
    rows = write_events(qs, target)
    record_export(actor=request.user, filters=filters, rows=rows, via_job=False)
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=export_file_name(), content_type=XLSX_CONTENT_TYPE)
