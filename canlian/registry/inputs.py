"""What the registry's services accept, and the one set of checks they apply to it.

The single-person services (a form, the API) and the set-based ones (imports) validate with the same
functions here, so a row refused on screen is refused in a spreadsheet for the same reason and in the same
words. Each check raises DomainError with `field` set to the input's field name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from canlian.common.certificate import CertificateNumberError, parse_certificate_number
from canlian.common.exceptions import DomainError
from canlian.common.idcard import IdNumber, IdNumberError, normalise_code, parse_id_number
from canlian.common.masking import bank_account_digits
from canlian.regions.choices import RegionLevel
from canlian.regions.models import Region
from canlian.registry.choices import (
    ETHNICITY_BY_NAME,
    ETHNICITY_NAMES,
    HAN,
    MULTIPLE,
    Category,
    Education,
    Grade,
    HolderRelation,
    HukouType,
    LowIncomeStatus,
    MaritalStatus,
    Relation,
)

CERTIFICATE_YEARS = 10  # 残疾人证管理办法: a certificate is valid ten years, then renewed free of charge
_PHONE = re.compile(r"\+?[0-9][0-9-]{5,18}[0-9]")


# Input classes are plain slotted dataclasses, not frozen ones: an import builds one per row, and a frozen
# dataclass's __init__ (object.__setattr__ per field) costs 2–3 µs more per instance. Nothing mutates them.
@dataclass(slots=True)
class PersonInput:
    """A person as a form, the API or an import row gives it. `community` is a Region or its 12-digit code."""

    name: str
    id_number: str
    community: Region | str
    hukou_type: str
    ethnicity: str = HAN
    phone: str = ""
    address: str = ""
    education: str = ""
    marital_status: str = ""
    guardian_id: int | None = None
    guardian_name: str = ""
    guardian_phone: str = ""
    guardian_relation: str = ""
    owns_wheelchair_vehicle: bool | str | None = None
    lower_limb: bool | str | None = None
    poverty_alleviated: bool | str | None = None
    needs_long_term_care: bool | str | None = None
    work_injury_care: bool | str | None = None
    autism: bool | str | None = None


# Yes/no facts that programme rules read and no certificate records (decision 0016), with their labels.
FACT_FIELDS = (
    "owns_wheelchair_vehicle",
    "lower_limb",
    "poverty_alleviated",
    "needs_long_term_care",
    "work_injury_care",
    "autism",
)


@dataclass(slots=True)
class CertificateInput:
    """A certificate as entered: its number must embed the holder's ID and agree with category and grade."""

    number: str
    category: int
    grade: int
    issue_date: date
    valid_until: date | None = None
    components: str = ""


EDITABLE_FIELDS = (
    "name",
    "ethnicity",
    "phone",
    "hukou_type",
    "address",
    "education",
    "marital_status",
    "guardian_id",
    "guardian_name",
    "guardian_phone",
    "guardian_relation",
    *FACT_FIELDS,
)

_YES = frozenset({"是", "有", "y", "yes", "true", "1", "√", "✓"})
_NO = frozenset({"否", "无", "n", "no", "false", "0", "×"})


def clean_flag(raw: object, field: str) -> bool | None:
    """A yes/no fact as a form (bool), the API (bool) or a spreadsheet cell (是/否, 1/0, √) gives it;
    None when not given (None or a blank cell), so that an import without the column changes nothing."""
    if raw is None or isinstance(raw, bool):
        return raw
    text = normalise_code(str(raw)).strip().lower()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    from canlian.registry.models import Person

    label = Person._meta.get_field(field).verbose_name
    raise DomainError(_("%(label)s应填“是”或“否”，不是“%(value)s”") % {"label": label, "value": raw}, field=field)


def clean_id_number(raw: object, *, today: date | None = None) -> IdNumber:
    try:
        return parse_id_number(raw, today=today)
    except IdNumberError as error:
        raise DomainError(error.reason, field="id_number") from error


def clean_name(raw: str) -> str:
    name = " ".join(str(raw or "").split())
    if not name:
        raise DomainError(_("请填写姓名"), field="name")
    if len(name) > 64:
        raise DomainError(_("姓名过长（最多 64 个字）"), field="name")
    return name


def clean_phone(raw: str, field: str = "phone") -> str:
    text = normalise_code(str(raw or ""))
    if not text:
        return ""
    if not _PHONE.fullmatch(text):
        raise DomainError(_("电话号码“%(phone)s”格式不对：只能是数字和“-”，7–20 位") % {"phone": raw}, field=field)
    return text


def clean_choice(raw: str, choices: type, field: str, label: object, *, blank: bool = True) -> str:
    value = str(raw or "").strip()
    if not value and blank:
        return ""
    by_label = _labels(choices, get_language())
    if value in by_label:
        return by_label[value]
    if value in by_label.values():
        return value
    raise DomainError(
        _("%(label)s“%(value)s”无效，应为：%(allowed)s")
        % {"label": label, "value": value, "allowed": "、".join(by_label)},
        field=field,
    )


@functools.cache
def _labels(choices: type, language: str | None) -> dict[str, str]:
    """{label: value} of a TextChoices in the active language (built once per language: imports call it per row)."""
    return {str(c.label): c.value for c in choices}


def clean_ethnicity(raw: str) -> str:
    value = str(raw or "").strip()
    if not value:
        return HAN
    if value in ETHNICITY_NAMES:
        return value
    if value in ETHNICITY_BY_NAME:
        return ETHNICITY_BY_NAME[value]
    if value + "族" in ETHNICITY_BY_NAME:
        return ETHNICITY_BY_NAME[value + "族"]
    raise DomainError(_("民族“%(value)s”无效：请填写 56 个民族之一或“其他”") % {"value": value}, field="ethnicity")


def clean_community(community: Region | str, communities: dict[str, Region] | None = None) -> Region:
    """The residence community: an active community-level region (given itself, or by its code)."""
    if isinstance(community, Region):
        region = community
    else:
        code = normalise_code(str(community or ""))
        region = (
            (communities or {}).get(code)
            if communities is not None
            else (Region.objects.filter(code=code).select_related("parent").first())
        )
        if region is None:
            raise DomainError(_("社区代码“%(code)s”不存在") % {"code": community}, field="community")
    if region.level != RegionLevel.COMMUNITY:
        raise DomainError(_("居住地应为社区/村，“%(name)s”不是") % {"name": region.name}, field="community")
    if not region.is_active:
        raise DomainError(_("社区“%(name)s”已停用") % {"name": region.name}, field="community")
    return region


# Field labels for clean_choice's error message: lazy, so a valid row (every row of a large import) translates none.
_HUKOU, _EDUCATION, _MARITAL, _GUARDIAN_RELATION = (
    gettext_lazy("户口类型"), gettext_lazy("文化程度"), gettext_lazy("婚姻状况"), gettext_lazy("监护人关系")
)
_CATEGORIES, _GRADES = frozenset(Category.values), frozenset(Grade.values)


def clean_person_fields(data: PersonInput, *, memo: dict | None = None) -> dict[str, object]:
    """Every plain field of a person input, cleaned (ID number and community are checked separately).

    `memo` (an import passes one dict for the whole file, in one language) keeps the cleaned value of each
    choice-like cell already seen (ethnicity, hukou type, education, marital status): a file repeats a handful
    of them. Only accepted values are kept, so a refused one is checked, and refused, again on every row."""
    if memo is None:
        memo = {}
    fields: dict[str, object] = {
        "name": clean_name(data.name),
        "ethnicity": _memo(memo, "ethnicity", data.ethnicity, clean_ethnicity),
        "phone": clean_phone(data.phone),
        "hukou_type": _memo(memo, "hukou_type", data.hukou_type, _clean_hukou),
        "address": clean_address(data.address),
        "education": _memo(memo, "education", data.education, _clean_education),
        "marital_status": _memo(memo, "marital_status", data.marital_status, _clean_marital),
        "guardian_id": data.guardian_id,
        "guardian_name": " ".join(str(data.guardian_name or "").split())[:64],
        "guardian_phone": clean_phone(data.guardian_phone, "guardian_phone"),
        "guardian_relation": clean_choice(data.guardian_relation, Relation, "guardian_relation", _GUARDIAN_RELATION),
    }
    for name in FACT_FIELDS:  # a fact not given is left out: a new person gets “no”, an existing one keeps hers
        flag = clean_flag(getattr(data, name), name)
        if flag is not None:
            fields[name] = flag
    if (fields["guardian_name"] or fields["guardian_phone"]) and not fields["guardian_relation"]:
        raise DomainError(_("填写了监护人，请同时选择与监护人的关系"), field="guardian_relation")
    return fields


# the fields of clean_person_fields that a file does not repeat from row to row (see clean_unique_fields)
UNIQUE_FIELDS = ("name", "phone", "address")


def clean_unique_fields(name: str, phone: str, address: str) -> dict[str, object]:
    """The cells of a person that differ on every row, cleaned as clean_person_fields cleans them (in its order:
    name before phone). An import that has already cleaned the rest of an identical row takes that part from its
    memo and checks only these (registry.imports.PersonImport)."""
    return {"name": clean_name(name), "phone": clean_phone(phone), "address": clean_address(address)}


def clean_address(raw: str) -> str:
    return " ".join(str(raw or "").split())[:200]


def _memo(memo: dict, field: str, raw: object, clean: Callable[[Any], object]) -> object:
    key = (field, type(raw), raw)
    try:
        return memo[key]
    except KeyError:
        memo[key] = value = clean(raw)  # raises for a refused value: nothing kept
        return value


def _clean_hukou(raw: str) -> str:
    return clean_choice(raw, HukouType, "hukou_type", _HUKOU, blank=False)


def _clean_education(raw: str) -> str:
    return clean_choice(raw, Education, "education", _EDUCATION)


def _clean_marital(raw: str) -> str:
    return clean_choice(raw, MaritalStatus, "marital_status", _MARITAL)


def clean_certificate(
    cert: CertificateInput, id_number: str | IdNumber, *, today: date | None = None
) -> dict[str, object]:
    """Cross-check a certificate with its holder's ID, category and grade; default the validity to ten years.

    `id_number` may be given already parsed (an import has parsed each row's ID once): see
    parse_certificate_number."""
    today = today or timezone.localdate()
    if cert.category not in _CATEGORIES:
        raise DomainError(_("残疾类别应为 1–7"), field="category")
    if cert.grade not in _GRADES:
        raise DomainError(_("残疾等级应为 1–4"), field="grade")
    try:
        parsed = parse_certificate_number(
            cert.number, id_number=id_number, category=cert.category, grade=cert.grade, today=today
        )
    except CertificateNumberError as error:
        raise DomainError(error.reason, field="certificate_number") from error
    components = "".join(sorted(set(normalise_code(cert.components)))) if cert.components else ""
    if cert.category == MULTIPLE:
        if len(components) < 2 or any(c not in "123456" for c in components):
            raise DomainError(
                _("多重残疾请选择至少两个所含类别（视力、听力、言语、肢体、智力、精神）"), field="components"
            )
    elif components:
        raise DomainError(_("只有多重残疾才记录所含类别"), field="components")
    if cert.issue_date > today:
        raise DomainError(_("发证日期 %(d)s 晚于今天") % {"d": cert.issue_date.isoformat()}, field="issue_date")
    valid_until = cert.valid_until or add_years(cert.issue_date, CERTIFICATE_YEARS)
    if valid_until <= cert.issue_date:
        raise DomainError(_("有效期应晚于发证日期"), field="valid_until")
    return {
        "category": parsed.category,
        "grade": parsed.grade,
        "reissue": parsed.reissue,
        "components": components,
        "issue_date": cert.issue_date,
        "valid_until": valid_until,
    }


def clean_effective_date(day: date | None, *, field: str = "effective_date", not_before: date | None = None) -> date:
    """A date a change takes effect: given, not in the future, not before `not_before` (e.g. birth)."""
    if day is None:
        raise DomainError(_("请填写生效日期"), field=field)
    today = timezone.localdate()
    if day > today:
        raise DomainError(_("日期 %(d)s 晚于今天：只能记录已经发生的变化") % {"d": day.isoformat()}, field=field)
    if not_before is not None and day < not_before:
        raise DomainError(
            _("日期 %(d)s 早于 %(min)s") % {"d": day.isoformat(), "min": not_before.isoformat()}, field=field
        )
    return day


def clean_low_income_status(raw: str) -> str:
    return clean_choice(raw, LowIncomeStatus, "status", _("低保状态"), blank=False)


def clean_bank_account(raw: str) -> str:
    digits = bank_account_digits(str(raw or ""))
    if not digits:
        raise DomainError(_("请填写银行账号"), field="account_number")
    if not digits.isdigit() or not 8 <= len(digits) <= 32:
        raise DomainError(_("银行账号应为 8–32 位数字"), field="account_number")
    return digits


def clean_holder_relation(raw: str) -> str:
    return clean_choice(raw, HolderRelation, "holder_relation", _("账户所有人"), blank=False)


@functools.lru_cache(maxsize=8192)  # an import adds ten years to the same few thousand issue dates
def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def day_before(day: date) -> date:
    return day - timedelta(days=1)
