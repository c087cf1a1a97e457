"""Set-based services: same validation as the single-person ones, a fixed number of queries, safe to re-run."""

from __future__ import annotations

from datetime import date

import pytest

from canlian.accounts.choices import Role
from canlian.audit.models import AuditEvent
from canlian.common.certificate import make_certificate_number
from canlian.registry import bulk
from canlian.registry.choices import ChangeKind, LifeStatus, LowIncomeStatus, Relation
from canlian.registry.inputs import CertificateInput, PersonInput
from canlian.registry.models import Certificate, LowIncomePeriod, Person, StatusChange
from canlian.registry.selectors import household_count_drift, low_income_drift
from canlian.registry.tests.factories import PersonFactory, make_household, new_id_number

pytestmark = pytest.mark.django_db


def row(n: int, community: str, **kw: object) -> bulk.PersonRow:
    number = kw.pop("id_number", None) or new_id_number()
    cert = kw.pop("cert", None)
    data = PersonInput(**{"name": f"导入{n}", "id_number": number, "community": community, "hukou_type": "城镇", **kw})
    certificate = (
        CertificateInput(
            number=make_certificate_number(number, *cert), category=cert[0], grade=cert[1], issue_date=date(2023, 1, 1)
        )
        if cert
        else None
    )
    return bulk.PersonRow(row=n, person=data, certificate=certificate)


def test_upsert_creates_updates_and_reports_errors(users, areas, people, django_assert_max_num_queries) -> None:
    a1 = areas.community_a1.code
    rows = [row(i, a1, cert=(4, 2)) for i in range(2, 42)]
    rows.append(row(42, a1, id_number="530102192005080119"))  # bad check digit
    rows.append(row(43, areas.community_b1.code))  # outside street A
    rows.append(row(44, "340302901999"))  # no such community
    rows.append(row(45, a1, id_number=people.a1.decrypt_id_number(), phone="13900000000"))  # update
    rows.append(row(46, a1, id_number=people.a1.decrypt_id_number()))  # repeated in the batch
    with django_assert_max_num_queries(40):
        result = bulk.person_bulk_upsert(actor=users.a[Role.STREET_OFFICER], rows=rows)
    assert (result.created, result.updated) == (40, 1)
    assert sorted(e.row for e in result.errors) == [42, 43, 44, 46]
    columns = {e.row: e.column for e in result.errors}
    assert columns[42] == "身份证号" and columns[44] == "社区代码"
    imported = Person.objects.filter(name__startswith="导入", category=4, grade=2, cert_status="valid")
    assert imported.exclude(pk=people.a1.pk).count() == 40
    assert Certificate.objects.filter(person__name__startswith="导入").exclude(person=people.a1).count() == 40
    assert Person.objects.get(pk=people.a1.pk).phone == "13900000000"
    assert AuditEvent.objects.filter(action="person.create").count() == 40
    assert AuditEvent.objects.filter(action="person.update").count() == 1
    # registered with their certificates: one 登记 entry each naming it (decision 0020), no 办证 entry
    assert StatusChange.objects.filter(kind=ChangeKind.REGISTERED, new_value__contains="肢体二级").count() == 40
    assert not StatusChange.objects.filter(kind=ChangeKind.CERTIFICATE_NEW).exists()


def test_upsert_twice_changes_nothing(users, areas) -> None:
    rows = [row(i, areas.community_a1.code, cert=(1, 3)) for i in range(5)]
    bulk.person_bulk_upsert(actor=users[Role.DISTRICT_OFFICER], rows=rows)
    again = bulk.person_bulk_upsert(actor=users[Role.DISTRICT_OFFICER], rows=rows)
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 5, [])


def test_upsert_refuses_a_silent_reassessment_and_moves_residence(users, areas, people) -> None:
    number = people.a1.decrypt_id_number()
    result = bulk.person_bulk_upsert(
        actor=users.a[Role.STREET_OFFICER],
        rows=[
            row(2, areas.community_a1.code, id_number=number, cert=(4, 1)),
            row(3, areas.community_a2.code, id_number=people.a2.decrypt_id_number(), name="甲二李四"),
        ],
    )
    assert [e.row for e in result.errors] == [2] and "重新评定" in result.errors[0].reason
    moved = Person.objects.get(pk=people.a2.pk)
    assert moved.area_code == areas.community_a2.code  # unchanged community: no move recorded
    result = bulk.person_bulk_upsert(
        actor=users.a[Role.STREET_OFFICER],
        rows=[
            row(2, areas.community_a1.code, id_number=people.a2.decrypt_id_number(), name="甲二李四"),
        ],
    )
    assert result.updated == 1
    assert Person.objects.get(pk=people.a2.pk).area_code == areas.community_a1.code
    assert StatusChange.objects.filter(person=people.a2, kind=ChangeKind.RESIDENCE).exists()


def test_upsert_refuses_roles_without_edit(users) -> None:
    from canlian.common.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        bulk.person_bulk_upsert(actor=users[Role.LEADER], rows=[])


def test_deaths(users, areas, people, django_assert_max_num_queries) -> None:
    others = [PersonFactory(community=areas.community_a1) for _ in range(20)]
    household = make_household(others[0], (others[1], Relation.SPOUSE))
    assert household.certified_count == 2
    rows = [
        bulk.DeathRow(row=i, id_number=p.decrypt_id_number(), date_of_death=date(2024, 5, 1))
        for i, p in enumerate(others, start=2)
    ]
    rows.append(bulk.DeathRow(row=30, id_number=people.b1.decrypt_id_number(), date_of_death=date(2024, 5, 1)))
    rows.append(bulk.DeathRow(row=31, id_number="not a number", date_of_death=date(2024, 5, 1)))
    rows.append(bulk.DeathRow(row=32, id_number=people.a1.decrypt_id_number(), date_of_death=date(1900, 1, 1)))
    with django_assert_max_num_queries(15):
        result = bulk.persons_record_death(actor=users.a[Role.STREET_OFFICER], rows=rows)
    assert result.updated == 20 and sorted(e.row for e in result.errors) == [30, 31, 32]
    assert Person.objects.filter(life_status=LifeStatus.DECEASED).count() == 20
    assert StatusChange.objects.filter(kind=ChangeKind.LIFE).count() == 20
    assert AuditEvent.objects.filter(action="person.record_death").count() == 20
    household.refresh_from_db()
    assert household.certified_count == 0 and household_count_drift() == []  # decision 0019
    again = bulk.persons_record_death(actor=users.a[Role.STREET_OFFICER], rows=rows[:20])
    assert (again.updated, again.unchanged, again.errors) == (0, 20, [])


def test_low_income_list(users, areas, people, django_assert_max_num_queries) -> None:
    officer = users[Role.DISTRICT_OFFICER]
    bulk.persons_set_low_income(
        actor=officer,
        rows=[
            bulk.LowIncomeRow(
                row=2, id_number=people.a1.decrypt_id_number(), status="低保", effective=date(2023, 1, 1)
            ),
        ],
    )
    rows = [
        bulk.LowIncomeRow(row=2, id_number=people.a1.decrypt_id_number(), status="tekun", effective=date(2024, 1, 1)),
        bulk.LowIncomeRow(row=3, id_number=people.a2.decrypt_id_number(), status="dibao", effective=date(2024, 1, 1)),
        bulk.LowIncomeRow(row=4, id_number=people.b1.decrypt_id_number(), status="富裕", effective=date(2024, 1, 1)),
        bulk.LowIncomeRow(row=5, id_number=people.a2.decrypt_id_number(), status="dibao", effective=date(2024, 1, 1)),
    ]
    with django_assert_max_num_queries(15):
        result = bulk.persons_set_low_income(actor=officer, rows=rows)
    assert result.updated == 2 and [e.row for e in result.errors] == [5, 4]
    assert Person.objects.get(pk=people.a1.pk).low_income_status == LowIncomeStatus.TEKUN
    assert LowIncomePeriod.objects.get(person=people.a1, status="dibao").end == date(2023, 12, 31)
    assert list(Person.objects.low_income_on(date(2024, 2, 1), ["dibao"])) == [people.a2]
    again = bulk.persons_set_low_income(actor=officer, rows=rows[:2])
    assert (again.updated, again.unchanged) == (0, 2)
    assert low_income_drift() == []


def test_low_income_list_cannot_overlap_an_ended_period(users, people) -> None:
    officer = users[Role.DISTRICT_OFFICER]
    number = people.a1.decrypt_id_number()

    def row(status: str, day: date) -> bulk.LowIncomeRow:
        return bulk.LowIncomeRow(row=2, id_number=number, status=status, effective=day)

    bulk.persons_set_low_income(actor=officer, rows=[row("dibao", date(2020, 1, 1))])
    bulk.persons_set_low_income(actor=officer, rows=[row("none", date(2024, 1, 1))])
    result = bulk.persons_set_low_income(actor=officer, rows=[row("tekun", date(2023, 6, 1))])
    assert result.updated == 0 and "不能重叠" in str(result.errors[0].reason)
    assert bulk.persons_set_low_income(actor=officer, rows=[row("tekun", date(2024, 1, 1))]).updated == 1
    periods = LowIncomePeriod.objects.filter(person=people.a1).order_by("start").values_list("status", "start", "end")
    assert list(periods) == [("dibao", date(2020, 1, 1), date(2023, 12, 31)), ("tekun", date(2024, 1, 1), None)]


def test_moves(users, areas, people) -> None:
    officer = users[Role.DISTRICT_OFFICER]
    result = bulk.persons_move(
        actor=officer,
        rows=[
            bulk.MoveRow(
                row=2,
                id_number=people.a1.decrypt_id_number(),
                moved_on=date(2024, 3, 1),
                community=areas.community_b1.code,
            ),
            bulk.MoveRow(
                row=3, id_number=people.a2.decrypt_id_number(), moved_on=date(2024, 3, 1), destination="上海市"
            ),
            bulk.MoveRow(row=4, id_number=people.b1.decrypt_id_number(), moved_on=date(2024, 3, 1)),
            bulk.MoveRow(row=5, id_number=new_id_number(), moved_on=date(2024, 3, 1), destination="上海市"),
        ],
    )
    assert result.updated == 2 and sorted(e.row for e in result.errors) == [4, 5]
    assert Person.objects.get(pk=people.a1.pk).area_code == areas.community_b1.code
    out = Person.objects.get(pk=people.a2.pk)
    assert (out.life_status, out.moved_to) == (LifeStatus.MOVED_OUT, "上海市")
    back = bulk.persons_move(
        actor=officer,
        rows=[
            bulk.MoveRow(
                row=2,
                id_number=people.a2.decrypt_id_number(),
                moved_on=date(2024, 9, 1),
                community=areas.community_a2.code,
            ),
        ],
    )
    assert back.updated == 1 and Person.objects.get(pk=people.a2.pk).life_status == LifeStatus.ALIVE


def test_moves_respect_the_area(users, areas, people) -> None:
    result = bulk.persons_move(
        actor=users.a[Role.STREET_OFFICER],
        rows=[
            bulk.MoveRow(
                row=2,
                id_number=people.a1.decrypt_id_number(),
                moved_on=date(2024, 3, 1),
                community=areas.community_b1.code,
            ),
            bulk.MoveRow(row=3, id_number=people.b1.decrypt_id_number(), moved_on=date(2024, 3, 1), destination="上海"),
        ],
    )
    assert result.updated == 0 and len(result.errors) == 2
