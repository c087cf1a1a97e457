"""Every registry service: the happy path, then each refusal (role, area, rule)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from canlian.accounts.choices import Role
from canlian.audit.models import AuditEvent
from canlian.common.certificate import make_certificate_number
from canlian.common.exceptions import Conflict, DomainError, PermissionDenied
from canlian.registry import services
from canlian.registry.choices import (
    CertificateStatus,
    ChangeKind,
    ChangeSource,
    HolderRelation,
    LifeStatus,
    LowIncomeStatus,
    Relation,
)
from canlian.registry.inputs import CertificateInput, PersonInput
from canlian.registry.models import BankAccount, Certificate, LowIncomePeriod, Person, StatusChange
from canlian.registry.selectors import low_income_drift
from canlian.registry.tests.factories import (
    PersonFactory,
    certificate_number,
    make_account,
    make_household,
    new_id_number,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def audited(action: str, obj_id: int | None = None) -> bool:
    qs = AuditEvent.objects.filter(action=action)
    return (qs.filter(object_id=str(obj_id)) if obj_id else qs).exists()


def person_input(community, **kw) -> PersonInput:
    return PersonInput(
        **{"name": "新登记", "id_number": new_id_number(), "community": community, "hukou_type": "urban", **kw}
    )


# --- person_create ----------------------------------------------------------------------------------------


def test_create_with_certificate(users, areas) -> None:
    number = new_id_number(date(1985, 3, 4))
    cert = CertificateInput(
        number=make_certificate_number(number, 7, 1), category=7, grade=1, issue_date=date(2022, 5, 1), components="54"
    )
    person = services.person_create(
        actor=users[Role.COMMUNITY_COORDINATOR],
        data=person_input(areas.community_a1, id_number=number.lower(), ethnicity="回族", phone="138 0000 1111"),
        certificate=cert,
    )
    person.refresh_from_db()
    assert person.birth_date == date(1985, 3, 4) and person.area_code == areas.community_a1.code
    assert person.ethnicity == "03" and person.phone == "13800001111"
    assert (person.category, person.grade, person.cert_status) == (7, 1, "valid")
    assert person.cert_valid_until == date(2032, 5, 1)
    current = person.certificates.get()
    assert current.components == "45" and current.decrypt_number() == make_certificate_number(number, 7, 1)
    [entry] = person.status_changes.all()  # one 登记 entry naming the certificate held (decision 0020)
    assert (entry.kind, entry.new_value) == ("registered", f"甲一社区；多重一级，{person.id_number_masked}71")
    assert audited("person.create", person.pk)
    event = AuditEvent.objects.get(action="person.create")
    assert number not in str(event.after)  # the audit trail holds the masked number only


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id_number": "530102192005080119"}, "id_number"),
        ({"name": "  "}, "name"),
        ({"hukou_type": "city"}, "hukou_type"),
        ({"ethnicity": "火星族"}, "ethnicity"),
        ({"phone": "call me"}, "phone"),
        ({"guardian_name": "监护人"}, "guardian_relation"),
    ],
)
def test_create_refuses_bad_fields(users, areas, change: dict, field: str) -> None:
    with pytest.raises(DomainError) as error:
        services.person_create(actor=users[Role.DISTRICT_OFFICER], data=person_input(areas.community_a1, **change))
    assert error.value.field == field
    assert not Person.objects.exists()


def test_create_refuses_a_street_as_residence(users, areas) -> None:
    with pytest.raises(DomainError, match="社区"):
        services.person_create(actor=users[Role.DISTRICT_OFFICER], data=person_input(areas.street_a))


def test_create_refuses_certificate_of_someone_else(users, areas) -> None:
    cert = CertificateInput(
        number=make_certificate_number(new_id_number(), 4, 2), category=4, grade=2, issue_date=date(2022, 1, 1)
    )
    with pytest.raises(DomainError) as error:
        services.person_create(
            actor=users[Role.DISTRICT_OFFICER], data=person_input(areas.community_a1), certificate=cert
        )
    assert error.value.field == "certificate_number" and "不一致" in error.value.message


def test_create_refuses_certificate_grade_mismatch(users, areas) -> None:
    number = new_id_number()
    cert = CertificateInput(
        number=make_certificate_number(number, 4, 2), category=4, grade=1, issue_date=date(2022, 1, 1)
    )
    with pytest.raises(DomainError, match="等级"):
        services.person_create(
            actor=users[Role.DISTRICT_OFFICER],
            data=person_input(areas.community_a1, id_number=number),
            certificate=cert,
        )


def test_create_refuses_duplicate_and_names_it_only_inside_the_area(users, areas, people) -> None:
    number = people.a1.decrypt_id_number()
    with pytest.raises(Conflict, match="甲一张三"):
        services.person_create(
            actor=users.a[Role.STREET_OFFICER], data=person_input(areas.community_a2, id_number=number)
        )
    with pytest.raises(Conflict) as error:
        services.person_create(
            actor=users.b[Role.STREET_OFFICER], data=person_input(areas.community_b1, id_number=number)
        )
    assert "甲一张三" not in error.value.message


@pytest.mark.parametrize("role", [Role.LEADER, Role.AUDITOR, Role.FINANCE, Role.ADMIN])
def test_create_refused_to_roles_without_edit(users, areas, role: Role) -> None:
    with pytest.raises(PermissionDenied):
        services.person_create(actor=users[role], data=person_input(areas.community_a1))


def test_create_refused_outside_the_area(users, areas) -> None:
    with pytest.raises(PermissionDenied):
        services.person_create(actor=users.a[Role.COMMUNITY_COORDINATOR], data=person_input(areas.community_a2))
    with pytest.raises(PermissionDenied):
        services.person_create(actor=users.a[Role.STREET_OFFICER], data=person_input(areas.community_b1))


# --- person_update ----------------------------------------------------------------------------------------


def test_update_changes_and_audits_only_what_changed(users, people) -> None:
    person = services.person_update(
        actor=users.a[Role.COMMUNITY_COORDINATOR],
        person=people.a1,
        changes={"phone": "0552-1234567", "address": "新地址"},
    )
    assert (person.phone, person.address) == ("0552-1234567", "新地址")
    event = AuditEvent.objects.get(action="person.update")
    assert set(event.after) == {"phone", "address"}


def test_update_refuses_protected_fields_and_other_areas(users, people) -> None:
    with pytest.raises(DomainError, match="不能在此修改"):
        services.person_update(actor=users[Role.DISTRICT_OFFICER], person=people.a1, changes={"community": 1})
    with pytest.raises(PermissionDenied):
        services.person_update(actor=users.a[Role.COMMUNITY_COORDINATOR], person=people.a2, changes={"phone": ""})
    with pytest.raises(DomainError):
        services.person_update(
            actor=users[Role.DISTRICT_OFFICER], person=people.a1, changes={"guardian_id": people.a1.pk}
        )


def test_update_guardian_must_be_visible(users, people) -> None:
    services.person_update(
        actor=users.a[Role.STREET_OFFICER],
        person=people.a1,
        changes={"guardian_id": people.a2.pk, "guardian_relation": Relation.PARENT},
    )
    assert Person.objects.get(pk=people.a1.pk).guardian == people.a2
    with pytest.raises(DomainError, match="监护人"):
        services.person_update(
            actor=users.a[Role.STREET_OFFICER], person=people.a1, changes={"guardian_id": people.b1.pk}
        )


# --- death, move out, move in -----------------------------------------------------------------------------


def test_record_death(users, people) -> None:
    day = TODAY() - timedelta(days=3)
    person = services.person_record_death(
        actor=users.a[Role.STREET_OFFICER], person=people.a1, date_of_death=day, reason="火化证明"
    )
    assert (person.life_status, person.life_status_date) == (LifeStatus.DECEASED, day)
    change = person.status_changes.get(kind=ChangeKind.LIFE)
    assert (change.old_value, change.new_value, change.reason, change.actor) == (
        "在册",
        "死亡",
        "火化证明",
        users.a[Role.STREET_OFFICER],
    )
    assert audited("person.record_death", person.pk)
    with pytest.raises(DomainError, match="已是"):
        services.person_record_death(actor=users[Role.DISTRICT_OFFICER], person=people.a1, date_of_death=day)


def test_death_date_must_be_plausible(users, people) -> None:
    with pytest.raises(DomainError, match="晚于今天"):
        services.person_record_death(
            actor=users[Role.DISTRICT_OFFICER], person=people.a1, date_of_death=TODAY() + timedelta(days=1)
        )
    with pytest.raises(DomainError, match="早于"):
        services.person_record_death(
            actor=users[Role.DISTRICT_OFFICER], person=people.a1, date_of_death=people.a1.birth_date - timedelta(days=1)
        )
    with pytest.raises(PermissionDenied):
        services.person_record_death(actor=users.b[Role.STREET_OFFICER], person=people.a1, date_of_death=TODAY())


def test_move_out_then_back_in(users, areas, people) -> None:
    officer = users[Role.DISTRICT_OFFICER]
    out = services.person_move_out(actor=officer, person=people.a1, moved_on=date(2024, 3, 1), destination="合肥市")
    assert (out.life_status, out.moved_to) == (LifeStatus.MOVED_OUT, "合肥市")
    with pytest.raises(DomainError, match="迁往"):
        services.person_move_out(actor=officer, person=people.a2, moved_on=date(2024, 3, 1), destination=" ")
    back = services.person_move_in(actor=officer, person=out, community=areas.community_b1, moved_on=date(2024, 6, 1))
    assert (back.life_status, back.life_status_date, back.moved_to) == (LifeStatus.ALIVE, None, "")
    assert back.area_code == areas.community_b1.code
    kinds = list(back.status_changes.order_by("id").values_list("kind", flat=True))
    assert kinds == [ChangeKind.LIFE, ChangeKind.LIFE, ChangeKind.RESIDENCE]
    assert audited("person.move_out", back.pk) and audited("person.move_in", back.pk)


def test_move_within_the_street_and_refusals(users, areas, people) -> None:
    street_a = users.a[Role.STREET_OFFICER]
    moved = services.person_move_in(actor=street_a, person=people.a1, community=areas.community_a2, moved_on=TODAY())
    change = moved.status_changes.get(kind=ChangeKind.RESIDENCE)
    assert (change.old_value, change.new_value) == ("甲一社区", "甲二社区")
    with pytest.raises(PermissionDenied):  # into another street: district level
        services.person_move_in(actor=street_a, person=moved, community=areas.community_b1, moved_on=TODAY())
    with pytest.raises(DomainError, match="已住在"):
        services.person_move_in(actor=street_a, person=moved, community=areas.community_a2, moved_on=TODAY())
    dead = services.person_record_death(actor=street_a, person=people.a2, date_of_death=TODAY())
    with pytest.raises(DomainError, match="已死亡"):
        services.person_move_in(actor=street_a, person=dead, community=areas.community_a1, moved_on=TODAY())


# --- low income -------------------------------------------------------------------------------------------


def test_low_income_history(users, people) -> None:
    officer = users.a[Role.COMMUNITY_COORDINATOR]
    services.low_income_set(actor=officer, person=people.a1, status=LowIncomeStatus.DIBAO, effective=date(2023, 1, 1))
    person = services.low_income_set(actor=officer, person=people.a1, status="特困", effective=date(2024, 7, 1))
    assert (person.low_income_status, person.low_income_since) == (LowIncomeStatus.TEKUN, date(2024, 7, 1))
    periods = list(
        LowIncomePeriod.objects.filter(person=person).order_by("start").values_list("status", "start", "end")
    )
    assert periods == [("dibao", date(2023, 1, 1), date(2024, 6, 30)), ("tekun", date(2024, 7, 1), None)]
    assert list(Person.objects.low_income_on(date(2024, 6, 30), ["dibao"])) == [person]
    assert list(Person.objects.low_income_on(date(2024, 7, 1), ["dibao"])) == []
    assert list(Person.objects.low_income_on(date(2022, 12, 31), ["dibao", "tekun"])) == []
    ended = services.low_income_set(
        actor=officer, person=person, status=LowIncomeStatus.NONE, effective=date(2025, 1, 1)
    )
    assert (ended.low_income_status, ended.low_income_since) == ("none", date(2025, 1, 1))  # 无 since
    assert not LowIncomePeriod.objects.filter(person=person, end__isnull=True).exists()
    assert low_income_drift() == []  # the columns the rules read follow the history (decision 0018)
    assert StatusChange.objects.filter(person=person, kind=ChangeKind.LOW_INCOME).count() == 3


def test_low_income_refusals(users, people) -> None:
    officer = users[Role.DISTRICT_OFFICER]
    with pytest.raises(DomainError, match="无需变更"):
        services.low_income_set(actor=officer, person=people.a1, status="none", effective=date(2024, 1, 1))
    services.low_income_set(actor=officer, person=people.a1, status="dibao", effective=date(2024, 1, 1))
    with pytest.raises(DomainError, match="应晚于"):
        services.low_income_set(actor=officer, person=people.a1, status="tekun", effective=date(2024, 1, 1))
    with pytest.raises(DomainError, match="低保状态"):
        services.low_income_set(actor=officer, person=people.a1, status="rich", effective=date(2024, 2, 1))
    with pytest.raises(PermissionDenied):
        services.low_income_set(
            actor=users.b[Role.COMMUNITY_COORDINATOR], person=people.a1, status="tekun", effective=date(2024, 2, 1)
        )


def test_low_income_after_an_ended_period_cannot_overlap_it(users, people) -> None:
    """With no open period, a new status must start after the last period's end (periods never overlap)."""
    officer = users[Role.DISTRICT_OFFICER]
    services.low_income_set(actor=officer, person=people.a1, status="dibao", effective=date(2020, 1, 1))
    services.low_income_set(actor=officer, person=people.a1, status="none", effective=date(2024, 1, 1))
    for day in (date(2022, 1, 1), date(2023, 12, 31)):
        with pytest.raises(DomainError, match="不能重叠"):
            services.low_income_set(actor=officer, person=people.a1, status="tekun", effective=day)
    person = services.low_income_set(actor=officer, person=people.a1, status="tekun", effective=date(2024, 1, 1))
    assert person.low_income_status == "tekun"
    assert list(
        LowIncomePeriod.objects.filter(person=person).order_by("start").values_list("status", "start", "end")
    ) == [("dibao", date(2020, 1, 1), date(2023, 12, 31)), ("tekun", date(2024, 1, 1), None)]


# --- certificates -----------------------------------------------------------------------------------------


def test_reassess_supersedes_and_keeps_history(users, people) -> None:
    officer = users[Role.DISTRICT_OFFICER]
    old = people.a1.certificates.get()
    cert = services.person_reassess(
        actor=officer,
        person=people.a1,
        reason="复评",
        certificate=CertificateInput(
            number=certificate_number(people.a1, grade=1), category=4, grade=1, issue_date=date(2024, 5, 1)
        ),
    )
    old.refresh_from_db()
    assert (old.is_current, old.status, old.superseded_by) == (False, CertificateStatus.SUPERSEDED, cert)
    person = Person.objects.get(pk=people.a1.pk)
    assert (person.grade, person.cert_valid_until) == (1, date(2034, 5, 1))
    change = person.status_changes.get(kind=ChangeKind.CERTIFICATE_REASSESS)
    assert change.old_value == "肢体二级" and change.new_value.startswith("肢体一级")
    assert audited("certificate.reassess", cert.pk)


def test_reassess_refusals(users, people) -> None:
    good = CertificateInput(
        number=certificate_number(people.a1, grade=1), category=4, grade=1, issue_date=date(2024, 5, 1)
    )
    for role in (Role.STREET_OFFICER, Role.COMMUNITY_COORDINATOR, Role.LEADER):
        with pytest.raises(PermissionDenied):
            services.person_reassess(actor=users[role], person=people.a1, certificate=good)
    officer = users[Role.DISTRICT_OFFICER]
    with pytest.raises(DomainError, match="早于现有证件"):
        services.person_reassess(
            actor=officer,
            person=people.a1,
            certificate=CertificateInput(number=good.number, category=4, grade=1, issue_date=date(2019, 1, 1)),
        )
    with pytest.raises(DomainError, match="多重"):
        services.person_reassess(
            actor=officer,
            person=people.a1,
            certificate=CertificateInput(
                number=certificate_number(people.a1, category=7, grade=1),
                category=7,
                grade=1,
                issue_date=date(2024, 5, 1),
                components="4",
            ),
        )
    with pytest.raises(DomainError, match="晚于今天"):
        services.person_reassess(
            actor=officer,
            person=people.a1,
            certificate=CertificateInput(
                number=good.number, category=4, grade=1, issue_date=TODAY() + timedelta(days=1)
            ),
        )
    assert people.a1.certificates.count() == 1


def test_first_certificate_for_person_without_one(users, areas) -> None:
    person = PersonFactory(community=areas.community_a1, certificate=False)
    cert = services.person_reassess(
        actor=users[Role.DISTRICT_OFFICER],
        person=person,
        certificate=CertificateInput(
            number=certificate_number(person, category=5, grade=3), category=5, grade=3, issue_date=date(2024, 1, 1)
        ),
    )
    assert cert.is_current and person.status_changes.get().kind == ChangeKind.CERTIFICATE_NEW


def test_cancel_certificate(users, people) -> None:
    officer = users[Role.DISTRICT_OFFICER]
    cert = people.a1.certificates.get()
    services.certificate_cancel(actor=officer, certificate=cert, cancelled_on=date(2024, 1, 2), reason="复评不符合")
    cert.refresh_from_db()
    assert (cert.status, cert.cancelled_on, cert.is_current) == (CertificateStatus.CANCELLED, date(2024, 1, 2), True)
    assert Person.objects.get(pk=people.a1.pk).certificate_status == "cancelled"
    assert audited("certificate.cancel", cert.pk)
    with pytest.raises(DomainError, match="只能注销"):
        services.certificate_cancel(actor=officer, certificate=cert, cancelled_on=date(2024, 1, 3), reason="再次")
    with pytest.raises(DomainError, match="原因"):
        services.certificate_cancel(
            actor=officer, certificate=people.a2.certificates.get(), cancelled_on=date(2024, 1, 3), reason=" "
        )
    with pytest.raises(PermissionDenied):
        services.certificate_cancel(
            actor=users.a[Role.STREET_OFFICER],
            certificate=people.a2.certificates.get(),
            cancelled_on=date(2024, 1, 3),
            reason="x",
        )


# --- households -------------------------------------------------------------------------------------------


def test_household_lifecycle_and_multi_disabled_flag(users, areas, people) -> None:
    from canlian.registry.models import Household

    actor = users.a[Role.STREET_OFFICER]
    household = services.household_create(actor=actor, community=areas.community_a1, head=people.a1, number="H1")
    assert not Household.objects.multi_disabled().exists()
    member = services.household_add_member(actor=actor, household=household, person=people.a2, relation=Relation.SPOUSE)
    assert list(Household.objects.multi_disabled()) == [household]
    assert set(Person.objects.in_multi_disabled_household()) == {people.a1, people.a2}
    with pytest.raises(Conflict, match="已有户主"):
        services.household_add_member(
            actor=actor, household=household, person=PersonFactory(community=areas.community_a1), relation=Relation.HEAD
        )
    with pytest.raises(Conflict, match="另一户"):
        services.household_create(actor=actor, community=areas.community_a1, head=people.a2)
    with pytest.raises(DomainError, match="户主须最后"):
        services.household_remove_member(actor=actor, member=household.members.get(relation=Relation.HEAD))
    services.household_remove_member(actor=actor, member=member, left_on=TODAY(), reason="分户")
    assert not Household.objects.multi_disabled().exists()
    with pytest.raises(DomainError, match="已于"):
        services.household_remove_member(actor=actor, member=member)
    assert audited("household.create") and audited("household.add_member") and audited("household.remove_member")


def test_household_refusals_outside_area(users, areas, people) -> None:
    with pytest.raises(PermissionDenied):
        services.household_create(
            actor=users.a[Role.COMMUNITY_COORDINATOR], community=areas.community_a1, head=people.a2
        )
    household = make_household(people.b1)
    with pytest.raises(PermissionDenied):
        services.household_add_member(
            actor=users.a[Role.STREET_OFFICER], household=household, person=people.a1, relation=Relation.CHILD
        )


def test_deceased_or_cancelled_members_do_not_count(users, areas, people) -> None:
    from canlian.registry.models import Household

    household = make_household(people.a1, (people.a2, Relation.SPOUSE))
    assert Household.objects.multi_disabled().count() == 1
    services.person_record_death(actor=users[Role.DISTRICT_OFFICER], person=people.a2, date_of_death=TODAY())
    assert Household.objects.get(pk=household.pk).certified_count == 1


def test_every_writer_keeps_the_household_count(users, areas, people) -> None:
    """Household.certified_count (decision 0019) follows memberships, moves, certificates and deaths."""
    from canlian.registry.models import Household
    from canlian.registry.selectors import household_count_drift

    officer = users[Role.DISTRICT_OFFICER]

    def count() -> int:
        assert household_count_drift() == []
        return Household.objects.get(pk=household.pk).certified_count

    third = PersonFactory(community=areas.community_a1, certificate=False)
    household = services.household_create(actor=officer, community=areas.community_a1, head=people.a1)
    assert count() == 1
    services.household_add_member(actor=officer, household=household, person=people.a2, relation=Relation.SPOUSE)
    member = services.household_add_member(actor=officer, household=household, person=third, relation=Relation.CHILD)
    assert count() == 2  # the third has no certificate yet
    number = third.decrypt_id_number()
    services.person_reassess(actor=officer, person=third, certificate=CertificateInput(
        number=f"{number}41", category=4, grade=1, issue_date=date(2024, 1, 2)))
    assert count() == 3
    services.certificate_cancel(actor=officer, certificate=third.certificates.get(), cancelled_on=date(2024, 2, 1),
                                reason="复评不符合")
    assert count() == 2
    services.person_move_out(actor=officer, person=people.a2, moved_on=date(2024, 3, 1), destination="合肥市")
    assert count() == 1
    services.person_move_in(actor=officer, person=people.a2, community=areas.community_a1, moved_on=date(2024, 4, 1))
    assert count() == 2
    services.household_remove_member(actor=officer, member=member)
    assert count() == 2
    services.person_record_death(actor=officer, person=people.a1, date_of_death=date(2024, 6, 1))
    assert count() == 1


# --- bank accounts ----------------------------------------------------------------------------------------


def test_bank_accounts(users, people) -> None:
    finance = users[Role.FINANCE]
    first = services.bank_account_add(
        actor=finance, person=people.a1, bank_name="工商银行", account_number="6222 0212 3456 7890 123"
    )
    assert first.is_default and first.account_masked == "6222 **** **** 0123" and first.holder_name == "甲一张三"
    second = services.bank_account_add(
        actor=finance,
        person=people.a1,
        bank_name="农商银行",
        account_number="6214001122334455",
        holder_name="张父",
        holder_relation=HolderRelation.GUARDIAN,
    )
    assert not second.is_default
    with pytest.raises(Conflict):
        services.bank_account_add(
            actor=finance, person=people.a1, bank_name="工商银行", account_number="6222021234567890123"
        )
    with pytest.raises(DomainError, match="8–32"):
        services.bank_account_add(actor=finance, person=people.a1, bank_name="x", account_number="12ab")
    services.bank_account_set_default(actor=finance, account=second)
    assert list(BankAccount.objects.filter(person=people.a1, is_default=True)) == [second]
    services.bank_account_deactivate(actor=finance, account=second, reason="销户")
    second.refresh_from_db()
    assert (second.is_active, second.is_default) == (False, False)
    with pytest.raises(DomainError, match="已停用"):
        services.bank_account_set_default(actor=finance, account=second)
    with pytest.raises(DomainError, match="已停用"):
        services.bank_account_deactivate(actor=finance, account=second)
    assert audited("bank_account.add") and audited("bank_account.set_default") and audited("bank_account.deactivate")
    with pytest.raises(PermissionDenied):
        services.bank_account_add(
            actor=users[Role.LEADER], person=people.a1, bank_name="x", account_number="62220000000000"
        )
    with pytest.raises(PermissionDenied):
        services.bank_account_add(
            actor=users.b[Role.STREET_OFFICER], person=people.a1, bank_name="x", account_number="62220000000000"
        )


# --- reveal -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.DISTRICT_OFFICER, Role.FINANCE, Role.STREET_OFFICER, Role.COMMUNITY_COORDINATOR])
def test_reveal_allowed_and_audited(users, people, role: Role) -> None:
    number = services.person_reveal_id(actor=users.a[role], person=people.a1)
    assert number == people.a1.decrypt_id_number()
    account = make_account(people.a1)
    assert services.bank_account_reveal(actor=users.a[role], account=account) == "6222021234567890123"
    assert audited("person.reveal_id", people.a1.pk) and audited("bank_account.reveal", account.pk)


@pytest.mark.parametrize("role", [Role.LEADER, Role.AUDITOR, Role.ADMIN])
def test_reveal_refused_to_leaders_and_auditors(users, people, role: Role) -> None:
    with pytest.raises(PermissionDenied):
        services.person_reveal_id(actor=users[role], person=people.a1)
    with pytest.raises(PermissionDenied):
        services.bank_account_reveal(actor=users[role], account=make_account(people.a1))
    assert not AuditEvent.objects.filter(action__endswith="reveal_id").exists()


def test_reveal_refused_outside_the_area(users, people) -> None:
    with pytest.raises(PermissionDenied):
        services.person_reveal_id(actor=users.a[Role.COMMUNITY_COORDINATOR], person=people.a2)


def test_status_changes_record_source(users, people) -> None:
    services.person_record_death(
        actor=users[Role.DISTRICT_OFFICER], person=people.a1, date_of_death=TODAY(), source=ChangeSource.API
    )
    assert StatusChange.objects.get(person=people.a1).source == ChangeSource.API
    assert Certificate.objects.filter(person=people.a1, is_current=True).exists()
