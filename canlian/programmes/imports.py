"""The "enrolments" import: 在享名单 from a spreadsheet (身份证号, 项目编号, 开始日期, optional 停止日期/停止原因).

Until the applications module records enrolments on delivery, this is how existing beneficiaries come in
(and what lets 应退未退 screening work on real lists). A row starts an enrolment; a row whose person already
has the same open enrolment (same programme and start) with a stop date ends it; the same row again is
unchanged. Persons must be in the importing user's area; everything is written in bulk.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canlian.audit.services import record_many
from canlian.common import crypto
from canlian.common.choices import RowAction
from canlian.common.idcard import IdNumberError, parse_id_number
from canlian.common.imports import Column, ImportKind, Plan, RowPlan, cell_text, fetch_by, register
from canlian.common.jobs import Progress
from canlian.common.tabular import CellError, Table
from canlian.programmes.choices import EnrolmentSource
from canlian.programmes.models import Enrolment, Programme
from canlian.registry.models import Person

ID, CODE, START, END, REASON = "身份证号", "项目编号", "开始日期", "停止日期", "停止原因"
CHUNK = 1000


def cell_date(value: Any) -> date | None:
    """A date cell (a spreadsheet date, or text 2025-01-01 / 2025/1/1 / 2025.1.1); None when blank or unreadable."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value).replace("/", "-").replace(".", "-")
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return date(year, month, day)
    except ValueError:
        return None


@register
class EnrolmentImport(ImportKind):
    name = "enrolments"
    position = 80
    label = gettext_lazy("在享名单")
    action = "enrolment.manage"
    result_url_name = "programmes:screening_list"
    columns = (
        Column(ID, example="340302194501011234", text=True, help=gettext_lazy("18 位身份证号，须已在残疾人档案中")),
        Column(CODE, example="L5", help=gettext_lazy("项目编号，如 R1、L5")),
        Column(START, example="2025-01-01", help=gettext_lazy("开始享受日期")),
        Column(END, required=False, example="", help=gettext_lazy("填写则停止该人该项目的这条在享记录")),
        Column(REASON, required=False, example="", help=gettext_lazy("填写停止日期时必填，如死亡、迁出、复核不符合")),
    )
    notes = (
        gettext_lazy("同一人同一项目同时只能有一条在享记录；要换新的开始日期，请先停止原记录。"),
        gettext_lazy("只能导入本人负责区域内的人员。"),
    )

    def validate(self, table: Table, actor: Any, progress: Progress) -> tuple[Plan, list[CellError]]:
        records = list(table.records())
        progress.start(len(records), _("正在校验"))
        hashes: dict[int, str] = {}
        errors: list[CellError] = []
        for row, values in records:
            raw = cell_text(values.get(ID))
            try:
                hashes[row] = crypto.blind_index(parse_id_number(raw).number, purpose="id_number")
            except IdNumberError as error:
                errors.append(CellError(row, ID, raw, error.reason))
        persons = fetch_by(Person.objects.visible_to(actor).only("id", "name", "area_code", "id_number_hash"),
                           "id_number_hash", hashes.values())
        programmes = {p.code: p for p in Programme.objects.all()}
        open_rows = {
            (e.person_id, e.programme_id): e
            for e in Enrolment.objects.filter(person__in=[p.pk for p in persons.values()], end__isnull=True)
        }
        plan, seen = Plan(), {}
        for row, values in records:
            if row not in hashes:
                continue
            row_errors, planned = self._row(row, values, persons.get(hashes[row]), programmes, open_rows, seen)
            errors.extend(row_errors)
            if planned is not None:
                plan.add(planned)
        progress.advance(len(records))
        return plan, errors

    def _row(self, row: int, values: dict[str, Any], person: Person | None, programmes: dict[str, Programme],
             open_rows: dict[tuple[int, int], Enrolment], seen: dict[tuple[int, int], int]
             ) -> tuple[list[CellError], RowPlan | None]:
        raw_id, code = cell_text(values.get(ID)), cell_text(values.get(CODE)).upper()
        start, end = cell_date(values.get(START)), cell_date(values.get(END))
        reason = cell_text(values.get(REASON))
        errors = []
        if person is None:
            errors.append(CellError(row, ID, raw_id, _("档案中没有此人，或此人不在您负责的区域内")))
        programme = programmes.get(code)
        if programme is None:
            errors.append(CellError(row, CODE, code, _("没有编号为“%(c)s”的项目") % {"c": code}))
        if start is None:
            errors.append(CellError(row, START, cell_text(values.get(START)), _("开始日期无法识别，请写成 2025-01-01")))
        if cell_text(values.get(END)) and end is None:
            errors.append(CellError(row, END, cell_text(values.get(END)), _("停止日期无法识别，请写成 2025-01-31")))
        if end is not None and start is not None and end < start:
            errors.append(CellError(row, END, str(end), _("停止日期早于开始日期")))
        if end is not None and not reason:
            errors.append(CellError(row, REASON, "", _("填写停止日期时请填写停止原因")))
        if errors or person is None or programme is None or start is None:
            return errors, None
        key = (person.pk, programme.pk)
        if key in seen:
            return [CellError(row, CODE, code, _("与第 %(r)d 行重复（同一人同一项目）") % {"r": seen[key]})], None
        seen[key] = row
        data = {"person": person.pk, "area_code": person.area_code, "programme": programme.pk,
                "start": start.isoformat(), "end": end.isoformat() if end else None, "reason": reason}
        label = f"{person.name} {code}"
        current = open_rows.get(key)
        if current is None:
            return [], RowPlan(row=row, action=RowAction.NEW, key=f"{person.pk}:{code}", label=label, data=data)
        if current.start != start:
            message = _("此人已在享该项目（自 %(d)s），请先停止原记录") % {"d": current.start}
            return [CellError(row, START, start.isoformat(), message)], None
        if end is None:
            return [], RowPlan(row=row, action=RowAction.UNCHANGED, key=f"{person.pk}:{code}", label=label, data=data)
        data["enrolment"] = current.pk
        return [], RowPlan(row=row, action=RowAction.CHANGED, key=f"{person.pk}:{code}", label=label,
                           changes={END: ("", end.isoformat())}, data=data)

    def apply(self, plan: Plan, actor: Any, progress: Progress) -> None:
        now = timezone.now()
        new = [
            Enrolment(person_id=d["person"], area_code=d["area_code"], programme_id=d["programme"],
                      start=date.fromisoformat(d["start"]), end=date.fromisoformat(d["end"]) if d["end"] else None,
                      end_reason=d["reason"] if d["end"] else "", source=EnrolmentSource.IMPORT, created_by=actor)
            for d in (r.data for r in plan.of(RowAction.NEW))
        ]
        created = Enrolment.objects.bulk_create(new, batch_size=CHUNK)
        ended_data = {r.data["enrolment"]: r.data for r in plan.of(RowAction.CHANGED)}
        ended = list(Enrolment.objects.filter(pk__in=ended_data))
        for enrolment in ended:
            data = ended_data[enrolment.pk]
            enrolment.end, enrolment.end_reason, enrolment.updated_at = (
                date.fromisoformat(data["end"]), data["reason"], now)
        Enrolment.objects.bulk_update(ended, ["end", "end_reason", "updated_at"], batch_size=CHUNK)
        fields = ("person_id", "programme_id", "start", "end", "end_reason")

        def shot(e: Enrolment) -> dict[str, Any]:
            return {f: (v.isoformat() if isinstance(v, date) else v) for f in fields for v in [getattr(e, f)]}

        record_many(actor=actor, action="enrolment.start", objects=created, after=[shot(e) for e in created],
                    message=_("导入在享名单"))
        record_many(actor=actor, action="enrolment.end", objects=ended, after=[shot(e) for e in ended],
                    message=_("导入在享名单（停止）"))
        progress.advance(len(created) + len(ended))
