"""The registry list as an xlsx: masked numbers unless the role may reveal them AND asks to; always audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from canlian.accounts.permissions import require
from canlian.audit.services import record
from canlian.common.exceptions import DomainError
from canlian.common.tabular import Sheet, write_workbook
from canlian.registry.imports import FACT_COLUMNS
from canlian.registry.models import Certificate, Person
from canlian.registry.selectors import PersonFilters, classify_search, person_chunks

if TYPE_CHECKING:
    from canlian.accounts.models import User

EXPORT_LIMIT = 100_000  # rows in one workbook; a larger list must be narrowed by the filters

HEADERS = [
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "年龄",
    "民族",
    "户口类型",
    "街道/乡镇",
    "社区/村",
    "居住地址",
    "联系电话",
    "残疾类别",
    "残疾等级",
    "残疾人证号",
    "持证状态",
    "证件有效期至",
    "低保状态",
    "在册状态",
    "死亡/迁出日期",
    *FACT_COLUMNS.values(),  # the import's own headers, so an exported list can be corrected and imported back
]
TEXT_COLUMNS = (1, 10, 13)


def _rows(people: list[Person], certs: dict[int, Certificate], full: bool) -> list[list[object]]:
    rows = []
    for p in people:
        id_number = p.decrypt_id_number() if full else p.id_number_masked
        cert = certs.get(p.pk)
        rows.append(
            [
                p.name,
                id_number,
                p.get_sex_display(),
                p.birth_date,
                p.age,
                p.ethnicity_name,
                p.get_hukou_type_display(),
                p.community.parent.name if p.community.parent_id else "",
                p.community.name,
                p.address,
                p.phone,
                p.get_category_display() if p.category else "",
                p.get_grade_display() if p.grade else "",
                f"{id_number}{cert.suffix}" if cert else "",
                p.certificate_status_label,
                p.cert_valid_until,
                p.get_low_income_status_display(),
                p.get_life_status_display(),
                p.life_status_date,
                *("是" if getattr(p, field) else "否" for field in FACT_COLUMNS),
            ]
        )
    return rows


@transaction.atomic
def person_export(*, actor: User, filters: PersonFilters, full_numbers: bool = False) -> bytes:
    """The filtered list as xlsx (formula-neutralised by write_workbook). Full ID numbers only for a role
    with `person.reveal` that asked for them; the export and whether it held full numbers are audited."""
    require(actor, "person.export")
    if full_numbers:
        require(actor, "person.reveal")
    rows: list[list[object]] = []
    for chunk in person_chunks(actor, filters):
        if len(rows) + len(chunk) > EXPORT_LIMIT:
            raise DomainError(_("导出超过 %(n)d 行，请用筛选条件缩小范围后分批导出") % {"n": EXPORT_LIMIT})
        certs = {c.person_id: c for c in Certificate.objects.filter(person__in=chunk, is_current=True)}
        rows.extend(_rows(chunk, certs, full_numbers))
    content = write_workbook([Sheet(name="残疾人名单", headers=HEADERS, rows=rows, text_columns=TEXT_COLUMNS)])
    term = classify_search(filters.q)
    described = {k: v for k, v in vars(filters).items() if v not in ("", None, (), False) and k != "q"}
    if term.kind:
        described["search"] = term.kind if term.kind in ("id", "certificate") else filters.q
    record(
        actor=actor,
        action="person.export",
        object_type="registry.person",
        after={"rows": len(rows), "full_numbers": full_numbers, "filters": described},
        message=_("含完整证件号") if full_numbers else "",
    )
    return content
