"""Roster layouts as data: validation, the CSV bank layout round trip, and the L1 national template."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from python_calamine import CalamineWorkbook

from canlian.accounts.choices import Role
from canlian.audit.models import AuditEvent
from canlian.common.exceptions import DomainError
from canlian.payments import services
from canlian.payments.choices import BatchTransition
from canlian.payments.models import RosterLayout
from canlian.payments.tests.factories import budget, waiting
from canlian.programmes.models import Programme

pytestmark = pytest.mark.django_db


def _approved(users, programme: str = "R1", amount: str = "1000.00"):
    batch = services.batch_build(actor=users.a[Role.FINANCE], programme=Programme.objects.get(code=programme),
                                 period="2024", batch_date=date(2024, 4, 15))
    batch = services.batch_check(actor=users.a[Role.FINANCE], batch=batch)
    for f in services.unresolved(batch):
        services.finding_resolve(actor=users.a[Role.FINANCE], finding=f, resolution="核实")
    return services.batch_transition(actor=users.a[Role.LEADER], batch=batch, transition=BatchTransition.APPROVE)


def test_layout_validation_and_audited_save(users, preloaded) -> None:
    bad = RosterLayout(kind="bank", name="坏格式", columns=[{"header": "姓名", "field": "name"}])
    with pytest.raises(ValidationError, match="明细编号"):
        services.layout_save(actor=users.a[Role.FINANCE], layout=bad)
    bad.columns = [{"header": "x", "field": "nonsense"}]
    with pytest.raises(ValidationError, match="无法识别"):
        bad.full_clean()
    layout = RosterLayout.objects.get(name="农商行代发")
    layout.columns = [*layout.columns, {"header": "联系电话", "field": "phone"}]
    services.layout_save(actor=users.a[Role.FINANCE], layout=layout)
    assert AuditEvent.objects.filter(action="roster_layout.save", object_id=str(layout.pk)).exists()
    with pytest.raises(DomainError, match="无权"):
        services.layout_save(actor=users.a[Role.LEADER], layout=layout)


def test_csv_bank_layout_round_trip(users, areas) -> None:
    apps = waiting(users, areas.community_a1, n=2)
    budget()
    batch = _approved(users)
    layout = RosterLayout.objects.get(name="邮储银行代发（CSV）")
    out = services.batch_export(actor=users.a[Role.FINANCE], batch=batch, layout=layout)
    assert out.file_name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(out.content.decode("utf-8-sig"))))
    assert rows[0] == ["流水号", "账号", "户名", "金额", "用途"]
    assert rows[1][1] == apps[0].person.bank_accounts.get().decrypt_number() and rows[1][3] == "1000.00"
    answer = io.StringIO()
    writer = csv.writer(answer)
    writer.writerow(["流水号", "账号", "金额", "状态", "备注", "日期"])
    for ref, account, _holder, amount, _use in rows[1:]:
        writer.writerow([ref, account, amount, "成功", "", "2024/04/18"])
    back = services.batch_reconcile(actor=users.a[Role.FINANCE], batch=batch, file_name="回盘.csv",
                                    content=answer.getvalue().encode("gb18030"), today=date(2024, 4, 30))
    assert (back.paid, back.failed) == (2, 0)
    assert set(batch.lines.values_list("paid_on", flat=True)) == {date(2024, 4, 18)}


def test_l1_national_template(users, areas) -> None:
    from canlian.applications.models import Application
    from canlian.applications.tests.factories import make_application
    from canlian.payments.tests.factories import account_for
    from canlian.registry.tests.factories import PersonFactory

    person = PersonFactory(community=areas.community_a1, name="轮椅车主", certificate__category=4,
                           certificate__grade=2)
    account_for(person)
    app = make_application(person=person, creator=users.a[Role.DISTRICT_OFFICER], programme="L1", step="deliver",
                           period="2024")
    Application.objects.filter(pk=app.pk).update(approved_amount="260.00")
    budget(programme="L1")
    batch = _approved(users, programme="L1")
    layout = RosterLayout.objects.get(name="中残联燃油补贴系统")
    out = services.batch_export_national(actor=users.a[Role.FINANCE], batch=batch, layout=layout)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(out.content)).get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["姓名", "身份证号", "残疾人证号"]
    person.refresh_from_db()
    assert rows[1][0] == "轮椅车主" and rows[1][2] == person.decrypt_id_number() + "42"
    assert rows[1][3] == "肢体" and rows[1][7] == 260
    batch.refresh_from_db()
    assert batch.status == "approved" and batch.exports.get().layout == layout
    with pytest.raises(DomainError, match="与本批次项目不符"):
        r1 = _approved_r1(users, areas)
        services.batch_export_national(actor=users.a[Role.FINANCE], batch=r1, layout=layout)


def _approved_r1(users, areas):
    waiting(users, areas.community_a2)
    budget()
    return _approved(users)


def test_roster_export_command_as_finance(users, areas, tmp_path) -> None:
    """`manage.py export roster batch=… layout=…`: the batch page's export, audited, as the named user."""
    from django.core.management import CommandError, call_command

    from canlian.payments.tests.test_services import _approved, _build

    waiting(users, areas.community_a1, n=2)
    budget()
    batch = _approved(users, _build(users))
    with pytest.raises(CommandError, match="layout="):
        call_command("export", "roster", f"batch={batch.pk}", "--user", users.a[Role.FINANCE].username)
    out = tmp_path / "roster.xlsx"
    call_command("export", "roster", f"batch={batch.code}", "layout=农商行代发", "--user",
                 users.a[Role.FINANCE].username, "-o", str(out))
    batch.refresh_from_db()
    assert out.read_bytes()[:2] == b"PK" and batch.status == "exported"
    assert AuditEvent.objects.filter(action="payment_batch.roster_reveal").count() == 1
    with pytest.raises(CommandError):
        call_command("export", "roster", f"batch={batch.pk}", "layout=农商行代发", "--user",
                     users.a[Role.LEADER].username)
