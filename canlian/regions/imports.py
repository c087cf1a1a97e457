"""The "regions" import: streets and communities from a spreadsheet (区划代码, 名称, 上级区划代码).

The level follows from the code's length (9 street, 12 community); districts are preloaded and cannot be
imported. A parent must exist already or come on an earlier row of the same file. An existing code has
its name updated; nothing else about it changes. Codes outside the importing user's area are errors.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.accounts.scoping import in_scope
from canlian.common.choices import RowAction
from canlian.common.imports import Column, ImportKind, Plan, RowPlan, area_error, cell_text, fetch_by, register
from canlian.common.jobs import Progress
from canlian.common.tabular import CellError, Table
from canlian.regions.choices import RegionLevel
from canlian.regions.models import Region
from canlian.regions.rules import code_problem, level_for_code, name_problem, normalise_region_code

CODE, NAME, PARENT = "区划代码", "名称", "上级区划代码"
CHUNK = 2000


@register
class RegionImport(ImportKind):
    name = "regions"
    position = 10
    label = gettext_lazy("行政区划")
    action = "region.manage"
    result_url_name = "regions:list"
    columns = (
        Column(CODE, example="340302001901", text=True, help=gettext_lazy("街道/乡镇 9 位，社区/村 12 位数字")),
        Column(NAME, example="示例社区", help=gettext_lazy("最长 64 个字")),
        Column(PARENT, example="340302001", text=True,
               help=gettext_lazy("街道填所属区/县的 6 位代码，社区填所属街道的 9 位代码")),
    )
    notes = (
        gettext_lazy("级别由区划代码的位数决定：9 位为街道/乡镇，12 位为社区/村；区/县由系统预置，不能导入。"),
        gettext_lazy("上级区划必须已在系统中，或在本文件更靠前的行中。"),
        gettext_lazy("系统中已有的区划代码只更新名称；停用的区划不会因导入而启用。"),
        gettext_lazy("只能导入本人负责区域内的区划。"),
    )

    def validate(self, table: Table, actor: Any, progress: Progress) -> tuple[Plan, list[CellError]]:
        records = [(row, normalise_region_code(values.get(CODE)), cell_text(values.get(NAME)),
                    normalise_region_code(values.get(PARENT))) for row, values in table.records()]
        codes = {code for _row, code, _name, _parent in records} | {p for *_rest, p in records}
        existing: dict[str, Region] = fetch_by(Region.objects.all(), "code", codes)
        first_row: dict[str, int] = {}  # code → the first row that lists it
        for row, code, _name, _parent in records:
            first_row.setdefault(code, row)
        plan, errors = Plan(), []
        valid_in_file: set[str] = set()
        for done, (row, code, name, parent_code) in enumerate(records, start=1):
            row_errors = self._check_row(row, code, name, parent_code, actor, existing, first_row, valid_in_file)
            if row_errors:
                errors.extend(row_errors)
            else:
                valid_in_file.add(code)
                plan.add(self._plan_row(row, code, name, parent_code, existing))
            if done % CHUNK == 0:
                progress.advance(CHUNK)
        progress.advance(len(records) % CHUNK)
        return plan, errors

    def _check_row(
        self, row: int, code: str, name: str, parent_code: str, actor: Any,
        existing: dict[str, Region], first_row: dict[str, int], valid_in_file: set[str],
    ) -> list[CellError]:
        level = level_for_code(code)
        if not code:
            return [CellError(row, CODE, "", _("区划代码为空"))]
        if level is None:
            reason = _("区划代码应为 9 位（街道/乡镇）或 12 位（社区/村）数字，实为 %(n)d 位") % {"n": len(code)}
            return [CellError(row, CODE, code, reason)]
        if level == RegionLevel.DISTRICT:
            return [CellError(row, CODE, code, _("区/县由系统预置，不能导入；请只导入街道和社区"))]
        if not in_scope(actor, code):
            return [area_error(actor, row, CODE, code)]
        if first_row[code] != row:
            return [CellError(row, CODE, code, _("区划代码与第 %(row)d 行重复") % {"row": first_row[code]})]
        errors = []
        if problem := name_problem(name):
            errors.append(CellError(row, NAME, name, problem))
        expected_parent = code[:-3]
        if not parent_code:
            errors.append(CellError(row, PARENT, "", _("上级区划代码为空，应为 %(code)s") % {"code": expected_parent}))
        elif parent_code != expected_parent:
            reason = _("上级区划代码应为区划代码的前 %(n)d 位 %(code)s") % {
                "n": len(expected_parent), "code": expected_parent}
            errors.append(CellError(row, PARENT, parent_code, reason))
        elif parent_error := self._parent_problem(row, parent_code, existing, first_row, valid_in_file):
            errors.append(CellError(row, PARENT, parent_code, parent_error))
        else:
            parent_level = existing[parent_code].level if parent_code in existing else level_for_code(parent_code)
            if problem := code_problem(code, parent_code=parent_code, parent_level=parent_level):
                errors.append(CellError(row, CODE, code, problem))
        return errors

    @staticmethod
    def _parent_problem(
        row: int, parent_code: str, existing: dict[str, Region], first_row: dict[str, int], valid_in_file: set[str]
    ) -> str | None:
        if parent_code in existing:
            parent = existing[parent_code]
            if not parent.is_active:
                return _("上级区划 %(code)s（%(name)s）已停用") % {"code": parent_code, "name": parent.name}
            return None
        listed = first_row.get(parent_code)
        if listed is None:
            return _("上级区划 %(code)s 不存在：请先新建，或把它放在本文件更靠前的行") % {"code": parent_code}
        if listed > row:
            return _("上级区划 %(code)s 在第 %(at)d 行，应放在本行之前") % {"code": parent_code, "at": listed}
        if parent_code not in valid_in_file:
            return _("上级区划 %(code)s（第 %(at)d 行）有误，本行无法导入") % {"code": parent_code, "at": listed}
        return None

    @staticmethod
    def _plan_row(row: int, code: str, name: str, parent_code: str, existing: dict[str, Region]) -> RowPlan:
        current = existing.get(code)
        data = {"code": code, "name": name, "parent_code": parent_code}
        if current is None:
            return RowPlan(row=row, action=RowAction.NEW, key=code, label=name, data=data)
        if current.name == name:
            return RowPlan(row=row, action=RowAction.UNCHANGED, key=code, label=name, data=data)
        return RowPlan(row=row, action=RowAction.CHANGED, key=code, label=name,
                       changes={str(NAME): (current.name, name)}, data=data)

    def apply(self, plan: Plan, actor: Any, progress: Progress) -> None:
        """Streets first (their ids are needed as parents), then communities, then renames; all in bulk."""
        new = [r.data for r in plan.of(RowAction.NEW)]
        now = timezone.now()
        for level in (RegionLevel.STREET, RegionLevel.COMMUNITY):
            rows = [d for d in new if level_for_code(d["code"]) == level]
            parents = fetch_by(Region.objects.only("id", "code"), "code", {d["parent_code"] for d in rows})
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                Region.objects.bulk_create([
                    Region(code=d["code"], name=d["name"], level=level, parent_id=parents[d["parent_code"]].pk)
                    for d in chunk
                ])
                progress.advance(len(chunk))
        changed = [r.data for r in plan.of(RowAction.CHANGED)]
        current = fetch_by(Region.objects.all(), "code", {d["code"] for d in changed})
        for start in range(0, len(changed), CHUNK):
            chunk = changed[start : start + CHUNK]
            regions = []
            for d in chunk:
                region = current[d["code"]]
                region.name, region.updated_at = d["name"], now
                regions.append(region)
            Region.objects.bulk_update(regions, ["name", "updated_at"])
            progress.advance(len(chunk))
