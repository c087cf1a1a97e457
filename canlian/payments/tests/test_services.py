"""Payments services: build, check, approve, export, reconcile, re-issue, reverse, funding split."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from python_calamine import CalamineWorkbook

from canlian.accounts.choices import Role
from canlian.applications.choices import Transition
from canlian.applications.models import Application
from canlian.applications.services import StepData, application_transition
from canlian.audit.models import AuditEvent
from canlian.common.exceptions import DomainError
from canlian.payments import services
from canlian.payments.choices import BatchStatus, BatchTransition, FindingKind, LineStatus
from canlian.payments.models import Batch, PaymentLine
from canlian.payments.roster import ReturnFileError
from canlian.payments.tests.factories import account_for, bank_layout, budget, return_file, waiting
from canlian.programmes.models import Programme, Target
from canlian.registry.models import BankAccount, Person
from canlian.registry.services import low_income_set

pytestmark = pytest.mark.django_db
DAY = date(2024, 4, 15)
HEADERS = ["明细编号", "卡号", "金额", "处理结果", "失败原因", "入账日期"]


def _build(users, programme: str = "R1", period: str = "2024", **kw) -> Batch:
    return services.batch_build(actor=users.a[Role.FINANCE], programme=Programme.objects.get(code=programme),
                                period=period, batch_date=kw.pop("batch_date", DAY), **kw)


def _approved(users, batch: Batch) -> Batch:
    batch = services.batch_check(actor=users.a[Role.FINANCE], batch=batch)
    for f in services.unresolved(batch):
        services.finding_resolve(actor=users.a[Role.FINANCE], finding=f, resolution="已核实")
    return services.batch_transition(actor=users.a[Role.LEADER], batch=batch, transition=BatchTransition.APPROVE)


def _exported(users, batch: Batch) -> Batch:
    batch = _approved(users, batch)
    services.batch_export(actor=users.a[Role.FINANCE], batch=batch, layout=bank_layout())
    batch.refresh_from_db()
    return batch


def test_build_from_approved_applications_lists_who_is_left_out(users, areas) -> None:
    apps = waiting(users, areas.community_a1, n=3)
    no_amount = waiting(users, areas.community_a2, n=1)[0]
    Application.objects.filter(pk=no_amount.pk).update(approved_amount=None, requested_amount=None)
    batch = _build(users)
    assert batch.status == BatchStatus.DRAFT and batch.source == "applications"
    lines = list(batch.lines.order_by("seq"))
    assert [line.application_id for line in lines] == [a.pk for a in apps]
    assert {line.amount for line in lines} == {Decimal("1000.00")}
    assert lines[0].ref == f"{batch.code}-000001" and lines[0].bank_account_id is not None
    assert [row["reason"] for row in batch.left_out] == [f"申请 {no_amount.pk} 未核定金额"]
    # a second batch for the same period finds them already in the first
    with pytest.raises(DomainError, match="没有可发放的人员"):
        _build(users)
    assert AuditEvent.objects.filter(action="payment_batch.build").count() == 1


def test_only_finance_builds_and_only_cash_programmes(users, areas) -> None:
    waiting(users, areas.community_a1)
    with pytest.raises(DomainError, match="无权"):
        services.batch_build(actor=users.a[Role.DISTRICT_OFFICER], programme=Programme.objects.get(code="R1"),
                             period="2024", batch_date=DAY)
    with pytest.raises(DomainError, match="不是现金补贴"):
        _build(users, programme="R2")


def test_database_refuses_a_second_live_payment_for_the_same_period(users, areas) -> None:
    batch = _build(users, period="2024") if waiting(users, areas.community_a1) else None
    line = batch.lines.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(batch=batch, seq=2, ref="X-2", programme=line.programme, period="2024",
                                   person=line.person, area_code=line.area_code, funding_source="upper",
                                   amount=Decimal("1.00"))
    # a failed line frees the slot (re-issue), an excluded one too
    PaymentLine.objects.filter(pk=line.pk).update(status=LineStatus.FAILED)
    PaymentLine.objects.create(batch=batch, seq=2, ref="X-2", programme=line.programme, period="2024",
                               person=line.person, area_code=line.area_code, funding_source="upper",
                               amount=Decimal("1.00"))


def test_check_finds_death_account_eligibility_budget_and_blocks_approval(users, areas) -> None:
    from canlian.registry.choices import LifeStatus

    apps = waiting(users, areas.community_a1, n=4)
    budget(amount="1500.00")
    batch = _build(users)
    dead, no_account, poor_no_more = (a.person for a in apps[:3])
    Person.objects.filter(pk=dead.pk).update(life_status=LifeStatus.DECEASED, life_status_date=date(2024, 4, 1))
    BankAccount.objects.filter(person=no_account).update(is_active=False, is_default=False)
    low_income_set(actor=users.a[Role.DISTRICT_OFFICER], person=poor_no_more, status="none", effective=date(2024, 1, 2))
    with pytest.raises(DomainError, match="不能审批"):
        services.batch_transition(actor=users.a[Role.LEADER], batch=batch, transition=BatchTransition.APPROVE)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        batch = services.batch_check(actor=users.a[Role.FINANCE], batch=batch)
    queries_small = len(ctx.captured_queries)
    kinds = {(f.line.person_id if f.line else None, f.kind) for f in batch.findings.select_related("line")}
    assert (dead.pk, FindingKind.DIED) in kinds
    assert (no_account.pk, FindingKind.NO_ACCOUNT) in kinds  # its only account was closed
    assert (poor_no_more.pk, FindingKind.INELIGIBLE) in kinds
    assert (None, FindingKind.BUDGET) in kinds  # 4000 against 1500
    reason = batch.findings.get(kind=FindingKind.INELIGIBLE).detail
    assert "低保" in reason
    with pytest.raises(DomainError, match="核查问题未处理"):
        services.batch_transition(actor=users.a[Role.LEADER], batch=batch, transition=BatchTransition.APPROVE)
    with pytest.raises(DomainError, match="剔除该明细"):
        services.finding_resolve(actor=users.a[Role.FINANCE], finding=batch.findings.get(kind=FindingKind.DIED),
                                 resolution="家属代领")
    # a corrected account clears the account finding on the next check
    services.line_exclude(actor=users.a[Role.FINANCE], line=batch.lines.get(application=apps[0]), reason="已死亡")
    services.line_exclude(actor=users.a[Role.FINANCE], line=batch.lines.get(application=apps[2]), reason="不再符合")
    fixed = account_for(no_account)
    batch = services.batch_check(actor=users.a[Role.FINANCE], batch=batch)
    assert batch.lines.get(application=apps[1]).bank_account_id == fixed.pk
    assert not services.unresolved(batch).filter(kind=FindingKind.NO_ACCOUNT).exists()
    budget_finding = batch.findings.get(kind=FindingKind.BUDGET)
    with pytest.raises(DomainError, match="处理意见"):
        services.finding_resolve(actor=users.a[Role.FINANCE], finding=budget_finding, resolution=" ")
    services.finding_resolve(actor=users.a[Role.FINANCE], finding=budget_finding, resolution="已追加预算")
    with pytest.raises(DomainError, match="无权"):
        services.batch_transition(actor=users.a[Role.FINANCE], batch=batch, transition=BatchTransition.APPROVE)
    batch = services.batch_transition(actor=users.a[Role.LEADER], batch=batch, transition=BatchTransition.APPROVE)
    assert batch.status == BatchStatus.APPROVED
    assert list(batch.events.values_list("transition", flat=True)) == ["check", "check", "approve"]
    # one query per step: more lines do not mean more queries
    more = waiting(users, areas.community_a2, n=12, period="2024-b")
    big = _build(users, period="2024-b")
    assert big.lines.count() == len(more)
    with CaptureQueriesContext(connection) as ctx:
        services.batch_check(actor=users.a[Role.FINANCE], batch=big)
    assert len(ctx.captured_queries) <= queries_small + 2


def test_export_writes_full_numbers_in_the_file_only_and_records_hash(users, areas) -> None:
    apps = waiting(users, areas.community_a1, n=2)
    budget()
    batch = _approved(users, _build(users))
    out = services.batch_export(actor=users.a[Role.FINANCE], batch=batch, layout=bank_layout())
    rows = CalamineWorkbook.from_filelike(io.BytesIO(out.content)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["序号", "明细编号", "户名", "身份证号", "卡号", "金额", "摘要"]
    account = apps[0].person.bank_accounts.get()
    assert rows[1][4] == account.decrypt_number() and rows[1][3] == apps[0].person.decrypt_id_number()
    assert rows[1][5] == 1000 and rows[1][6] == "残联补贴"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.EXPORTED and len(batch.export_sha256) == 64
    assert batch.exports.get().sha256 == out.sha256 == batch.export_sha256
    assert AuditEvent.objects.filter(action="payment_batch.roster_reveal", object_id=str(batch.pk)).exists()


@pytest.mark.parametrize("case", ["unknown", "amount", "truncated", "other_batch", "account", "no_date"])
def test_bad_return_file_is_refused_with_row_column_reason_and_changes_nothing(users, areas, case) -> None:
    waiting(users, areas.community_a1, n=3)
    budget()
    batch = _exported(users, _build(users))
    first = batch.lines.order_by("seq").first()
    if case == "unknown":
        extra = [[f"{batch.code}-000099", "1", "1000.00", "成功", "", "2024-04-20"]]
        content, expect = return_file(batch, extra=extra), "不存在"
    elif case == "amount":
        content, expect = return_file(batch, amounts={first.ref: "999.00"}), "金额与名单不符"
    elif case == "truncated":
        content, expect = return_file(batch, drop=1), "缺少 1 条明细"
    elif case == "account":
        from canlian.common.tabular import Sheet, write_workbook

        rows = [[line.ref, "6222999999999999999", f"{line.amount:.2f}", "成功", "", "2024-04-20"]
                for line in batch.lines.order_by("seq")]
        content = write_workbook([Sheet(name="x", headers=HEADERS, rows=rows, text_columns=(0, 1, 2))])
        expect = "账号与名单不符"
    elif case == "no_date":
        from canlian.common.tabular import Sheet, write_workbook

        rows = [[line.ref, "", f"{line.amount:.2f}", "成功", "", ""] for line in batch.lines.order_by("seq")]
        content = write_workbook([Sheet(name="x", headers=HEADERS, rows=rows, text_columns=(0, 1, 2))])
        expect = "入账日期"
    else:
        other = _build(users, period="2024-x") if waiting(users, areas.community_a2, period="2024-x") else None
        other_line = other.lines.get()
        content = return_file(batch, extra=[[other_line.ref, "", "1000.00", "成功", "", "2024-04-20"]])
        expect = f"属于批次 {other.code}"
    before = list(PaymentLine.objects.values_list("pk", "status", "paid_on"))
    with pytest.raises(ReturnFileError) as exc:
        services.batch_reconcile(actor=users.a[Role.FINANCE], batch=batch, content=content, file_name="回盘.xlsx",
                                 today=date(2024, 4, 30))
    assert expect in " ".join(e.reason for e in exc.value.errors)
    assert "未做任何更改" in exc.value.message
    assert list(PaymentLine.objects.values_list("pk", "status", "paid_on")) == before
    batch.refresh_from_db()
    assert batch.status == BatchStatus.EXPORTED and not batch.returns.exists()


def test_reconcile_pays_delivers_applications_then_reissue_failed_after_account_fix(users, areas) -> None:
    from canlian.programmes.models import Enrolment

    apps = waiting(users, areas.community_a1, n=3)
    budget()
    batch = _exported(users, _build(users))
    bad = batch.lines.get(application=apps[2])
    back = services.batch_reconcile(actor=users.a[Role.FINANCE], batch=batch, file_name="回盘.xlsx",
                                    content=return_file(batch, failed={bad.ref: "账户已销户"}),
                                    today=date(2024, 4, 30))
    assert (back.paid, back.failed, back.rows) == (2, 1, 3)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RECONCILED
    app = Application.objects.get(pk=apps[0].pk)
    assert (app.step, app.delivered_on, app.delivered_amount) == ("follow_up", date(2024, 4, 20), Decimal("1000.00"))
    assert app.events.filter(step="deliver", actor=users.a[Role.FINANCE]).exists()
    assert Enrolment.objects.filter(person=apps[0].person, programme__code="R1").exists()
    assert Application.objects.get(pk=apps[2].pk).step == "deliver"
    bad.refresh_from_db()
    assert (bad.status, bad.bank_reason) == (LineStatus.FAILED, "账户已销户")
    # not re-issued while the account is the same
    with pytest.raises(DomainError, match="银行账户尚未更正"):
        services.batch_reissue(actor=users.a[Role.FINANCE], batch=batch)
    new_account = account_for(apps[2].person, default=False)
    BankAccount.objects.filter(person=apps[2].person).update(is_default=False)
    BankAccount.objects.filter(pk=new_account.pk).update(is_default=True)
    again = services.batch_reissue(actor=users.a[Role.FINANCE], batch=batch, batch_date=date(2024, 5, 6))
    line = again.lines.get()
    assert (line.retry_of_id, line.bank_account_id, line.amount) == (bad.pk, new_account.pk, Decimal("1000.00"))
    assert again.reissue_of == batch and again.source == "reissue"
    with pytest.raises(DomainError, match="没有可重发"):
        services.batch_reissue(actor=users.a[Role.FINANCE], batch=batch)
    again = _exported(users, again)
    services.batch_reconcile(actor=users.a[Role.FINANCE], batch=again, content=return_file(
        again, paid_on=date(2024, 5, 10)), file_name="b.xlsx", today=date(2024, 5, 31))
    assert Application.objects.get(pk=apps[2].pk).delivered_on == date(2024, 5, 10)
    batch = services.batch_transition(actor=users.a[Role.FINANCE], batch=batch, transition=BatchTransition.CLOSE)
    assert batch.status == BatchStatus.CLOSED


def test_cash_delivery_by_hand_is_refused(users, areas) -> None:
    app = waiting(users, areas.community_a1)[0]
    with pytest.raises(DomainError, match="发放批次"):
        application_transition(actor=users.a[Role.DISTRICT_OFFICER], application=app,
                               transition=Transition.ADVANCE, data=StepData(delivered_on=date(2024, 4, 1),
                                                                            delivered_amount="1000"))


def test_reversal_is_a_new_line_and_frees_the_period(users, areas) -> None:
    waiting(users, areas.community_a1)
    budget()
    batch = _exported(users, _build(users))
    services.batch_reconcile(actor=users.a[Role.FINANCE], batch=batch, content=return_file(batch),
                             file_name="r.xlsx", today=date(2024, 4, 30))
    line = batch.lines.get()
    reversal = services.line_reverse(actor=users.a[Role.FINANCE], line=line, reason="重复发放", on=date(2024, 6, 1))
    line.refresh_from_db()
    assert (line.status, line.amount) == (LineStatus.REVERSED, Decimal("1000.00"))
    assert (reversal.amount, reversal.paid_on, reversal.reverses_id) == (Decimal("-1000.00"), date(2024, 6, 1), line.pk)
    assert sum(PaymentLine.objects.filter(paid_on__isnull=False).values_list("amount", flat=True)) == 0
    with pytest.raises(DomainError, match="已到账"):
        services.line_reverse(actor=users.a[Role.FINANCE], line=line, reason="again")


def test_beyond_the_target_is_paid_from_district_money(users, areas) -> None:
    r1 = Programme.objects.get(code="R1")
    assert r1.excess_funded_by_district
    Target.objects.create(programme=r1, year=2024, quantity=3)
    apps = waiting(users, areas.community_a1, n=4)
    batch = _build(users)
    assert list(batch.lines.order_by("seq").values_list("funding_source", flat=True)) == [
        "upper", "upper", "upper", "district"]
    assert batch.lines.get(seq=4).application_id == apps[3].pk


def test_awaiting_funds_then_funds_arrive(users, areas) -> None:
    waiting(users, areas.community_a1)
    budget()
    batch = _approved(users, _build(users))
    with pytest.raises(DomainError, match="理由"):
        services.batch_transition(actor=users.a[Role.FINANCE], batch=batch, transition=BatchTransition.AWAIT_FUNDS)
    batch = services.batch_transition(actor=users.a[Role.FINANCE], batch=batch,
                                      transition=BatchTransition.AWAIT_FUNDS, reason="待上级资金拨付")
    assert batch.status == BatchStatus.AWAITING_FUNDS
    with pytest.raises(DomainError, match="不能导出"):
        services.batch_export(actor=users.a[Role.FINANCE], batch=batch, layout=bank_layout())
    batch = services.batch_transition(actor=users.a[Role.FINANCE], batch=batch,
                                      transition=BatchTransition.FUNDS_ARRIVED)
    assert batch.status == BatchStatus.APPROVED


def test_cancel_frees_the_people_for_another_batch(users, areas) -> None:
    waiting(users, areas.community_a1)
    batch = _build(users)
    services.batch_transition(actor=users.a[Role.FINANCE], batch=batch, transition=BatchTransition.CANCEL,
                              reason="期次填错")
    assert batch.lines.get().status == LineStatus.EXCLUDED
    assert _build(users).lines.count() == 1


def test_recurring_batch_from_enrolments_and_eligibility(users, areas) -> None:
    from canlian.programmes.services import enrolment_start
    from canlian.registry.tests.factories import PersonFactory

    l5 = Programme.objects.get(code="L5")
    ok = PersonFactory(community=areas.community_a1)
    gone = PersonFactory(community=areas.community_a1)
    # 低保 as the registry records it (a period; rules read the status on the batch date, decision 0016)
    low_income_set(actor=users.a[Role.DISTRICT_OFFICER], person=ok, status="dibao", effective=date(2020, 1, 1))
    for p in (ok, gone):
        account_for(p)
        enrolment_start(actor=users.a[Role.DISTRICT_OFFICER], person=p, programme=l5, start=date(2024, 1, 1),
                        source="manual")
    batch = services.batch_build(actor=users.a[Role.FINANCE], programme=l5, period="2025-03",
                                 batch_date=date(2025, 3, 5))
    assert batch.source == "enrolments"
    line = batch.lines.get()
    assert (line.person_id, line.amount) == (ok.pk, Decimal("94.00"))
    assert [r["person"] for r in batch.left_out] == [gone.pk] and "低保" in batch.left_out[0]["reason"]


def test_household_programme_pays_the_household_once(users, areas) -> None:
    from canlian.applications.tests.factories import make_application
    from canlian.registry.choices import Relation
    from canlian.registry.tests.factories import PersonFactory, make_household

    head = PersonFactory(community=areas.community_a1)
    spouse = PersonFactory(community=areas.community_a1)
    household = make_household(head, (spouse, Relation.SPOUSE))
    account_for(head)
    app = make_application(person=head, creator=users.a[Role.DISTRICT_OFFICER], programme="L3", step="deliver",
                           period="2024")
    Application.objects.filter(pk=app.pk).update(household=household, approved_amount="1800.00")
    batch = _build(users, programme="L3")
    line = batch.lines.get()
    assert (line.household_id, line.person_id, line.amount) == (household.pk, head.pk, Decimal("1800.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(batch=batch, seq=2, ref="X-2", programme=line.programme, period="2024",
                                   person=spouse, household=household, area_code=line.area_code,
                                   funding_source="district", amount=Decimal("1800.00"))


def test_back_dated_batch_and_its_delivery_and_reached_by(users, areas) -> None:
    """The demo enters a past year: `at` stamps the batch events and, through reconciliation, the applications'
    "deliver" events (lateness judged on that day); `reached_by` keeps the cases that reached "deliver" by then;
    a school-year period belongs to the budget year it ends in."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    budget()
    early, late = waiting(users, areas.community_a1, n=2)
    Application.objects.filter(pk=early.pk).update(step_since=date(2024, 4, 1))
    Application.objects.filter(pk=late.pk).update(step_since=date(2024, 4, 20))
    batch = _build(users, batch_date=date(2024, 4, 15), reached_by=date(2024, 4, 14))
    assert list(batch.lines.values_list("application_id", flat=True)) == [early.pk]
    at = datetime(2024, 4, 16, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    finance = users.a[Role.FINANCE]
    batch = services.batch_check(actor=finance, batch=batch, at=at)
    batch = services.batch_transition(actor=users.a[Role.LEADER], batch=batch, transition=BatchTransition.APPROVE,
                                      at=at.replace(hour=10))
    services.batch_export(actor=finance, batch=batch, layout=bank_layout(), at=at.replace(hour=11))
    services.batch_reconcile(actor=finance, batch=batch, file_name="r.xlsx", at=at.replace(day=19),
                             content=return_file(batch, paid_on=date(2024, 4, 18)))
    assert [timezone.localtime(e.at).date() for e in batch.events.order_by("pk")] == [
        date(2024, 4, 16)] * 3 + [date(2024, 4, 19)]
    early.refresh_from_db()
    assert (early.step, early.step_since, early.delivered_on) == ("follow_up", date(2024, 4, 19), date(2024, 4, 18))
    assert early.events.filter(at=at.replace(day=19)).count() == 1  # "deliver", when the return was imported
    l2 = waiting(users, areas.community_a1, n=1, programme="L2", period="2023-2024", amount="1226.00")
    assert l2 and _build(users, programme="L2", period="2023-2024").year == 2024
