"""The registry list as an xlsx: masked numbers unless the role may reveal them AND asks to; always audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
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


def _command_persons(actor: User, params: dict[str, str]) -> tuple[bytes, str]:
    """`manage.py export persons [area=… category=… grade=… … q=… full=1]`: the list screen's filters."""
    from django.http import QueryDict

    from canlian.registry import selectors
    from canlian.registry.forms import PersonFilterForm

    data = QueryDict(mutable=True)
    for key, value in params.items():
        if key != "full":
            data[key] = value
    form = PersonFilterForm(data, areas=selectors.area_choices(actor))
    if not form.is_valid():
        raise DomainError("；".join(f"{key}：{'、'.join(errors)}" for key, errors in form.errors.items()))
    content = person_export(actor=actor, filters=form.to_filters(), full_numbers=params.get("full") == "1")
    return content, f"残疾人名单-{timezone.localdate():%Y%m%d}.xlsx"


def _command_reviews(actor: User, params: dict[str, str]) -> tuple[bytes, str]:
    from canlian.registry.reviews import review_filters_from, reviews_export

    content = reviews_export(actor=actor, filters=review_filters_from(params))
    return content, f"动态变化待核-{timezone.localdate():%Y%m%d}.xlsx"


def register_exports() -> None:
    from canlian.common.exports import ExportKind, register

    register(ExportKind("persons", "残疾人名单", "area category grade min_age max_age life_status low_income "
                        "cert_status multi_disabled q full=1", _command_persons))
    register(ExportKind("reviews", "动态变化待核名单", "status kind run", _command_reviews))
