"""Payment screens: list, batch page with totals and line search (HTMX), actions, person page, access."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from canlian.accounts.choices import Role
from canlian.payments import services
from canlian.payments.tests.factories import budget, return_file, waiting
from canlian.programmes.models import Programme

pytestmark = pytest.mark.django_db


def _batch(users, areas):
    apps = waiting(users, areas.community_a1, n=3)
    return services.batch_build(actor=users.a[Role.FINANCE], programme=Programme.objects.get(code="R1"),
                                period="2024", batch_date=date(2024, 4, 15)), apps


def test_list_and_page_by_role(users, areas, client_for, django_assert_max_num_queries) -> None:
    batch, apps = _batch(users, areas)
    for role in (Role.FINANCE, Role.LEADER, Role.DISTRICT_OFFICER, Role.AUDITOR):
        client = client_for(users.a[role])
        assert batch.code in client.get(reverse("payments:list")).content.decode()
        page = client.get(reverse("payments:detail", args=[batch.pk])).content.decode()
        assert apps[0].person.name in page and "上级资金" in page
        assert apps[0].person.bank_accounts.get().decrypt_number() not in page  # masked on screen
    assert client_for(users.a[Role.ADMIN]).get(reverse("payments:list")).status_code == 403
    assert client_for(users.a[Role.STREET_OFFICER]).get(reverse("payments:detail", args=[batch.pk])).status_code == 404
    assert "发放前核查" in client_for(users.a[Role.FINANCE]).get(batch.get_absolute_url()).content.decode()
    assert "发放前核查" not in client_for(users.a[Role.LEADER]).get(batch.get_absolute_url()).content.decode()
    waiting(users, areas.community_a2, n=2, period="2024-b")
    services.batch_build(actor=users.a[Role.FINANCE], programme=Programme.objects.get(code="R1"), period="2024-b",
                         batch_date=date(2024, 4, 15))
    client = client_for(users.a[Role.FINANCE])
    client.get(reverse("payments:list"))
    with django_assert_max_num_queries(10):
        client.get(reverse("payments:list"))


def test_list_shows_budget_committed_and_paid_for_a_programme_year(users, areas, client_for) -> None:
    _batch(users, areas)
    budget(amount="345000.00")
    page = client_for(users.a[Role.LEADER]).get(reverse("payments:list"), {"programme": "R1", "year": 2024})
    body = page.content.decode()
    assert "预算执行" in body and "345,000.00" in body


def test_line_search_htmx_partial(users, areas, client_for) -> None:
    batch, apps = _batch(users, areas)
    client = client_for(users.a[Role.FINANCE])
    response = client.get(batch.get_absolute_url(), {"lines": 1, "q": apps[1].person.name}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and apps[1].person.name in body and apps[0].person.name not in body


def test_actions_through_the_screens(users, areas, client_for) -> None:
    batch, _apps = _batch(users, areas)
    budget()
    finance, leader = client_for(users.a[Role.FINANCE]), client_for(users.a[Role.LEADER])
    finance.post(reverse("payments:act", args=[batch.pk]), {"transition": "check"})
    batch.refresh_from_db()
    assert batch.status == "checked"
    leader.post(reverse("payments:act", args=[batch.pk]), {"transition": "approve"})
    batch.refresh_from_db()
    assert batch.status == "approved"
    from canlian.payments.models import RosterLayout

    response = finance.post(reverse("payments:export", args=[batch.pk]),
                            {"layout": RosterLayout.objects.get(name="农商行代发").pk})
    assert response.status_code == 200 and response["X-Content-SHA256"]
    batch.refresh_from_db()
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("r.xlsx", return_file(batch, drop=1))
    page = finance.post(reverse("payments:reconcile", args=[batch.pk]), {"file": bad}).content.decode()
    assert "未做任何更改" in page and "缺少 1 条明细" in page
    good = SimpleUploadedFile("r.xlsx", return_file(batch))
    finance.post(reverse("payments:reconcile", args=[batch.pk]), {"file": good})
    batch.refresh_from_db()
    assert batch.status == "reconciled"


def test_person_page_shows_payment_history_in_the_area(users, areas, client_for) -> None:
    batch, apps = _batch(users, areas)
    person = apps[0].person
    url = reverse("registry:person_detail", args=[person.pk])
    page = client_for(users.a[Role.COMMUNITY_COORDINATOR]).get(url).content.decode()
    assert "发放记录" in page and batch.code in page


def test_build_screen(users, areas, client_for) -> None:
    waiting(users, areas.community_a1)
    client = client_for(users.a[Role.FINANCE])
    response = client.post(reverse("payments:build"), {"programme": "R1", "period": "2024",
                                                       "batch_date": "2024-04-15"})
    assert response.status_code == 302
    assert client_for(users.a[Role.LEADER]).get(reverse("payments:build")).status_code == 403


def test_layouts_are_edited_in_the_ui(users, areas, client_for) -> None:
    from canlian.audit.models import AuditEvent
    from canlian.payments.models import RosterLayout

    layout = RosterLayout.objects.get(name="农商行代发")
    admin = client_for(users.a[Role.ADMIN])
    assert "农商行代发" in admin.get(reverse("payments:layouts")).content.decode()
    form = {"kind": "bank", "name": "农商行代发", "bank_name": "农村商业银行", "file_format": "csv",
            "columns": '[{"header": "编号", "field": "line_ref"}, {"header": "卡号", "field": "account_number"}, '
                       '{"header": "金额", "field": "amount"}]',
            "return_columns": '{"line_ref": "编号", "amount": "金额", "result": "结果"}',
            "success_text": "成功、已入账", "is_active": "on"}
    assert admin.post(reverse("payments:layout_edit", args=[layout.pk]), form).status_code == 302
    layout.refresh_from_db()
    assert (layout.file_format, layout.success_values, len(layout.columns)) == ("csv", ["成功", "已入账"], 3)
    assert AuditEvent.objects.filter(action="roster_layout.save").exists()
    bad = {**form, "columns": '[{"header": "姓名", "field": "name"}]'}
    page = admin.post(reverse("payments:layout_edit", args=[layout.pk]), bad).content.decode()
    assert "明细编号" in page
    assert client_for(users.a[Role.LEADER]).get(reverse("payments:layouts")).status_code == 403
