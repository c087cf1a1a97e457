"""Large payment batches as background jobs with a progress bar (design.md rule 9, decision 0013).

A build, check, export or bank-return reconciliation over more than `settings.PAYMENT_INLINE_MAX_LINES` lines
runs as a job; smaller ones stay in the request. The services stay the one place of the rules: each job function
below calls its service as the job's owner (who must still hold the permission when it runs) and only adds the
progress bar and the files.

Files: the uploaded bank return is kept in the job's private folder (MEDIA_ROOT/jobs/<id>/, never served by the
web server) until the job has read it, then deleted. The exported roster is written there atomically (a
temporary file renamed into place) inside the export's transaction, so a failed write rolls back the export
record, the batch's move and the audit event, and a failed export leaves no file behind. The roster is then
downloadable only by the job's owner — the finance user who exported it (`jobs:download`, or
GET /api/v1/payments/jobs/{id}/file).
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from canlian.common.exceptions import DomainError
from canlian.common.jobs import JobOutcome, Progress, job_file_path, job_function, job_start
from canlian.common.models import Job
from canlian.payments import services
from canlian.payments.choices import LayoutKind
from canlian.payments.models import Batch, RosterLayout
from canlian.payments.roster import ReturnFileError
from canlian.programmes.models import Programme

UPLOAD_NAME = "bank-return-upload"
_FUNC = "canlian.payments.jobs."


def runs_as_job(lines: int) -> bool:
    """Whether work over `lines` lines goes to a background job (the threshold is a setting)."""
    return lines > settings.PAYMENT_INLINE_MAX_LINES


# --- starting ---------------------------------------------------------------------------------------------

def build_start(*, actor: Any, programme: Programme, period: str, batch_date: date, source: str = "",
                note: str = "") -> Job:
    return job_start(actor=actor, kind="payment.build", title=_("生成发放批次：%(p)s %(d)s") % {
        "p": programme.name, "d": period}, func_path=_FUNC + "build_job", params={
        "programme_id": programme.pk, "period": period, "batch_date": batch_date.isoformat(), "source": source,
        "note": note})


def check_start(*, actor: Any, batch: Batch) -> Job:
    return job_start(actor=actor, kind="payment.check", title=_("发放前核查：%(b)s") % {"b": batch.code},
                     func_path=_FUNC + "check_job", params={"batch_id": batch.pk})


def export_start(*, actor: Any, batch: Batch, layout: RosterLayout) -> Job:
    return job_start(actor=actor, kind="payment.export", title=_("导出名单：%(b)s · %(l)s") % {
        "b": batch.code, "l": layout.name}, func_path=_FUNC + "export_job",
        params={"batch_id": batch.pk, "layout_id": layout.pk})


@transaction.atomic
def reconcile_start(*, actor: Any, batch: Batch, content: bytes, file_name: str) -> Job:
    """Keep the upload in the job's private folder; the job is enqueued only when this transaction commits,
    by which time the file is in place."""
    job = job_start(actor=actor, kind="payment.reconcile", title=_("导入银行回盘：%(b)s · %(f)s") % {
        "b": batch.code, "f": Path(file_name).name}, func_path=_FUNC + "reconcile_job",
        params={"batch_id": batch.pk, "file_name": Path(file_name).name[:200]})
    _write_atomically(job_file_path(job, UPLOAD_NAME), content)
    return job


# --- running ----------------------------------------------------------------------------------------------

def _write_atomically(target: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _batch_url(batch_id: int) -> str:
    return reverse("payments:detail", args=[batch_id])


@job_function
def build_job(*, job: Job, progress: Progress, programme_id: int, period: str, batch_date: str, source: str,
              note: str) -> JobOutcome:
    programme = Programme.objects.get(pk=programme_id)
    batch = services.batch_build(actor=job.owner, programme=programme, period=period,
                                 batch_date=date.fromisoformat(batch_date), source=source, note=note,
                                 progress=progress)
    n = batch.lines.count()
    return JobOutcome(message=_("已生成批次 %(b)s：%(n)d 条明细，%(l)d 人未纳入") % {
        "b": batch.code, "n": n, "l": len(batch.left_out)},
        result={"batch_id": batch.pk, "lines": n, "left_out": len(batch.left_out), "next_url": _batch_url(batch.pk)})


@job_function
def check_job(*, job: Job, progress: Progress, batch_id: int) -> JobOutcome:
    batch = services.batch_check(actor=job.owner, batch=batch_id, progress=progress)
    open_findings = services.unresolved(batch).count()
    return JobOutcome(message=_("核查完成：%(n)d 个问题待处理") % {"n": open_findings},
                      result={"batch_id": batch.pk, "open_findings": open_findings, "next_url": _batch_url(batch.pk)})


@job_function
def export_job(*, job: Job, progress: Progress, batch_id: int, layout_id: int) -> JobOutcome:
    """The roster, written into the job's private folder inside the export's transaction: the file is there
    exactly when the export is recorded."""
    layout = RosterLayout.objects.get(pk=layout_id)
    target: Path | None = None
    try:
        with transaction.atomic():
            if layout.kind == LayoutKind.NATIONAL:
                out = services.batch_export_national(actor=job.owner, batch=batch_id, layout=layout,
                                                     progress=progress)
            else:
                out = services.batch_export(actor=job.owner, batch=batch_id, layout=layout, progress=progress)
            target = job_file_path(job, out.file_name)
            _write_atomically(target, out.content)
    except BaseException:
        if target is not None:
            target.unlink(missing_ok=True)
        raise
    return JobOutcome(message=_("名单已生成：%(n)d 行，SHA-256 %(h)s") % {"n": out.lines, "h": out.sha256},
                      result={"batch_id": batch_id, "lines": out.lines, "sha256": out.sha256,
                              "file_name": out.file_name, "next_url": _batch_url(batch_id)},
                      file=target, download_name=out.file_name)


@job_function
def reconcile_job(*, job: Job, progress: Progress, batch_id: int, file_name: str) -> JobOutcome:
    upload = job_file_path(job, UPLOAD_NAME)
    try:
        content = upload.read_bytes()
    except OSError as exc:
        raise DomainError(_("找不到上传的回盘文件，请重新上传")) from exc
    try:
        back = services.batch_reconcile(actor=job.owner, batch=batch_id, content=content, file_name=file_name,
                                        progress=progress)
    except ReturnFileError as exc:
        details = "；".join(
            (_("第 %(r)d 行") % {"r": e.row} if e.row else "") + (f"“{e.column}”" if e.column else "")
            + f" {e.value} {e.reason}".rstrip() for e in exc.errors[:20])
        raise DomainError(f"{exc.message}。{details}", code=exc.code) from exc
    finally:
        upload.unlink(missing_ok=True)  # account numbers are not kept beyond the import; the hash is
    return JobOutcome(message=_("回盘已导入：成功 %(p)d 条，失败 %(f)d 条") % {"p": back.paid, "f": back.failed},
                      result={"batch_id": batch_id, "paid": back.paid, "failed": back.failed,
                              "next_url": _batch_url(batch_id)})
