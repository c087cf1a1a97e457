"""person_search: every filter, the search box, keyset pages that neither overlap nor skip, and no COUNT."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from canlian.accounts.choices import Role
from canlian.common.certificate import make_certificate_number
from canlian.registry import selectors, services
from canlian.registry.choices import Relation
from canlian.registry.models import Person, years_before
from canlian.registry.selectors import PersonFilters, classify_search, person_count, person_search
from canlian.registry.tests.factories import PersonFactory, make_certificate, make_household, new_id_number

pytestmark = pytest.mark.django_db


def names(page: selectors.Page) -> set[str]:
    return {p.name for p in page.items}


def search(user, **filters) -> set[str]:
    return names(person_search(user, PersonFilters(**filters), limit=200))


@pytest.fixture
def district(users, areas) -> dict[str, Person]:
    today = timezone.localdate()
    made = {
        "child": PersonFactory(
            name="儿童",
            community=areas.community_a1,
            phone="13900000001",
            id_number=new_id_number(years_before(today, 5) - timedelta(days=10)),
        ),
        "elder": PersonFactory(
            name="老人",
            community=areas.community_a2,
            certificate__category=1,
            certificate__grade=1,
            id_number=new_id_number(date(1940, 1, 1)),
        ),
        "poor": PersonFactory(
            name="低保户",
            community=areas.community_b1,
            certificate__grade=1,
            low_income_status="dibao",
            low_income_since=date(2020, 1, 1),
        ),
        "nocert": PersonFactory(name="无证人", community=areas.community_b1, certificate=False),
        "expired": PersonFactory(name="过期证", community=areas.community_a1, certificate=False),
    }
    make_certificate(made["expired"], issue_date=today - timedelta(days=4000), valid_until=today - timedelta(days=5))
    services.person_record_death(actor=users[Role.DISTRICT_OFFICER], person=made["elder"], date_of_death=today)
    make_household(made["child"], (made["expired"], Relation.PARENT))
    return made


def test_each_filter(users, areas, district) -> None:
    officer = users[Role.DISTRICT_OFFICER]
    assert search(officer) == {"儿童", "老人", "低保户", "无证人", "过期证"}
    assert search(officer, area=areas.street_a.code) == {"儿童", "老人", "过期证"}
    assert search(officer, area=areas.community_b1.code) == {"低保户", "无证人"}
    assert search(officer, category=1) == {"老人"}
    assert search(officer, grades=(1,)) == {"老人", "低保户"}
    assert search(officer, grades=(1, 2), category=4) == {"儿童", "低保户", "过期证"}
    assert search(officer, max_age=6) == {"儿童"}
    assert search(officer, min_age=80) == {"老人"}
    assert search(officer, min_age=5, max_age=5) == {"儿童"}
    assert search(officer, life_status="deceased") == {"老人"}
    assert search(officer, low_income="dibao") == {"低保户"}
    assert search(officer, cert_status="expired") == {"过期证"}
    assert search(officer, cert_status="none") == {"无证人"}
    assert search(officer, cert_status="valid") == {"儿童", "老人", "低保户"}
    assert search(officer, multi_disabled=True) == {"儿童", "过期证"}


def test_area_filter_outside_scope_is_empty(users, areas, district) -> None:
    assert search(users.a[Role.STREET_OFFICER], area=areas.street_b.code) == set()
    assert search(users.a[Role.STREET_OFFICER], area=areas.community_a2.code) == {"老人"}


def test_search_box(users, district) -> None:
    officer = users[Role.DISTRICT_OFFICER]
    child = district["child"]
    number = child.decrypt_id_number()
    assert search(officer, q=number) == {"儿童"}
    assert search(officer, q=f" {number[:6]} {number[6:]} ".lower()) == {"儿童"}
    assert search(officer, q=make_certificate_number(number, 4, 2)) == {"儿童"}
    assert search(officer, q="13900000001") == {"儿童"}
    assert search(officer, q="低保") == {"低保户"}
    assert search(officer, q="老") == {"老人"}
    assert search(officer, q="人") == set()  # one character: a surname, matched as a prefix
    assert search(officer, q="保户") == {"低保户"}  # no name starts with it: matched anywhere
    assert search(officer, q=f"idx:{child.id_number_hash}") == {"儿童"}


def test_classify_search() -> None:
    number = new_id_number()
    assert classify_search(number).kind == "id"
    assert classify_search(number).masked == f"{number[:6]}********{number[-4:]}"
    assert classify_search(make_certificate_number(number, 4, 1) + "B1").kind == "certificate"
    assert classify_search("0552-3012345").kind == "phone"
    assert classify_search("张三").kind == "name"
    assert classify_search("530102192005080119").kind == "name"  # fails the check digit: not an ID
    assert classify_search("").kind == ""


def test_keyset_pages_cover_everything_once_without_count(users, areas) -> None:
    for community in (areas.community_a2, areas.community_a1, areas.community_b1):
        for _ in range(9):
            PersonFactory(community=community)
    officer = users[Role.DISTRICT_OFFICER]
    seen: list[int] = []
    after = None
    with CaptureQueriesContext(connection) as queries:
        while True:
            page = person_search(officer, PersonFilters(), after=after, limit=4)
            seen.extend(p.pk for p in page.items)
            if page.next_cursor is None:
                break
            after = page.next_cursor
    assert len(seen) == len(set(seen)) == 27
    expected = list(Person.objects.order_by("area_code", "id").values_list("pk", flat=True))
    assert seen == expected
    assert len(queries) == 7  # one query per page
    assert not any("COUNT(" in q["sql"].upper() for q in queries)


def test_last_page_has_no_cursor_and_bad_cursor_restarts(users, areas) -> None:
    PersonFactory(community=areas.community_a1)
    officer = users[Role.DISTRICT_OFFICER]
    page = person_search(officer, PersonFilters(), limit=1)
    assert page.next_cursor is None and len(page.items) == 1
    assert len(person_search(officer, PersonFilters(), after="x'; drop", limit=5).items) == 1


def test_count_on_demand(users, district) -> None:
    assert person_count(users[Role.DISTRICT_OFFICER], PersonFilters(category=4)) == 3
    assert person_count(users.b[Role.COMMUNITY_COORDINATOR], PersonFilters()) == 2


def test_household_list_flags_multi_disabled(users, district) -> None:
    households, _next = selectors.household_list(users[Role.DISTRICT_OFFICER], multi_only=True)
    assert [h.certified_count for h in households] == [2]
    assert selectors.household_list(users.b[Role.STREET_OFFICER], multi_only=True)[0] == []
