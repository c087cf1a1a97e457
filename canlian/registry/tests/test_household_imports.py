"""The `households` import: new and existing 户 by the head's ID number, members by theirs, through the framework."""

from __future__ import annotations

import io
from datetime import date

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from canlian.accounts.choices import Role
from canlian.audit.models import AuditEvent
from canlian.common.choices import ImportStatus, RowAction
from canlian.common.imports import ImportRefused, get_kind, import_file, validate_data
from canlian.common.jobs import NullProgress
from canlian.common.models import ImportRun
from canlian.common.tabular import Sheet, TableError, write_workbook
from canlian.registry.choices import Relation
from canlian.registry.models import Household, HouseholdMember
from canlian.registry.tests.factories import PersonFactory, make_household, new_id_number, wrong_check

pytestmark = pytest.mark.django_db

HEADERS = ("户主身份证号", "成员身份证号", "成员姓名", "与户主关系", "户号", "所在社区代码", "地址", "加入日期")


def xlsx(*rows: tuple, headers: tuple = HEADERS) -> bytes:
    return write_workbook([Sheet(name="家庭户", headers=headers, rows=rows, text_columns=range(len(headers)))])


def run(actor, data: bytes, *, valid_only: bool = False):
    return import_file(actor=actor, kind=get_kind("households"), data=data, file_name="户.xlsx",
                       valid_only=valid_only, dry_run=False, progress=NullProgress())


def refused(actor, data: bytes) -> list[tuple[int, str, str]]:
    counts = (Household.objects.count(), HouseholdMember.objects.count())
    with pytest.raises(ImportRefused) as info:
        run(actor, data)
    assert counts == (Household.objects.count(), HouseholdMember.objects.count())  # nothing written
    return [(e.row, e.column, e.reason) for e in info.value.validation.errors]


def row(head, member, relation: str, *, number: str = "", community: str = "", address: str = "", joined: str = ""):
    return (head.decrypt_id_number(), member.decrypt_id_number(), "", relation, number, community, address, joined)


@pytest.fixture
def officer(users):
    return users.a[Role.STREET_OFFICER]


@pytest.fixture
def family(areas):
    """Four people of community A1 in no household yet, and one of street B."""
    return {
        name: PersonFactory(name=name, community=areas.community_a1)
        for name in ("户主甲", "配偶乙", "子女丙", "父母丁")
    } | {"乙街道人": PersonFactory(name="乙街道人", community=areas.community_b1)}


def test_a_new_household_with_its_members_and_a_second_import_changes_nothing(areas, officer, family):
    head, spouse, child = family["户主甲"], family["配偶乙"], family["子女丙"]
    data = xlsx(
        row(head, head, "户主", number="0001", address="甲路 1 号", joined="2020/1/1"),
        row(head, spouse, "配偶", joined="2020-01-01"),
        row(head, child, "子女"),
    )
    _run, validation = run(officer, data)
    assert validation.counts()["new"] == 3
    household = Household.objects.get()
    assert (household.number, household.address, household.area_code) == ("0001", "甲路 1 号", areas.community_a1.code)
    members = {m.person_id: m for m in household.members.all()}
    assert members[head.pk].relation == Relation.HEAD and members[spouse.pk].relation == Relation.SPOUSE
    assert members[head.pk].joined_on == date(2020, 1, 1)
    assert household.head.person == head
    from canlian.registry.selectors import household_count_drift

    assert household.certified_count == len(members) - sum(m.person.cert_status != "valid" for m in members.values())
    assert household_count_drift() == []
    event = AuditEvent.objects.get(action="import.households")
    assert event.after["new"] == 3
    assert all(head.decrypt_id_number() not in r.key for r in validation.plan.rows)  # masked in the preview

    counts = (Household.objects.count(), HouseholdMember.objects.count())
    _run, again = run(officer, data)
    assert again.counts() | {"rows": 0} == {"rows": 0, "new": 0, "changed": 0, "unchanged": 3, "error_rows": 0,
                                            "error_count": 0}
    assert counts == (Household.objects.count(), HouseholdMember.objects.count())


def test_the_head_row_may_be_left_out(officer, family):
    head, child = family["户主甲"], family["子女丙"]
    run(officer, xlsx(row(head, child, "子女", joined="2021-05-01")))
    head_member = HouseholdMember.objects.get(person=head)
    assert (head_member.relation, head_member.joined_on) == (Relation.HEAD, date(2021, 5, 1))
    assert HouseholdMember.objects.get(person=child).household_id == head_member.household_id


def test_an_existing_household_gains_members_and_shows_what_changes(officer, family):
    head, spouse, child, parent = (family[n] for n in ("户主甲", "配偶乙", "子女丙", "父母丁"))
    household = make_household(head, (spouse, Relation.OTHER))
    data = xlsx(row(head, spouse, "配偶", number="0099"), row(head, child, "子女"), row(head, parent, "父母"))
    validation = validate_data(get_kind("households"), actor=officer, data=data, file_name="h.xlsx",
                               progress=NullProgress())
    changed = {r.row: r.changes for r in validation.plan.of(RowAction.CHANGED)}
    assert changed[2] == {"户号": ("", "0099"), "与户主关系": ("其他", "配偶")}
    assert changed[3] == {"成员": ("", "子女丙（子女）")} and changed[4] == {"成员": ("", "父母丁（父母）")}
    run(officer, data)
    household.refresh_from_db()
    assert household.number == "0099" and Household.objects.count() == 1
    relations = dict(household.members.filter(left_on__isnull=True).values_list("person__name", "relation"))
    assert relations == {"户主甲": "head", "配偶乙": "spouse", "子女丙": "child", "父母丁": "parent"}
    assert run(officer, data)[1].counts()["unchanged"] == 3


def test_rows_are_refused_with_row_column_and_reason(areas, officer, family):
    head, spouse, child, parent, other = (family[n] for n in ("户主甲", "配偶乙", "子女丙", "父母丁", "乙街道人"))
    someone = PersonFactory(name="他户户主", community=areas.community_a2)
    third, fourth = PersonFactory(community=areas.community_a1), PersonFactory(community=areas.community_a1)
    make_household(someone, (parent, Relation.CHILD))
    unknown = new_id_number()
    bad_check = wrong_check(child.decrypt_id_number())
    errors = refused(officer, xlsx(
        row(head, spouse, "配偶"),
        row(head, spouse, "子女"),  # 3: the same member twice
        (head.decrypt_id_number(), bad_check, "", "子女", "", "", "", ""),  # 4: bad check digit
        (head.decrypt_id_number(), unknown, "", "子女", "", "", "", ""),  # 5: not in the registry
        row(head, other, "子女"),  # 6: outside the officer's area
        row(head, parent, "父母"),  # 7: already in another household
        row(head, child, "表亲"),  # 8: unknown relation
        row(head, child, "户主"),  # 9: a second head
        row(head, head, "配偶"),  # 10: the head's own row must say 户主
        row(parent, child, "子女"),  # 11: the head is an ordinary member elsewhere
        row(third, child, "子女", community="340302999999"),  # 12: unknown community
        row(third, fourth, "子女", joined="2024-02-30"),  # 13: bad date
    ))
    by_row = {r: (c, reason) for r, c, reason in errors}
    assert by_row[3][0] == "成员身份证号" and "已在第 2 行出现" in by_row[3][1]
    assert by_row[4][0] == "成员身份证号" and "校验" in by_row[4][1]
    assert by_row[5] == ("成员身份证号", by_row[5][1]) and "档案中没有此身份证号" in by_row[5][1]
    assert "不在您负责的区域内" in by_row[6][1]
    assert by_row[7][0] == "成员身份证号" and "他户户主户" in by_row[7][1]
    assert by_row[8][0] == "与户主关系" and "无效" in by_row[8][1]
    assert by_row[9][0] == "与户主关系" and "一户只有一个户主" in by_row[9][1]
    assert by_row[10][0] == "与户主关系"
    assert by_row[11][0] == "户主身份证号" and "不是户主" in by_row[11][1]
    assert by_row[12][0] == "所在社区代码" and "不存在" in by_row[12][1]
    assert by_row[13][0] == "加入日期" and "不是有效日期" in by_row[13][1]
    assert all(unknown not in reason for _r, _c, reason in errors)


def test_only_valid_rows_when_chosen(officer, family):
    head, spouse, other = family["户主甲"], family["配偶乙"], family["乙街道人"]
    _run, validation = run(officer, xlsx(row(head, spouse, "配偶"), row(head, other, "子女")), valid_only=True)
    assert validation.counts()["new"] == 1 and validation.error_rows == 1
    assert set(HouseholdMember.objects.values_list("person__name", flat=True)) == {"户主甲", "配偶乙"}


def test_a_community_coordinator_cannot_open_a_household_in_another_community(users, areas, family):
    coordinator = users.a[Role.COMMUNITY_COORDINATOR]
    head, spouse = family["户主甲"], family["配偶乙"]
    errors = refused(coordinator, xlsx(row(head, spouse, "配偶", community=areas.community_a2.code)))
    assert errors[0][:2] == (2, "所在社区代码") and "不在您负责的区域" in errors[0][2]
    errors = refused(users.b[Role.STREET_OFFICER], xlsx(row(head, spouse, "配偶")))
    assert errors[0][1] == "户主身份证号"


def test_household_columns_must_agree_within_a_household(officer, family):
    head, spouse, child = family["户主甲"], family["配偶乙"], family["子女丙"]
    errors = refused(officer, xlsx(row(head, spouse, "配偶", number="1"), row(head, child, "子女", number="2")))
    assert errors == [(3, "户号", "与第 2 行（同一户主）填写的户号不一致")]


def _raw(build) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("家庭户")
    for col, header in enumerate(HEADERS):
        sheet.write_string(0, col, header)
    build(sheet)
    book.close()
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (lambda: xlsx(headers=("户主", "成员")), "h.xlsx", "缺少必填列：户主身份证号"),
        (lambda: write_workbook([Sheet(name="空", headers=[], rows=[])]), "h.xlsx", "是空的"),
        (lambda: b"PK\x03\x04 this is not a zip", "h.xlsx", "文件已损坏"),
        (lambda: _raw(lambda s: s.write_formula(1, 1, "=A1")), "h.xlsx", "单元格 B2 含公式"),
        (lambda: _raw(lambda s: s.merge_range(1, 0, 2, 0, "合并")), "h.xlsx", "A2:A3 为合并单元格"),
    ],
    ids=["headers", "empty", "corrupt-zip", "formula", "merged"],
)
def test_bad_files_are_refused_and_write_nothing(officer, family, data, name, message):
    with pytest.raises(TableError, match=message):
        run(officer, data())
    assert not Household.objects.exists() and not ImportRun.objects.exists()


def test_a_50mb_upload_is_refused_on_the_upload_page(officer, client_for):
    client = client_for(officer)
    big = SimpleUploadedFile("户.xlsx", b"\0" * (50 * 1024 * 1024 + 1))
    response = client.post(reverse("imports:upload", args=["households"]), {"file": big})
    assert "文件过大" in response.content.decode() and not ImportRun.objects.exists()


def test_through_the_pages_the_command_and_the_template(officer, family, client_for, tmp_path, capsys):
    head, spouse = family["户主甲"], family["配偶乙"]
    client = client_for(officer)
    template = client.get(reverse("imports:template", args=["households"]))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxmlformats")
    upload = SimpleUploadedFile("户.xlsx", xlsx(row(head, spouse, "配偶")))
    response = client.post(reverse("imports:upload", args=["households"]), {"file": upload})
    run_row = ImportRun.objects.get()
    assert response.status_code == 302 and run_row.status == ImportStatus.VALIDATED and run_row.new == 1
    client.post(reverse("imports:confirm", args=[run_row.pk]))
    run_row.refresh_from_db()
    assert run_row.status == ImportStatus.APPLIED and HouseholdMember.objects.count() == 2

    path = tmp_path / "户.csv"
    path.write_text(f"户主身份证号,成员身份证号,与户主关系\n{head.decrypt_id_number()},{spouse.decrypt_id_number()},配偶\n",
                    encoding="utf-8")
    call_command("import", "households", str(path), "--user", officer.username)
    assert "未变 1 条" in capsys.readouterr().out
    path.write_text(f"户主身份证号,成员身份证号,与户主关系\n{head.decrypt_id_number()},{spouse.decrypt_id_number()},外人\n",
                    encoding="utf-8")
    with pytest.raises(CommandError, match="有误"):
        call_command("import", "households", str(path), "--user", officer.username)
    assert "第2行 与户主关系：" in capsys.readouterr().err


def test_validation_is_set_based(officer, areas, django_assert_max_num_queries):
    heads = [PersonFactory(community=areas.community_a1) for _ in range(30)]
    kids = [PersonFactory(community=areas.community_a1) for _ in range(30)]
    make_household(heads[0])
    rows = [row(h, k, "子女") for h, k in zip(heads, kids, strict=True)]
    with django_assert_max_num_queries(8):
        validation = validate_data(get_kind("households"), actor=officer, data=xlsx(*rows), file_name="h.xlsx",
                                   progress=NullProgress())
    assert validation.counts()["new"] == 29 and validation.counts()["changed"] == 1


def test_writing_is_set_based(officer, areas, django_assert_max_num_queries):
    heads = [PersonFactory(community=areas.community_a1) for _ in range(40)]
    kids = [PersonFactory(community=areas.community_a1) for _ in range(40)]
    data = xlsx(*[row(h, k, "子女") for h, k in zip(heads, kids, strict=True)])
    with django_assert_max_num_queries(30):  # validation, bulk writes, run row and audit event: not per row
        _run, validation = run(officer, data)
    assert validation.counts()["new"] == 40 and HouseholdMember.objects.count() == 80
