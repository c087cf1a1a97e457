import pytest

from canlian.accounts.choices import Role
from canlian.accounts.services import api_token_create


def bearer(user):
    _token, plain = api_token_create(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.mark.django_db
def test_api_lists_programmes_and_sets_targets(client, users, areas):
    officer = bearer(users.a[Role.DISTRICT_OFFICER])
    response = client.put("/api/v1/programmes/R1/targets", {"year": 2024, "quantity": 300},
                          content_type="application/json", **officer)
    assert response.status_code == 200, response.content
    assert response.json()["target"] == 300
    response = client.put("/api/v1/programmes/R1/targets",
                          {"year": 2024, "quantity": 50, "street_code": areas.street_a.code},
                          content_type="application/json", **officer)
    assert response.json()["street_targets"] == {areas.street_a.code: 50}
    listing = client.get("/api/v1/programmes/", {"year": 2024}, **bearer(users.a[Role.AUDITOR])).json()
    r1 = next(p for p in listing if p["code"] == "R1")
    assert r1["target"] == 300 and r1["steps"][0] == "apply"


@pytest.mark.django_db
def test_api_refuses_budget_from_non_finance_with_403(client, users):
    response = client.put("/api/v1/programmes/R1/budgets", {"year": 2024, "source": "upper", "amount": "1.00"},
                          content_type="application/json", **bearer(users.a[Role.DISTRICT_OFFICER]))
    assert response.status_code == 403
    assert "无权" in response.json()["detail"]
    assert client.get("/api/v1/programmes/", {"year": 2024}).status_code == 401
