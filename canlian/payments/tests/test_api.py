"""The payments API: build, check, approve, export, reconcile (with a refused file), lines, access."""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest
from django.test import Client

from canlian.accounts.choices import Role
from canlian.accounts.services import api_token_create
from canlian.payments.models import Batch
from canlian.payments.tests.factories import budget, return_file, waiting

pytestmark = pytest.mark.django_db
BASE = "/api/v1/payments"


class Api:
    def __init__(self, user) -> None:
        _token, plain = api_token_create(actor=user, name="test")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")

    def get(self, path: str, **params: object):
        return self.client.get(BASE + path, params)

    def post(self, path: str, body: dict):
        return self.client.post(BASE + path, json.dumps(body), content_type="application/json")


def test_the_whole_flow_over_the_api(users, areas) -> None:
    waiting(users, areas.community_a1, n=2)
    budget()
    finance, leader = Api(users.a[Role.FINANCE]), Api(users.a[Role.LEADER])
    created = finance.post("/batches", {"programme": "R1", "period": "2024", "batch_date": "2024-04-15"})
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["allowed_transitions"] == ["check", "cancel"]
    assert finance.post(f"/batches/{pk}/transitions", {"transition": "check"}).json()["status"] == "checked"
    assert finance.post(f"/batches/{pk}/transitions", {"transition": "approve"}).status_code == 403
    assert leader.post(f"/batches/{pk}/transitions", {"transition": "approve"}).json()["status"] == "approved"
    exported = finance.post(f"/batches/{pk}/export", {"layout": "农商行代发"})
    assert exported.status_code == 200 and exported.json()["lines"] == 2
    assert len(base64.b64decode(exported.json()["content_base64"])) > 100
    lines = finance.get(f"/batches/{pk}/lines").json()
    assert len(lines) == 2 and "****" in lines[0]["account_masked"]
    batch = Batch.objects.get(pk=pk)
    bad = return_file(batch, drop=1)
    refused = finance.client.post(f"{BASE}/batches/{pk}/reconciliation", {"file": _upload(bad)})
    assert refused.status_code == 400 and "缺少 1 条明细" in refused.json()["errors"][0]["reason"]
    ok = finance.client.post(f"{BASE}/batches/{pk}/reconciliation",
                             {"file": _upload(return_file(batch, paid_on=date(2024, 4, 20)))})
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "reconciled"
    assert {line["status"] for line in finance.get(f"/batches/{pk}/lines").json()} == {"paid"}


def _upload(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("回盘.xlsx", content)


def test_roles_and_areas(users, areas) -> None:
    waiting(users, areas.community_a1)
    assert Api(users.a[Role.DISTRICT_OFFICER]).post(
        "/batches", {"programme": "R1", "period": "2024", "batch_date": "2024-04-15"}).status_code == 403
    batch = Api(users.a[Role.FINANCE]).post(
        "/batches", {"programme": "R1", "period": "2024", "batch_date": "2024-04-15"}).json()
    # a street officer sees no district batch; the coordinator of the person's community sees the person's line
    assert Api(users.a[Role.STREET_OFFICER]).get(f"/batches/{batch['id']}").status_code == 404
    person = Batch.objects.get(pk=batch["id"]).lines.get().person_id
    assert len(Api(users.a[Role.COMMUNITY_COORDINATOR]).get(f"/persons/{person}/lines").json()) == 1
    assert Api(users.b[Role.COMMUNITY_COORDINATOR]).get(f"/persons/{person}/lines").json() == []
    assert Api(users.a[Role.ADMIN]).get("/batches").status_code == 403
