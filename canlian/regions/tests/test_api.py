"""/api/v1/regions/: the same services and scoping as the pages."""

from __future__ import annotations

from django.test import Client

from canlian.accounts.choices import Role
from canlian.accounts.services import api_token_create
from canlian.audit.models import AuditEvent
from canlian.regions.models import Region


def api(user) -> Client:
    _token, plain = api_token_create(actor=user, name="测试")
    return Client(headers={"Authorization": f"Bearer {plain}"})


def test_list_is_scoped(areas, users):
    codes = {r["code"] for r in api(users.a[Role.STREET_OFFICER]).get("/api/v1/regions/").json()}
    assert codes == {"340302901", "340302901001", "340302901002"}
    assert api(users.a[Role.STREET_OFFICER]).get("/api/v1/regions/340302902").status_code == 404


def test_create_rename_deactivate(areas, users):
    client = api(users.a[Role.DISTRICT_OFFICER])
    response = client.post("/api/v1/regions/", {"parent_code": "340302901", "code": "340302901003", "name": "甲三社区"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json() == {"code": "340302901003", "name": "甲三社区", "level": "community",
                               "parent_code": "340302901", "is_active": True}
    response = client.patch("/api/v1/regions/340302901003", {"name": "甲三新社区"}, content_type="application/json")
    assert response.json()["name"] == "甲三新社区"
    response = client.post("/api/v1/regions/340302901003/deactivate")
    assert response.json()["is_active"] is False
    assert list(AuditEvent.objects.filter(object_id=str(Region.objects.get(code="340302901003").pk))
                .values_list("action", flat=True).order_by("pk")) == ["region.create", "region.update",
                                                                       "region.deactivate"]


def test_errors_are_400_403_409(areas, users):
    client = api(users.a[Role.DISTRICT_OFFICER])
    bad = client.post("/api/v1/regions/", {"parent_code": "340302901", "code": "123", "name": "x"},
                      content_type="application/json")
    assert bad.status_code == 400 and "12 位数字" in bad.json()["detail"] and bad.json()["field"] == "code"
    dup = client.post("/api/v1/regions/", {"parent_code": "340302901", "code": "340302901001", "name": "x"},
                      content_type="application/json")
    assert dup.status_code == 409
    street = api(users.a[Role.STREET_OFFICER])
    forbidden = street.post("/api/v1/regions/", {"parent_code": "340302901", "code": "340302901009", "name": "x"},
                            content_type="application/json")
    assert forbidden.status_code == 403
    renamed = street.patch("/api/v1/regions/340302901001", {"name": "x"}, content_type="application/json")
    assert renamed.status_code == 403
