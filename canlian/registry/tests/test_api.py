"""The registry API: same services, scoping and masking as the screens; full numbers only via reveal."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from canlian.accounts.choices import Role
from canlian.accounts.services import api_token_create
from canlian.audit.models import AuditEvent
from canlian.common.certificate import make_certificate_number
from canlian.registry.models import Person
from canlian.registry.tests.factories import PersonFactory, certificate_number, make_account, new_id_number

pytestmark = pytest.mark.django_db
BASE = "/api/v1/registry"


class Api:
    def __init__(self, user) -> None:
        _token, plain = api_token_create(actor=user, name="test")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")

    def get(self, path: str, **params: object):
        return self.client.get(BASE + path, params)

    def post(self, path: str, body: dict | None = None):
        return self.client.post(BASE + path, json.dumps(body or {}), content_type="application/json")

    def patch(self, path: str, body: dict):
        return self.client.patch(BASE + path, json.dumps(body), content_type="application/json")


def test_list_filters_and_cursor(users, areas) -> None:
    for i in range(7):
        PersonFactory(community=areas.community_a1, certificate__grade=1 if i % 2 else 3)
    api = Api(users[Role.DISTRICT_OFFICER])
    first = api.get("/persons", grade="1", limit=2).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api.get("/persons", grade="1", limit=2, after=first["next_cursor"]).json()
    ids = [p["id"] for p in first["items"] + rest["items"]]
    assert len(set(ids)) == 3 and rest["next_cursor"] is None
    assert all(p["grade"] == 1 for p in first["items"])


def test_search_by_body(users, people) -> None:
    api = Api(users.a[Role.STREET_OFFICER])
    found = api.post("/persons/search", {"q": people.a1.decrypt_id_number()}).json()
    assert [p["name"] for p in found["items"]] == ["甲一张三"]
    assert api.post("/persons/search", {"q": people.b1.decrypt_id_number()}).json()["items"] == []


def test_scoping(users, people) -> None:
    api = Api(users.a[Role.COMMUNITY_COORDINATOR])
    assert [p["name"] for p in api.get("/persons").json()["items"]] == ["甲一张三"]
    assert api.get(f"/persons/{people.a2.pk}").status_code == 404
    assert api.get(f"/persons/{people.b1.pk}/certificates").status_code == 404
    assert api.post(f"/persons/{people.b1.pk}/reveal-id").status_code == 404
    assert api.get("/persons", q=people.b1.decrypt_id_number()).json()["items"] == []
    street_b = Api(users.b[Role.STREET_OFFICER])
    assert {p["name"] for p in street_b.get("/persons").json()["items"]} == {"乙一王五"}


@pytest.mark.parametrize("role", [Role.LEADER, Role.AUDITOR])
def test_masked_for_leaders_and_auditors(users, people, role: Role) -> None:
    account = make_account(people.a1)
    api = Api(users[role])
    bodies = [
        api.get("/persons").content.decode(),
        api.get(f"/persons/{people.a1.pk}").content.decode(),
        api.get(f"/persons/{people.a1.pk}/certificates").content.decode(),
        api.get(f"/persons/{people.a1.pk}/bank-accounts").content.decode(),
        api.get("/persons", q=people.a1.decrypt_id_number()).content.decode(),
    ]
    for body in bodies:
        for person in (people.a1, people.a2, people.b1):
            assert person.decrypt_id_number() not in body
        assert "6222021234567890123" not in body
    assert people.a1.id_number_masked in bodies[1] and "6222 **** **** 0123" in bodies[3]
    assert api.post(f"/persons/{people.a1.pk}/reveal-id").status_code == 403
    assert api.post(f"/bank-accounts/{account.pk}/reveal").status_code == 403


def test_reveal_is_audited(users, people) -> None:
    api = Api(users.a[Role.STREET_OFFICER])
    response = api.post(f"/persons/{people.a1.pk}/reveal-id")
    assert response.json() == {"number": people.a1.decrypt_id_number()}
    account = make_account(people.a1)
    assert api.post(f"/bank-accounts/{account.pk}/reveal").json() == {"number": "6222021234567890123"}
    assert AuditEvent.objects.filter(action__in=["person.reveal_id", "bank_account.reveal"]).count() == 2


def test_create_update_and_lifecycle(users, areas) -> None:
    api = Api(users[Role.DISTRICT_OFFICER])
    number = new_id_number(date(1975, 5, 5))
    response = api.post(
        "/persons",
        {
            "name": "接口登记",
            "id_number": number,
            "community_code": areas.community_a1.code,
            "hukou_type": "urban",
            "certificate": {
                "number": make_certificate_number(number, 6, 2),
                "category": 6,
                "grade": 2,
                "issue_date": "2021-01-01",
            },
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["birth_date"] == "1975-05-05" and body["certificate_status"] == "valid"
    assert number not in response.content.decode()
    pid = body["id"]
    assert api.patch(f"/persons/{pid}", {"phone": "13811112222"}).json()["phone"] == "13811112222"
    duplicate = api.post(
        "/persons",
        {"name": "重复", "id_number": number, "community_code": areas.community_a1.code, "hukou_type": "urban"},
    )
    assert duplicate.status_code == 409
    bad = api.post(
        "/persons",
        {
            "name": "错号",
            "id_number": "530102192005080119",
            "community_code": areas.community_a1.code,
            "hukou_type": "urban",
        },
    )
    assert bad.status_code == 400 and bad.json()["field"] == "id_number"
    person = Person.objects.get(pk=pid)
    cert = api.post(
        f"/persons/{pid}/certificates",
        {
            "number": certificate_number(person, grade=1),
            "category": 6,
            "grade": 1,
            "issue_date": "2024-01-01",
            "reason": "复评",
        },
    )
    assert cert.status_code == 201 and cert.json()["is_current"]
    history = api.get(f"/persons/{pid}/certificates").json()
    assert [c["status"] for c in history] == ["valid", "superseded"]
    assert (
        api.post(f"/persons/{pid}/low-income", {"date": "2024-02-01", "status": "dibao"}).json()["low_income_status"]
        == "dibao"
    )
    assert (
        api.post(f"/persons/{pid}/move-in", {"date": "2024-03-01", "community_code": areas.community_b1.code}).json()[
            "community_code"
        ]
        == areas.community_b1.code
    )
    assert (
        api.post(f"/certificates/{cert.json()['id']}/cancel", {"date": "2024-04-01", "reason": "注销"}).json()["status"]
        == "cancelled"
    )
    assert api.post(f"/persons/{pid}/death", {"date": "2024-05-01"}).json()["life_status"] == "deceased"
    changes = api.get(f"/persons/{pid}/status-changes").json()
    assert {c["source"] for c in changes} == {"api"}
    assert len(changes) == 6  # 登记 names the certificate held at registration (decision 0020)


def test_refusals_map_to_status_codes(users, people) -> None:
    coordinator = Api(users.a[Role.COMMUNITY_COORDINATOR])
    refused = coordinator.post(
        f"/persons/{people.a1.pk}/certificates",
        {"number": certificate_number(people.a1, grade=1), "category": 4, "grade": 1, "issue_date": "2024-01-01"},
    )
    assert refused.status_code == 403
    leader = Api(users[Role.LEADER])
    assert leader.patch(f"/persons/{people.a1.pk}", {"phone": "1"}).status_code == 403
    assert Api(users[Role.ADMIN]).get("/persons").status_code == 403
    assert Client().get(BASE + "/persons").status_code == 401


def test_households_and_bank_accounts(users, areas, people) -> None:
    api = Api(users.a[Role.STREET_OFFICER])
    created = api.post("/households", {"community_code": areas.community_a1.code, "head_id": people.a1.pk})
    assert created.status_code == 201
    hid = created.json()["id"]
    added = api.post(f"/households/{hid}/members", {"person_id": people.a2.pk, "relation": "spouse"}).json()
    assert added["certified_count"] == 2 and added["multi_disabled"]
    assert [h["id"] for h in api.get("/households", multi_disabled=True).json()["items"]] == [hid]
    member = next(m for m in added["members"] if m["person_id"] == people.a2.pk)
    early = api.post(f"/households/{hid}/members/{member['id']}/remove", {"left_on": "2024-06-01"})
    assert early.status_code == 400  # before the member joined
    removed = api.post(f"/households/{hid}/members/{member['id']}/remove", {}).json()
    assert removed["certified_count"] == 1
    assert Api(users.b[Role.STREET_OFFICER]).get(f"/households/{hid}").status_code == 404
    finance = Api(users[Role.FINANCE])
    account = finance.post(
        f"/persons/{people.a1.pk}/bank-accounts", {"bank_name": "建设银行", "account_number": "6217001234567890"}
    )
    assert account.status_code == 201 and account.json()["account_masked"] == "6217 **** **** 7890"
    assert "6217001234567890" not in account.content.decode()
    aid = account.json()["id"]
    assert finance.post(f"/bank-accounts/{aid}/deactivate").json()["is_active"] is False


def test_openapi_is_valid(users) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/registry/persons" in schema["paths"]
    assert "/api/v1/registry/persons/{person_id}/reveal-id" in schema["paths"]
