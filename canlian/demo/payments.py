"""Demo payments: for each cash programme of the demo year, the applications waiting at "deliver" are paid
through a batch (checked, approved, exported in the 农商行 layout, reconciled with a bank return in which a
few cards fail); the failed cards get a corrected account and are re-issued and paid in a second batch.
Two thirds of the paid cases then get their follow-up visit. L2 (school subsidy) waits for upper-level money.

Everything goes through the services (the audit trail, the timelines and the figures are real) and every
choice comes from ctx.rng, so the same --seed gives the same ledger.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta

from canlian.applications.choices import Satisfaction, Status, Transition, VisitMethod
from canlian.applications.models import Application
from canlian.applications.services import StepData, application_create, application_transition
from canlian.common.exceptions import DomainError
from canlian.common.tabular import Sheet, write_workbook
from canlian.demo.context import DemoContext
from canlian.payments import services
from canlian.payments.choices import BatchTransition, FindingKind, LineStatus
from canlian.payments.models import Batch, RosterLayout
from canlian.programmes.choices import BenefitKind, Step
from canlian.programmes.models import Programme
from canlian.registry.models import Person
from canlian.registry.services import bank_account_add, bank_account_set_default

FAIL_REASONS = ["账户已销户", "户名与账号不符", "账户冻结"]
HEADERS = ["明细编号", "卡号", "金额", "处理结果", "失败原因", "入账日期"]
SKIP = {FindingKind.DIED, FindingKind.MOVED, FindingKind.INELIGIBLE, FindingKind.NO_ACCOUNT,
        FindingKind.INVALID_ACCOUNT, FindingKind.DUPLICATE}


def _bank_return(ctx: DemoContext, batch: Batch, paid_on: date, fail_share: float) -> bytes:
    rows = []
    for line in batch.lines.filter(status=LineStatus.PENDING).select_related("bank_account").order_by("seq"):
        ok = ctx.rng.random() >= fail_share
        rows.append([line.ref, line.bank_account.decrypt_number(), f"{line.amount:.2f}", "成功" if ok else "失败",
                     "" if ok else ctx.rng.choice(FAIL_REASONS), paid_on.isoformat() if ok else ""])
    return write_workbook([Sheet(name="回盘", headers=HEADERS, rows=rows, text_columns=(0, 1, 2))])


def _through(ctx: DemoContext, batch: Batch, paid_on: date, fail_share: float) -> Batch:
    finance, leader = ctx.data["users"]["caiwu"], ctx.data["users"]["lingdao"]
    batch = services.batch_check(actor=finance, batch=batch)
    for finding in services.unresolved(batch).select_related("line"):
        if finding.line is not None and finding.kind in SKIP:
            with suppress(DomainError):
                services.line_exclude(actor=finance, line=finding.line, reason=f"核查不通过：{finding.detail}"[:200])
        else:
            services.finding_resolve(actor=finance, finding=finding, resolution="经核实，同意发放")
    batch = services.batch_transition(actor=leader, batch=batch, transition=BatchTransition.APPROVE)
    services.batch_export(actor=finance, batch=batch, layout=RosterLayout.objects.get(name="农商行代发"))
    services.batch_reconcile(actor=finance, batch=batch, content=_bank_return(ctx, batch, paid_on, fail_share),
                             file_name=f"{batch.code}-回盘.xlsx")
    batch.refresh_from_db()
    return batch


def _follow_up(ctx: DemoContext, batch: Batch) -> int:
    from canlian.demo.applications import _actor

    users = {u: v for u, v in ctx.data["users"].items() if v.role != "admin"}
    done = 0
    apps = Application.objects.filter(payment_lines__batch=batch, status=Status.IN_PROGRESS,
                                      step=Step.FOLLOW_UP).select_related("person").order_by("pk")
    for app in apps:
        if ctx.rng.random() > 0.67:
            continue
        day = app.delivered_on + timedelta(days=ctx.rng.randint(3, 20))
        data = StepData(visited_on=day, method=ctx.rng.choice(VisitMethod.values),
                        satisfied=ctx.rng.choices(Satisfaction.values, weights=[80, 15, 5])[0],
                        aware=ctx.rng.random() < 0.85)
        with suppress(DomainError, StopIteration):
            application_transition(actor=_actor(users, app.step, app.person), application=app,
                                   transition=Transition.ADVANCE, opinion="电话回访", data=data,
                                   today=max(day, app.delivered_on))
            done += 1
    return done


def _fix_accounts(ctx: DemoContext, batch: Batch) -> None:
    finance = ctx.data["users"]["caiwu"]
    for line in batch.lines.filter(status=LineStatus.FAILED).select_related("person"):
        digits = "6217" + "".join(str(ctx.rng.randint(0, 9)) for _ in range(15))
        with suppress(DomainError):
            account = bank_account_add(actor=finance, person=line.person, bank_name="农村商业银行",
                                       account_number=digits)
            bank_account_set_default(actor=finance, account=account)


def _school_subsidy(ctx: DemoContext) -> Batch | None:
    """L2: nine children's subsidies reviewed, the batch approved and waiting for upper-level funds."""
    from canlian.demo.applications import _actor

    l2 = Programme.objects.filter(code="L2").first()
    if l2 is None:
        return None
    users = {u: v for u, v in ctx.data["users"].items() if v.role != "admin"}
    people = list(Person.objects.filter(bank_accounts__is_default=True, life_status="alive",
                                        cert_status="valid").order_by("pk")[:200])
    ctx.rng.shuffle(people)
    period = f"{ctx.year - 1}-{ctx.year}"
    made = 0
    for person in people:
        if made == 9:
            break
        with suppress(DomainError, StopIteration):
            app = application_create(actor=_actor(users, "apply", person), person=person, programme=l2, year=ctx.year,
                                     period=period, requested_amount="1226.00", opinion="第一批资料审核",
                                     today=date(ctx.year, 9, 2))
            while app.step != Step.DELIVER and app.status == Status.IN_PROGRESS:
                app = application_transition(actor=_actor(users, app.step, person), application=app,
                                             transition=Transition.ADVANCE, opinion="同意",
                                             today=date(ctx.year, 9, 20))
            made += 1
    if not made:
        return None
    finance, leader = ctx.data["users"]["caiwu"], ctx.data["users"]["lingdao"]
    batch = services.batch_build(actor=finance, programme=l2, period=period, batch_date=date(ctx.year, 10, 8))
    batch = services.batch_check(actor=finance, batch=batch)
    for finding in services.unresolved(batch):
        services.finding_resolve(actor=finance, finding=finding, resolution="经核实，同意发放")
    batch = services.batch_transition(actor=leader, batch=batch, transition=BatchTransition.APPROVE)
    return services.batch_transition(actor=finance, batch=batch, transition=BatchTransition.AWAIT_FUNDS,
                                     reason="待上级资金拨付后一次性打卡发放")


def build(ctx: DemoContext) -> None:
    finance = ctx.data["users"]["caiwu"]
    made = {"batches": 0, "paid": 0, "failed": 0, "reissued": 0, "visits": 0}
    cash = Programme.objects.filter(benefit_kind=BenefitKind.CASH, applications__year=ctx.year,
                                    applications__step=Step.DELIVER,
                                    applications__status=Status.IN_PROGRESS).distinct().order_by("code")
    for programme in cash:
        try:
            batch = services.batch_build(actor=finance, programme=programme, period=str(ctx.year),
                                         batch_date=date(ctx.year, 11, 18))
        except DomainError:
            continue
        batch = _through(ctx, batch, date(ctx.year, 11, 21), fail_share=0.06)
        made["batches"] += 1
        made["failed"] += batch.lines.filter(status=LineStatus.FAILED).count()
        if batch.lines.filter(status=LineStatus.FAILED).exists():
            _fix_accounts(ctx, batch)
            with suppress(DomainError):
                again = services.batch_reissue(actor=finance, batch=batch, batch_date=date(ctx.year, 12, 8))
                again = _through(ctx, again, date(ctx.year, 12, 10), fail_share=0.0)
                made["batches"] += 1
                made["reissued"] += again.lines.filter(status=LineStatus.PAID).count()
                services.batch_transition(actor=finance, batch=again, transition=BatchTransition.CLOSE)
        services.batch_transition(actor=finance, batch=batch, transition=BatchTransition.CLOSE)
        made["visits"] += _follow_up(ctx, batch)
    made["paid"] = sum(b.lines.filter(status=LineStatus.PAID).count() for b in Batch.objects.all())
    l2 = _school_subsidy(ctx)
    text = "发放：{batches} 个批次，到账 {paid} 笔，失败 {failed} 笔（重发到账 {reissued} 笔），回访 {visits} 次"
    ctx.say(text.format(**made) + ("；L2 一批待上级资金" if l2 else ""))
