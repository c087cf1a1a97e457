"""Demo payments: the cash applications the applications demo left waiting at "deliver" are paid the way
finance pays them, month by month over the demo year. Around the 20th of each month, for each cash
programme, a batch takes the applications that reached "deliver" before that day; it is checked (finance)
and approved (leader) the same day, the roster is exported (农商行 layout) the next working day, the bank
pays two working days later and its return file — in which a few cards fail — is imported the working day
after, which moves each paid application past "deliver" at that moment. The failed cards get a corrected
account and are re-issued in a second batch a few working days later. About two thirds of the paid cases
then get their follow-up visit. L2 (school subsidy) is reviewed in September and its approved batch waits
for upper-level money. Nothing is done after the demo's "now" (applications.demo_today): a case that
reached "deliver" after the year's last batch still waits there.

Everything goes through the services with `at=` (the timelines, the batch events and the figures read as a
year of work, not as the moment seed_demo ran) and every choice comes from ctx.rng, so the same --seed
gives the same ledger.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta

from canlian.applications.choices import Satisfaction, Status, Transition, VisitMethod
from canlian.applications.models import Application
from canlian.applications.services import StepData, application_create, application_transition
from canlian.applications.workdays import Calendar
from canlian.common.exceptions import DomainError
from canlian.common.tabular import Sheet, write_workbook
from canlian.demo.applications import _actor, _Clock, _working_day_on_or_after, demo_today
from canlian.demo.context import DemoContext
from canlian.payments import services
from canlian.payments.choices import BatchStatus, BatchTransition, FindingKind, LineStatus
from canlian.payments.models import Batch, RosterLayout
from canlian.programmes.choices import BenefitKind, Step
from canlian.programmes.models import Programme
from canlian.registry.models import Person
from canlian.registry.services import bank_account_add, bank_account_set_default

FAIL_REASONS = ["账户已销户", "户名与账号不符", "账户冻结"]
HEADERS = ["明细编号", "卡号", "金额", "处理结果", "失败原因", "入账日期"]
SKIP = {FindingKind.DIED, FindingKind.MOVED, FindingKind.INELIGIBLE, FindingKind.NO_ACCOUNT,
        FindingKind.INVALID_ACCOUNT, FindingKind.DUPLICATE}
FAIL_SHARE = 0.06
BATCH_DAY = 20  # batches are built around the 20th of each month


def _bank_return(ctx: DemoContext, batch: Batch, paid_on: date, fail_share: float, at_least_one: bool) -> bytes:
    """The bank's answer: each card fails with probability fail_share; `at_least_one` makes sure one does (so
    that every demo, however small, shows a failed card and its re-issue)."""
    lines = list(batch.lines.filter(status=LineStatus.PENDING).select_related("bank_account").order_by("seq"))
    fails = {line.pk for line in lines if ctx.rng.random() < fail_share}
    if at_least_one and not fails and len(lines) > 1:
        fails.add(ctx.rng.choice(lines).pk)
    rows = []
    for line in lines:
        ok = line.pk not in fails
        rows.append([line.ref, line.bank_account.decrypt_number(), f"{line.amount:.2f}", "成功" if ok else "失败",
                     "" if ok else ctx.rng.choice(FAIL_REASONS), paid_on.isoformat() if ok else ""])
    return write_workbook([Sheet(name="回盘", headers=HEADERS, rows=rows, text_columns=(0, 1, 2))])


class _Days:
    """The demo's working-day calendar and its "now"."""

    def __init__(self, year: int) -> None:
        self.anchor = demo_today(year)
        self.cal = Calendar(date(year, 1, 1), date(year + 1, 3, 31))

    def after(self, day: date, n: int) -> date:
        return self.cal.add(day, n)

    def on_or_after(self, day: date) -> date:
        return _working_day_on_or_after(self.cal, day)


def _through(ctx: DemoContext, days: _Days, batch: Batch, fail_share: float, at_least_one: bool = False) -> Batch:
    """Check and approve on the batch date, export the next working day, paid two working days later, the
    bank's return imported the working day after that."""
    finance, leader = ctx.data["users"]["caiwu"], ctx.data["users"]["lingdao"]
    clock = _Clock(ctx.rng)
    built = batch.batch_date
    exported = days.after(built, 1)
    paid_on = days.after(exported, 2)
    imported = days.after(paid_on, 1)
    batch = services.batch_check(actor=finance, batch=batch, at=clock.at(built))
    no_card = []
    for finding in services.unresolved(batch).select_related("line"):
        if finding.line is not None and finding.kind in SKIP:
            with suppress(DomainError):
                services.line_exclude(actor=finance, line=finding.line, reason=f"核查不通过：{finding.detail}"[:200])
            if finding.kind == FindingKind.NO_ACCOUNT:
                no_card.append(finding.line.person)
        else:
            services.finding_resolve(actor=finance, finding=finding, resolution="经核实，同意发放")
    for person in no_card:  # the card is registered afterwards: the next month's batch pays them
        _new_card(ctx, person)
    if not batch.lines.filter(status=LineStatus.PENDING).exists():
        return services.batch_transition(actor=finance, batch=batch, transition=BatchTransition.CANCEL,
                                         reason="核查后无可发放明细", at=clock.at(built))
    batch = services.batch_transition(actor=leader, batch=batch, transition=BatchTransition.APPROVE,
                                      at=clock.at(built))
    services.batch_export(actor=finance, batch=batch, layout=RosterLayout.objects.get(name="农商行代发"),
                          at=clock.at(exported))
    content = _bank_return(ctx, batch, paid_on, fail_share, at_least_one)
    services.batch_reconcile(actor=finance, batch=batch, content=content, file_name=f"{batch.code}-回盘.xlsx",
                             at=clock.at(imported), today=imported)
    batch.refresh_from_db()
    return batch


def _done_by(batch: Batch, days: _Days) -> date:
    """The day the bank's return of a batch is imported (see _through)."""
    return _done_by_day(days, batch.batch_date)


def _follow_up(ctx: DemoContext, days: _Days, batch: Batch) -> int:
    users = {u: v for u, v in ctx.data["users"].items() if v.role != "admin"}
    done = 0
    apps = Application.objects.filter(payment_lines__batch=batch, status=Status.IN_PROGRESS,
                                      step=Step.FOLLOW_UP).select_related("person").order_by("pk")
    for app in apps:
        if ctx.rng.random() > 0.67:
            continue
        day = days.after(app.step_since, ctx.rng.randint(3, 15))
        if day > days.anchor:
            continue
        data = StepData(visited_on=day, method=ctx.rng.choice(VisitMethod.values),
                        satisfied=ctx.rng.choices(Satisfaction.values, weights=[80, 15, 5])[0],
                        aware=ctx.rng.random() < 0.85)
        with suppress(DomainError, StopIteration):
            application_transition(actor=_actor(users, app.step, app.person), application=app,
                                   transition=Transition.ADVANCE, opinion="电话回访", data=data, today=day,
                                   at=_Clock(ctx.rng).at(day))
            done += 1
    return done


def _new_card(ctx: DemoContext, person: Person) -> None:
    finance = ctx.data["users"]["caiwu"]
    digits = "6217" + "".join(str(ctx.rng.randint(0, 9)) for _ in range(15))
    with suppress(DomainError):
        account = bank_account_add(actor=finance, person=person, bank_name="农村商业银行", account_number=digits)
        bank_account_set_default(actor=finance, account=account)


def _fix_accounts(ctx: DemoContext, batch: Batch) -> None:
    for line in batch.lines.filter(status=LineStatus.FAILED).select_related("person"):
        _new_card(ctx, line.person)


def _school_subsidy(ctx: DemoContext, days: _Days) -> Batch | None:
    """L2: nine children's subsidies reviewed in September, the batch approved in October and waiting for
    upper-level funds."""
    l2 = Programme.objects.filter(code="L2").first()
    built = days.on_or_after(date(ctx.year, 10, 8))
    if l2 is None or built > days.anchor:
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
        clock = _Clock(ctx.rng)
        day = days.on_or_after(date(ctx.year, 9, 2))
        with suppress(DomainError, StopIteration):
            app = application_create(actor=_actor(users, "apply", person), person=person, programme=l2, year=ctx.year,
                                     period=period, requested_amount="1226.00", opinion="第一批资料审核",
                                     today=day, at=clock.at(day))
            while app.step != Step.DELIVER and app.status == Status.IN_PROGRESS:
                day = days.after(day, ctx.rng.randint(1, 3))
                app = application_transition(actor=_actor(users, app.step, person), application=app,
                                             transition=Transition.ADVANCE, opinion="同意", today=day,
                                             at=clock.at(day))
            made += 1
    if not made:
        return None
    finance, leader = ctx.data["users"]["caiwu"], ctx.data["users"]["lingdao"]
    clock = _Clock(ctx.rng)
    batch = services.batch_build(actor=finance, programme=l2, period=period, batch_date=built)
    batch = services.batch_check(actor=finance, batch=batch, at=clock.at(built))
    for finding in services.unresolved(batch):
        services.finding_resolve(actor=finance, finding=finding, resolution="经核实，同意发放")
    batch = services.batch_transition(actor=leader, batch=batch, transition=BatchTransition.APPROVE,
                                      at=clock.at(built))
    return services.batch_transition(actor=finance, batch=batch, transition=BatchTransition.AWAIT_FUNDS,
                                     reason="待上级资金拨付后一次性打卡发放", at=clock.at(built))


def build(ctx: DemoContext) -> None:
    finance = ctx.data["users"]["caiwu"]
    days = _Days(ctx.year)
    made = {"batches": 0, "paid": 0, "failed": 0, "reissued": 0, "visits": 0}
    cash = list(Programme.objects.filter(benefit_kind=BenefitKind.CASH, applications__year=ctx.year)
                .exclude(code="L2").distinct().order_by("code"))
    shown_failure: set[int] = set()
    for month in range(1, 13):
        built = days.on_or_after(date(ctx.year, month, BATCH_DAY))
        if _done_by_day(days, built) > days.anchor:
            break
        for programme in cash:
            try:
                batch = services.batch_build(actor=finance, programme=programme, period=str(ctx.year),
                                             batch_date=built, reached_by=built - timedelta(days=1))
            except DomainError:
                continue  # nobody reached "deliver" since the last batch
            # the first batch of a programme that can still be re-issued within the year shows a failed card
            reissue_fits = _done_by_day(days, days.after(_done_by_day(days, built), 6)) <= days.anchor
            batch = _through(ctx, days, batch, fail_share=FAIL_SHARE,
                             at_least_one=reissue_fits and programme.pk not in shown_failure)
            if batch.status == BatchStatus.CANCELLED:
                continue
            made["batches"] += 1
            n_failed = batch.lines.filter(status=LineStatus.FAILED).count()
            made["failed"] += n_failed
            if n_failed:
                shown_failure.add(programme.pk)
            closed_on = _done_by(batch, days)
            if n_failed:
                again_on = days.after(closed_on, ctx.rng.randint(3, 6))
                if _done_by_day(days, again_on) <= days.anchor:
                    _fix_accounts(ctx, batch)
                    with suppress(DomainError):
                        again = services.batch_reissue(actor=finance, batch=batch, batch_date=again_on)
                        again = _through(ctx, days, again, fail_share=0.0)
                        made["batches"] += 1
                        made["reissued"] += again.lines.filter(status=LineStatus.PAID).count()
                        closed_on = _done_by(again, days)
                        services.batch_transition(actor=finance, batch=again, transition=BatchTransition.CLOSE,
                                                  at=_Clock(ctx.rng).at(closed_on))
            services.batch_transition(actor=finance, batch=batch, transition=BatchTransition.CLOSE,
                                      at=_Clock(ctx.rng).at(closed_on))
            made["visits"] += _follow_up(ctx, days, batch)
    made["paid"] = sum(b.lines.filter(status=LineStatus.PAID).count() for b in Batch.objects.all())
    l2 = _school_subsidy(ctx, days)
    text = "发放：{batches} 个批次，到账 {paid} 笔，失败 {failed} 笔（重发到账 {reissued} 笔），回访 {visits} 次"
    ctx.say(text.format(**made) + ("；L2 一批待上级资金" if l2 else ""))


def _done_by_day(days: _Days, built: date) -> date:
    return days.after(days.after(days.after(built, 1), 2), 1)
