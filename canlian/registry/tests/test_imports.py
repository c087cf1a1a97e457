"""The registry's imports (persons, deaths, 低保, moves) through the framework's service, command and pages."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from canlian.accounts.choices import Role
from canlian.audit.models import AuditEvent
from canlian.common.certificate import make_certificate_number
from canlian.common.choices import ImportStatus, RowAction
from canlian.common.imports import ImportRefused, get_kind, import_file
from canlian.common.jobs import NullProgress
from canlian.common.models import ImportRun
from canlian.common.tabular import Sheet, TableError, write_workbook
from canlian.registry.choices import ChangeSource, LifeStatus, LowIncomeStatus
from canlian.registry.imports import CellProblem, parse_category, parse_date, parse_grade
from canlian.registry.models import Certificate, LowIncomePeriod, Person, StatusChange, StatusReview
from canlian.registry.selectors import low_income_drift
from canlian.registry.tests.factories import PersonFactory, new_id_number, wrong_check

pytestmark = pytest.mark.django_db

PERSON_HEADERS = ("姓名", "身份证号", "民族", "联系电话", "户口类型", "所在社区代码", "居住地址", "残疾人证号",
                  "残疾类别", "残疾等级", "发证日期")


def xlsx(headers: tuple, *rows: tuple) -> bytes:
    return write_workbook([Sheet(name="导入", headers=headers, rows=rows, text_columns=range(len(headers)))])


def person_row(name: str, community: str, number: str | None = None, *, cert: tuple = (4, 2), **kw: object) -> tuple:
    number = number or new_id_number()
    return (name, number, kw.get("ethnicity", "汉族"), kw.get("phone", "13800000001"), "城镇", community,
            kw.get("address", "幸福路 1 号"), make_certificate_number(number, *cert) if cert else "",
            kw.get("category", "肢体"), kw.get("grade", "二级"), kw.get("issued", "2023/3/1"))


def run_import(kind: str, actor, data: bytes, *, valid_only: bool = False, name: str = "导入.xlsx"):
    return import_file(actor=actor, kind=get_kind(kind), data=data, file_name=name, valid_only=valid_only,
                       dry_run=False, progress=NullProgress())


def refused(kind: str, actor, data: bytes) -> list[tuple[int, str, str]]:
    """Import expecting a refusal: the errors as (row, column, reason); asserts nothing was written."""
    persons, changes = Person.objects.count(), StatusChange.objects.count()
    with pytest.raises(ImportRefused) as info:
        run_import(kind, actor, data)
    assert (Person.objects.count(), StatusChange.objects.count()) == (persons, changes)
    return [(e.row, e.column, e.reason) for e in info.value.validation.errors]


@pytest.fixture
def officer(users):
    return users.a[Role.STREET_OFFICER]


# --- cell parsing --------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["2024-03-01", "2024/3/1", "2024.3.1", "20240301", "2024年3月1日", 20240301,
                                 date(2024, 3, 1), datetime(2024, 3, 1, 0, 0), "２０２４－０３－０１"])
def test_dates_in_the_ways_staff_type_them(raw):
    assert parse_date(raw) == date(2024, 3, 1)


@pytest.mark.parametrize("raw", ["2024-02-30", "3/1/2024", "昨天", "2024-13-01"])
def test_bad_dates_say_how_to_write_them(raw):
    with pytest.raises(CellProblem, match=r"不是有效日期.*2024年3月1日"):
        parse_date(raw)


def test_category_and_grade_as_names_or_digits():
    assert [parse_category(v) for v in ("肢体", "肢体残疾", "4", 4.0)] == [4, 4, 4, 4]
    assert [parse_grade(v) for v in ("四级", "四", "4", 4)] == [4, 4, 4, 4]
    with pytest.raises(CellProblem, match="残疾类别“八”无效"):
        parse_category("八")
    with pytest.raises(CellProblem, match="残疾等级“5”无效"):
        parse_grade(5)


# --- persons -------------------------------------------------------------------------------------------


def test_persons_create_with_certificates_and_audit_once(areas, officer):
    a1 = areas.community_a1.code
    rows = [person_row(f"导入{i}", a1) for i in range(3)]
    run, validation = run_import("persons", officer, xlsx(PERSON_HEADERS, *rows))
    assert validation.counts()["new"] == 3 and run.status == ImportStatus.APPLIED
    people = Person.objects.filter(name__startswith="导入")
    assert people.count() == 3 and set(people.values_list("category", "grade")) == {(4, 2)}
    assert Certificate.objects.filter(person__in=people, issue_date=date(2023, 3, 1)).count() == 3
    assert StatusChange.objects.filter(person__in=people, source=ChangeSource.IMPORT).count() == 3  # 登记 (0020)
    assert AuditEvent.objects.filter(action="import.persons").count() == 1


def test_imported_persons_are_the_rows_the_person_service_would_write(areas, officer):
    """The import writes plain values (bulk.insert_values), not model instances: each row must still be what the
    model holds valid, with the same derived facts, ciphertext, timestamps and timeline as person_create's."""
    number = new_id_number(date(1970, 5, 17))
    run_import("persons", officer, xlsx(PERSON_HEADERS, person_row("值校验", areas.community_a1.code, number,
                                                                    cert=(6, 1), category="精神", grade="一级")))
    person = Person.objects.select_related("community").get(name="值校验")
    person.full_clean()
    assert person.decrypt_id_number() == number and person.id_number_masked == number[:6] + "********" + number[-4:]
    assert (person.birth_date, person.area_code, person.community) == (date(1970, 5, 17), areas.community_a1.code,
                                                                       areas.community_a1)
    assert (person.life_status, person.low_income_status, person.ethnicity) == ("alive", "none", "01")
    assert person.created_at and person.updated_at and person.created_at <= timezone.now()
    assert (person.category, person.grade, person.cert_status, person.cert_valid_until) == (
        6, 1, "valid", date(2033, 3, 1))
    certificate = Certificate.objects.get(person=person)
    certificate.full_clean()
    assert (certificate.is_current, certificate.status, certificate.reissue) == (True, "valid", 0)
    timeline = dict(person.status_changes.values_list("kind", "new_value"))
    # one 登记 entry naming the certificate held (decision 0020), as the form writes it
    assert timeline == {"registered": f"甲一社区；精神一级，{person.id_number_masked}61"}
    assert set(person.status_changes.values_list("actor", "source")) == {(officer.pk, "import")}


def test_persons_update_by_id_with_a_masked_preview_and_twice_changes_nothing(areas, officer, people):
    number = people.a1.decrypt_id_number()
    row = person_row("甲一张三", areas.community_a2.code, number, phone="13911112222", ethnicity="回")
    data = xlsx(PERSON_HEADERS, row)
    _run, validation = run_import("persons", officer, data)
    [changed] = validation.plan.rows
    assert changed.key == people.a1.id_number_masked and number not in str(changed.key)
    assert changed.changes["联系电话"][1] == "13911112222"
    assert changed.changes["民族"] == ("汉族", "回族")
    assert changed.changes["所在社区代码"][1].endswith(f"（{areas.community_a2.code}）")
    person = Person.objects.get(pk=people.a1.pk)
    assert (person.phone, person.ethnicity, person.area_code) == ("13911112222", "03", areas.community_a2.code)

    counts = (Person.objects.count(), StatusChange.objects.count(), Certificate.objects.count(),
              AuditEvent.objects.exclude(action__startswith="import.").count())
    _run, again = run_import("persons", officer, data)
    assert again.counts()["unchanged"] == 1 and again.counts()["changed"] == again.counts()["new"] == 0
    assert counts == (Person.objects.count(), StatusChange.objects.count(), Certificate.objects.count(),
                      AuditEvent.objects.exclude(action__startswith="import.").count())


def test_persons_bad_rows_name_row_column_and_reason_and_write_nothing(areas, officer, people):
    a1 = areas.community_a1.code
    twice = new_id_number()
    other = new_id_number()
    rows = [
        person_row("重复甲", a1, twice),  # 2
        person_row("重复乙", a1, twice),  # 3
        person_row("校验错", a1, "34030219800101123X"),  # 4
        person_row("无此社区", "340302901999"),  # 5
        (*person_row("证号不符", a1, other, cert=None)[:7], make_certificate_number(new_id_number(), 4, 2),
         "肢体", "二级", "2023-03-01"),  # 6
        person_row("等级不符", a1, grade="三级"),  # 7
        person_row("外区", areas.community_b1.code),  # 8
        person_row("日期错", a1, issued="2023-02-30"),  # 9
        person_row("重新评定", a1, people.a1.decrypt_id_number(), cert=(4, 1), grade="一级"),  # 10
    ]
    errors = refused("persons", officer, xlsx(PERSON_HEADERS, *rows))
    by_row = {row: (column, reason) for row, column, reason in errors}
    assert by_row[2][0] == by_row[3][0] == "身份证号" and "重复（另见第 3 行）" in by_row[2][1]
    assert by_row[4][0] == "身份证号" and "校验" in by_row[4][1]
    assert by_row[5] == ("所在社区代码", "社区代码“340302901999”不存在")
    assert by_row[6][0] == "残疾人证号"
    assert by_row[7][0] == "残疾人证号" and by_row[7][1]
    assert by_row[8][0] == "所在社区代码" and "不在您负责的区域" in by_row[8][1]
    assert by_row[9][0] == "发证日期" and "不是有效日期" in by_row[9][1]
    assert by_row[10][0] == "残疾人证号" and "重新评定" in by_row[10][1]
    assert AuditEvent.objects.get(action="import.persons").result == "failure"


def test_persons_error_values_are_masked(areas, officer):
    number = new_id_number()
    data = xlsx(PERSON_HEADERS, person_row("甲", areas.community_a1.code, number),
                person_row("乙", areas.community_a1.code, number))
    with pytest.raises(ImportRefused) as info:
        run_import("persons", officer, data)
    assert all(number not in e.value for e in info.value.validation.errors)


def test_persons_valid_only_writes_the_valid_rows(areas, officer):
    a1 = areas.community_a1.code
    data = xlsx(PERSON_HEADERS, person_row("好", a1), person_row("外区", areas.community_b1.code))
    _run, validation = run_import("persons", officer, data, valid_only=True)
    assert validation.error_rows == 1
    assert list(Person.objects.filter(name__in=["好", "外区"]).values_list("name", flat=True)) == ["好"]


def test_person_registered_elsewhere_is_refused_to_a_street_officer(areas, officer, people):
    data = xlsx(PERSON_HEADERS, person_row("乙一王五", areas.community_a1.code, people.b1.decrypt_id_number()))
    [(row, column, reason)] = refused("persons", officer, data)
    assert (row, column) == (2, "身份证号") and "不在您负责的区域内" in reason


def test_persons_excel_date_cells_and_a_certificate_without_its_columns(areas, officer):
    a1 = areas.community_a1.code
    row = list(person_row("日期格", a1))
    row[10] = date(2022, 5, 6)
    data = write_workbook([Sheet(name="导入", headers=PERSON_HEADERS, rows=[row], text_columns=(1, 7))])
    run_import("persons", officer, data)
    assert Certificate.objects.get(person__name="日期格").issue_date == date(2022, 5, 6)
    incomplete = list(person_row("缺类别", a1))
    incomplete[8] = ""
    [(row_no, column, reason)] = refused("persons", officer, xlsx(PERSON_HEADERS, tuple(incomplete)))
    assert (row_no, column) == (2, "残疾类别") and "请同时填写残疾类别" in reason


def test_persons_validation_is_set_based(areas, officer, people, django_assert_max_num_queries):
    a1 = areas.community_a1.code
    rows = [person_row(f"批{i}", a1) for i in range(600)]
    rows.append(person_row("甲一张三", a1, people.a1.decrypt_id_number(), phone="13700000000"))
    kind = get_kind("persons")
    from canlian.common.imports import validate_data

    with django_assert_max_num_queries(6):
        validation = validate_data(kind, actor=officer, data=xlsx(PERSON_HEADERS, *rows), file_name="p.xlsx",
                                   progress=NullProgress())
    assert validation.counts()["new"] == 600 and validation.counts()["changed"] == 1


# --- bad files -----------------------------------------------------------------------------------------


def _raw_workbook(build) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("导入")
    for col, header in enumerate(PERSON_HEADERS):
        sheet.write_string(0, col, header)
    build(sheet)
    book.close()
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (lambda: xlsx(("姓名", "证件号")), "p.xlsx", "缺少必填列：身份证号"),
        (lambda: write_workbook([Sheet(name="空", headers=[], rows=[])]), "p.xlsx", "是空的"),
        (lambda: b"PK\x03\x04 this is not a zip", "p.xlsx", "文件已损坏"),
        (lambda: b"\0" * (50 * 1024 * 1024 + 1), "p.xlsx", "文件过大"),
        (lambda: _raw_workbook(lambda s: s.write_formula(1, 0, "=1+1")), "p.xlsx", "单元格 A2 含公式"),
        (lambda: _raw_workbook(lambda s: s.merge_range(1, 0, 2, 0, "合并")), "p.xlsx", "A2:A3 为合并单元格"),
        (lambda: b"x", "p.pdf", "不支持的文件类型"),
    ],
    ids=["headers", "empty", "corrupt-zip", "50MB", "formula", "merged", "type"],
)
def test_bad_files_are_refused_with_the_reason_and_write_nothing(areas, officer, data, name, message):
    persons = Person.objects.count()
    with pytest.raises(TableError, match=message):
        import_file(actor=officer, kind=get_kind("persons"), data=data(), file_name=name, valid_only=False,
                    dry_run=False, progress=NullProgress())
    assert Person.objects.count() == persons and not ImportRun.objects.exists()


# --- deaths, 低保, moves --------------------------------------------------------------------------------

DEATH_HEADERS = ("身份证号", "姓名", "死亡日期", "备注")
LOW_HEADERS = ("身份证号", "姓名", "低保状态", "起始日期")
MOVE_HEADERS = ("身份证号", "姓名", "迁入社区代码", "迁往", "迁移日期")


def test_deaths_set_life_status_once_and_refuse_other_dates(areas, officer, people):
    a1, a2 = people.a1.decrypt_id_number(), people.a2.decrypt_id_number()
    data = xlsx(DEATH_HEADERS, (a1, "甲一张三", "2024年5月1日", "火化名单"), (a2, "甲二李四", "20240502", ""))
    _run, validation = run_import("deaths", officer, data)
    assert validation.counts()["changed"] == 2
    person = Person.objects.get(pk=people.a1.pk)
    assert (person.life_status, person.life_status_date) == (LifeStatus.DECEASED, date(2024, 5, 1))
    change = StatusChange.objects.get(person=person, kind="life")
    assert (change.source, change.effective_date, change.reason) == (ChangeSource.IMPORT, date(2024, 5, 1), "火化名单")

    counts = (StatusChange.objects.count(), AuditEvent.objects.exclude(action__startswith="import.").count())
    _run, again = run_import("deaths", officer, data)
    assert again.counts()["unchanged"] == 2
    assert counts == (StatusChange.objects.count(), AuditEvent.objects.exclude(action__startswith="import.").count())

    [(row, column, reason)] = refused("deaths", officer, xlsx(DEATH_HEADERS, (a1, "", "2024-06-01", "")))
    assert (row, column) == (2, "死亡日期") and "已是“死亡”状态" in reason


def test_deaths_refuse_unknown_and_outside_persons(areas, officer, people):
    errors = refused("deaths", officer, xlsx(
        DEATH_HEADERS, (new_id_number(), "", "2024-05-01", ""), (people.b1.decrypt_id_number(), "", "2024-05-01", ""),
        (people.a1.decrypt_id_number(), "", "明天", "")))
    assert [(r, c) for r, c, _reason in errors] == [(2, "身份证号"), (3, "身份证号"), (4, "死亡日期")]
    assert "档案中没有此身份证号" in errors[0][2] and "不在您负责的区域内" in errors[1][2]


def test_low_income_updates_history_and_current_status(areas, officer, people):
    number = people.a1.decrypt_id_number()
    run_import("low-income", officer, xlsx(LOW_HEADERS, (number, "", "低保", "2024-01-01")))
    run_import("low-income", officer, xlsx(LOW_HEADERS, (number, "", "特困", "2024.6.1")))
    person = Person.objects.get(pk=people.a1.pk)
    assert (person.low_income_status, person.low_income_since) == (LowIncomeStatus.TEKUN, date(2024, 6, 1))
    periods = list(LowIncomePeriod.objects.filter(person=person).order_by("start").values_list("status", "end"))
    assert periods == [("dibao", date(2024, 5, 31)), ("tekun", None)]
    _run, again = run_import("low-income", officer, xlsx(LOW_HEADERS, (number, "", "特困", "2024.6.1")))
    assert again.counts()["unchanged"] == 1
    errors = refused("low-income", officer, xlsx(LOW_HEADERS, (number, "", "小康", "2024-07-01"),
                                                 (people.a2.decrypt_id_number(), "", "低保", "")))
    assert [(r, c) for r, c, _reason in errors] == [(2, "低保状态"), (3, "起始日期")]


LOW_END_HEADERS = ("身份证号", "姓名", "低保状态", "起始日期", "结束日期", "备注")


def test_low_income_end_date_closes_the_current_status_once(areas, officer, people):
    """A 低保 list with 结束日期: the open period ends that day, the person is 无 from the next day, the change is
    on the timeline and the review list; the same file again is unchanged; bad end dates are refused."""
    number = people.a1.decrypt_id_number()
    run_import("low-income", officer, xlsx(LOW_HEADERS, (number, "", "低保", "2023-01-01")))
    data = xlsx(LOW_END_HEADERS, (number, "", "低保", "2023-01-01", "2024-03-31", "退出低保"))
    _run, validation = run_import("low-income", officer, data)
    assert validation.counts()["changed"] == 1
    [planned] = validation.plan.of(RowAction.CHANGED)
    assert planned.changes["低保状态"] == ("低保（2023-01-01 起）", "无（2024-03-31 结束）")
    person = Person.objects.get(pk=people.a1.pk)
    assert (person.low_income_status, person.low_income_since) == (LowIncomeStatus.NONE, date(2024, 4, 1))
    assert list(LowIncomePeriod.objects.filter(person=person).values_list("status", "start", "end")) == [
        ("dibao", date(2023, 1, 1), date(2024, 3, 31))]
    change = StatusChange.objects.filter(person=person, kind="low_income").latest("id")
    assert (change.effective_date, change.new_value, change.reason) == (date(2024, 4, 1), "无", "退出低保")
    review = StatusReview.objects.get(person=person, import_run__isnull=False, change__contains="结束")
    assert review.effective_date == date(2024, 4, 1)

    counts = (StatusChange.objects.count(), LowIncomePeriod.objects.count(), StatusReview.objects.count())
    _run, again = run_import("low-income", officer, data)
    assert again.counts()["unchanged"] == 1
    assert counts == (StatusChange.objects.count(), LowIncomePeriod.objects.count(), StatusReview.objects.count())
    assert low_income_drift() == []

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    run_import("low-income", officer, xlsx(LOW_HEADERS, (people.a2.decrypt_id_number(), "", "特困", "2024-01-01")))
    errors = refused("low-income", officer, xlsx(
        LOW_END_HEADERS,
        (number, "", "特困", "2023-01-01", "2024-05-31", ""),  # a1 is 无 now: nothing to end
        (people.a2.decrypt_id_number(), "", "特困", "2024-01-01", "2023-12-31", ""),  # ends before it starts
        (wrong_check(people.a2.decrypt_id_number()), "", "", "", "", ""),
    ))
    assert [(r, c) for r, c, _reason in errors][:2] == [(2, "低保状态"), (3, "结束日期")]
    assert "不是“特困”" in errors[0][2] and "早于起始日期" in errors[1][2]
    for bad_end, status, reason in ((tomorrow, "特困", "须早于今天"), ("2024-02-30", "特困", "不是有效日期"),
                                    ("2024-05-31", "无", "不能填“无”")):
        [(_row, column, text)] = refused("low-income", officer, xlsx(
            LOW_END_HEADERS, (people.a2.decrypt_id_number(), "", status, "2024-01-01", bad_end, "")))
        assert reason in text and column in ("结束日期", "低保状态")
    assert Person.objects.get(pk=people.a2.pk).low_income_status == LowIncomeStatus.TEKUN


def test_moves_within_the_area_and_out_of_the_district(areas, officer, people):
    data = xlsx(MOVE_HEADERS, (people.a1.decrypt_id_number(), "", areas.community_a2.code, "", "2024-04-01"),
                (people.a2.decrypt_id_number(), "", "", "合肥市蜀山区", "2024-04-02"))
    _run, validation = run_import("moves", officer, data)
    assert validation.counts()["changed"] == 2
    assert Person.objects.get(pk=people.a1.pk).area_code == areas.community_a2.code
    moved = Person.objects.get(pk=people.a2.pk)
    assert (moved.life_status, moved.moved_to) == (LifeStatus.MOVED_OUT, "合肥市蜀山区")
    _run, again = run_import("moves", officer, data)
    assert again.counts()["unchanged"] == 2
    errors = refused("moves", officer, xlsx(
        MOVE_HEADERS, (people.a1.decrypt_id_number(), "", areas.community_b1.code, "", "2024-05-01"),
        (wrong_check(people.a1.decrypt_id_number()), "", "", "", "2024-05-01")))
    assert errors[0][:2] in {(2, "迁入社区代码"), (3, "身份证号")}


def test_life_event_validation_is_set_based(areas, officer, django_assert_max_num_queries):
    persons = [PersonFactory(community=areas.community_a1, certificate=False) for _ in range(30)]
    from canlian.common.imports import validate_data

    data = xlsx(LOW_HEADERS, *[(p.decrypt_id_number(), "", "低保", "2024-01-01") for p in persons])
    with django_assert_max_num_queries(4):
        validation = validate_data(get_kind("low-income"), actor=officer, data=data, file_name="l.xlsx",
                                   progress=NullProgress())
    assert validation.counts()["changed"] == 30


# --- pages and command ---------------------------------------------------------------------------------


def test_upload_preview_and_confirm_through_the_pages(areas, officer, people, client_for):
    client = client_for(officer)
    number = people.a1.decrypt_id_number()
    data = xlsx(PERSON_HEADERS, person_row("甲一张三", areas.community_a1.code, number, phone="13612345678"))
    response = client.post(reverse("imports:upload", args=["persons"]),
                           {"file": SimpleUploadedFile("p.xlsx", data)}, follow=True)
    content = response.content.decode()
    assert "13612345678" in content and people.a1.id_number_masked in content and number not in content
    run = ImportRun.objects.get()
    client.post(reverse("imports:confirm", args=[run.pk]))
    assert Person.objects.get(pk=people.a1.pk).phone == "13612345678"


def test_imports_page_and_person_list_link_the_registry_imports(officer, client_for):
    client = client_for(officer)
    content = client.get(reverse("imports:index")).content.decode()
    for name in ("persons", "deaths", "low-income", "moves", "bank-accounts"):
        assert reverse("imports:upload", args=[name]) in content
    assert reverse("imports:index") in client.get(reverse("registry:person_list")).content.decode()


def test_leaders_cannot_import_persons(users, client_for):
    response = client_for(users[Role.LEADER]).get(reverse("imports:template", args=["persons"]))
    assert response.status_code == 403


def test_command_imports_a_death_list(areas, officer, people, tmp_path, capsys):
    path = tmp_path / "deaths.csv"
    path.write_text(f"身份证号,死亡日期\n{people.a1.decrypt_id_number()},2024-03-01\n", encoding="utf-8")
    call_command("import", "deaths", str(path), "--user", officer.username)
    assert "修改 1 条" in capsys.readouterr().out
    path.write_text(f"身份证号,死亡日期\n{people.b1.decrypt_id_number()},2024-03-01\n", encoding="utf-8")
    with pytest.raises(CommandError, match="有误"):
        call_command("import", "deaths", str(path), "--user", officer.username)
    assert "第2行 身份证号：" in capsys.readouterr().err


# --- bank accounts -------------------------------------------------------------------------------------

BANK_HEADERS = ("身份证号", "开户银行", "银行账号", "户名", "账户所有人", "默认发放账户")


def test_bank_accounts_added_defaulted_masked_and_idempotent(areas, officer, people):
    from canlian.registry.models import BankAccount
    from canlian.registry.tests.factories import make_account

    held = make_account(people.a1, "6222020000000000001")
    a1, a2 = people.a1.decrypt_id_number(), people.a2.decrypt_id_number()
    data = xlsx(BANK_HEADERS, (a1, "中国农业银行", "6228 4800 0000 0000 002", "", "", "是"),
                (a2, "中国工商银行", "6222020000000000003", "", "本人", ""))
    _run, validation = run_import("bank-accounts", officer, data)
    assert validation.counts()["new"] == 2
    assert all("6228480000000000002" not in r.key and "**** ****" in r.key for r in validation.plan.rows)
    accounts = {a.account_masked: a for a in BankAccount.objects.filter(person=people.a1)}
    assert accounts["6228 **** **** 0002"].is_default and not accounts[held.account_masked].is_default
    assert BankAccount.objects.get(person=people.a2).is_default  # the first account becomes the default
    _run, again = run_import("bank-accounts", officer, data)
    assert again.counts()["unchanged"] == 2 and BankAccount.objects.count() == 3


def test_bank_account_errors_name_the_cell(areas, officer, people):
    a1 = people.a1.decrypt_id_number()
    errors = refused("bank-accounts", officer, xlsx(
        BANK_HEADERS, (a1, "工行", "12ab", "", "", ""), (a1, "", "6222020000000000009", "", "", ""),
        (a1, "工行", "6222020000000000005", "", "", "也许"), (people.b1.decrypt_id_number(), "工行",
                                                             "6222020000000000006", "", "", "")))
    expected = [(2, "银行账号"), (3, "开户银行"), (4, "默认发放账户"), (5, "身份证号")]
    assert [(r, c) for r, c, _reason in errors] == expected


def test_templates_have_chinese_headers_and_text_id_columns(officer, client_for):
    from python_calamine import CalamineWorkbook

    for name, first in (("persons", "姓名"), ("deaths", "身份证号"), ("low-income", "身份证号"), ("moves", "身份证号"),
                        ("bank-accounts", "身份证号")):
        response = client_for(officer).get(reverse("imports:template", args=[name]))
        assert response.status_code == 200
        rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
        assert rows[0][0] == first and all(isinstance(h, str) and h for h in rows[0])


def test_a_refused_value_repeated_on_several_rows_is_refused_on_each(areas, officer):
    """Validation keeps the cleaned value of repeated cells (hukou, ethnicity, dates, communities, category):
    a value accepted once is accepted for every row, and one refused is refused, with its row, every time."""
    a1, b1 = areas.community_a1.code, areas.community_b1.code
    rows = [
        person_row("重复甲", a1, ethnicity="火星族"),
        person_row("重复乙", a1, ethnicity="火星族"),
        person_row("重复丙", "340302999999"),
        person_row("重复丁", "340302999999"),
        person_row("重复戊", b1),
        person_row("重复己", b1),
        person_row("重复庚", a1, issued="2023-02-30"),
        person_row("重复辛", a1, issued="2023-02-30"),
        person_row("重复壬", a1, category="八"),
        person_row("重复癸", a1, category="八"),
        person_row("重复好", a1),
        person_row("重复好二", a1),
    ]
    errors = refused("persons", officer, xlsx(PERSON_HEADERS, *rows))
    assert [(row, column) for row, column, _reason in errors] == [
        (2, "民族"), (3, "民族"), (4, "所在社区代码"), (5, "所在社区代码"), (6, "所在社区代码"), (7, "所在社区代码"),
        (8, "发证日期"), (9, "发证日期"), (10, "残疾类别"), (11, "残疾类别"),
    ]
    assert errors[0][2] == errors[1][2] and "火星族" in errors[0][2]
    assert errors[2][2] == errors[3][2] and "不存在" in errors[2][2]
    assert errors[4][2] == errors[5][2] and "不在您负责的区域" in errors[4][2]
    assert errors[6][2] == errors[7][2] and "不是有效日期" in errors[6][2]
    assert errors[8][2] == errors[9][2] and "八" in errors[8][2]


def test_a_first_large_import_rebuilds_the_indexes_and_writes_the_same_rows(areas, officer, monkeypatch):
    """Rows that at least double a table are inserted without its secondary indexes, which are created again
    before the import commits (SQLite; decision 0021): the rows are those of the ordinary path and the indexes
    the same as before."""
    import contextlib

    from django.db import connection

    from canlian.common import imports
    from canlian.registry import bulk

    monkeypatch.setattr(imports, "REBUILD_MIN_ROWS", 2)
    taken: list[tuple[str, bool]] = []

    @contextlib.contextmanager
    def spy(model, incoming, **kw):
        with imports.indexes_rebuilt_after(model, incoming, **kw) as rebuilt:
            taken.append((model.__name__, rebuilt))
            yield rebuilt

    monkeypatch.setattr(bulk, "indexes_rebuilt_after", spy)

    def indexes() -> list[tuple[str, str]]:
        if connection.vendor != "sqlite":
            return []
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY 1")
            return cursor.fetchall()

    before = indexes()
    a1 = areas.community_a1.code
    rows = [person_row(f"重建{i}", a1) for i in range(4)]
    run, validation = run_import("persons", officer, xlsx(PERSON_HEADERS, *rows))
    assert validation.counts()["new"] == 4 and run.status == ImportStatus.APPLIED
    # PostgreSQL keeps its indexes and COPYs the rows (insert_values)
    expected = [("Person", True), ("Certificate", True), ("StatusChange", True)]
    assert taken == (expected if connection.vendor == "sqlite" else [])
    assert indexes() == before
    people = Person.objects.filter(name__startswith="重建")
    assert people.count() == 4 and Certificate.objects.filter(person__in=people, is_current=True).count() == 4
    assert StatusChange.objects.filter(person__in=people, kind="registered").count() == 4
    assert Person.objects.filter(name="重建2").values_list("name", flat=True).get() == "重建2"  # found by the index
    for person in people:
        person.full_clean()


def test_text_that_a_bulk_format_must_escape_is_stored_as_typed(areas, officer):
    """On PostgreSQL the new rows travel through COPY's text format, where a backslash, `\\N` (its NULL) and
    quotes mean something: each must come back exactly as the clerk typed it, and an empty phone as empty."""
    a1 = areas.community_a1.code
    typed = {
        "反斜杠": r"幸福路 1\2 号 C:\路",
        "空值": r"\N",
        "引号": "“张”家 'A' \"B\" 院",
    }
    rows = [person_row(name, a1, address=address, phone="") for name, address in typed.items()]
    run_import("persons", officer, xlsx(PERSON_HEADERS, *rows))
    stored = dict(Person.objects.filter(name__in=typed).values_list("name", "address"))
    assert stored == typed
    assert set(Person.objects.filter(name__in=typed).values_list("phone", flat=True)) == {""}
