"""Screening a programme on a date: 应享未享 (eligible, not enrolled) and 应退未退 (enrolled, failing the rule).

Both lists are set-based: one query each over the registry (the compiled rule's Q, the enrolments and the
pending-application hook as Exists), ids streamed in chunks and written with bulk_create. Reasons for
应退未退 come from explain() over facts loaded for a whole chunk at once (schema.facts_for_many: a fixed
number of queries per chunk). A run keeps the rule version and the time its results were computed with.

Pending applications: 应享未享 leaves out people who have already applied. The applications module
registers a provider with ``register_pending(provider)``, a function ``(programme, ref_date) -> QuerySet`` of
*person ids* with an open application, which is excluded here.

Draft applications: selected 应享未享 people are queued (ScreeningSelection); the applications module
registers a starter with ``register_drafts(starter)`` that turns the queue into draft applications in a
background job and marks each row with ``selection_consume``. This module never imports applications.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.accounts.permissions import require
from canlian.accounts.scoping import area_prefix
from canlian.audit.services import record
from canlian.common.exceptions import DomainError, PermissionDenied
from canlian.common.jobs import JobOutcome, Progress, job_function, job_start
from canlian.common.models import Job
from canlian.programmes.choices import RuleStatus, ScreeningKind, ScreeningStatus, SelectionStatus
from canlian.programmes.eligibility import compiled, published_rule
from canlian.programmes.models import Enrolment, Programme, RuleVersion, ScreeningResult, ScreeningRun
from canlian.programmes.rules import RuleContext
from canlian.programmes.schema import facts_for_many
from canlian.registry.models import Person, area_code_q

CHUNK = 1000
PendingProvider = Callable[[Programme, date], QuerySet]
EligibleRow = tuple[int, str, int | None, int | None, bool]  # id, area code, category, grade, served
_PENDING: list[PendingProvider] = []


def register_pending(provider: PendingProvider) -> None:
    """The applications module registers who has an open application (excluded from 应享未享)."""
    if provider not in _PENDING:
        _PENDING.append(provider)


DraftStarter = Callable[..., Job]
_DRAFTS: list[DraftStarter] = []


def register_drafts(starter: DraftStarter) -> None:
    """The applications module registers ``starter(*, actor, run, result_ids) -> Job`` (draft applications)."""
    if starter not in _DRAFTS:
        _DRAFTS.append(starter)


def _pending_q(programme: Programme, ref_date: date) -> Q:
    q = Q()
    for provider in _PENDING:
        q |= Q(pk__in=provider(programme, ref_date))
    return q


def enrolled_exists(programme: Programme, ref_date: date) -> Exists:
    """The person has an enrolment in the programme in force on `ref_date` (在享)."""
    return Exists(Enrolment.objects.active_on(ref_date).filter(programme=programme, person=OuterRef("pk")))


def missing_queryset(rule: RuleVersion, ref_date: date, prefix: str) -> QuerySet[Person]:
    """应享未享: eligible on ref_date, not enrolled, no pending application, inside `prefix`."""
    programme = rule.programme
    ctx = RuleContext.on(ref_date, programme=programme.code)
    qs = Person.objects.filter(area_code_q(prefix)).filter(compiled(rule).to_q(ctx))
    qs = qs.exclude(enrolled_exists(programme, ref_date))
    pending = _pending_q(programme, ref_date)
    return qs.exclude(pending) if pending else qs


def eligible_rows(rule: RuleVersion, ref_date: date, prefix: str) -> list[EligibleRow]:
    """Everyone eligible on ref_date inside `prefix`, from one pass of the compiled rule: (id, area code, category,
    grade, served) where served means enrolled or with a pending application. The run's eligible count is their
    number and its 应享未享 list the unserved ones, so the rule runs once instead of once for the count and once
    for the list (missing_queryset gives the same list as a query)."""
    programme = rule.programme
    ctx = RuleContext.on(ref_date, programme=programme.code)
    served = Q(enrolled_exists(programme, ref_date)) | _pending_q(programme, ref_date)
    qs = (
        Person.objects.filter(area_code_q(prefix))
        .filter(compiled(rule).to_q(ctx))
        .annotate(served=ExpressionWrapper(served, output_field=BooleanField()))
        .order_by()
        .values_list("pk", "area_code", "category", "grade", "served")
    )
    return list(qs.iterator(chunk_size=CHUNK))


def excess_queryset(rule: RuleVersion, ref_date: date, prefix: str) -> QuerySet[Person]:
    """应退未退: enrolled on ref_date but failing the rule now, inside `prefix`."""
    programme = rule.programme
    ctx = RuleContext.on(ref_date, programme=programme.code)
    qs = Person.objects.filter(area_code_q(prefix)).filter(enrolled_exists(programme, ref_date))
    return qs.filter(~compiled(rule).to_q(ctx))


@transaction.atomic
def screening_start(
    *, actor: Any, programme: Programme, ref_date: date, kind: str = ScreeningKind.BOTH
) -> ScreeningRun:
    """Start a screening of one programme as a background job (runs in the actor's area)."""
    run = _new_run(actor=actor, programme=programme, ref_date=ref_date, kind=kind)
    run.job = job_start(
        actor=actor, kind="screening", title=_("筛查 %(p)s（%(d)s）") % {"p": programme, "d": ref_date},
        func_path="canlian.programmes.screening.screening_job", params={"run_ids": [run.pk]},
    )
    run.save(update_fields=["job"])
    return run


@transaction.atomic
def screening_start_all(*, actor: Any, ref_date: date, kind: str = ScreeningKind.BOTH) -> list[ScreeningRun]:
    """Screen every active programme that has a rule published for the date's year, in one job."""
    require(actor, "screening.run")
    published = RuleVersion.objects.filter(year=ref_date.year, status=RuleStatus.PUBLISHED).values("programme")
    programmes = Programme.objects.filter(is_active=True, pk__in=published)
    runs = [_new_run(actor=actor, programme=p, ref_date=ref_date, kind=kind) for p in programmes]
    if not runs:
        raise DomainError(_("%(y)d 年度没有已发布规则的项目") % {"y": ref_date.year})
    job = job_start(
        actor=actor, kind="screening", title=_("筛查全部项目（%(d)s）") % {"d": ref_date},
        func_path="canlian.programmes.screening.screening_job", params={"run_ids": [r.pk for r in runs]},
    )
    ScreeningRun.objects.filter(pk__in=[r.pk for r in runs]).update(job=job)
    for run in runs:
        run.job = job
    return runs


def _new_run(*, actor: Any, programme: Programme, ref_date: date, kind: str) -> ScreeningRun:
    require(actor, "screening.run")
    prefix = area_prefix(actor)
    if prefix is None:
        raise PermissionDenied(_("您的账号没有所属区域，不能发起筛查"))
    if kind not in ScreeningKind.values:
        raise DomainError(_("未知的筛查类型"), field="kind")
    rule = published_rule(programme, ref_date.year)
    run = ScreeningRun.objects.create(
        programme=programme, ref_date=ref_date, kind=kind, rule_version=rule, area_prefix=prefix, owner=actor
    )
    record(actor=actor, action="screening.start", obj=run,
           after={"programme": programme.code, "ref_date": ref_date.isoformat(), "kind": kind,
                  "rule_version": rule.pk, "area_prefix": prefix})
    return run


@job_function
def screening_job(*, job: Job, progress: Progress, run_ids: list[int]) -> JobOutcome:
    """The background work of one or more screenings; each run's counts and results are written as it ends."""
    require(job.owner, "screening.run")
    runs = list(ScreeningRun.objects.filter(pk__in=run_ids).select_related("programme", "rule_version__programme"))
    progress.start(len(runs) * 2, _("正在筛查"))
    missing = excess = 0
    for run in runs:
        try:
            compute(run, progress)
        except Exception:
            ScreeningRun.objects.filter(pk=run.pk).update(status=ScreeningStatus.FAILED, finished_at=timezone.now())
            raise
        missing += run.missing_count
        excess += run.excess_count
    message = _("筛查完成：应享未享 %(m)d 人，应退未退 %(e)d 人") % {"m": missing, "e": excess}
    return JobOutcome(message=message, result={"runs": run_ids, "missing": missing, "excess": excess})


def compute(run: ScreeningRun, progress: Progress | None = None) -> ScreeningRun:
    """Fill one run's results and counts (replacing any earlier results of the run)."""
    rule, ref = run.rule_version, run.ref_date
    ctx = RuleContext.on(ref, programme=run.programme.code)
    base = Person.objects.filter(area_code_q(run.area_prefix))
    ScreeningResult.objects.filter(run=run).delete()
    run.enrolled_count = base.filter(enrolled_exists(run.programme, ref)).count()
    run.missing_count = run.excess_count = 0
    if run.kind in (ScreeningKind.MISSING, ScreeningKind.BOTH):
        eligible = eligible_rows(rule, ref, run.area_prefix)
        run.eligible_count = len(eligible)
        missing = [(pk, area, category, grade) for pk, area, category, grade, served in eligible if not served]
        del eligible
        run.missing_count = _write(run, ScreeningKind.MISSING, missing, None)
    else:
        run.eligible_count = base.filter(compiled(rule).to_q(ctx)).count()
    if progress:
        progress.advance(1)
    if run.kind in (ScreeningKind.EXCESS, ScreeningKind.BOTH):
        rows = excess_queryset(rule, ref, run.area_prefix).order_by().values_list("pk", "area_code", "category",
                                                                                 "grade")
        run.excess_count = _write(run, ScreeningKind.EXCESS, list(rows.iterator(chunk_size=CHUNK)), ctx)
    if progress:
        progress.advance(1)
    run.status, run.finished_at = ScreeningStatus.DONE, timezone.now()
    run.save(update_fields=["status", "finished_at", "eligible_count", "enrolled_count", "missing_count",
                            "excess_count"])
    return run


def _write(run: ScreeningRun, kind: str, rows: list[tuple[int, str, int | None, int | None]],
           ctx: RuleContext | None) -> int:
    """bulk_create the results of one kind; with a context, the reasons from explain() (facts per chunk)."""
    rule = compiled(run.rule_version)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        facts = facts_for_many([r[0] for r in chunk]) if ctx is not None else {}
        results = []
        for pk, area, category, grade in chunk:
            reason = "；".join(rule.explain(facts[pk], ctx).reasons) if ctx is not None else ""
            results.append(ScreeningResult(run=run, person_id=pk, kind=kind, area_code=area, category=category,
                                           grade=grade, reason=reason))
        ScreeningResult.objects.bulk_create(results)
    return len(rows)


def screening_snapshot(run: ScreeningRun) -> dict[str, object]:
    """The run's state for status pages and the API."""
    from canlian.common.jobs import job_snapshot

    snap = job_snapshot(run.job) if run.job_id else None
    return {
        "id": run.pk, "programme": run.programme.code, "ref_date": run.ref_date, "kind": run.kind,
        "status": run.status, "rule_version": run.rule_version_id, "started_at": run.started_at,
        "finished_at": run.finished_at, "missing": run.missing_count, "excess": run.excess_count,
        "eligible": run.eligible_count, "enrolled": run.enrolled_count,
        "percent": snap.percent if snap else None,
    }



# --- reading results ----------------------------------------------------------------------------------------------

PAGE_SIZE = 50


@dataclass(frozen=True)
class ResultFilters:
    """Filters of the results list: kind, an area (street or community code inside the run's area), category, grade."""

    kind: str = ""
    area: str = ""
    category: int | None = None
    grade: int | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> ResultFilters:
        def number(key: str) -> int | None:
            raw = params.get(key, "")
            return int(raw) if raw.isdigit() else None

        kind = params.get("kind", "")
        area = params.get("area", "")
        return cls(kind=kind if kind in (ScreeningKind.MISSING, ScreeningKind.EXCESS) else "",
                   area=area if area.isdigit() and len(area) <= 12 else "",
                   category=number("category"), grade=number("grade"))

    def as_params(self) -> dict[str, str]:
        return {k: str(v) for k, v in (("kind", self.kind), ("area", self.area), ("category", self.category),
                                       ("grade", self.grade)) if v not in ("", None)}


def screening_get(user: Any, pk: int) -> ScreeningRun:
    """One run the user may see (404 otherwise)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        ScreeningRun.objects.visible_to(user).select_related("programme", "rule_version", "owner", "job"), pk=pk
    )


def result_queryset(run: ScreeningRun, filters: ResultFilters) -> QuerySet[ScreeningResult]:
    qs = ScreeningResult.objects.filter(run=run)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.area:
        qs = qs.filter(area_code_q(filters.area))
    if filters.category is not None:
        qs = qs.filter(category=filters.category)
    if filters.grade is not None:
        qs = qs.filter(grade=filters.grade)
    return qs


def result_page(run: ScreeningRun, filters: ResultFilters, after: str | None,
                size: int = PAGE_SIZE) -> tuple[list[ScreeningResult], str | None]:
    """One page in (area_code, id) order after the cursor "<area_code>.<id>"; the next cursor or None."""
    from canlian.registry.selectors import parse_cursor

    qs = result_queryset(run, filters)
    position = parse_cursor(after)
    if position is not None:
        code, pk = position
        qs = qs.filter(area_code__gte=code).exclude(area_code=code, id__lte=pk)
    rows = list(qs.select_related("person", "selection").order_by("area_code", "id")[: size + 1])
    items = rows[:size]
    return items, (f"{items[-1].area_code}.{items[-1].pk}" if len(rows) > size else None)


def export_rows(run: ScreeningRun, filters: ResultFilters) -> Iterable[list[object]]:
    """Rows of the xlsx export, masked IDs only, in chunks."""
    from canlian.common.certificate import CATEGORY_NAMES, GRADE_NAMES
    from canlian.regions.models import Region

    names = dict(Region.objects.filter(code__startswith=run.area_prefix[:6]).values_list("code", "name"))
    qs = result_queryset(run, filters).order_by("area_code", "id").values_list(
        "kind", "person__name", "person__id_number_masked", "area_code", "category", "grade", "reason"
    )
    for kind, name, masked, area, category, grade, reason in qs.iterator(chunk_size=2000):
        yield [str(ScreeningKind(kind).label), name, masked, names.get(area[:9], ""), names.get(area, ""),
               str(CATEGORY_NAMES.get(category, "")), str(GRADE_NAMES.get(grade, "")), reason]


EXPORT_HEADERS = ["类型", "姓名", "身份证号（脱敏）", "街道", "社区", "残疾类别", "残疾等级", "原因"]


@transaction.atomic
def screening_select(*, actor: Any, run: ScreeningRun, result_ids: list[int]) -> int:
    """Queue selected 应享未享 people for draft applications (ScreeningSelection, status queued).

    The applications module consumes this queue (drafts_start). 应退未退 rows are not queued (they need a
    stop, not an application). Rows already queued are skipped. Returns how many were queued.
    """
    from canlian.programmes.models import ScreeningSelection

    require(actor, "screening.run")
    run = ScreeningRun.objects.visible_to(actor).get(pk=run.pk)
    results = list(
        ScreeningResult.objects.filter(run=run, pk__in=result_ids, kind=ScreeningKind.MISSING, selection__isnull=True)
    )
    selections = [ScreeningSelection(result=r, programme_id=run.programme_id, person_id=r.person_id,
                                     selected_by=actor) for r in results]
    ScreeningSelection.objects.bulk_create(selections)
    if selections:
        record(actor=actor, action="screening.select", obj=run,
               after={"queued": [s.person_id for s in selections]},
               message=_("选择 %(n)d 人待生成草稿申请") % {"n": len(selections)})
    return len(selections)


def drafts_start(*, actor: Any, run: ScreeningRun, result_ids: list[int] | None) -> Job | None:
    """Queue the selected people (result_ids; None: nobody new) and start turning every queued row of the run
    into a draft application, as a background job of the applications module. None when that module has not
    registered (the rows stay queued)."""
    if result_ids:
        screening_select(actor=actor, run=run, result_ids=result_ids)
    if not _DRAFTS:
        return None
    return _DRAFTS[0](actor=actor, run=run, result_ids=None)


def queued_selections(run: ScreeningRun) -> QuerySet:
    """The run's rows still waiting for a draft application."""
    from canlian.programmes.models import ScreeningSelection

    return ScreeningSelection.objects.filter(result__run=run, status=SelectionStatus.QUEUED)


def selection_consume(*, actor: Any, selection_id: int, application_id: int, created: bool) -> bool:
    """Mark one queued row as consumed by application `application_id` (a new draft, or the person's existing
    application for the same period when `created` is False). A conditional UPDATE: False when another run of
    the job consumed it first, so the caller rolls its draft back. Runs inside the caller's transaction."""
    from canlian.programmes.models import ScreeningSelection

    changed = ScreeningSelection.objects.filter(pk=selection_id, status=SelectionStatus.QUEUED).update(
        status=SelectionStatus.CONSUMED, application_id=application_id)
    if changed:
        record(actor=actor, action="screening.selection_consume", object_type="programmes.screeningselection",
               object_id=selection_id, object_repr=str(selection_id),
               after={"application": application_id, "created": created})
    return changed == 1
