"""Screens: area scoping on every page, masked numbers for roles without `person.reveal`, audited reveals,
the HTMX partials and hints, the export, and a bounded number of queries on the list."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from django.urls import reverse

from canlian.accounts.choices import Role
from canlian.audit.models import AuditEvent
from canlian.common.certificate import make_certificate_number
from canlian.registry.choices import LifeStatus, Relation
from canlian.registry.models import Person
from canlian.registry.tests.factories import (
    PersonFactory,
    certificate_number,
    make_account,
    make_household,
    new_id_number,
)

pytestmark = pytest.mark.django_db

ALL_ROLES = [
    Role.DISTRICT_OFFICER,
    Role.LEADER,
    Role.FINANCE,
    Role.STREET_OFFICER,
    Role.COMMUNITY_COORDINATOR,
    Role.AUDITOR,
]


def xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return "".join(book.read(name).decode() for name in book.namelist() if name.endswith(".xml"))


def full_numbers(*persons: Person) -> list[str]:
    return [p.decrypt_id_number() for p in persons]


# --- scoping ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees", "hidden"),
    [
        ("coord_a", {"a1"}, {"a2", "b1"}),
        ("street_a", {"a1", "a2"}, {"b1"}),
        ("street_b", {"b1"}, {"a1", "a2"}),
        ("district", {"a1", "a2", "b1"}, set()),
    ],
)
def test_scoping_on_list_search_detail_edit_and_export(users, people, client_for, who, sees, hidden) -> None:
    user = {
        "coord_a": users.a[Role.COMMUNITY_COORDINATOR],
        "street_a": users.a[Role.STREET_OFFICER],
        "street_b": users.b[Role.STREET_OFFICER],
        "district": users[Role.DISTRICT_OFFICER],
    }[who]
    client = client_for(user)
    listing = client.get(reverse("registry:person_list")).content.decode()
    exported = xlsx_text(client.get(reverse("registry:person_export")).content)
    for key in sees | hidden:
        person = getattr(people, key)
        visible = key in sees
        assert (f">{person.name}</a>" in listing) is visible
        assert (person.name in exported) is visible
        found = client.get(reverse("registry:person_list"), {"q": person.decrypt_id_number()}, follow=True)
        assert (f">{person.name}</a>" in found.content.decode()) is visible
        by_name = client.get(reverse("registry:person_list"), {"q": person.name}).content.decode()
        assert (f">{person.name}</a>" in by_name) is visible
        assert client.get(reverse("registry:person_detail", args=[person.pk])).status_code == (200 if visible else 404)
        assert client.get(reverse("registry:person_edit", args=[person.pk])).status_code == (200 if visible else 404)
        assert client.post(reverse("registry:person_reveal_id", args=[person.pk])).status_code == (
            200 if visible else 404
        )


@pytest.mark.parametrize("role", [Role.ADMIN])
def test_roles_without_person_view_get_403(users, client_for, role: Role) -> None:
    assert client_for(users[role]).get(reverse("registry:person_list")).status_code == 403


# --- masking ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.LEADER, Role.AUDITOR])
def test_no_full_number_anywhere_for_leaders_and_auditors(users, people, client_for, role: Role) -> None:
    make_household(people.a1, (people.a2, Relation.SPOUSE))
    account = make_account(people.a1)
    client = client_for(users[role])
    secrets = [*full_numbers(people.a1, people.a2, people.b1), "6222021234567890123"]
    household = people.a1.memberships.get().household
    pages = [
        client.get(reverse("registry:person_list")),
        client.get(reverse("registry:person_list"), {"q": people.a1.decrypt_id_number()}, follow=True),
        client.get(reverse("registry:person_list"), {"q": certificate_number(people.a1)}, follow=True),
        client.get(reverse("registry:person_list"), {"q": people.a1.decrypt_id_number()}, HTTP_HX_REQUEST="true"),
        client.get(reverse("registry:person_detail", args=[people.a1.pk])),
        client.get(reverse("registry:household_list")),
        client.get(reverse("registry:household_detail", args=[household.pk])),
    ]
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        assert people.a1.id_number_masked in html or "甲" in html
        for secret in secrets:
            assert secret not in html
        assert "显示完整" not in html  # no reveal button for this role
    exported = client.get(reverse("registry:person_export"))
    text = xlsx_text(exported.content)
    assert people.a1.id_number_masked in text
    for secret in secrets:
        assert secret not in text
    assert client.get(reverse("registry:person_export"), {"full": "1"}).status_code == 403
    assert client.post(reverse("registry:person_reveal_id", args=[people.a1.pk])).status_code == 403
    assert client.post(reverse("registry:bank_account_reveal", args=[account.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action__in=["person.reveal_id", "bank_account.reveal"]).exists()


def test_reveal_replaces_the_masked_cell_and_is_audited(users, people, client_for) -> None:
    client = client_for(users.a[Role.COMMUNITY_COORDINATOR])
    page = client.get(reverse("registry:person_detail", args=[people.a1.pk])).content.decode()
    assert people.a1.decrypt_id_number() not in page and "显示完整号码" in page
    response = client.post(reverse("registry:person_reveal_id", args=[people.a1.pk]), HTTP_HX_REQUEST="true")
    assert people.a1.decrypt_id_number() in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="person.reveal_id")
    assert (event.actor, event.object_id) == (users.a[Role.COMMUNITY_COORDINATOR], str(people.a1.pk))
    account = make_account(people.a1)
    response = client.post(reverse("registry:bank_account_reveal", args=[account.pk]))
    assert "6222021234567890123" in response.content.decode()
    assert AuditEvent.objects.filter(action="bank_account.reveal", object_id=str(account.pk)).exists()
    assert client.get(reverse("registry:person_reveal_id", args=[people.a1.pk])).status_code == 405


def test_full_export_for_reveal_roles_is_audited(users, people, client_for) -> None:
    client = client_for(users.a[Role.STREET_OFFICER])
    masked = xlsx_text(client.get(reverse("registry:person_export")).content)
    assert people.a1.decrypt_id_number() not in masked
    full = xlsx_text(client.get(reverse("registry:person_export"), {"full": "1"}).content)
    assert people.a1.decrypt_id_number() in full and people.b1.decrypt_id_number() not in full
    events = list(AuditEvent.objects.filter(action="person.export").order_by("id"))
    assert [e.after["full_numbers"] for e in events] == [False, True]
    assert events[1].after["rows"] == 2


def test_export_neutralises_formulas(users, areas, client_for) -> None:
    PersonFactory(community=areas.community_a1, name="=HYPERLINK(1)")
    text = xlsx_text(client_for(users[Role.DISTRICT_OFFICER]).get(reverse("registry:person_export")).content)
    assert "'=HYPERLINK(1)" in text and "<f>" not in text


def test_id_search_is_carried_as_blind_index(users, people, client_for) -> None:
    for _ in range(3):
        PersonFactory(community=people.a1.community)
    client = client_for(users[Role.DISTRICT_OFFICER])
    html = client.get(
        reverse("registry:person_list"), {"q": people.a1.decrypt_id_number()}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f"idx:{people.a1.id_number_hash}" in html and people.a1.decrypt_id_number() not in html
    assert "<html" not in html  # the partial only
    posted = client.post(
        reverse("registry:person_list"), {"q": people.a1.decrypt_id_number()}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f">{people.a1.name}</a>" in posted and f"idx:{people.a1.id_number_hash}" in posted
    full_page = client.get(reverse("registry:person_list"), {"q": people.a1.decrypt_id_number()})
    assert full_page.status_code == 302 and people.a1.decrypt_id_number() not in full_page["Location"]
    landed = client.get(full_page["Location"]).content.decode()
    assert people.a1.id_number_masked in landed and f">{people.a1.name}</a>" in landed


# --- list page --------------------------------------------------------------------------------------------


def test_list_page_queries_do_not_grow_with_rows(users, areas, client_for, django_assert_max_num_queries) -> None:
    for i in range(60):
        PersonFactory(community=areas.community_a1 if i % 2 else areas.community_b1)
    client = client_for(users[Role.DISTRICT_OFFICER])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("registry:person_list"), {"category": 4, "grade": "12"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('href="/registry/') >= 50 and "下一页" in html
    with django_assert_max_num_queries(12) as captured:
        client.get(reverse("registry:person_list"), {"grade": "12"}, HTTP_HX_REQUEST="true")
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)


def test_next_page_and_count(users, areas, client_for) -> None:
    for _ in range(55):
        PersonFactory(community=areas.community_a1)
    client = client_for(users[Role.DISTRICT_OFFICER])
    first = client.get(reverse("registry:person_list"))
    cursor = first.content.decode().split("after=")[1].split('"')[0]
    second = client.get(reverse("registry:person_list"), {"after": cursor}).content.decode()
    assert second.count("<tr>") - 1 == 5
    count = client.get(reverse("registry:person_count"), {"category": "4"}).content.decode()
    assert "共 55 人" in count


# --- forms and actions ------------------------------------------------------------------------------------


def test_id_hint(users, people, client_for) -> None:
    client = client_for(users.a[Role.COMMUNITY_COORDINATOR])
    url = reverse("registry:id_hint")
    assert "1920-05-08" in client.post(url, {"id_number": "53010219200508011X"}).content.decode()
    assert "校验位错误" in client.post(url, {"id_number": "530102192005080119"}).content.decode()
    assert "18 位" in client.post(url, {"id_number": "5301"}).content.decode()
    own = client.post(url, {"id_number": people.a1.decrypt_id_number()}).content.decode()
    assert "已登记为 甲一张三" in own
    other = client.post(url, {"id_number": people.b1.decrypt_id_number()}).content.decode()
    assert "乙一王五" not in other and "不在您负责的区域内" in other
    assert client_for(users[Role.LEADER]).post(url, {"id_number": "53010219200508011X"}).status_code == 403


def test_create_person_through_the_form(users, areas, client_for) -> None:
    number = new_id_number(date(1990, 2, 3))
    response = client_for(users[Role.DISTRICT_OFFICER]).post(
        reverse("registry:person_create"),
        {
            "name": "表单登记",
            "id_number": number,
            "ethnicity": "01",
            "hukou_type": "rural",
            "community": areas.community_b1.pk,
            "certificate_number": make_certificate_number(number, 2, 3),
            "category": "2",
            "grade": "3",
            "issue_date": "2023-04-05",
        },
    )
    person = Person.objects.get(name="表单登记")
    assert response.status_code == 302 and response["Location"] == reverse("registry:person_detail", args=[person.pk])
    assert (person.category, person.grade, person.birth_date) == (2, 3, date(1990, 2, 3))


def test_create_form_shows_the_service_refusal_on_the_field(users, areas, client_for) -> None:
    number = new_id_number()
    response = client_for(users[Role.DISTRICT_OFFICER]).post(
        reverse("registry:person_create"),
        {
            "name": "错证",
            "id_number": number,
            "ethnicity": "01",
            "hukou_type": "urban",
            "community": areas.community_a1.pk,
            "certificate_number": make_certificate_number(number, 4, 2),
            "category": "4",
            "grade": "1",
            "issue_date": "2023-04-05",
        },
    )
    assert response.status_code == 200
    assert "等级" in response.context["form"].errors["certificate_number"][0]


def test_actions_through_the_screens(users, areas, people, client_for) -> None:
    client = client_for(users[Role.DISTRICT_OFFICER])
    url = reverse("registry:person_reassess", args=[people.a1.pk])
    response = client.post(
        url,
        {
            "certificate_number": certificate_number(people.a1, grade=1),
            "category": "4",
            "grade": "1",
            "issue_date": "2024-06-01",
            "reason": "复评",
        },
    )
    assert response.status_code == 302
    detail = client.get(reverse("registry:person_detail", args=[people.a1.pk])).content.decode()
    assert "重新评定换证" in detail and "已换证" in detail
    client.post(
        reverse("registry:person_low_income", args=[people.a1.pk]), {"status": "dibao", "effective": "2024-01-01"}
    )
    client.post(
        reverse("registry:person_move_out", args=[people.a2.pk]), {"effective": "2024-02-01", "destination": "合肥"}
    )
    client.post(reverse("registry:person_death", args=[people.b1.pk]), {"effective": "2024-03-01"})
    assert Person.objects.get(pk=people.a1.pk).low_income_status == "dibao"
    assert Person.objects.get(pk=people.a2.pk).life_status == LifeStatus.MOVED_OUT
    assert Person.objects.get(pk=people.b1.pk).life_status == LifeStatus.DECEASED
    refused = client.post(reverse("registry:person_death", args=[people.b1.pk]), {"effective": "2024-03-01"})
    assert refused.status_code == 200 and "已是" in refused.content.decode()


def test_household_screens(users, people, client_for) -> None:
    client = client_for(users.a[Role.STREET_OFFICER])
    response = client.post(reverse("registry:household_create", args=[people.a1.pk]), {"number": "A-1"})
    household = people.a1.memberships.get().household
    assert response["Location"] == reverse("registry:household_detail", args=[household.pk])
    added = client.post(
        reverse("registry:household_add_member", args=[household.pk]),
        {"id_number": people.a2.decrypt_id_number(), "relation": "spouse"},
    )
    assert added.status_code == 302
    page = client.get(reverse("registry:person_detail", args=[people.a1.pk])).content.decode()
    assert "一户多残" in page
    listing = client.get(reverse("registry:household_list"), {"multi": "1"}).content.decode()
    assert "甲一张三户" in listing
    outside = client.post(
        reverse("registry:household_add_member", args=[household.pk]),
        {"id_number": people.b1.decrypt_id_number(), "relation": "child"},
    )
    assert outside.status_code == 400 and "不在您负责的区域内" in outside.content.decode()


def test_bank_account_screens(users, people, client_for) -> None:
    client = client_for(users[Role.FINANCE])
    client.post(
        reverse("registry:bank_account_add", args=[people.a1.pk]),
        {"bank_name": "工商银行", "account_number": "6222021234567890123", "holder_relation": "self"},
    )
    account = people.a1.bank_accounts.get()
    page = client.get(reverse("registry:person_detail", args=[people.a1.pk])).content.decode()
    assert "6222 **** **** 0123" in page and "6222021234567890123" not in page
    client.post(reverse("registry:bank_account_deactivate", args=[account.pk]))
    account.refresh_from_db()
    assert not account.is_active


def test_navigation_entry(users, client_for) -> None:
    html = client_for(users.a[Role.COMMUNITY_COORDINATOR]).get(reverse("home")).content.decode()
    assert "残疾人档案" in html
    assert "残疾人档案" not in client_for(users[Role.ADMIN]).get(reverse("home")).content.decode()


def test_person_page_queries_are_bounded(users, areas, people, client_for, django_assert_max_num_queries) -> None:
    make_household(people.a1, (people.a2, Relation.SPOUSE))
    make_account(people.a1)
    make_account(people.a1, "6217000000000000001", default=False)
    client = client_for(users[Role.DISTRICT_OFFICER])
    with django_assert_max_num_queries(18):  # + 1 each: the applications and payments sections (their tags)
        response = client.get(reverse("registry:person_detail", args=[people.a1.pk]))
    assert response.status_code == 200 and "一户多残" in response.content.decode()


def test_guardian_linked_by_id_number(users, people, client_for) -> None:
    client = client_for(users.a[Role.STREET_OFFICER])
    url = reverse("registry:person_edit", args=[people.a1.pk])
    form = {"name": "甲一张三", "ethnicity": "01", "hukou_type": "urban", "guardian_relation": "parent"}
    refused = client.post(url, {**form, "guardian_id_number": people.b1.decrypt_id_number()})
    assert refused.status_code == 200 and "guardian_id_number" in refused.context["form"].errors
    assert client.post(url, {**form, "guardian_id_number": people.a2.decrypt_id_number()}).status_code == 302
    assert Person.objects.get(pk=people.a1.pk).guardian == people.a2
    page = client.get(url).content.decode()
    assert people.a2.decrypt_id_number() not in page
    client.post(url, {**form, "phone": "13700000000"})  # the link stays when the field is left empty
    assert Person.objects.get(pk=people.a1.pk).guardian == people.a2


def test_admin_shows_masked_numbers_only(users, people, client_for) -> None:
    from canlian.accounts.models import User

    superuser = User.objects.create_superuser("root", password="x", full_name="超级", must_change_password=False)
    client = client_for(superuser)
    for url in (
        reverse("admin:registry_person_changelist") + "?category__exact=4&grade__in=1,2",
        reverse("admin:registry_person_change", args=[people.a1.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert people.a1.id_number_masked in html and people.a1.decrypt_id_number() not in html


def test_export_carries_the_policy_facts_under_the_import_headers(users, areas, client_for) -> None:
    from canlian.common.tabular import read_table
    from canlian.registry.imports import FACT_COLUMNS

    PersonFactory(community=areas.community_a1, name="轮椅车主", lower_limb=True, owns_wheelchair_vehicle=True)
    content = client_for(users[Role.DISTRICT_OFFICER]).get(reverse("registry:person_export")).content
    cells = next(r for _n, r in read_table(content, filename="名单.xlsx").records() if r["姓名"] == "轮椅车主")
    assert {label: cells[label] for label in FACT_COLUMNS.values()} == {
        "持有机动轮椅车": "是", "下肢残疾": "是", "脱贫人口": "否", "需长期照护": "否", "领取工伤护理费": "否",
        "孤独症": "否"}
