from decimal import Decimal

import pytest

from canlian.accounts.choices import Role
from canlian.audit.models import AuditEvent
from canlian.common.exceptions import DomainError, PermissionDenied
from canlian.programmes import services
from canlian.programmes.models import Budget, Programme, Target
from canlian.programmes.tests.factories import preloaded

NEW = {
    "code": "X1", "name": "残疾人家庭子女助学", "field": "livelihood", "unit": "person", "benefit_kind": "cash",
    "periodicity": "school_year", "funding_sources": ["district"], "steps": ["apply", "review", "approve", "deliver"],
}


@pytest.mark.django_db
def test_administrator_adds_a_programme_with_default_deadlines(users):
    programme = services.programme_create(actor=users.a[Role.ADMIN], **NEW)
    assert programme.step_days == {"review": 5, "approve": 5, "deliver": 20}
    assert AuditEvent.objects.filter(action="programme.create", object_id=str(programme.pk)).exists()
    with pytest.raises(DomainError, match="已存在"):
        services.programme_create(actor=users.a[Role.ADMIN], **NEW)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.DISTRICT_OFFICER, Role.LEADER, Role.FINANCE, Role.STREET_OFFICER,
                                  Role.COMMUNITY_COORDINATOR, Role.AUDITOR])
def test_only_administrators_change_the_catalogue(users, role):
    with pytest.raises(PermissionDenied):
        services.programme_create(actor=users.a[role], **NEW)
    with pytest.raises(PermissionDenied):
        services.programme_update(actor=users.a[role], programme=preloaded("R1"), name="改名")
    assert not Programme.objects.filter(code="X1").exists()


@pytest.mark.django_db
def test_update_records_only_what_changed_and_refuses_a_new_code(users):
    admin = users.a[Role.ADMIN]
    r1 = services.programme_update(actor=admin, programme=preloaded("R1"), name="困难精神残疾人服药补助")
    event = AuditEvent.objects.get(action="programme.update")
    assert event.before == {"name": "困难精神残疾人药费补助"} and event.after == {"name": "困难精神残疾人服药补助"}
    assert services.programme_update(actor=admin, programme=r1, name=r1.name) == r1
    assert AuditEvent.objects.filter(action="programme.update").count() == 1
    with pytest.raises(DomainError, match="编号"):
        services.programme_update(actor=admin, programme=r1, code="R9")


@pytest.mark.django_db
def test_targets_per_year_and_street_are_upserted_and_removed(users, areas):
    officer = users.a[Role.DISTRICT_OFFICER]
    r1 = preloaded("R1")
    services.target_set(actor=officer, programme=r1, year=2024, quantity=300)
    services.target_set(actor=officer, programme=r1, year=2024, quantity=310)
    services.target_set(actor=officer, programme=r1, year=2024, quantity=40, street=areas.street_a)
    assert Target.objects.get(programme=r1, year=2024, street=None).quantity == 310
    assert Target.objects.filter(programme=r1, year=2024).count() == 2
    services.target_set(actor=officer, programme=r1, year=2024, quantity=None, street=areas.street_a)
    assert Target.objects.filter(programme=r1, year=2024).count() == 1
    assert [e.action for e in AuditEvent.objects.order_by("id")][-1] == "target.delete"
    with pytest.raises(DomainError, match="街道"):
        services.target_set(actor=officer, programme=r1, year=2024, quantity=3, street=areas.community_a1)
    with pytest.raises(DomainError, match="年度"):
        services.target_set(actor=officer, programme=r1, year=1999, quantity=3)
    with pytest.raises(PermissionDenied):
        services.target_set(actor=users.a[Role.FINANCE], programme=r1, year=2024, quantity=1)


@pytest.mark.django_db
def test_budgets_are_decimal_yuan_per_source(users):
    finance = users.a[Role.FINANCE]
    r1 = preloaded("R1")
    budget = services.budget_set(actor=finance, programme=r1, year=2024, source="upper", amount="300,000.005")
    assert budget.amount == Decimal("300000.01")
    with pytest.raises(DomainError, match="不使用"):
        services.budget_set(actor=finance, programme=preloaded("L1"), year=2024, source="district", amount="1")
    with pytest.raises(DomainError, match="负数"):
        services.budget_set(actor=finance, programme=r1, year=2024, source="upper", amount="-1")
    with pytest.raises(DomainError):
        services.budget_set(actor=finance, programme=r1, year=2024, source="upper", amount="三百")
    with pytest.raises(PermissionDenied):
        services.budget_set(actor=users.a[Role.DISTRICT_OFFICER], programme=r1, year=2024, source="upper", amount="1")
    services.budget_set(actor=finance, programme=r1, year=2024, source="upper", amount=None)
    assert not Budget.objects.exists()


@pytest.mark.django_db
def test_work_year_is_this_year_once_planned_else_the_latest_earlier_planned_year(users):
    from datetime import date

    from canlian.programmes.selectors import work_year

    today = date(2026, 1, 10)
    assert work_year(today) == 2026  # nothing planned anywhere: this year
    officer, finance = users.a[Role.DISTRICT_OFFICER], users.a[Role.FINANCE]
    services.target_set(actor=officer, programme=preloaded("R1"), year=2024, quantity=300)
    assert work_year(today) == 2024
    services.budget_set(actor=finance, programme=preloaded("R1"), year=2025, source="upper", amount="1000")
    services.target_set(actor=officer, programme=preloaded("R1"), year=2027, quantity=300)  # planned ahead
    assert work_year(today) == 2025
    services.target_set(actor=officer, programme=preloaded("L1"), year=2026, quantity=10)
    assert work_year(today) == 2026
