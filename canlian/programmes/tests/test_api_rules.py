"""API: rules (list, get, draft, publish, check with positions, test a person) and screening (start, status, pages)."""

from __future__ import annotations

from datetime import date

import pytest

from canlian.accounts.choices import Role
from canlian.programmes.choices import EnrolmentSource
from canlian.programmes.models import Programme
from canlian.programmes.services import enrolment_start
from canlian.programmes.tests.helpers import person
from canlian.programmes.tests.test_api import bearer
from canlian.registry.choices import LowIncomeStatus

pytestmark = pytest.mark.django_db
JSON = "application/json"


NOT_DIBAO = "不符合：低保等状态 无，要求 低保；不符合：不属于脱贫人口（要求属于脱贫人口）"


def test_rules_list_draft_check_and_publish(client, users):
    admin = bearer(users.a[Role.ADMIN])
    listing = client.get("/api/v1/programmes/L5/rules", {"year": 2025}, **bearer(users.a[Role.AUDITOR])).json()
    assert [(r["version"], r["status"]) for r in listing] == [(1, "published")]
    got = client.get(f"/api/v1/programmes/rules/{listing[0]['id']}", **admin)
    assert got.status_code == 200, got.content[:3000]
    assert got.json()["amount_spec"]["amount"] == "94.00"
    bad = client.post("/api/v1/programmes/rules/check", {"eligibility": "age >= 60 且 salary > 1"},
                      content_type=JSON, **admin).json()
    assert bad["ok"] is False and (bad["error"]["line"], bad["error"]["column"]) == (1, 13)
    assert "salary" in bad["error"]["message"] and "^" in bad["error"]["excerpt"]
    good = client.post("/api/v1/programmes/rules/check", {"eligibility": "age>=60且severe"}, content_type=JSON,
                       **admin).json()
    assert good["ok"] and good["count"] == 0 and good["normalized"]
    refused = client.post("/api/v1/programmes/L5/rules", {"year": 2025, "eligibility": "import os"},
                          content_type=JSON, **admin)
    assert refused.status_code == 400 and "第 1 行" in refused.json()["detail"]
    draft = client.post("/api/v1/programmes/L5/rules",
                        {"year": 2025, "eligibility": 'low_income == "低保" and alive',
                         "amount_spec": {"kind": "monthly", "amount": "100.00", "months": 12}},
                        content_type=JSON, **admin)
    assert draft.status_code == 201 and draft.json()["version"] == 2
    published = client.post(f"/api/v1/programmes/rules/{draft.json()['id']}/publish", {"note": "调标"},
                            content_type=JSON, **admin).json()
    assert published["status"] == "published"
    statuses = {r["version"]: r["status"] for r in client.get("/api/v1/programmes/L5/rules", {"year": 2025},
                                                               **admin).json()}
    assert statuses == {1: "superseded", 2: "published"}
    officer = client.post("/api/v1/programmes/L5/rules", {"year": 2025, "eligibility": "alive"},
                          content_type=JSON, **bearer(users.a[Role.DISTRICT_OFFICER]))
    assert officer.status_code == 403


def test_eligibility_endpoint_explains(areas, client, users):
    p = person(community=areas.community_a1, birth=date(1970, 5, 1), low_income=LowIncomeStatus.DIBAO)
    officer = bearer(users.a[Role.STREET_OFFICER])
    body = client.post("/api/v1/programmes/L4/eligibility", {"id_number": p.decrypt_id_number(),
                                                              "ref_date": "2025-03-01"}, content_type=JSON,
                       **officer).json()
    assert body["eligible"] is False and body["reasons"] == ["不符合：年龄 54 岁，要求 ≥ 60 岁"]
    missing_year = client.post("/api/v1/programmes/L4/eligibility",
                               {"id_number": p.decrypt_id_number(), "ref_date": "2030-03-01"},
                               content_type=JSON, **officer)
    assert missing_year.status_code == 400 and "2030 年度尚未发布规则" in missing_year.json()["detail"]
    other_street = client.post("/api/v1/programmes/L4/eligibility",
                               {"id_number": p.decrypt_id_number(), "ref_date": "2025-03-01"},
                               content_type=JSON, **bearer(users.b[Role.STREET_OFFICER]))
    assert other_street.status_code == 404


def test_screening_start_status_and_cursor_pages(areas, client, users, django_capture_on_commit_callbacks):
    officer = users.a[Role.DISTRICT_OFFICER]
    for _i in range(5):
        person(community=areas.community_a1, low_income=LowIncomeStatus.DIBAO)
    gone = person(community=areas.community_a1)
    enrolment_start(actor=officer, person=gone, programme=Programme.objects.get(code="L5"), start=date(2025, 1, 1),
                    source=EnrolmentSource.MANUAL)
    auth = bearer(officer)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/api/v1/programmes/screening/runs", {"programme": "L5", "ref_date": "2025-03-01"},
                              content_type=JSON, **auth)
    assert started.status_code == 201
    run_id = started.json()[0]["id"]
    status = client.get(f"/api/v1/programmes/screening/runs/{run_id}", **auth).json()
    assert status["status"] == "done" and (status["missing"], status["excess"]) == (5, 1)
    page = client.get(f"/api/v1/programmes/screening/runs/{run_id}/results", {"kind": "missing", "limit": 3},
                      **auth).json()
    assert len(page["items"]) == 3 and page["next_cursor"]
    rest = client.get(f"/api/v1/programmes/screening/runs/{run_id}/results",
                      {"kind": "missing", "limit": 3, "cursor": page["next_cursor"]}, **auth).json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    assert not {i["id"] for i in page["items"]} & {i["id"] for i in rest["items"]}
    excess = client.get(f"/api/v1/programmes/screening/runs/{run_id}/results", {"kind": "excess"}, **auth).json()
    assert excess["items"][0]["reason"] == NOT_DIBAO
    hidden = client.get(f"/api/v1/programmes/screening/runs/{run_id}", **bearer(users.b[Role.STREET_OFFICER]))
    assert hidden.status_code == 404
