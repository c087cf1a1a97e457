"""A district officer imports regions from a spreadsheet, fixes an error, and finds the new community."""

from __future__ import annotations

from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from canlian.accounts.choices import Role
from canlian.accounts.tests.factories import PASSWORD
from canlian.common.tabular import Sheet, write_workbook
from tests.browser import login, screenshot

HEADERS = ("区划代码", "名称", "上级区划代码")


def workbook(path: Path, *rows: tuple) -> Path:
    path.write_bytes(write_workbook([Sheet(name="区划", headers=HEADERS, rows=rows, text_columns=(0, 2))]))
    return path


def sheet_rows(path: str) -> list[list]:
    return CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_import_regions_fix_the_error_and_see_the_community(page, users, tmp_path) -> None:
    officer = users.a[Role.DISTRICT_OFFICER]
    login(page, officer.username, PASSWORD)
    page.wait_for_url(page.base_url + "/")
    page.click("nav.mainnav >> text=数据导入")

    with page.expect_download() as template:
        page.locator("tr", has_text="行政区划").get_by_text("下载模板").click()
    assert template.value.suggested_filename == "行政区划导入模板.xlsx"
    assert sheet_rows(template.value.path())[0] == list(HEADERS)

    broken = workbook(tmp_path / "区划.xlsx",
                      ("340302901003", "甲三社区", "340302901"),
                      ("340302901004", "甲四社区", "340302902"))  # row 3: the parent is not the code's street
    page.locator("tr", has_text="行政区划").get_by_text("上传导入").click()
    page.set_input_files("input[type=file]", str(broken))
    page.click("button:has-text('上传并校验')")
    errors = page.locator("table.errors tbody tr")
    assert errors.count() == 1
    assert errors.first.locator("td").nth(0).inner_text() == "3"
    assert errors.first.locator("td").nth(1).inner_text() == "上级区划代码"
    assert "上级区划代码应为区划代码的前 9 位 340302901" in errors.first.inner_text()
    assert page.locator("[data-count=errors]").inner_text() == "1"
    screenshot(page, "import-regions-preview-with-error")

    with page.expect_download() as error_list:
        page.click("text=下载错误清单")
    rows = sheet_rows(error_list.value.path())
    assert rows[1][:3] == [3.0, "上级区划代码", "340302902"]

    fixed = workbook(tmp_path / "区划-已改.xlsx",
                     ("340302901003", "甲三社区", "340302901"),
                     ("340302901004", "甲四社区", "340302901"))
    page.click("text=重新上传")
    page.set_input_files("input[type=file]", str(fixed))
    page.click("button:has-text('上传并校验')")
    assert page.locator("[data-count=new]").inner_text() == "2"
    assert page.locator("table.errors").count() == 0
    page.click("button:has-text('确认导入')")
    assert "导入完成：新增 2 条，修改 0 条，未变 0 条" in page.locator(".messages").inner_text()

    page.click("text=查看行政区划")
    page.wait_for_url(page.base_url + "/regions/")
    tree = page.locator("ul.tree")
    assert tree.locator("text=甲四社区").count() == 1
    page.fill("input[name=q]", "甲四")
    page.click("button:has-text('查询')")
    assert page.locator("table.data tbody tr").count() == 1
    assert "340302901004" in page.locator("table.data tbody").inner_text()
    screenshot(page, "regions-after-import")
