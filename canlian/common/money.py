"""Money and rates: Decimal yuan with two places everywhere, 万元 and percentages only at display.

Subsidy totals are reported to the cent and reconciled against bank returns, so a float never touches an
amount: binary fractions drift (0.1 + 0.2 != 0.3) and a report that is off by a cent does not reconcile.
:func:`to_yuan` is the one place where an amount is rounded (ROUND_HALF_UP, the rounding finance staff
expect from their calculators); everything else here only converts or formats.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from django.utils.translation import gettext_lazy as _

CENT: Final = Decimal("0.01")
_WAN_EXPONENT: Final = -4  # 1 万元 = 10⁴ 元

# What people type or paste: "¥-1,234.50", "-￥1 234.5元", full-width "１２３４．５". Separators and spaces are
# removed first; then an optional sign on either side of the currency sign, digits, an optional "元".
_AMOUNT: Final = re.compile(r"(?P<sign>[+-]?)[¥￥]?(?P<sign2>[+-]?)(?P<digits>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)元?")
_SEPARATORS: Final = str.maketrans(
    {",": "", "，": "", "．": ".", "－": "-", "＋": "+"} | {chr(0xFF10 + n): str(n) for n in range(10)}
)

FLOAT_NOT_ALLOWED = _("金额不能使用浮点数（float）：浮点数有精度误差，请传入 Decimal、整数或文本")
UNSUPPORTED_TYPE = _("金额应为 Decimal、整数或文本，收到的是 %(type)s 类型的值")
EMPTY_AMOUNT = _("金额为空，请填写金额")
BAD_AMOUNT = _("金额“%(value)s”无法识别：请填写数字，例如 1234.50 或 ¥1,234.50")
NOT_FINITE = _("金额必须是有限的数值")
OUT_OF_RANGE = _("金额“%(value)s”超出了可处理的范围")


def to_yuan(value: Decimal | int | str) -> Decimal:
    """The amount in yuan as a Decimal with exactly two places, rounded ROUND_HALF_UP.

    Raises TypeError for a float (or any other type) and ValueError with a Chinese reason for text that is
    not an amount. Idempotent: to_yuan(to_yuan(x)) == to_yuan(x).
    """
    amount = _exact(value)
    try:
        rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(OUT_OF_RANGE % {"value": value}) from None
    return rounded.copy_abs() if rounded.is_zero() else rounded  # never show "-0.00"


def to_wanyuan(value: Decimal | int | str) -> Decimal:
    """The amount in 万元, exact (the cents are kept as further decimals, nothing is rounded again)."""
    return to_yuan(value).scaleb(_WAN_EXPONENT)


def format_wanyuan(value: Decimal | int | str, places: int | None = None) -> str:
    """The amount in 万元 as the annual summary prints it, without the unit.

    With `places`, exactly that many decimals (ROUND_HALF_UP). Without, the exact value with trailing zeros
    dropped but at least one decimal: 342000 → "34.2", 53040 → "5.304", 54978 → "5.4978". The seed
    summary is not consistent: it prints "20.9250万元" and "2.10万元", which callers get with places=4 and
    places=2.
    """
    wan = to_wanyuan(value)
    if places is not None:
        if places < 0:
            raise ValueError(str(_("小数位数不能为负数")))
        return f"{wan.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
    trimmed = wan.normalize()
    if trimmed == trimmed.to_integral_value():
        trimmed = trimmed.quantize(Decimal("0.1"))
    return f"{trimmed:f}"


def format_wanyuan_with_unit(value: Decimal | int | str, places: int | None = None) -> str:
    """format_wanyuan() followed by the unit, e.g. "34.2万元"."""
    return _("%(amount)s万元") % {"amount": format_wanyuan(value, places)}


def format_yuan(value: Decimal | int | str) -> str:
    """The amount in yuan with thousands separators and two decimals, e.g. "11,034.00"."""
    return f"{to_yuan(value):,.2f}"


def percent(done: Decimal | int, target: Decimal | int | None) -> Decimal | None:
    """Completion rate done / target × 100, two decimals ROUND_HALF_UP; None when there is no target.

    301 against 300 is 100.33, 18 against 3 is 600.00. A rate has no meaning without a target, so None
    (not 0 or infinity) lets the report decide what to print.
    """
    if target is None or _exact(target).is_zero():
        return None
    return (_exact(done) * 100 / _exact(target)).quantize(CENT, rounding=ROUND_HALF_UP)


def format_percent(rate: Decimal) -> str:
    """A rate as the summary prints it: "100.33%", and a whole number without decimals: "600%"."""
    text = f"{rate.quantize(CENT, rounding=ROUND_HALF_UP):f}"
    return f"{text.removesuffix('.00')}%"


def _exact(value: object) -> Decimal:
    """`value` as an exact, finite Decimal; floats are refused rather than silently carried along."""
    if isinstance(value, float):
        raise TypeError(str(FLOAT_NOT_ALLOWED))
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int) and not isinstance(value, bool):
        amount = Decimal(value)
    elif isinstance(value, str):
        amount = _parse_amount(value)
    else:
        raise TypeError(UNSUPPORTED_TYPE % {"type": type(value).__name__})
    if not amount.is_finite():
        raise ValueError(str(NOT_FINITE))
    return amount


def _parse_amount(text: str) -> Decimal:
    """An amount typed by a person or read from a spreadsheet cell; see _AMOUNT for what is accepted."""
    cleaned = "".join(ch for ch in text if not ch.isspace()).translate(_SEPARATORS)
    if not cleaned:
        raise ValueError(str(EMPTY_AMOUNT))
    match = _AMOUNT.fullmatch(cleaned)
    if match is None or (match["sign"] and match["sign2"]):
        raise ValueError(BAD_AMOUNT % {"value": text.strip()})
    return Decimal(match["sign"] + match["sign2"] + match["digits"])
