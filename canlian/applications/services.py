"""Writes to applications: create, every transition of the state machine, attachments, follow-ups, holidays.

Every transition goes through `application_transition`: it checks the role against workflow.py's tables
and the area against the applicant's community, locks the row, moves it with a conditional UPDATE on
`version` (so two approvers acting at once: exactly one succeeds), records an ApplicationEvent (the
timeline) and an audit event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.accounts.permissions import can, require
from canlian.accounts.scoping import in_scope
from canlian.applications import eligibility, workflow
from canlian.applications.choices import AttachmentKind, Satisfaction, Status, Transition, VisitMethod
from canlian.applications.models import ACTIVE, Application, ApplicationEvent, Attachment, FollowUp, Holiday
from canlian.applications.workdays import Calendar, calendar_for
from canlian.audit.services import record, snapshot
from canlian.common.exceptions import Conflict, DomainError, PermissionDenied
from canlian.common.jobs import JobOutcome, Progress, job_function, job_start
from canlian.common.money import to_yuan
from canlian.programmes.choices import Step, Unit
from canlian.programmes.models import Programme
from canlian.registry.choices import LifeStatus
from canlian.registry.models import Household, Person

TRACKED = ["status", "step", "step_since", "due_on", "approved_amount", "delivered_on", "delivered_amount",
           "delivered_items", "eligible", "version"]
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_SIGNATURES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}

DeliveryHandler = Callable[[Application, Any], None]
DELIVERY_HANDLERS: list[DeliveryHandler] = []
"""Called when an application passes "deliver" (after the enrolment starts)."""
DeliveryGuard = Callable[[Application], str | None]
DELIVERY_GUARDS: list[DeliveryGuard] = []
"""Asked before an application passes "deliver"; a message refuses it. The payments module registers one:
a cash benefit passes "deliver" only when the bank confirms the payment of its batch line."""


def _due(programme: Programme, step: str, start: date, cal: Calendar | None = None) -> date | None:
    days = (programme.step_days or {}).get(step)
    if not days:
        return None
    return (cal or calendar_for(start, days)).add(start, days)


def _check_area(actor: object, application: Application) -> None:
    if not in_scope(actor, application.area_code):
        raise PermissionDenied(_("该申请人不在您的辖区内，不能办理"))


def _link(application: Application) -> str:
    return reverse("applications:detail", args=[application.pk])


def duplicate_of(
    *, person: Person, programme: Programme, period: str, household: Household | None
) -> Application | None:
    qs = Application.objects.filter(ACTIVE, programme=programme, period=period)
    qs = qs.filter(household=household) if household is not None else qs.filter(person=person, household__isnull=True)
    return qs.order_by("id").first()


def _duplicate_error(first: Application) -> Conflict:
    err = Conflict(_("该申请人本期（%(p)s）已有%(code)s申请（编号 %(id)s），请勿重复申请：%(url)s") % {
        "p": first.period, "code": first.programme.code, "id": first.pk, "url": _link(first)})
    err.link = _link(first)  # type: ignore[attr-defined]
    return err


@transaction.atomic
def application_create(
    *,
    actor: Any,
    person: Person,
    programme: Programme,
    year: int,
    period: str = "",
    household: Household | None = None,
    requested_amount: Decimal | str | None = None,
    items: str = "",
    funding_source: str = "",
    opinion: str = "",
    override_reason: str = "",
    source: str = "manual",
    draft: bool = False,
    today: date | None = None,
    at: datetime | None = None,
) -> Application:
    """Take an application (申请): the apply step is done by whoever enters it, and the application waits
    at the programme's next configured step.

    A `draft` (from screening results: the person was found eligible but has not applied) waits at "apply"
    itself: a caseworker passes that step once the person has confirmed and signed, or withdraws it.

    Eligibility is checked with the year's rule; an ineligible applicant is refused with the explanation,
    unless a district officer accepts it with a written reason (e.g. the registry is not yet up to date).
    Applications are per person or household: a programme counted per enterprise (E2 按比例安置年审) is
    refused and pointed to the employment module.

    `at` is when the application was taken (default now): the demo and back-dated entries pass it so that
    the timeline shows the real day; `today` defaults to its date.
    """
    require(actor, "application.create")
    at = at or timezone.now()
    today = today or timezone.localdate(at)
    if programme.unit == Unit.ENTERPRISE:
        raise DomainError(_("%(c)s %(n)s 以用人单位（企业）为对象，不按个人或家庭申请，请在就业模块的按比例安置"
                            "年审中办理（该模块尚未上线，本系统不代为建立企业申请）") % {
            "c": programme.code, "n": programme.name}, field="programme", code="enterprise_unit")
    period = (period or str(year)).strip()
    if not in_scope(actor, person.area_code):
        raise PermissionDenied(_("申请人不在您的辖区内，不能代为申请"))
    if not programme.is_active:
        raise DomainError(_("项目 %(c)s 已停用") % {"c": programme.code}, field="programme")
    if person.life_status != LifeStatus.ALIVE:
        message = _("%(n)s 已不在册（%(s)s），不能申请") % {"n": person.name, "s": person.get_life_status_display()}
        raise DomainError(message, field="person")
    if programme.unit == Unit.HOUSEHOLD:
        if household is None:
            raise DomainError(_("%(c)s 按户申请，请选择申请户") % {"c": programme.code}, field="household")
        if not household.members.filter(person=person, left_on__isnull=True).exists():
            raise DomainError(_("申请人不是该户的现有成员"), field="household")
    elif household is not None:
        raise DomainError(_("%(c)s 按人申请，不需要选择户") % {"c": programme.code}, field="household")
    if funding_source and funding_source not in programme.funding_sources:
        raise DomainError(_("项目 %(c)s 不使用该资金来源") % {"c": programme.code}, field="funding_source")
    first = duplicate_of(person=person, programme=programme, period=period, household=household)
    if first is not None:
        raise _duplicate_error(first)

    outcome = eligibility.check(person=person, programme=programme, year=year, today=today)
    override_reason = override_reason.strip()
    if outcome.eligible is False:
        if not override_reason:
            raise DomainError(_("不符合%(c)s %(y)s年度的申请条件：%(r)s") % {
                "c": programme.code, "y": year, "r": "；".join(outcome.reasons)}, field="person", code="ineligible")
        if not can(actor, "application.override"):
            raise PermissionDenied(_("资格不符的申请只能由区残联专干说明理由后受理"))
    elif override_reason:
        override_reason = ""

    steps = list(programme.steps)
    step = Step.APPLY if draft else workflow.next_step(steps, Step.APPLY) or Step.APPLY
    app = Application(
        programme=programme, person=person, household=household, year=year, period=period,
        area_code=person.area_code, funding_source=funding_source or (programme.funding_sources or [""])[0],
        requested_amount=to_yuan(requested_amount) if requested_amount not in (None, "") else None,
        items=items, source=source, status=Status.IN_PROGRESS, step=step, step_since=today,
        due_on=_due(programme, step, today), eligible=outcome.eligible, eligibility_reasons=outcome.reasons,
        eligibility_rule_version=outcome.rule_version_id, eligibility_override=override_reason, created_by=actor,
    )
    app.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError as exc:
        first = duplicate_of(person=person, programme=programme, period=period, household=household)
        if first is None:
            raise
        raise _duplicate_error(first) from exc
    text = opinion or (_("生成草稿申请，待申请人确认") if draft else _("提交申请"))
    if override_reason:
        text = f"{text}（资格不符仍予受理：{override_reason}）"
    ApplicationEvent.objects.create(
        application=app, transition=Transition.CREATE, step=Step.APPLY, from_status="", to_status=app.status,
        to_step=app.step, actor=actor, opinion=text, at=at,
    )
    record(actor=actor, action="application.create", obj=app, after=snapshot(app, [
        "programme", "person", "household", "year", "period", "status", "step", "source", "eligible",
        "eligibility_override"]))
    return app


@dataclass
class StepData:
    """What some steps need besides an opinion: the approved amount, the delivery, the follow-up visit."""

    approved_amount: Decimal | str | None = None
    delivered_on: date | None = None
    delivered_amount: Decimal | str | None = None
    delivered_items: str = ""
    visited_on: date | None = None
    method: str = ""
    satisfied: str = ""
    aware: bool | None = None
    comment: str = ""


def _advance_step(actor: Any, app: Application, data: StepData, today: date, changes: dict[str, Any]) -> None:
    """Check and record what passing the current step requires (approval re-checks eligibility)."""
    if app.step == Step.APPROVE:
        outcome = eligibility.check(person=app.person, programme=app.programme, year=app.year, today=today)
        if outcome.eligible is False and not app.eligibility_override:
            raise DomainError(_("审批时复核资格不通过：%(r)s") % {"r": "；".join(outcome.reasons)}, code="ineligible")
        changes["eligible"] = outcome.eligible
        amount = data.approved_amount if data.approved_amount not in (None, "") else app.requested_amount
        if amount is not None:
            value = to_yuan(amount)
            if value < 0:
                raise DomainError(_("核定金额不能为负数"), field="approved_amount")
            changes["approved_amount"] = value
    elif app.step == Step.DELIVER:
        if data.delivered_on is None:
            raise DomainError(_("请填写发放/实施日期"), field="delivered_on")
        if data.delivered_on > today:
            raise DomainError(_("发放日期不能晚于今天"), field="delivered_on")
        amount = data.delivered_amount if data.delivered_amount not in (None, "") else None
        if amount is None and not data.delivered_items.strip():
            raise DomainError(_("请填写发放金额或发放的物品/服务"), field="delivered_amount")
        changes["delivered_on"] = data.delivered_on
        changes["delivered_amount"] = to_yuan(amount) if amount is not None else None
        changes["delivered_items"] = data.delivered_items.strip()
    elif app.step == Step.FOLLOW_UP:
        complete = data.visited_on is not None and data.aware is not None
        if not complete or data.method not in VisitMethod.values or data.satisfied not in Satisfaction.values:
            raise DomainError(_("请填写回访日期、方式、是否满意和是否知晓政策"), field="visited_on")
        if app.delivered_on and data.visited_on < app.delivered_on:
            raise DomainError(_("回访日期不能早于发放日期"), field="visited_on")


def _target(app: Application, transition: str, reopen_step: str | None) -> tuple[str, str]:
    steps = list(app.programme.steps)
    match transition:
        case Transition.ADVANCE:
            nxt = workflow.next_step(steps, app.step)
            return (Status.IN_PROGRESS, nxt) if nxt else (Status.CLOSED, app.step)
        case Transition.RETURN:
            return Status.IN_PROGRESS, workflow.previous_step(steps, app.step)
        case Transition.REJECT:
            return Status.REJECTED, app.step
        case Transition.WITHDRAW:
            return Status.WITHDRAWN, app.step
        case Transition.REOPEN:
            return Status.IN_PROGRESS, reopen_step or app.step
    raise DomainError(_("未知的操作"))


def check_transition(*, actor: Any, application: Application, transition: str) -> None:
    """Raise PermissionDenied/DomainError unless the actor may perform the transition now (no writes)."""
    require(actor, "application.act")
    _check_area(actor, application)
    role = None if not getattr(actor, "is_authenticated", False) else actor.role
    reason = workflow.refusal(transition=transition, status=application.status, step=application.step,
                              steps=list(application.programme.steps), role=role)
    if reason is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(reason)
    if transition == Transition.ADVANCE:
        refusal = delivery_refusal(application)
        if refusal:
            raise DomainError(refusal, code="paid_by_batch")


def delivery_refusal(application: Application) -> str | None:
    """Why an application in progress at "deliver" cannot pass it by hand (a cash benefit passes it when the
    bank confirms its batch line: the payments module's guard), or None (also for any other step or status).
    Also asked by the case page, which then shows this instead of the delivery form."""
    if application.status != Status.IN_PROGRESS or application.step != Step.DELIVER:
        return None
    for guard in DELIVERY_GUARDS:
        refusal = guard(application)
        if refusal:
            return refusal
    return None


def allowed_transitions(*, actor: Any, application: Application) -> list[str]:
    out = []
    for t in workflow.TRANSITIONS:
        try:
            check_transition(actor=actor, application=application, transition=t)
        except DomainError:
            continue
        out.append(t)
    return out


@transaction.atomic
def application_transition(
    *,
    actor: Any,
    application: Application | int,
    transition: str,
    opinion: str = "",
    data: StepData | None = None,
    expected_version: int | None = None,
    today: date | None = None,
    at: datetime | None = None,
) -> Application:
    """Perform one transition of the state machine (advance, return, reject, withdraw, reopen).

    `expected_version`, when given, is the version the user saw: if someone else moved the application
    in between, the user is told instead of acting on a stale page. `at` is when it was done (default now;
    the demo passes the day's time), `today` defaults to its date; lateness is judged on that day.
    """
    at = at or timezone.now()
    today = today or timezone.localdate(at)
    data = data or StepData()
    pk = application.pk if isinstance(application, Application) else application
    app = (Application.objects.select_for_update(of=("self",)).select_related("programme", "person")
           .filter(pk=pk).first())
    if app is None:
        raise DomainError(_("申请不存在"), code="not_found")
    if transition not in workflow.TRANSITIONS:
        raise DomainError(_("未知的操作：%(t)s") % {"t": transition})
    require(actor, "application.act")
    _check_area(actor, app)
    if expected_version is not None and expected_version != app.version:
        raise Conflict(_("该申请已被他人办理（当前环节：%(s)s），请刷新后再试") % {"s": app.step_label})
    check_transition(actor=actor, application=app, transition=transition)
    opinion = opinion.strip()
    if workflow.TRANSITIONS[transition].reason_required and not opinion:
        raise DomainError(_("请填写%(t)s的理由") % {"t": Transition(transition).label}, field="opinion")

    changes: dict[str, Any] = {}
    reopen_step = None
    if transition == Transition.ADVANCE:
        _advance_step(actor, app, data, today, changes)
    elif transition == Transition.REOPEN:
        first = duplicate_of(person=app.person, programme=app.programme, period=app.period, household=app.household)
        if first is not None:
            raise _duplicate_error(first)
        reopen_step = app.step
    status, step = _target(app, transition, reopen_step)
    before = snapshot(app, TRACKED)
    was_overdue = app.status == Status.IN_PROGRESS and app.due_on is not None and app.due_on < today
    moved = step != app.step or status != app.status
    changes.update(status=status, step=step)
    if status == Status.IN_PROGRESS and (moved or transition == Transition.REOPEN):
        changes.update(step_since=today, due_on=_due(app.programme, step, today))
    elif status != Status.IN_PROGRESS:
        changes["due_on"] = None
    # The conditional UPDATE: only the copy we locked and checked moves; a concurrent mover finds no row.
    updated = Application.objects.filter(pk=app.pk, version=app.version).update(
        version=F("version") + 1, updated_at=timezone.now(), **changes)
    if updated != 1:
        raise Conflict(_("该申请已被他人办理，请刷新后再试"))
    from_step, from_status = app.step, app.status
    app.refresh_from_db()
    event = ApplicationEvent.objects.create(
        application=app, transition=transition, step=from_step, from_status=from_status, to_status=app.status,
        to_step=app.step, actor=actor, opinion=opinion, at=at, overdue=was_overdue,
    )
    Attachment.objects.filter(application=app, event__isnull=True).update(event=event)
    if transition == Transition.ADVANCE and from_step == Step.FOLLOW_UP:
        FollowUp.objects.create(application=app, visited_on=data.visited_on, method=data.method,
                                satisfied=data.satisfied, aware=bool(data.aware), comment=data.comment.strip(),
                                officer=actor)
    if transition == Transition.ADVANCE and from_step == Step.DELIVER:
        eligibility.start_enrolment(actor=actor, application=app, start=app.delivered_on or today)
        for handler in DELIVERY_HANDLERS:
            handler(app, actor)
    record(actor=actor, action=f"application.{transition}", obj=app, before=before, after=snapshot(app, TRACKED),
           message=f"{Step(from_step).label}：{opinion}" if opinion else str(Step(from_step).label))
    app._event = event  # type: ignore[attr-defined]
    return app


def application_batch(
    *, actor: Any, ids: Iterable[int], transition: str, opinion: str, progress: Progress | None = None,
) -> tuple[int, list[str]]:
    """Approve (advance) or reject many applications with one opinion: each through application_transition,
    in its own savepoint, so each is checked, locked, recorded and audited; failures are listed, not fatal."""
    require(actor, "application.batch")
    if transition not in (Transition.ADVANCE, Transition.REJECT):
        raise DomainError(_("批量办理只能通过或不予通过"))
    if not opinion.strip():
        raise DomainError(_("请填写批量办理的意见"), field="opinion")
    ids = sorted(set(ids))
    if progress is not None:
        progress.start(len(ids), _("批量办理 %(n)s 件申请") % {"n": len(ids)})
    done, errors = 0, []
    for pk in ids:
        try:
            application_transition(actor=actor, application=pk, transition=transition, opinion=opinion)
            done += 1
        except DomainError as exc:
            errors.append(f"{pk}：{exc.message}")
        if progress is not None:
            progress.advance()
    return done, errors


@job_function
def batch_job(*, job: Any, progress: Progress, ids: list[int], transition: str, opinion: str) -> JobOutcome:
    done, errors = application_batch(actor=job.owner, ids=ids, transition=transition, opinion=opinion,
                                     progress=progress)
    message = _("已办理 %(d)s 件，未办理 %(e)s 件") % {"d": done, "e": len(errors)}
    return JobOutcome(message=message, result={"done": done, "errors": errors[:200], "warnings": errors[:200],
                                               "next_url": reverse("applications:list")})


def _sniff(head: bytes) -> str | None:
    for magic, content_type in _SIGNATURES.items():
        if head.startswith(magic):
            return content_type
    return None


@transaction.atomic
def attachment_add(*, actor: Any, application: Application, content: bytes, name: str, kind: str) -> Attachment:
    """Keep a scan or photo: only PDF, JPEG or PNG by their content (not the name), at most 10 MB. It belongs
    to the current step and is recorded with the transition that ends it."""
    require(actor, "application.act")
    _check_area(actor, application)
    if application.status != Status.IN_PROGRESS:
        raise DomainError(_("已办结、撤回或不予通过的申请不能再上传附件"))
    if kind not in AttachmentKind.values:
        raise DomainError(_("未知的附件类型"), field="kind")
    if not content:
        raise DomainError(_("文件为空"), field="file")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise DomainError(_("文件超过 10 MB，请压缩后再上传"), field="file")
    content_type = _sniff(content[:16])
    if content_type is None:
        raise DomainError(_("只能上传 PDF、JPG 或 PNG 文件"), field="file")
    digest = hashlib.sha256(content).hexdigest()
    # event stays empty while the step is open: the transition that ends the step takes it (the timeline then
    # shows the home-visit photos under "入户调查通过", and the printed form under that step's signature)
    att = Attachment(application=application, kind=kind, name=name[:200], content_type=content_type,
                     size=len(content), sha256=digest, uploaded_by=actor, uploaded_at=timezone.now())
    att.file.save("upload", ContentFile(content), save=False)
    att.save()
    record(actor=actor, action="application.attachment_add", obj=application,
           after={"name": att.name, "sha256": digest, "size": att.size, "kind": kind})
    return att


@transaction.atomic
def holiday_set(*, actor: Any, day: date, name: str, is_workday: bool) -> Holiday:
    """An administrator adds or corrects a holiday or 调休 working day (next year's notice). Due dates already
    set stay as they were; steps started afterwards use the new calendar."""
    require(actor, "holiday.manage")
    if not name.strip():
        raise DomainError(_("请填写名称"), field="name")
    existing = Holiday.objects.filter(date=day).first()
    before = snapshot(existing, ["name", "is_workday"]) if existing else None
    holiday = existing or Holiday(date=day)
    holiday.name, holiday.is_workday = name.strip(), is_workday
    holiday.full_clean(validate_unique=existing is None)
    holiday.save()
    record(actor=actor, action="holiday.set", obj=holiday, before=before,
           after=snapshot(holiday, ["name", "is_workday"]))
    return holiday


@transaction.atomic
def holiday_delete(*, actor: Any, holiday: Holiday) -> None:
    require(actor, "holiday.manage")
    before = snapshot(holiday, ["date", "name", "is_workday"])
    pk, text = holiday.pk, str(holiday)
    holiday.delete()
    record(actor=actor, action="holiday.delete", object_type="applications.holiday", object_id=pk,
           object_repr=text, before=before)




# --- draft applications from screening results (应享未享) ----------------------------------------------------------


@dataclass
class DraftReport:
    """What turning a screening's queue into drafts did: created ids, duplicates (person, existing id), errors."""

    created: list[int]
    duplicates: list[tuple[str, int]]
    errors: list[str]


def drafts_start(*, actor: Any, run: Any, result_ids: list[int] | None = None) -> Any:
    """Start the background job that turns the run's queued selections into draft applications.

    Registered with programmes.screening.register_drafts, so the screening screen and API reach it without
    programmes importing applications."""
    from canlian.programmes.screening import queued_selections

    require(actor, "application.create")
    if run.programme.unit == Unit.ENTERPRISE:
        raise DomainError(_("%(c)s 以用人单位（企业）为对象，不生成个人申请，请在就业模块办理") % {
            "c": run.programme.code})
    if result_ids:
        from canlian.programmes.screening import screening_select

        screening_select(actor=actor, run=run, result_ids=result_ids)
    ids = list(queued_selections(run).order_by("id").values_list("pk", flat=True))
    if not ids:
        raise DomainError(_("没有待生成草稿申请的应享未享人员：请先勾选人员"))
    title = _("为 %(c)s 筛查结果生成 %(n)s 件草稿申请") % {"c": run.programme.code, "n": len(ids)}
    return job_start(actor=actor, kind="application.drafts", title=title,
                     func_path="canlian.applications.services.drafts_job",
                     params={"run_id": run.pk, "selection_ids": ids})


def applications_from_screening(
    *, actor: Any, run_id: int, selection_ids: Iterable[int], progress: Progress | None = None,
    today: date | None = None,
) -> DraftReport:
    """Turn queued screening selections into draft applications (source "screening", waiting at "apply").

    Each goes through application_create in its own savepoint (scope, eligibility with the year's rule,
    audit) and marks its selection with the new application's id; someone who already has an application
    for the programme and period is reported as a duplicate and the selection points to that application;
    anything else refused (moved away, no longer eligible, no household) stays queued and is listed.
    """
    from canlian.programmes.models import ScreeningRun
    from canlian.programmes.screening import queued_selections, selection_consume

    require(actor, "application.create")
    run = ScreeningRun.objects.visible_to(actor).select_related("programme").filter(pk=run_id).first()
    if run is None:
        raise PermissionDenied(_("该筛查不在您的辖区内"))
    rows = list(queued_selections(run).filter(pk__in=list(selection_ids))
                .select_related("person", "person__community").order_by("id"))
    programme, year = run.programme, run.ref_date.year
    households: dict[int, Household] = {}
    if programme.unit == Unit.HOUSEHOLD:
        from canlian.registry.models import HouseholdMember

        households = {m.person_id: m.household for m in HouseholdMember.objects.filter(
            person_id__in=[r.person_id for r in rows], left_on__isnull=True).select_related("household")}
    if progress is not None:
        progress.start(len(rows), _("生成草稿申请 %(n)s 件") % {"n": len(rows)})
    report = DraftReport(created=[], duplicates=[], errors=[])
    for row in rows:
        person = row.person
        try:
            with transaction.atomic():
                try:
                    app = application_create(
                        actor=actor, person=person, programme=programme, year=year,
                        household=households.get(person.pk), source="screening", draft=True, today=today,
                        opinion=_("筛查发现应享未享（基准日 %(d)s），生成草稿申请，待申请人确认") % {
                            "d": run.ref_date.isoformat()})
                    app_id, created = app.pk, True
                except Conflict:
                    first = duplicate_of(person=person, programme=programme, period=str(year),
                                         household=households.get(person.pk))
                    if first is None:
                        raise
                    app_id, created = first.pk, False
                if not selection_consume(actor=actor, selection_id=row.pk, application_id=app_id, created=created):
                    raise Conflict(_("已由另一任务处理"))
        except DomainError as exc:
            report.errors.append(f"{person.name}：{exc.message}")
        else:
            if created:
                report.created.append(app_id)
            else:
                report.duplicates.append((person.name, app_id))
        if progress is not None:
            progress.advance()
    record(actor=actor, action="screening.drafts", obj=run,
           after={"created": len(report.created), "duplicates": len(report.duplicates),
                  "errors": len(report.errors)},
           message=_("生成草稿申请 %(c)s 件，已有申请 %(d)s 人，未生成 %(e)s 人") % {
               "c": len(report.created), "d": len(report.duplicates), "e": len(report.errors)})
    return report


@job_function
def drafts_job(*, job: Any, progress: Progress, run_id: int, selection_ids: list[int]) -> JobOutcome:
    report = applications_from_screening(actor=job.owner, run_id=run_id, selection_ids=selection_ids,
                                         progress=progress)
    message = _("已生成草稿申请 %(c)s 件；已有本期申请 %(d)s 人（不重复生成）；未生成 %(e)s 人") % {
        "c": len(report.created), "d": len(report.duplicates), "e": len(report.errors)}
    duplicates = [_("%(n)s：已有申请（编号 %(id)s）") % {"n": n, "id": i} for n, i in report.duplicates]
    return JobOutcome(message=message, result={
        "created": report.created, "duplicates": duplicates[:200], "errors": report.errors[:200],
        "warnings": (duplicates + report.errors)[:200],
        "next_url": reverse("applications:list") + "?source=screening&step=apply"})
