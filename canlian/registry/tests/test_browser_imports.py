"""End to end in Chromium: import a persons file with errors, download the error list, import the corrected
file, find the imported person by ID number and open their page."""

from __future__ import annotations

import io

import pytest
from python_calamine import CalamineWorkbook

from canlian.accounts.choices import Role
from canlian.accounts.tests.factories import PASSWORD
from canlian.common.certificate import make_certificate_number
from canlian.common.tabular import Sheet, write_workbook
from canlian.registry.models import Person
from canlian.registry.tests.factories import new_id_number
from tests.browser import login, screenshot

HEADERS = ("姓名", "身份证号", "户口类型", "所在社区代码", "残疾人证号", "残疾类别", "残疾等级", "发证日期")


def workbook(rows: list[tuple]) -> bytes:
    return write_workbook([Sheet(name="残疾人档案", headers=HEADERS, rows=rows, text_columns=(1, 3, 4))])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_import_with_errors_then_corrected_then_find_the_person(page, users, areas, tmp_path) -> None:
    officer = users.a[Role.STREET_OFFICER]
    number, other = new_id_number(), new_id_number()
    good = ("导入浏览器", number, "城镇", areas.community_a1.code, make_certificate_number(number, 4, 2), "肢体",
            "二级", "2023年3月1日")
    bad = ("导入有误", other, "城镇", "340302901999", make_certificate_number(other, 4, 2), "肢体", "三级", "2023-3-1")
    wrong = tmp_path / "残疾人-有误.xlsx"
    wrong.write_bytes(workbook([good, bad]))
    login(page, officer.username, PASSWORD)
    page.wait_for_url(page.base_url + "/")

    page.get_by_role("link", name="残疾人档案").first.click()
    page.get_by_role("link", name="导入", exact=True).click()
    page.locator("a[href='/imports/persons/']").first.click()
    page.set_input_files("input[type=file]", str(wrong))
    page.get_by_role("button", name="上传并校验").click()
    errors = page.locator("table.errors")
    errors.wait_for()
    assert "社区代码“340302901999”不存在" in errors.inner_text()
    assert other not in page.content()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载错误清单").click()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(download_info.value.path().read_bytes())).get_sheet_by_index(0)
    cells = [[str(c) for c in row] for row in rows.to_python()]
    assert any("3" in row[0] and "所在社区代码" in row for row in cells[1:])
    screenshot(page, "import-persons-errors")
    assert not Person.objects.filter(name="导入浏览器").exists()

    corrected = tmp_path / "残疾人-已修正.xlsx"
    fixed = (*bad[:3], areas.community_a2.code, make_certificate_number(other, 4, 3), "肢体", "三级", "2023-3-1")
    corrected.write_bytes(workbook([good, fixed]))
    page.get_by_role("link", name="重新上传").first.click()
    page.set_input_files("input[type=file]", str(corrected))
    page.get_by_role("button", name="上传并校验").click()
    page.get_by_role("button", name="确认导入").click()
    page.get_by_text("新增 2 条").first.wait_for()
    assert Person.objects.filter(name__in=["导入浏览器", "导入有误"]).count() == 2

    page.goto(page.base_url + "/registry/")
    page.fill("#id_q", number)
    link = page.locator("#person-table").get_by_role("link", name="导入浏览器")
    link.wait_for()
    link.click()
    page.get_by_role("heading", name="导入浏览器").wait_for()
    assert number not in page.content()
    screenshot(page, "import-persons-person-page")
