"""Disability certificate numbers (残疾人证号): parse, validate, cross-check with the registry, generate.

A certificate number is the holder's 18-character ID number, the disability category digit and the grade
digit; a reissued card appends "B1"…"B9". Because the number repeats facts the registry also stores, a
number is checked against the person's ID, category and grade: a mismatch means either a typing slip or
a re-assessment nobody recorded, and both must be caught before money is paid on the strength of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from canlian.common.idcard import IdNumber, IdNumberError, looks_like_excel_number, normalise_code, parse_id_number

# GB/T 26341-2010 categories and grades, in the order the certificate encodes them.
CATEGORY_NAMES: Final[dict[int, Promise]] = {
    1: _("视力"),
    2: _("听力"),
    3: _("言语"),
    4: _("肢体"),
    5: _("智力"),
    6: _("精神"),
    7: _("多重"),
}
GRADE_NAMES: Final[dict[int, Promise]] = {1: _("一级"), 2: _("二级"), 3: _("三级"), 4: _("四级")}
SEVERE_GRADES: Final = frozenset({1, 2})  # 重度: what 护理补贴 and several other programmes require

_REISSUE_SUFFIX: Final = re.compile(r"B[1-9]")

EMPTY = _("残疾人证号为空，请填写 20 位残疾人证号（补办证为 22 位）")
NOT_TEXT = _("残疾人证号应为文本，收到的是 %(type)s 类型的值")
EXCEL_NUMBER = _(
    "残疾人证号被 Excel 转成了数字，末尾几位可能已经丢失：请把这一列的单元格格式设置为“文本”，重新填写后再导入"
)
WRONG_LENGTH = _("残疾人证号应为 20 位（身份证号 18 位 + 类别 1 位 + 等级 1 位，补办证另加 B1–B9），实为 %(length)d 位")
BAD_SUFFIX = _("残疾人证号第 21–22 位是补办标记，应为 B1–B9，实为“%(suffix)s”")
BAD_CATEGORY = _("残疾人证号第 19 位是残疾类别，应为 1–7，实为“%(char)s”")
BAD_GRADE = _("残疾人证号第 20 位是残疾等级，应为 1–4，实为“%(char)s”")
BAD_EMBEDDED_ID = _("证号中的身份证号有误：%(reason)s")
BAD_REGISTERED_ID = _("登记的身份证号有误，无法与残疾人证号核对：%(reason)s")
ID_MISMATCH = _("残疾人证号中的身份证号与登记的身份证号不一致（从第 %(position)d 位开始不同）")
CATEGORY_MISMATCH = _(
    "残疾人证号中的类别为 %(found_name)s（%(found)d），与登记的类别 %(registered_name)s（%(registered)d）不一致"
)
GRADE_MISMATCH = _(
    "残疾人证号中的等级为 %(found_name)s（%(found)d），与登记的等级 %(registered_name)s（%(registered)d）不一致"
)


class CertificateNumberError(ValueError):
    """A certificate number was refused; `reason` (Chinese) tells the user what to correct, and str(error) is it."""

    def __init__(self, reason: str | Promise) -> None:
        self.reason = str(reason)
        super().__init__(self.reason)


@dataclass(frozen=True)
class CertificateNumber:
    """A validated certificate number and the facts it encodes."""

    number: str
    id_number: str
    category: int
    grade: int
    reissue: int = 0  # n of the "Bn" suffix, 0 for a first issue

    @property
    def is_severe(self) -> bool:
        """重度 (grade 1 or 2), the condition of 护理补贴 and other programmes for the severely disabled."""
        return self.grade in SEVERE_GRADES

    @property
    def category_name(self) -> str:
        """The category as printed on the card, e.g. 肢体."""
        return str(CATEGORY_NAMES[self.category])

    @property
    def grade_name(self) -> str:
        """The grade as printed on the card, e.g. 二级."""
        return str(GRADE_NAMES[self.grade])


def parse_certificate_number(
    raw: object,
    *,
    id_number: str | IdNumber | None = None,
    category: int | None = None,
    grade: int | None = None,
    today: date | None = None,
) -> CertificateNumber:
    """Normalise and validate a certificate number; cross-check it with whichever registry facts are given.

    `id_number`, `category` and `grade` are what the registry holds for the person; each one given must
    agree with the number. `today` bounds the embedded ID's birth date (see parse_id_number).
    Raises CertificateNumberError with the first problem found.
    """
    if category is not None and category not in CATEGORY_NAMES:
        raise ValueError(str(_("登记的残疾类别应为 1–7")))
    if grade is not None and grade not in GRADE_NAMES:
        raise ValueError(str(_("登记的残疾等级应为 1–4")))
    if raw is None:
        raise CertificateNumberError(EMPTY)
    if looks_like_excel_number(raw):
        raise CertificateNumberError(EXCEL_NUMBER)
    if not isinstance(raw, str):
        raise CertificateNumberError(NOT_TEXT % {"type": type(raw).__name__})
    number = normalise_code(raw)
    if not number:
        raise CertificateNumberError(EMPTY)
    if len(number) not in (20, 22):
        raise CertificateNumberError(WRONG_LENGTH % {"length": len(number)})
    suffix = number[20:]
    if suffix and not _REISSUE_SUFFIX.fullmatch(suffix):
        raise CertificateNumberError(BAD_SUFFIX % {"suffix": suffix})
    if number[18] not in "1234567":
        raise CertificateNumberError(BAD_CATEGORY % {"char": number[18]})
    if number[19] not in "1234":
        raise CertificateNumberError(BAD_GRADE % {"char": number[19]})
    embedded = number[:18]
    # A registered ID given already parsed (an IdNumber: valid, canonical) that the embedded part equals makes
    # that part valid too: parsing it twice more (here and in _check_holder) would find nothing new. Anything
    # else is parsed and compared.
    same = isinstance(id_number, IdNumber) and embedded == id_number.number
    if not same:
        try:
            embedded = parse_id_number(embedded, today=today).number
        except IdNumberError as error:
            raise CertificateNumberError(BAD_EMBEDDED_ID % {"reason": error.reason}) from error
    parsed = CertificateNumber(
        number=number,
        id_number=embedded,
        category=int(number[18]),
        grade=int(number[19]),
        reissue=int(suffix[1:] or 0),
    )
    if id_number is not None and not same:
        registered = id_number.number if isinstance(id_number, IdNumber) else id_number
        _check_holder(parsed.id_number, registered, today=today)
    if category is not None and category != parsed.category:
        raise CertificateNumberError(
            CATEGORY_MISMATCH
            % {
                "found_name": parsed.category_name,
                "found": parsed.category,
                "registered_name": CATEGORY_NAMES[category],
                "registered": category,
            }
        )
    if grade is not None and grade != parsed.grade:
        raise CertificateNumberError(
            GRADE_MISMATCH
            % {
                "found_name": parsed.grade_name,
                "found": parsed.grade,
                "registered_name": GRADE_NAMES[grade],
                "registered": grade,
            }
        )
    return parsed


def make_certificate_number(id_number: str, category: int, grade: int, reissue: int = 0) -> str:
    """Build a certificate number from its parts; for demo data, factories and issuing a replacement card."""
    holder = normalise_code(id_number)
    if len(holder) != 18:
        raise ValueError(str(_("残疾人证号需要 18 位身份证号")))
    if category not in CATEGORY_NAMES:
        raise ValueError(str(_("残疾类别应为 1–7")))
    if grade not in GRADE_NAMES:
        raise ValueError(str(_("残疾等级应为 1–4")))
    if not 0 <= reissue <= 9:
        raise ValueError(str(_("补办次数应为 0–9")))
    return f"{holder}{certificate_suffix(category, grade, reissue)}"


def certificate_suffix(category: int, grade: int, reissue: int = 0) -> str:
    """What follows the holder's ID in a certificate number: category, grade and “B<n>” for the n-th reissue."""
    return f"{category}{grade}{f'B{reissue}' if reissue else ''}"


def masked_certificate_number(id_number_masked: str, category: int, grade: int, reissue: int = 0) -> str:
    """A certificate number as screens and the timeline show it: the holder's masked ID number, then the suffix."""
    return id_number_masked + certificate_suffix(category, grade, reissue)


def _check_holder(embedded: str, registered_raw: str, *, today: date | None) -> None:
    """Refuse a certificate whose ID part is not the registered person's ID (compared in canonical form)."""
    try:
        registered = parse_id_number(registered_raw, today=today).number
    except IdNumberError as error:
        raise CertificateNumberError(BAD_REGISTERED_ID % {"reason": error.reason}) from error
    if embedded != registered:
        position = next(i for i, (a, b) in enumerate(zip(embedded, registered, strict=True), start=1) if a != b)
        raise CertificateNumberError(ID_MISMATCH % {"position": position})
