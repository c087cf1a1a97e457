from __future__ import annotations

import json

import pytest
from django.test import Client

from canlian.accounts.choices import Role
from canlian.accounts.services import api_token_create
from canlian.applications.models import Application
from canlian.applications.tests.factories import make_application, r1_person
from canlian.registry.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/applications"


class Api:
    def __init__(self, user) -> None:
        _token, plain = api_token_create(actor=user, name="test")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")

    def get(self, path: str, **params: object):
        return self.client.get(BASE + path, params)

    def post(self, path: str, body: dict):
        return self.client.post(BASE + path, json.dumps(body), content_type="application/json")


def test_create_read_list_and_transition(users, areas) -> None:
    person = r1_person(areas.community_a1)
    coord = Api(users.a[Role.COMMUNITY_COORDINATOR])
    created = coord.post("/", {"person_id": person.pk, "programme": "R1", "year": 2024, "requested_amount": "1000"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["step"] == "accept" and body["events"][0]["transition"] == "create"
    assert "advance" in body["allowed_transitions"]
    pk = body["id"]
    moved = coord.post(f"/{pk}/transitions", {"transition": "advance", "opinion": "受理", "version": 0})
    assert moved.status_code == 200 and moved.json()["step"] == "home_survey"
    stale = coord.post(f"/{pk}/transitions", {"transition": "advance", "version": 0})
    assert stale.status_code == 409
    assert coord.get("/").json()["count"] == 1
    assert coord.get(f"/{pk}").json()["version"] == 1
    again = coord.post("/", {"person_id": person.pk, "programme": "R1", "year": 2024})
    assert again.status_code == 409 and f"/applications/{pk}/" in again.json()["detail"]


def test_role_and_area_are_enforced(users, areas) -> None:
    app = make_application(person=r1_person(areas.community_a1),
                           creator=users.a[Role.DISTRICT_OFFICER], step="approve")
    other = Api(users.b[Role.COMMUNITY_COORDINATOR])
    assert other.get(f"/{app.pk}").status_code == 404
    assert other.post(f"/{app.pk}/transitions", {"transition": "withdraw", "opinion": "x"}).status_code == 404
    assert other.get("/").json()["count"] == 0
    person = PersonFactory(community=areas.community_a1)
    assert other.post("/", {"person_id": person.pk, "programme": "R1", "year": 2024}).status_code == 404
    officer = Api(users.a[Role.DISTRICT_OFFICER])
    refused = officer.post(f"/{app.pk}/transitions", {"transition": "advance", "opinion": "同意"})
    assert refused.status_code == 403 and "审批" in refused.json()["detail"]
    assert Api(users.a[Role.LEADER]).post(f"/{app.pk}/transitions", {"transition": "advance"}).status_code == 200
    app.refresh_from_db()
    assert app.step == "notice"
    assert Application.objects.count() == 1
