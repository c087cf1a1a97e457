"""Default eligibility rules and amounts per preloaded programme, published for 2024 and 2025 by migration 0004.

They state domain.md §7 in the rule language. Values marked *unconfirmed* there are the commonly quoted ones
and are meant to be edited by an administrator (publish a new version for the year). Known gaps, written out
in docs/decisions/0011-rule-versions.md: the registry records no wheelchair ownership, no lower-limb detail,
no 脱贫 status, no long-term-care assessment and no 工伤护理费, so L1 asks for a physical (肢体) disability,
生活补贴 for 低保 only and 护理补贴 for a severe grade only; 孤独症 children hold a psychiatric certificate.
Kept as plain data so the migration, the tests and the documentation read one table.
"""

from __future__ import annotations

ALIVE_VALID = "alive 且 certificate_valid"
HARDSHIP = '["低保", "特困", "低保边缘"]'
WORKING_AGE = "age >= 16 且 age < 60"
CARE_GROUPS = '(has_category("智力") 或 has_category("精神") 或 (has_category("肢体") 且 severe))'


def _fixed(amount: str) -> dict[str, object]:
    return {"kind": "fixed", "amount": amount}


def _case(maximum: str) -> dict[str, object]:
    return {"kind": "per_case", "max": maximum}


def _monthly(amount: str) -> dict[str, object]:
    return {"kind": "monthly", "amount": amount, "months": "from_application_month"}


# code: (eligibility, amount for 2024, amount for 2025)
DEFAULT_RULES: dict[str, tuple[str, dict[str, object], dict[str, object]]] = {
    "R1": (f'has_category("精神") 且 low_income in ["低保", "特困"] 且 {ALIVE_VALID}', _fixed("1000.00"),
           _fixed("1000.00")),
    "R2": ('age < 7 且 alive 且 category in ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]',
           _case("20000.00"), _case("20000.00")),
    "R3": (f'age < 18 且 has_category("肢体") 且 {ALIVE_VALID}', _case("5000.00"), _case("5000.00")),
    "R4": (f"age < 18 且 {ALIVE_VALID}", _case("5000.00"), _case("5000.00")),
    "R5": (ALIVE_VALID, _case("2000.00"), _case("2000.00")),
    "L1": (f'has_category("肢体") 且 {ALIVE_VALID}', _fixed("260.00"), _fixed("260.00")),
    "L2": (ALIVE_VALID, _case("2000.00"), _case("2000.00")),
    "L3": (f"household_certified_count >= 2 且 low_income in {HARDSHIP} 且 {ALIVE_VALID}", _fixed("1800.00"),
           _fixed("1800.00")),
    "L4": (f"age >= 60 且 low_income in {HARDSHIP} 且 {ALIVE_VALID}", _fixed("1000.00"), _fixed("1000.00")),
    "L5": (f'low_income == "低保" 且 {ALIVE_VALID}', _monthly("86.00"), _monthly("94.00")),
    "L6": (f'severe 且 low_income != "特困" 且 {ALIVE_VALID}', _monthly("86.00"), _monthly("94.00")),
    "L7": (f'severe 且 low_income not in ["低保", "特困"] 且 {ALIVE_VALID}', _fixed("380.00"), _fixed("400.00")),
    "L8": (f"low_income in {HARDSHIP} 且 alive", _case("1000.00"), _case("1000.00")),
    "B1": (f"severe 且 low_income in {HARDSHIP} 且 {ALIVE_VALID}", _case("5000.00"), _case("5000.00")),
    "E1": (f"{WORKING_AGE} 且 {ALIVE_VALID}", _case("3000.00"), _case("3000.00")),
    "E2": (f"{WORKING_AGE} 且 {ALIVE_VALID}", {}, {}),
    "E3": (f"{CARE_GROUPS} 且 {WORKING_AGE} 且 {ALIVE_VALID}", _case("3000.00"), _case("3000.00")),
    "E4": (f"{WORKING_AGE} 且 {ALIVE_VALID}", _case("3000.00"), _case("3000.00")),
    "E5": (f"{WORKING_AGE} 且 {ALIVE_VALID}", {}, {}),
    "C1": (f"{CARE_GROUPS} 且 {ALIVE_VALID}", _fixed("1200.00"), _fixed("1200.00")),
    "A1": ("alive", {}, {}),
}
YEARS = (2024, 2025)
NOTE = "默认规则（domain.md §7），由数据迁移发布"


def publish_defaults(programme_model: type, rule_model: type, now: object) -> None:
    """Publish version 1 of each default rule for 2024 and 2025 where that year has no version yet."""
    for programme in programme_model.objects.filter(code__in=DEFAULT_RULES):
        text, *amounts = DEFAULT_RULES[programme.code]
        for year, amount in zip(YEARS, amounts, strict=True):
            if rule_model.objects.filter(programme=programme, year=year).exists():
                continue
            rule_model.objects.create(
                programme=programme, year=year, version=1, eligibility=text, amount_spec=amount,
                status="published", note=NOTE, published_at=now,
            )
