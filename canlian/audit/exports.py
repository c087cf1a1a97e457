"""Export of filtered audit events to xlsx, in constant memory; over the inline limit, as a background job.

Rows are read with a server-side iterator and written by xlsxwriter in constant_memory mode, so an
export of a million events needs as little memory as one of a hundred. Every export is itself audited
(`audit.export`, with the filters and the number of rows). Text that a spreadsheet would run as a
formula (a failed log-in's user name is typed by anyone) is neutralised.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.accounts.permissions import require
from canlian.audit.choices import AuditResult
from canlian.audit.models import AuditEvent
from canlian.audit.selectors import AuditFilters, event_filter
from canlian.audit.services import record
from canlian.common.jobs import JobOutcome, Progress, job_file_path, job_function
from canlian.common.models import Job
from canlian.common.tabular import neutralise

COLUMNS = ("at", "actor_username", "ip", "action", "object_type", "object_id", "object_repr", "result", "message",
           "before", "after")
ITERATOR_CHUNK = 2000


def export_headers() -> list[str]:
    return [_("时间"), _("账号"), _("IP 地址"), _("操作"), _("对象类型"), _("对象编号"), _("对象"), _("结果"),
            _("说明"), _("变更前"), _("变更后")]


def too_large_for_request(qs: QuerySet[AuditEvent]) -> bool:
    """Whether the export exceeds the inline limit (a bounded count: it stops at the limit + 1)."""
    limit = settings.AUDIT_EXPORT_INLINE_MAX_ROWS
    return qs.order_by()[: limit + 1].count() > limit


def write_events(qs: QuerySet[AuditEvent], target: str | Path | IO[bytes], progress: Progress | None = None) -> int:
    """Write the events of `qs` to an xlsx at `target`, row by row; returns the number of events written."""
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    sheet = book.add_worksheet(_("审计日志"))
    header = book.add_format({"bold": True, "bg_color": "#F0F2F5", "border": 1})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for col, (title, width) in enumerate(zip(export_headers(), (20, 16, 16, 22, 18, 12, 28, 8, 40, 40, 40),
                                             strict=True)):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, title, header)
    sheet.freeze_panes(1, 0)
    results = dict(AuditResult.choices)
    count = 0
    for count, values in enumerate(qs.values_list(*COLUMNS).iterator(chunk_size=ITERATOR_CHUNK), start=1):
        row = dict(zip(COLUMNS, values, strict=True))
        sheet.write_datetime(count, 0, timezone.localtime(row["at"]).replace(tzinfo=None), when)
        texts = [row["actor_username"], row["ip"] or "", row["action"], row["object_type"], row["object_id"],
                 row["object_repr"], str(results.get(row["result"], row["result"])), row["message"],
                 _json(row["before"]), _json(row["after"])]
        for col, text in enumerate(texts, start=1):
            if text:
                sheet.write_string(count, col, neutralise(str(text)))
        if progress is not None and count % ITERATOR_CHUNK == 0:
            progress.advance(ITERATOR_CHUNK)
    if progress is not None:
        progress.advance(count % ITERATOR_CHUNK)
    book.close()
    return count


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def record_export(*, actor: Any, filters: AuditFilters, rows: int, via_job: bool) -> None:
    record(actor=actor, action="audit.export", object_type="audit.auditevent",
           after={"filters": filters.as_params(), "rows": rows, "background": via_job},
           message=_("导出审计日志 %(n)d 条") % {"n": rows})


def export_file_name() -> str:
    return _("审计日志-%(at)s.xlsx") % {"at": timezone.localtime().strftime("%Y%m%d-%H%M%S")}


@job_function
def export_job(*, job: Job, progress: Progress, filters: dict[str, str]) -> JobOutcome:
    """The background export: all matching events, however many, with a progress bar."""
    require(job.owner, "audit.export")
    spec = AuditFilters.from_params(filters)
    qs = event_filter(user=job.owner, filters=spec)
    progress.start(qs.count(), _("正在导出"))
    name = export_file_name()
    path = job_file_path(job, "audit-export.xlsx")
    rows = write_events(qs, path, progress)
    record_export(actor=job.owner, filters=spec, rows=rows, via_job=True)
    return JobOutcome(message=_("已导出 %(n)d 条审计日志") % {"n": rows}, file=path, download_name=name)
