"""Payments over REST (/api/v1/payments/): batches, lines, transitions and the bank return upload, through the
same selectors and services as the screens. A batch outside the caller's area answers 404; a step the
caller's role may not take, 403; a refused return file, 400 with every row, column and reason."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from canlian.accounts.permissions import require
from canlian.common.jobs import job_result_path, job_snapshot
from canlian.common.models import Job
from canlian.payments import jobs, selectors, services
from canlian.payments.choices import BatchTransition, LayoutKind
from canlian.payments.models import Batch, RosterLayout
from canlian.payments.roster import ReturnFileError
from canlian.programmes.models import Programme

router = Router(tags=["payments"])


class BatchOut(Schema):
    id: int
    code: str
    programme: str
    year: int
    period: str
    batch_date: date
    source: str
    status: str
    version: int
    reissue_of: int | None
    export_sha256: str
    lines: int
    open_findings: int
    left_out: list[dict]
    totals: list[dict]
    allowed_transitions: list[str]

    @staticmethod
    def of(b: Batch, user: object) -> BatchOut:
        totals = [{"funding_source": t["funding_source"], "status": t["status"], "lines": t["n"],
                   "amount": str(t["amount"])} for t in selectors.batch_totals(b)]
        return BatchOut(id=b.pk, code=b.code, programme=b.programme.code, year=b.year, period=b.period,
                        batch_date=b.batch_date, source=b.source, status=b.status, version=b.version,
                        reissue_of=b.reissue_of_id, export_sha256=b.export_sha256, lines=b.lines.count(),
                        open_findings=services.unresolved(b).count(), left_out=b.left_out[:200], totals=totals,
                        allowed_transitions=services.allowed_transitions(actor=user, batch=b))


class LineOut(Schema):
    id: int
    ref: str
    kind: str
    person_id: int
    person_name: str
    household_id: int | None
    application_id: int | None
    funding_source: str
    amount: Decimal
    account_masked: str
    status: str
    paid_on: date | None
    bank_reason: str
    excluded_reason: str


class BatchIn(Schema):
    programme: str
    period: str
    batch_date: date
    source: str = ""
    note: str = ""


class TransitionIn(Schema):
    transition: BatchTransition
    reason: str = ""


class ExportIn(Schema):
    layout: str


class ExportOut(Schema):
    file_name: str
    sha256: str
    lines: int
    content_base64: str


class JobOut(Schema):
    """A step running as a background job (202): poll GET /payments/jobs/{job_id}."""
    job_id: int
    kind: str
    status: str
    done: int
    total: int
    percent: int | None
    message: str
    result: dict | None
    status_url: str
    file_url: str

    @staticmethod
    def of(job: Job) -> JobOut:
        snap = job_snapshot(job)
        return JobOut(job_id=job.pk, kind=job.kind, status=job.status, done=snap.done, total=snap.total,
                      percent=snap.percent, message=snap.message, result=job.result,
                      status_url=f"/api/v1/payments/jobs/{job.pk}",
                      file_url=f"/api/v1/payments/jobs/{job.pk}/file" if job.result_file else "")


def _to_job(request: HttpRequest, batch: Batch, transition: str) -> bool:
    if not jobs.runs_as_job(selectors.batch_size(batch)):
        return False
    return not transition or transition in services.allowed_transitions(actor=request.auth, batch=batch)


class BatchQuery(Schema):
    programme: str = ""
    year: int | None = None
    status: str = ""


def _batch(request: HttpRequest, pk: int) -> Batch:
    require(request.auth, "payment.view")
    batch = selectors.batch_get(request.auth, pk)
    if batch is None:
        get_object_or_404(Batch.objects.none(), pk=pk)
    return batch


@router.get("/batches", response=list[BatchOut])
def list_batches(request: HttpRequest, query: Query[BatchQuery]) -> list[BatchOut]:
    require(request.auth, "payment.view")
    qs = selectors.batch_list(request.auth, selectors.BatchFilters(programme=query.programme, year=query.year,
                                                                   status=query.status))
    return [BatchOut.of(b, request.auth) for b in qs[:200]]


@router.post("/batches", response={201: BatchOut, 202: JobOut})
def build_batch(request: HttpRequest, payload: BatchIn) -> Status:
    """Build a draft batch (201); more than PAYMENT_INLINE_MAX_LINES candidates build as a job (202)."""
    programme = get_object_or_404(Programme, code=payload.programme)
    require(request.auth, "payment.manage")
    if jobs.runs_as_job(selectors.build_size(request.auth, programme, payload.period, payload.batch_date,
                                             payload.source)):
        return Status(202, JobOut.of(jobs.build_start(
            actor=request.auth, programme=programme, period=payload.period, batch_date=payload.batch_date,
            source=payload.source, note=payload.note)))
    batch = services.batch_build(actor=request.auth, programme=programme, period=payload.period,
                                 batch_date=payload.batch_date, source=payload.source, note=payload.note)
    return Status(201, BatchOut.of(batch, request.auth))


@router.get("/batches/{batch_id}", response=BatchOut)
def get_batch(request: HttpRequest, batch_id: int) -> BatchOut:
    return BatchOut.of(_batch(request, batch_id), request.auth)


@router.get("/batches/{batch_id}/lines", response=list[LineOut])
def list_lines(request: HttpRequest, batch_id: int, q: str = "", status: str = "", offset: int = 0,
               limit: int = 200) -> list[LineOut]:
    batch = _batch(request, batch_id)
    rows = selectors.line_search(request.auth, batch, q=q, status=status)[offset: offset + max(1, min(limit, 1000))]
    return [LineOut(id=x.pk, ref=x.ref, kind=x.kind, person_id=x.person_id, person_name=x.person.name,
                    household_id=x.household_id, application_id=x.application_id, funding_source=x.funding_source,
                    amount=x.amount, account_masked=x.bank_account.account_masked if x.bank_account else "",
                    status=x.status, paid_on=x.paid_on, bank_reason=x.bank_reason, excluded_reason=x.excluded_reason)
            for x in rows]


@router.post("/batches/{batch_id}/transitions", response={200: BatchOut, 202: JobOut})
def transition(request: HttpRequest, batch_id: int, payload: TransitionIn) -> BatchOut | Status:
    batch = _batch(request, batch_id)
    if payload.transition == BatchTransition.CHECK and _to_job(request, batch, BatchTransition.CHECK):
        return Status(202, JobOut.of(jobs.check_start(actor=request.auth, batch=batch)))
    if payload.transition == BatchTransition.CHECK:
        batch = services.batch_check(actor=request.auth, batch=batch)
    else:
        batch = services.batch_transition(actor=request.auth, batch=batch, transition=payload.transition,
                                          reason=payload.reason)
    return BatchOut.of(batch, request.auth)


@router.post("/batches/{batch_id}/export", response={200: ExportOut, 202: JobOut})
def export(request: HttpRequest, batch_id: int, payload: ExportIn) -> ExportOut | Status:
    """The bank roster (or a national template's roster), base64: full account numbers, audited. A large batch
    exports as a job (202); its file is then fetched from the job's file_url by the exporter only."""
    batch = _batch(request, batch_id)
    layout = get_object_or_404(RosterLayout, name=payload.layout)
    require(request.auth, "payment.manage")
    if _to_job(request, batch, "" if layout.kind == LayoutKind.NATIONAL else BatchTransition.EXPORT):
        return Status(202, JobOut.of(jobs.export_start(actor=request.auth, batch=batch, layout=layout)))
    if layout.kind == LayoutKind.NATIONAL:
        out = services.batch_export_national(actor=request.auth, batch=batch, layout=layout)
    else:
        out = services.batch_export(actor=request.auth, batch=batch, layout=layout)
    return ExportOut(file_name=out.file_name, sha256=out.sha256, lines=out.lines,
                     content_base64=base64.b64encode(out.content).decode())


@router.post("/batches/{batch_id}/reconciliation", response={200: BatchOut, 202: JobOut, 400: dict})
def reconcile(request: HttpRequest, batch_id: int, file: File[UploadedFile]) -> BatchOut | HttpResponse:
    batch = _batch(request, batch_id)
    if _to_job(request, batch, BatchTransition.RECONCILE):
        return Status(202, JobOut.of(jobs.reconcile_start(actor=request.auth, batch=batch, content=file.read(),
                                                          file_name=file.name or "")))
    try:
        services.batch_reconcile(actor=request.auth, batch=batch, content=file.read(), file_name=file.name or "")
    except ReturnFileError as exc:
        return Status(400, {"detail": exc.message, "code": exc.code, "errors": [
            {"row": e.row, "column": e.column, "value": e.value, "reason": e.reason} for e in exc.errors]})
    return BatchOut.of(_batch(request, batch_id), request.auth)


@router.post("/batches/{batch_id}/reissue", response={201: BatchOut})
def reissue(request: HttpRequest, batch_id: int) -> Status[BatchOut]:
    new = services.batch_reissue(actor=request.auth, batch=_batch(request, batch_id))
    return Status(201, BatchOut.of(new, request.auth))


@router.get("/persons/{person_id}/lines", response=list[LineOut])
def person_lines(request: HttpRequest, person_id: int) -> list[LineOut]:
    require(request.auth, "payment.view")
    rows = selectors.for_person(request.auth, person_id)
    return [LineOut(id=x.pk, ref=x.ref, kind=x.kind, person_id=x.person_id, person_name="",
                    household_id=x.household_id, application_id=x.application_id, funding_source=x.funding_source,
                    amount=x.amount, account_masked=x.bank_account.account_masked if x.bank_account else "",
                    status=x.status, paid_on=x.paid_on, bank_reason=x.bank_reason, excluded_reason=x.excluded_reason)
            for x in rows]




def _own_job(request: HttpRequest, job_id: int) -> Job:
    """A payments job of the caller's own: nobody else's job is visible here, not even to an administrator."""
    require(request.auth, "payment.manage")
    return get_object_or_404(Job, pk=job_id, owner=request.auth, kind__startswith="payment.")


@router.get("/jobs/{job_id}", response=JobOut)
def job_status(request: HttpRequest, job_id: int) -> JobOut:
    return JobOut.of(_own_job(request, job_id))


@router.get("/jobs/{job_id}/file")
def job_file(request: HttpRequest, job_id: int) -> FileResponse:
    """The roster an export job wrote, to the user who exported it (and still holds payment.manage)."""
    job = _own_job(request, job_id)
    path = job_result_path(job)
    if path is None:
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.result_name or path.name)
