"""The rule editor, the reference page, screening screens and the person's enrolments: views and permissions."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from canlian.accounts.choices import Role
from canlian.programmes.choices import EnrolmentSource, RuleStatus, ScreeningKind
from canlian.programmes.models import Enrolment, Programme, RuleVersion, ScreeningRun, ScreeningSelection
from canlian.programmes.services import enrolment_start
from canlian.programmes.tests.helpers import REF, person
from canlian.registry.choices import LowIncomeStatus

pytestmark = pytest.mark.django_db


def test_programme_page_shows_the_years_rule_and_history(users, client_for):
    response = client_for(users.a[Role.STREET_OFFICER]).get(reverse("programmes:detail", args=["L5"]) + "?year=2025")
    body = response.content.decode()
    assert "low_income == &quot;低保&quot;" in body and "每月 94.00 元" in body
    assert "编辑规则" not in body
    response = client_for(users.a[Role.STREET_OFFICER]).get(reverse("programmes:detail", args=["L5"]) + "?year=2030")
    assert "2030 年度尚未发布规则" in response.content.decode()


def test_only_administrators_edit_rules(users, client_for):
    url = reverse("programmes:rule_edit", args=["L4", 2025])
    assert client_for(users.a[Role.DISTRICT_OFFICER]).get(url).status_code == 403
    response = client_for(users.a[Role.ADMIN]).get(url)
    assert response.status_code == 200
    assert "age &gt;= 60" in response.content.decode()


def test_live_check_shows_position_and_caret_then_the_count(areas, users, client_for):
    person(community=areas.community_a1, birth=date(1950, 1, 1))
    person(community=areas.community_a1, birth=date(1990, 1, 1))
    client = client_for(users.a[Role.ADMIN])
    url = reverse("programmes:rule_check", args=["L4", 2025])
    body = client.post(url, {"eligibility": "age >= 60 且 salary > 1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "第 1 行第 13 列" in body and "^" in body
    body = client.post(url, {"eligibility": "age >= 60"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'class="preview-count">1<' in body


def test_test_person_explains_in_chinese(areas, users, client_for):
    p = person(community=areas.community_a1, birth=date(1970, 1, 1), name="王测试")
    url = reverse("programmes:rule_test_person", args=["L4", 2025])
    body = client_for(users.a[Role.ADMIN]).post(
        url, {"eligibility": "age >= 60", "person": p.decrypt_id_number(), "ref_date": "2025-03-01"}
    ).content.decode()
    assert "王测试" in body and "不符合：年龄 55 岁，要求 ≥ 60 岁" in body


def test_save_draft_then_publish_supersedes_only_that_year(users, client_for):
    client = client_for(users.a[Role.ADMIN])
    url = reverse("programmes:rule_edit", args=["L4", 2025])
    bad = client.post(url, {"eligibility": "age >= 60 且 (", "amount_kind": "fixed", "amount": "1000"})
    assert "第 1 行" in bad.content.decode() and not RuleVersion.objects.filter(status=RuleStatus.DRAFT).exists()
    response = client.post(url, {"eligibility": "age >= 65", "amount_kind": "fixed", "amount": "1200",
                                 "note": "提高年龄"})
    draft = RuleVersion.objects.get(status=RuleStatus.DRAFT)
    assert response.status_code == 302 and draft.version == 2 and draft.amount_spec["amount"] == "1200.00"
    response = client.post(reverse("programmes:rule_publish", args=[draft.pk]), {"note": "2025 年调整"})
    assert response.status_code == 302
    l4 = Programme.objects.get(code="L4")
    statuses = dict(RuleVersion.objects.filter(programme=l4).values_list("year", "status").order_by("year", "version"))
    assert RuleVersion.objects.get(programme=l4, year=2025, version=1).status == RuleStatus.SUPERSEDED
    assert RuleVersion.objects.get(programme=l4, year=2025, version=2).status == RuleStatus.PUBLISHED
    assert statuses[2024] == RuleStatus.PUBLISHED


def test_reference_page_lists_the_whitelist(users, client_for):
    body = client_for(users.a[Role.COMMUNITY_COORDINATOR]).get(reverse("programmes:rule_reference")).content.decode()
    for name in ("household_certified_count", "low_income_on(状态, 日期)", "enrolled(项目)", "certificate_valid"):
        assert name in body


def test_screening_screens_run_filter_export_and_queue(areas, users, client_for, django_capture_on_commit_callbacks,
                                                        django_assert_max_num_queries):
    officer = users.a[Role.STREET_OFFICER]
    l5 = Programme.objects.get(code="L5")
    for _i in range(3):
        person(community=areas.community_a1, low_income=LowIncomeStatus.DIBAO)
    gone = person(community=areas.community_a2)
    enrolment_start(actor=officer, person=gone, programme=l5, start=date(2025, 1, 1), source=EnrolmentSource.MANUAL)
    client = client_for(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("programmes:screening_list"),
                               {"programme": l5.pk, "ref_date": REF.isoformat(), "kind": ScreeningKind.BOTH})
    run = ScreeningRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("programmes:screening_detail",
                                                                           args=[run.pk])
    with django_assert_max_num_queries(25):
        body = client.get(response["Location"]).content.decode()
    assert "不符合：低保等状态 无，要求 低保" in body and body.count('name="result"') == 3
    body = client.get(response["Location"] + f"?kind=excess&area={areas.community_a2.code}").content.decode()
    assert body.count("badge err") >= 1 and 'name="result"' not in body
    export = client.get(reverse("programmes:screening_export", args=[run.pk]))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    ids = list(run.results.filter(kind=ScreeningKind.MISSING).values_list("pk", flat=True))
    client.post(reverse("programmes:screening_select", args=[run.pk]), {"result": ids})
    assert ScreeningSelection.objects.filter(status="queued_for_application").count() == 3
    status = client.get(response["Location"] + "?status=1", HTTP_HX_REQUEST="true")
    assert status["HX-Refresh"] == "true"
    other = client_for(users.b[Role.STREET_OFFICER]).get(response["Location"])
    assert other.status_code == 404


def test_person_enrolments_page_records_and_ends(areas, users, client_for):
    p = person(community=areas.community_a1)
    coordinator = users.a[Role.COMMUNITY_COORDINATOR]
    client = client_for(coordinator)
    url = reverse("programmes:person_enrolments", args=[p.pk])
    l1 = Programme.objects.get(code="L1")
    assert client.post(url, {"programme": l1.pk, "start": "2025-01-01"}).status_code == 302
    enrolment = Enrolment.objects.get(person=p)
    assert "L1" in client.get(reverse("registry:person_detail", args=[p.pk])).content.decode()
    twice = client.post(url, {"programme": l1.pk, "start": "2025-02-01"})
    assert "已在享" in twice.content.decode()
    client.post(reverse("programmes:enrolment_end", args=[enrolment.pk]), {"end": "2025-02-28", "reason": "死亡"})
    enrolment.refresh_from_db()
    assert enrolment.end == date(2025, 2, 28) and enrolment.end_reason == "死亡"
    assert client_for(users.b[Role.COMMUNITY_COORDINATOR]).get(url).status_code == 404
