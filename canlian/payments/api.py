"""Payments over REST (/api/v1/payments/): batches, lines, transitions and the bank return upload, through the
same selectors and services as the screens. A batch outside the caller's area answers 404; a step the
caller's role may not take, 403; a refused return file, 400 with every row, column and reason."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from canlian.accounts.permissions import require
from canlian.payments import selectors, services
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


@router.post("/batches", response={201: BatchOut})
def build_batch(request: HttpRequest, payload: BatchIn) -> Status[BatchOut]:
    programme = get_object_or_404(Programme, code=payload.programme)
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


@router.post("/batches/{batch_id}/transitions", response=BatchOut)
def transition(request: HttpRequest, batch_id: int, payload: TransitionIn) -> BatchOut:
    batch = _batch(request, batch_id)
    if payload.transition == BatchTransition.CHECK:
        batch = services.batch_check(actor=request.auth, batch=batch)
    else:
        batch = services.batch_transition(actor=request.auth, batch=batch, transition=payload.transition,
                                          reason=payload.reason)
    return BatchOut.of(batch, request.auth)


@router.post("/batches/{batch_id}/export", response=ExportOut)
def export(request: HttpRequest, batch_id: int, payload: ExportIn) -> ExportOut:
    """The bank roster (or a national template's roster), base64: full account numbers, audited."""
    batch = _batch(request, batch_id)
    layout = get_object_or_404(RosterLayout, name=payload.layout)
    if layout.kind == LayoutKind.NATIONAL:
        out = services.batch_export_national(actor=request.auth, batch=batch, layout=layout)
    else:
        out = services.batch_export(actor=request.auth, batch=batch, layout=layout)
    return ExportOut(file_name=out.file_name, sha256=out.sha256, lines=out.lines,
                     content_base64=base64.b64encode(out.content).decode())


@router.post("/batches/{batch_id}/reconciliation", response={200: BatchOut, 400: dict})
def reconcile(request: HttpRequest, batch_id: int, file: File[UploadedFile]) -> BatchOut | HttpResponse:
    batch = _batch(request, batch_id)
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


