"""The "regions" import kind: its row rules, through the framework's validation."""

from __future__ import annotations

import pytest

from canlian.accounts.choices import Role
from canlian.common.choices import RowAction
from canlian.common.imports import get_kind, import_file, validate_data
from canlian.common.jobs import NullProgress
from canlian.common.tabular import Sheet, write_workbook
from canlian.regions.models import Region

HEADERS = ("区划代码", "名称", "上级区划代码")


def validate(actor, *rows):
    data = write_workbook([Sheet(name="区划", headers=HEADERS, rows=rows)])
    return validate_data(get_kind("regions"), actor=actor, data=data, file_name="区划.xlsx", progress=NullProgress())


def reasons(validation) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for error in validation.errors:
        found.setdefault(error.row, []).append(f"{error.column}：{error.reason}")
    return found


@pytest.fixture
def officer(users):
    return users.a[Role.DISTRICT_OFFICER]


def test_parent_must_exist_or_come_earlier(areas, officer):
    result = validate(
        officer,
        ("340302903001", "丙一社区", "340302903"),  # row 2: its street is on row 3
        ("340302903", "丙街道", "340302"),
        ("340302903002", "丙二社区", "340302903"),  # row 4: fine, the street came first
        ("340302904001", "丁一社区", "340302904"),  # row 5: no such street anywhere
    )
    errors = reasons(result)
    assert errors[2] == ["上级区划代码：上级区划 340302903 在第 3 行，应放在本行之前"]
    assert errors[5] == ["上级区划代码：上级区划 340302904 不存在：请先新建，或把它放在本文件更靠前的行"]
    assert [r.key for r in result.plan.rows] == ["340302903", "340302903002"]


def test_a_row_whose_parent_row_is_wrong_is_wrong_too(areas, officer):
    result = validate(officer, ("340302903", "", "340302"), ("340302903001", "丙一社区", "340302903"))
    assert reasons(result) == {
        2: ["名称：名称为空"], 3: ["上级区划代码：上级区划 340302903（第 2 行）有误，本行无法导入"],
    }


@pytest.mark.parametrize(("row", "reason"), [
    (("340302", "龙子湖区", ""), "区划代码：区/县由系统预置，不能导入；请只导入街道和社区"),
    (("3403029", "某街道", "340302"), "区划代码：区划代码应为 9 位（街道/乡镇）或 12 位（社区/村）数字，实为 7 位"),
    (("", "某街道", "340302"), "区划代码：区划代码为空"),
    (("340302905", "某街道", ""), "上级区划代码：上级区划代码为空，应为 340302"),
    (("340302905001", "某社区", "340302901"), "上级区划代码：上级区划代码应为区划代码的前 9 位 340302905"),
    (("340302905000", "某社区", "340302905"),
     "上级区划代码：上级区划 340302905 不存在：请先新建，或把它放在本文件更靠前的行"),
    (("340302000", "某街道", "340302"), "区划代码：区划代码最后 3 位不能是 000"),
    (("340302905", "名" * 65, "340302"), "名称：名称最长 64 个字，实为 65 个"),
])
def test_row_rules(areas, officer, row, reason):
    assert reasons(validate(officer, row)) == {2: [reason]}


def test_duplicates_and_other_areas(areas, officer):
    result = validate(
        officer,
        ("340302905", "戊街道", "340302"),
        ("340302905", "戊街道（重复）", "340302"),
        ("340303001", "蚌山区街道", "340303"),
    )
    errors = reasons(result)
    assert errors[3] == ["区划代码：区划代码与第 2 行重复"]
    assert errors[4] == ["区划代码：“340303001”不在您负责的区域（龙子湖区）内，不能导入"]


def test_inactive_parent_is_refused(areas, officer):
    Region.objects.filter(pk=areas.street_b.pk).update(is_active=False)
    errors = reasons(validate(officer, ("340302902009", "乙九社区", "340302902")))
    assert errors == {2: ["上级区划代码：上级区划 340302902（乙街道）已停用"]}


def test_numbers_and_full_width_digits_in_code_cells_are_read_as_codes(areas, officer):
    result = validate(
        officer, (340302901009, "甲九社区", 340302901.0), ("３４０３０２９０１０１０", "甲十社区", "340302901")
    )
    assert not result.errors
    assert [r.key for r in result.plan.rows] == ["340302901009", "340302901010"]


def test_existing_codes_update_the_name_only(areas, officer):
    result = validate(officer, ("340302901001", "甲一社区", "340302901"), ("340302901002", "甲二新", "340302901"))
    actions = {r.key: (r.action, r.changes) for r in result.plan.rows}
    assert actions["340302901001"] == (RowAction.UNCHANGED, {})
    assert actions["340302901002"] == (RowAction.CHANGED, {"名称": ("甲二社区", "甲二新")})


def test_applied_rows_get_the_right_level_and_parent(areas, officer):
    data = write_workbook([Sheet(name="区划", headers=HEADERS, rows=[
        ("340302906", "己街道", "340302"), ("340302906001", "己一社区", "340302906"),
        ("340302901002", "甲二新", "340302901"),
    ])])
    import_file(actor=officer, kind=get_kind("regions"), data=data, file_name="x.xlsx", valid_only=False,
                dry_run=False, progress=NullProgress())
    street = Region.objects.get(code="340302906")
    assert (street.level, street.parent_id, street.is_active) == ("street", areas.district.pk, True)
    community = Region.objects.get(code="340302906001")
    assert (community.level, community.parent_id) == ("community", street.pk)
    assert Region.objects.get(code="340302901002").name == "甲二新"


def test_an_inactive_region_stays_inactive_when_renamed_by_import(areas, officer):
    Region.objects.filter(pk=areas.community_a2.pk).update(is_active=False)
    data = write_workbook([Sheet(name="区划", headers=HEADERS, rows=[("340302901002", "甲二新", "340302901")])])
    import_file(actor=officer, kind=get_kind("regions"), data=data, file_name="x.xlsx", valid_only=False,
                dry_run=False, progress=NullProgress())
    areas.community_a2.refresh_from_db()
    assert (areas.community_a2.name, areas.community_a2.is_active) == ("甲二新", False)
