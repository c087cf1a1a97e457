"""The yes/no registry facts programme rules read (decision 0016): entered by form, API and import, shown on the
person page, audited; an import without the columns (or with blank cells) leaves them as they are."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from canlian.accounts.choices import Role
from canlian.accounts.services import api_token_create
from canlian.audit.models import AuditEvent
from canlian.common.certificate import make_certificate_number
from canlian.common.exceptions import DomainError
from canlian.common.imports import ImportRefused, get_kind, import_file
from canlian.common.jobs import NullProgress
from canlian.common.tabular import Sheet, read_table, write_workbook
from canlian.registry import services
from canlian.registry.imports import FACT_COLUMNS
from canlian.registry.inputs import FACT_FIELDS, PersonInput, clean_flag
from canlian.registry.models import Person
from canlian.registry.tests.factories import PersonFactory, new_id_number

pytestmark = pytest.mark.django_db

HEADERS = ("姓名", "身份证号", "户口类型", "所在社区代码", "残疾人证号", "残疾类别", "残疾等级", "发证日期",
           "持有机动轮椅车", "下肢残疾", "孤独症")


def workbook(*rows: tuple, headers: tuple = HEADERS) -> bytes:
    return write_workbook([Sheet(name="导入", headers=headers, rows=rows, text_columns=range(len(headers)))])


def row(name: str, community: str, number: str, wheelchair: str = "", lower: str = "", autism: str = "") -> tuple:
    return (name, number, "城镇", community, make_certificate_number(number, 4, 2), "肢体", "二级", "2023/3/1",
            wheelchair, lower, autism)


def run(actor, data: bytes):
    return import_file(actor=actor, kind=get_kind("persons"), data=data, file_name="导入.xlsx", valid_only=False,
                       dry_run=False, progress=NullProgress())


@pytest.mark.parametrize(("raw", "expected"), [
    (True, True), (False, False), (None, None), ("", None), ("  ", None), ("是", True), ("否", False), ("1", True),
    ("0", False), ("√", True), ("Y", True), ("ｙｅｓ", True), ("无", False), ("有", True),
])
def test_yes_no_cells(raw, expected):
    assert clean_flag(raw, "autism") is expected


def test_a_value_that_is_not_yes_or_no_is_refused_with_the_label():
    with pytest.raises(DomainError, match="孤独症应填“是”或“否”，不是“可能”") as info:
        clean_flag("可能", "autism")
    assert info.value.field == "autism"


def test_import_creates_with_facts_and_blank_cells_leave_them_unchanged(areas, users):
    officer = users.a[Role.STREET_OFFICER]
    a1 = areas.community_a1.code
    n1, n2 = new_id_number(date(1970, 1, 1)), new_id_number(date(2019, 5, 1))
    _run, validation = run(officer, workbook(row("轮椅", a1, n1, "是", "是"), row("孩子", a1, n2, autism="是")))
    assert validation.counts()["new"] == 2
    driver, child = Person.objects.get(name="轮椅"), Person.objects.get(name="孩子")
    assert (driver.owns_wheelchair_vehicle, driver.lower_limb, driver.autism) == (True, True, False)
    assert (child.owns_wheelchair_vehicle, child.lower_limb, child.autism) == (False, False, True)
    assert not driver.needs_long_term_care  # a column the file does not have: “no” for a new person

    # blank cells and a file without the columns change nothing; “否” changes and is previewed as 是 → 否
    _run, again = run(officer, workbook(row("轮椅", a1, n1)))
    assert again.counts()["unchanged"] == 1
    short = HEADERS[:8]
    _run, without = run(officer, workbook(row("轮椅", a1, n1)[:8], headers=short))
    assert without.counts()["unchanged"] == 1
    _run, changed = run(officer, workbook(row("轮椅", a1, n1, "否")))
    [plan] = changed.plan.rows
    assert plan.changes == {"持有机动轮椅车": ("是", "否")}
    driver.refresh_from_db()
    assert (driver.owns_wheelchair_vehicle, driver.lower_limb) == (False, True)


def test_import_refuses_a_bad_fact_cell_naming_row_and_column(areas, users):
    officer = users.a[Role.STREET_OFFICER]
    number = new_id_number()
    with pytest.raises(ImportRefused) as info:
        run(officer, workbook(row("错值", areas.community_a1.code, number, "可能")))
    [error] = info.value.validation.errors
    assert (error.row, error.column) == (2, "持有机动轮椅车")
    assert "应填“是”或“否”" in error.reason
    assert not Person.objects.filter(name="错值").exists()


def test_the_persons_template_lists_the_fact_columns(users, client_for):
    response = client_for(users[Role.DISTRICT_OFFICER]).get(reverse("imports:template", args=["persons"]))
    assert response.status_code == 200
    table = read_table(response.content, filename="persons.xlsx")
    assert set(FACT_COLUMNS.values()) <= set(table.headers)
    examples = dict(zip(table.headers, table.rows[0], strict=True)) if table.rows else {}
    assert all(examples.get(label, "否") == "否" for label in FACT_COLUMNS.values())


def test_service_update_is_audited_and_the_person_page_lists_the_facts(areas, users, client_for):
    officer = users[Role.DISTRICT_OFFICER]
    p = PersonFactory(community=areas.community_a1)
    services.person_update(actor=officer, person=p, changes={"needs_long_term_care": True, "autism": "是"})
    p.refresh_from_db()
    assert (p.needs_long_term_care, p.autism) == (True, True)
    event = AuditEvent.objects.filter(action="person.update").latest("pk")
    assert event.before == {"needs_long_term_care": False, "autism": False}
    assert event.after == {"needs_long_term_care": True, "autism": True}
    page = client_for(officer).get(reverse("registry:person_detail", args=[p.pk])).content.decode()
    assert "需长期照护、孤独症" in page  # in the order of FACT_FIELDS


def test_the_edit_form_sets_and_clears_facts(areas, users, client_for):
    officer = users[Role.DISTRICT_OFFICER]
    p = PersonFactory(community=areas.community_a1, poverty_alleviated=True)
    client = client_for(officer)
    url = reverse("registry:person_edit", args=[p.pk])
    form = client.get(url).content.decode()
    assert "脱贫人口" in form and "领取工伤护理费" in form
    data = {"name": p.name, "ethnicity": p.ethnicity, "hukou_type": p.hukou_type, "work_injury_care": "on"}
    assert client.post(url, data).status_code == 302
    p.refresh_from_db()
    assert (p.work_injury_care, p.poverty_alleviated) == (True, False)  # an unticked box clears the fact


def test_create_form_and_api_take_the_facts(areas, users, client_for):
    officer = users[Role.DISTRICT_OFFICER]
    number = new_id_number(date(1980, 1, 1))
    response = client_for(officer).post(reverse("registry:person_create"), {
        "name": "表单事实", "id_number": number, "ethnicity": "01", "hukou_type": "rural",
        "community": areas.community_a1.pk, "poverty_alleviated": "on",
    })
    assert response.status_code == 302
    assert Person.objects.get(name="表单事实").poverty_alleviated

    _token, plain = api_token_create(actor=officer, name="test")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    body = {"name": "接口事实", "id_number": new_id_number(), "community_code": areas.community_a1.code,
            "hukou_type": "urban", "lower_limb": True, "owns_wheelchair_vehicle": True}
    created = api.post("/api/v1/registry/persons", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    out = created.json()
    assert {name: out[name] for name in FACT_FIELDS} == {
        "owns_wheelchair_vehicle": True, "lower_limb": True, "poverty_alleviated": False,
        "needs_long_term_care": False, "work_injury_care": False, "autism": False,
    }
    patched = api.patch(f"/api/v1/registry/persons/{out['id']}", json.dumps({"owns_wheelchair_vehicle": False}),
                        content_type="application/json")
    assert patched.status_code == 200 and patched.json()["owns_wheelchair_vehicle"] is False
    assert patched.json()["lower_limb"] is True


def test_a_new_person_without_facts_gets_no(areas, users):
    p = services.person_create(actor=users[Role.DISTRICT_OFFICER], data=PersonInput(
        name="无事实", id_number=new_id_number(), community=areas.community_a1, hukou_type="urban"))
    assert not any(getattr(p, name) for name in FACT_FIELDS)
