from __future__ import annotations

from datetime import date

import pytest

from canlian.accounts.choices import Role
from canlian.applications.models import Holiday
from canlian.applications.services import holiday_set
from canlian.applications.workdays import add_working_days, is_workday
from canlian.common.exceptions import PermissionDenied

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("start", "n", "due"), [
    (date(2024, 1, 5), 1, date(2024, 1, 8)),      # Friday → Monday
    (date(2024, 9, 30), 1, date(2024, 10, 8)),    # National Day week
    (date(2024, 9, 27), 1, date(2024, 9, 29)),    # Sunday 29 Sep is a make-up working day
    (date(2025, 1, 24), 2, date(2025, 1, 27)),    # Sun 26 Jan works
    (date(2025, 1, 24), 3, date(2025, 2, 5)),     # Spring Festival 28 Jan – 4 Feb
    (date(2026, 2, 12), 2, date(2026, 2, 14)),    # Sat 14 Feb 2026 is a make-up working day
    (date(2024, 12, 31), 0, date(2024, 12, 31)),
])
def test_add_working_days(preloaded, start, n, due) -> None:
    assert add_working_days(start, n) == due


def test_holidays_preloaded_for_three_years(preloaded) -> None:
    for year in (2024, 2025, 2026):
        assert Holiday.objects.filter(date__year=year, is_workday=False).count() >= 25
    assert not is_workday(date(2025, 10, 8))
    assert is_workday(date(2025, 9, 28))


def test_admin_adds_next_year(users) -> None:
    assert is_workday(date(2027, 1, 1))
    holiday_set(actor=users.a[Role.ADMIN], day=date(2027, 1, 1), name="元旦", is_workday=False)
    assert not is_workday(date(2027, 1, 1))
    with pytest.raises(PermissionDenied):
        holiday_set(actor=users.a[Role.DISTRICT_OFFICER], day=date(2027, 1, 2), name="x", is_workday=False)


def test_holiday_screen(users, client_for) -> None:
    client = client_for(users.a[Role.ADMIN])
    response = client.post("/applications/holidays/", {"date": "2027-02-06", "name": "春节", "is_workday": ""})
    assert response.status_code == 302
    assert "春节" in client.get("/applications/holidays/?year=2027").content.decode()
    assert client_for(users.a[Role.LEADER]).get("/applications/holidays/").status_code == 403
