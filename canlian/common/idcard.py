"""Resident ID numbers (居民身份证号, GB 11643-1999): normalise, validate, derive, mask and generate.

Every ID number that enters Canlian (typed in a form, read from an Excel import, sent through the API)
goes through :func:`parse_id_number`, so the registry stores one canonical 18-character form and birth
date and sex are derived from it instead of being typed a second time. A rejection carries one reason in
Chinese that tells the clerk what to fix, because almost every bad number is a typing slip, a legacy
15-digit number, or a cell that Excel silently turned into a number.
"""

from __future__ import annotations

import operator
import re
import string
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# ISO 7064 MOD 11-2 as GB 11643-1999 states it: weight of position i is 2**(17 - i) mod 11.
WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS: Final = "10X98765432"  # indexed by the weighted sum mod 11

# First two digits of the region code (GB/T 2260 provinces, plus 71 台湾, 81 香港, 82 澳门, 83 for
# Taiwan residents' residence permits and 91 for foreigners' permanent residence ID cards).
PROVINCE_CODES: Final = frozenset(
    str(code)
    for code in (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66))
) | frozenset({"71", "81", "82", "83", "91"})

# Nobody in the registry was born earlier; an earlier date is a typing slip, not a centenarian.
EARLIEST_BIRTH_DATE: Final = date(1890, 1, 1)

# Full-width digits and letters (typed with a Chinese input method) become ASCII and letters upper case,
# so "３４０３０２…ｘ" and "…x" are stored as the same number as "…X".
_CANONICAL_CHARS: Final = str.maketrans(
    {chr(ord(c) + 0xFEE0): c for c in string.digits + string.ascii_uppercase}
    | {chr(ord(c) + 0xFEE0): c.upper() for c in string.ascii_lowercase}
    | {c: c.upper() for c in string.ascii_lowercase}
)

# What a number cell looks like once Excel (or str() of the float calamine returns) has printed it:
# scientific notation ("3.40302E+17") or a float with a trailing ".0". Matched after normalise_code().
_EXCEL_NUMBER: Final = re.compile(r"[0-9]+(?:\.[0-9]+)?E[+-]?[0-9]+|[0-9]+\.0+")

_ID_CHARS: Final = frozenset("0123456789X")
_ZERO_WEIGHTS: Final = ord("0") * sum(WEIGHTS)  # what the ASCII codes of 17 digits add to the weighted sum

EMPTY = _("身份证号为空，请填写 18 位居民身份证号")
NOT_TEXT = _("身份证号应为文本，收到的是 %(type)s 类型的值")
EXCEL_NUMBER = _(
    "身份证号被 Excel 转成了数字，末尾几位可能已经丢失：请把这一列的单元格格式设置为“文本”，重新填写身份证号后再导入"
)
ILLEGAL_CHAR = _("身份证号第 %(position)d 位的“%(char)s”不合法：只能是数字，最后一位可以是 X")
WRONG_LENGTH = _("身份证号应为 18 位（旧证为 15 位），实为 %(length)d 位")
MISPLACED_X = _("身份证号第 %(position)d 位是 X：X 只能出现在 18 位身份证号的最后一位")
BAD_REGION = _("身份证号前 6 位地区码 %(region)s 无效：前两位 %(province)s 不是有效的省级代码")
BAD_BIRTH_DATE = _("身份证号中的出生日期 %(digits)s 不存在，请核对第 7–14 位")
FUTURE_BIRTH_DATE = _("身份证号中的出生日期 %(birth)s 晚于今天（%(today)s），请核对第 7–14 位")
EARLY_BIRTH_DATE = _("身份证号中的出生日期 %(birth)s 早于 1890 年 1 月 1 日，请核对第 7–14 位")
WRONG_CHECK_CHAR = _("校验位错误：应为 %(expected)s，实为 %(found)s，请逐位核对身份证号")
LEGACY_CONVERTED = _("该号码为 15 位旧身份证号，已自动升级为 18 位（出生年份补“19”并计算校验位），请核对")


class IdNumberError(ValueError):
    """An ID number was refused; `reason` (Chinese) tells the user what to correct, and str(error) is it."""

    def __init__(self, reason: str | Promise) -> None:
        self.reason = str(reason)
        super().__init__(self.reason)


@dataclass(frozen=True)
class IdNumber:
    """A validated ID number in canonical 18-character form and what it says about its holder."""

    number: str
    region_code: str
    birth_date: date
    sex: str  # "M" or "F": the 17th digit is odd for men
    warnings: tuple[str, ...] = ()

    def age_on(self, day: date) -> int:
        """Age in full years on `day`; eligibility rules (age ≥ 60, children under 7) count this way."""
        if day < self.birth_date:
            raise ValueError(str(_("计算年龄的日期早于出生日期")))
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday

    @property
    def masked(self) -> str:
        """The number as screens show it to roles that need not see it: region and last four kept."""
        return f"{self.number[:6]}{'*' * 8}{self.number[-4:]}"


def normalise_code(text: str) -> str:
    """Drop every space and invisible character, turn full-width digits and letters into ASCII and upper-case.

    Clerks paste numbers from Word, web pages and WeChat, which bring full-width spaces (U+3000),
    no-break spaces, zero-width spaces and byte-order marks (Unicode category Cf) along with them.
    """
    if text.isascii() and text.isalnum():  # the common case, without a look at every character
        return text.upper()
    if not text:  # a blank optional cell (phone, components): as common in an import
        return text
    kept = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")
    return kept.translate(_CANONICAL_CHARS)


def looks_like_excel_number(raw: object) -> bool:
    """Whether `raw` is a number, or the text of one, rather than the text the ID column must hold.

    Excel keeps only 15 significant digits, so once a cell holding an ID number has been formatted as a
    number its last digits are gone; the only fix is to format the column as text and enter them again.
    """
    if isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
        return True
    if type(raw) is str and raw.isdigit() and raw.isascii():  # plain digits: neither "1.0" nor "3.4E+17"
        return False
    return isinstance(raw, str) and _EXCEL_NUMBER.fullmatch(normalise_code(raw)) is not None


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character ("0"–"9" or "X") for the first 17 digits of an ID number."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError(str(_("计算校验位需要 17 位数字")))
    # the weighted sum of the ASCII codes less that of 17 zeros: one C-level pass, no int() per digit
    return CHECK_CHARS[(sum(map(operator.mul, first17.encode(), WEIGHTS)) - _ZERO_WEIGHTS) % 11]


def parse_id_number(raw: object, *, today: date | None = None) -> IdNumber:
    """Normalise and validate an ID number, upgrading a 15-digit legacy number to 18 digits.

    `today` (default: today in the project's time zone) bounds the birth date; tests and imports of old
    files pass it explicitly. Raises IdNumberError with the first problem found.
    """
    if type(raw) is str and len(raw) == 18 and raw.isascii() and raw[:17].isdigit() and raw[17] in _LAST_CHARS:
        # already canonical (what nearly every cell of an import holds): the checks below would change nothing
        return _checked(raw, (), today)
    if raw is None:
        raise IdNumberError(EMPTY)
    if looks_like_excel_number(raw):
        raise IdNumberError(EXCEL_NUMBER)
    if not isinstance(raw, str):
        raise IdNumberError(NOT_TEXT % {"type": type(raw).__name__})
    number = normalise_code(raw)
    if not number:
        raise IdNumberError(EMPTY)
    if not (number.isascii() and number[:-1].isdigit() and (number[-1].isdigit() or number[-1] == "X")):
        for position, char in enumerate(number, start=1):  # the usual shape skips this look at every character
            if char not in _ID_CHARS:
                raise IdNumberError(ILLEGAL_CHAR % {"position": position, "char": char})
    if len(number) not in (15, 18):
        raise IdNumberError(WRONG_LENGTH % {"length": len(number)})
    x_position = number.find("X") + 1
    if x_position and x_position != 18:
        raise IdNumberError(MISPLACED_X % {"position": x_position})

    warnings: tuple[str, ...] = ()
    if len(number) == 15:
        first17 = f"{number[:6]}19{number[6:]}"
        number = first17 + check_char(first17)
        warnings = (str(LEGACY_CONVERTED),)

    return _checked(number, warnings, today)


_LAST_CHARS = frozenset("0123456789X")


def _checked(number: str, warnings: tuple[str, ...], today: date | None) -> IdNumber:
    """The checks of a canonical 18-character number: region, birth date, check character."""
    region_code = number[:6]
    if region_code[:2] not in PROVINCE_CODES:
        raise IdNumberError(BAD_REGION % {"region": region_code, "province": region_code[:2]})
    birth_date = _birth_date(number[6:14])
    today = today or timezone.localdate()
    if birth_date > today:
        raise IdNumberError(FUTURE_BIRTH_DATE % {"birth": birth_date.isoformat(), "today": today.isoformat()})
    if birth_date < EARLIEST_BIRTH_DATE:
        raise IdNumberError(EARLY_BIRTH_DATE % {"birth": birth_date.isoformat()})
    expected = check_char(number[:17])
    if number[17] != expected:
        # Digits 16–18 read back as "000" is what a 15-significant-digit number cell leaves behind.
        raise IdNumberError(
            EXCEL_NUMBER if number.endswith("000") else WRONG_CHECK_CHAR % {"expected": expected, "found": number[17]}
        )
    return IdNumber(
        number=number,
        region_code=region_code,
        birth_date=birth_date,
        sex="M" if int(number[16]) % 2 else "F",
        warnings=warnings,
    )


def is_valid_id_number(raw: object, *, today: date | None = None) -> bool:
    """Whether `raw` parses (a 15-digit legacy number counts as valid: it converts without loss)."""
    try:
        parse_id_number(raw, today=today)
    except IdNumberError:
        return False
    return True


def make_id_number(region_code: str, birth: date, seq: int) -> str:
    """Build a well-formed 18-character ID number; for demo data and factories, never for real people.

    Only the shape of `region_code` is checked, so tests can also build numbers that parse_id_number
    rejects for their region or birth date.
    """
    if len(region_code) != 6 or not (region_code.isascii() and region_code.isdigit()):
        raise ValueError(str(_("地区码应为 6 位数字")))
    if not 0 <= seq <= 999:
        raise ValueError(str(_("顺序码应在 0–999 之间")))
    first17 = f"{region_code}{birth.year:04d}{birth.month:02d}{birth.day:02d}{seq:03d}"
    return first17 + check_char(first17)


def _birth_date(digits: str) -> date:
    """The YYYYMMDD birth date, or IdNumberError when the calendar has no such day."""
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise IdNumberError(BAD_BIRTH_DATE % {"digits": digits}) from None
