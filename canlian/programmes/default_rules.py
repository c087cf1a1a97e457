"""Default eligibility rules and amounts per preloaded programme, published for 2024 and 2025 by migration 0004
(revised by migration 0006 where a database still holds the first, unedited defaults).

They state domain.md §7 in the rule language. Values marked *unconfirmed* there are the commonly quoted ones
and are meant to be edited by an administrator (publish a new version for the year). The registry facts the
first version lacked (decision 0016) are now recorded on the person: L1 asks for a lower-limb disability and a
motorised wheelchair vehicle, 生活补贴 (L5) for 低保 or 脱贫人口, 护理补贴 (L6) for a severe grade with an
assessed need of long-term care (or the Anhui extension to grade 3–4 intellectual/psychiatric) and excludes
工伤护理费, R2 takes autism as its own fact. ``low_income`` is the status on the reference date (from the
低保 period history), so an ended 低保 counts as ended.
Kept as plain data so the migration, the tests and the documentation read one table.
"""

from __future__ import annotations

ALIVE_VALID = "alive 且 certificate_valid"
HARDSHIP = '["低保", "特困", "低保边缘"]'
WORKING_AGE = "age >= 16 且 age < 60"
CARE_GROUPS = '(has_category("智力") 或 has_category("精神") 或 (has_category("肢体") 且 severe))'
# 国发〔2018〕20号: visual, hearing, speech, physical or intellectual disability, or autism (a diagnosis that
# usually comes with a psychiatric certificate, or none yet at that age)
CHILD_GROUPS = ('(has_category("视力") 或 has_category("听力") 或 has_category("言语") 或 has_category("肢体") '
                '或 has_category("智力") 或 autism)')
# 护理补贴: grade 1–2 needing long-term care; Anhui extends it to grade 3–4 intellectual and psychiatric
NURSING = '((severe 且 long_term_care) 或 (grade in [3, 4] 且 (has_category("智力") 或 has_category("精神"))))'


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
    "R2": (f"age < 7 且 alive 且 {CHILD_GROUPS}", _case("20000.00"), _case("20000.00")),
    "R3": (f'age < 18 且 has_category("肢体") 且 {ALIVE_VALID}', _case("5000.00"), _case("5000.00")),
    "R4": (f"age < 18 且 {ALIVE_VALID}", _case("5000.00"), _case("5000.00")),
    "R5": (ALIVE_VALID, _case("2000.00"), _case("2000.00")),
    "L1": (f'has_category("肢体") 且 lower_limb 且 wheelchair 且 {ALIVE_VALID}', _fixed("260.00"), _fixed("260.00")),
    "L2": (ALIVE_VALID, _case("2000.00"), _case("2000.00")),
    "L3": (f"household_certified_count >= 2 且 low_income in {HARDSHIP} 且 {ALIVE_VALID}", _fixed("1800.00"),
           _fixed("1800.00")),
    "L4": (f"age >= 60 且 low_income in {HARDSHIP} 且 {ALIVE_VALID}", _fixed("1000.00"), _fixed("1000.00")),
    "L5": (f'(low_income == "低保" 或 poverty) 且 low_income != "特困" 且 {ALIVE_VALID}', _monthly("86.00"),
           _monthly("94.00")),
    "L6": (f'{NURSING} 且 low_income != "特困" 且 not work_injury_care 且 {ALIVE_VALID}', _monthly("86.00"),
           _monthly("94.00")),
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
REVISION_NOTE = "默认规则修订：登记新增轮椅车、下肢、脱贫、长期照护、工伤护理费、孤独症（决定 0016）"

# The first defaults of the rules revised in 0016, exactly as migration 0004 published them: migration 0006
# replaces a published version only while it still has this text (an administrator's own version stays).
FIRST_DEFAULTS: dict[str, str] = {
    "R2": 'age < 7 且 alive 且 category in ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]',
    "L1": f'has_category("肢体") 且 {ALIVE_VALID}',
    "L5": f'low_income == "低保" 且 {ALIVE_VALID}',
    "L6": f'severe 且 low_income != "特困" 且 {ALIVE_VALID}',
}


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


def revise_defaults(programme_model: type, rule_model: type, now: object) -> int:
    """Publish the revised default of FIRST_DEFAULTS' programmes for each year whose published version is
    still the unedited first default: that version is superseded, the new one gets the next number."""
    revised = 0
    for programme in programme_model.objects.filter(code__in=FIRST_DEFAULTS):
        text = DEFAULT_RULES[programme.code][0]
        for year in YEARS:
            current = rule_model.objects.filter(programme=programme, year=year, status="published").first()
            if current is None or current.eligibility != FIRST_DEFAULTS[programme.code] or current.note != NOTE:
                continue
            latest = rule_model.objects.filter(programme=programme, year=year).order_by("-version").first()
            current.status = "superseded"
            current.save(update_fields=["status", "updated_at"])
            rule_model.objects.create(
                programme=programme, year=year, version=latest.version + 1, eligibility=text,
                amount_spec=current.amount_spec, status="published", note=REVISION_NOTE, published_at=now,
            )
            revised += 1
    return revised
