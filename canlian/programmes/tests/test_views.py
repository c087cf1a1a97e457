from decimal import Decimal

import pytest
from django.urls import reverse

from canlian.accounts.choices import Role
from canlian.programmes.models import Budget, Target
from canlian.programmes.services import budget_set, target_set
from canlian.programmes.tests.factories import preloaded


@pytest.fixture
def planned(users):
    target_set(actor=users.a[Role.DISTRICT_OFFICER], programme=preloaded("R1"), year=2024, quantity=300)
    budget_set(actor=users.a[Role.FINANCE], programme=preloaded("R1"), year=2024, source="upper", amount="342000")


@pytest.mark.django_db
def test_list_shows_targets_and_budgets_in_wanyuan(users, client_for, planned, django_assert_max_num_queries):
    client = client_for(users.a[Role.LEADER])
    with django_assert_max_num_queries(12):
        body = client.get(reverse("programmes:list"), {"year": 2024}).content.decode()
    assert "困难精神残疾人药费补助" in body and "300 人" in body and "34.2" in body
    partial = client.get(reverse("programmes:list"), {"year": 2024, "field": "employment"}, HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert "<html" not in text and "辅助性就业" in text and "药费补助" not in text


@pytest.mark.django_db
def test_detail_shows_steps_with_deadlines(users, client_for, planned):
    body = client_for(users.a[Role.COMMUNITY_COORDINATOR]).get(
        reverse("programmes:detail", args=["R1"]), {"year": 2024}).content.decode()
    assert "受理" in body and "5 个工作日" in body and "342,000.00" in body
    assert "下达目标任务" not in body and "编制预算" not in body


@pytest.mark.django_db
def test_officer_sets_targets_per_street_through_the_form(users, client_for, areas):
    client = client_for(users.a[Role.DISTRICT_OFFICER])
    url = reverse("programmes:targets", args=["R1"]) + "?year=2025"
    assert client.get(url).status_code == 200
    response = client.post(url, {"total": "300", f"street_{areas.street_a.pk}": "120"})
    assert response.status_code == 302
    assert Target.objects.get(programme__code="R1", year=2025, street=None).quantity == 300
    assert Target.objects.get(programme__code="R1", year=2025, street=areas.street_a).quantity == 120
    assert client_for(users.a[Role.FINANCE]).get(url).status_code == 403


@pytest.mark.django_db
def test_finance_sets_budgets_through_the_form(users, client_for):
    url = reverse("programmes:budgets", args=["R1"]) + "?year=2025"
    response = client_for(users.a[Role.FINANCE]).post(url, {"upper": "300000", "district": "42000.5"})
    assert response.status_code == 302
    assert Budget.objects.get(programme__code="R1", year=2025, source="district").amount == Decimal("42000.50")
    assert client_for(users.a[Role.DISTRICT_OFFICER]).post(url, {"upper": "1"}).status_code == 403


@pytest.mark.django_db
def test_administrator_creates_a_programme_in_the_ui(users, client_for):
    client = client_for(users.a[Role.ADMIN])
    response = client.post(reverse("programmes:create"), {
        "code": "X2", "name": "助残志愿服务", "field": "culture", "unit": "person", "benefit_kind": "service",
        "periodicity": "yearly", "funding_sources": ["district"], "steps": ["deliver", "apply"], "report_order": "500",
        "is_active": "on",
    })
    assert response.status_code == 302
    assert preloaded("X2").steps == ["apply", "deliver"]
    assert client_for(users.a[Role.DISTRICT_OFFICER]).get(reverse("programmes:create")).status_code == 403
