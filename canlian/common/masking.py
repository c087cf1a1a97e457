"""How screens, exports and API answers show sensitive numbers to roles that may not see them in full."""

from __future__ import annotations

from canlian.common.idcard import normalise_code


def mask_id_number(number: str) -> str:
    """340302********123X: the region (where someone is registered) and the last four (to tell people apart)."""
    return f"{number[:6]}{'*' * (len(number) - 10)}{number[-4:]}" if len(number) > 10 else "*" * len(number)


def bank_account_digits(raw: str) -> str:
    """The canonical form of a bank account number: ASCII digits only (spaces, dashes and full-width gone)."""
    return "".join(ch for ch in normalise_code(raw) if ch != "-")


def mask_bank_account(number: str) -> str:
    """6222 **** **** 1234: the bank's prefix and the last four, as printed on receipts."""
    if len(number) <= 8:
        return "*" * max(len(number) - 4, 0) + number[-4:]
    return f"{number[:4]} **** **** {number[-4:]}"
