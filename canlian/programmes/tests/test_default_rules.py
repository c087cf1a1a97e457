"""Every preloaded programme's default rule gives the policy's answer for the boundary people of issue #4.

Each verdict is taken twice, from the one-person explanation (check_eligibility) and from the compiled
query over the registry, and the two must agree.
"""

from __future__ import annotations

from datetime import date

import pytest

from canlian.common.exceptions import DomainError
from canlian.programmes.default_rules import DEFAULT_RULES
from canlian.programmes.eligibility import check_eligibility, compiled, published_rule
from canlian.programmes.models import Programme, RuleVersion
from canlian.programmes.rules import RuleContext
from canlian.programmes.rules.amount import parse_amount_spec
from canlian.programmes.tests.helpers import REF, household, person
from canlian.registry.choices import LifeStatus, LowIncomeStatus
from canlian.registry.models import Person

pytestmark = pytest.mark.django_db

DIBAO, TEKUN, NONE = LowIncomeStatus.DIBAO, LowIncomeStatus.TEKUN, LowIncomeStatus.NONE


def verdict(p: Person, code: str, on: date = REF) -> bool:
    programme = Programme.objects.get(code=code)
    result = check_eligibility(person=p, programme=programme, on=on)
    rule = compiled(published_rule(programme, on.year))
    in_query = Person.objects.filter(rule.to_q(RuleContext.on(on, programme=code)), pk=p.pk).exists()
    assert in_query == result.eligible, (code, result.reasons)
    return result.eligible


def test_every_preloaded_programme_has_a_published_rule_for_2024_and_2025(preloaded):
    for code in DEFAULT_RULES:
        for year in (2024, 2025):
            rule = published_rule(Programme.objects.get(code=code), year)
            compiled(rule)
            if rule.amount_spec:
                parse_amount_spec(rule.amount_spec)
    assert set(DEFAULT_RULES) >= set(Programme.objects.values_list("code", flat=True))


def test_living_subsidy_amount_differs_by_year(preloaded):
    l5 = Programme.objects.get(code="L5")
    assert published_rule(l5, 2024).amount_spec["amount"] == "86.00"
    assert published_rule(l5, 2025).amount_spec["amount"] == "94.00"


def test_a_year_without_a_rule_is_an_explicit_error(areas):
    p = person(community=areas.community_a1)
    with pytest.raises(DomainError, match="2026 年度尚未发布规则"):
        check_eligibility(person=p, programme=Programme.objects.get(code="R1"), on=date(2026, 1, 5))


def test_age_59_and_60_for_elderly_assistance(areas):
    c = areas.community_a1
    assert verdict(person(community=c, birth=date(1965, 3, 1), low_income=DIBAO), "L4")
    young = person(community=c, birth=date(1965, 3, 2), low_income=DIBAO)
    assert not verdict(young, "L4")
    reasons = check_eligibility(person=young, programme=Programme.objects.get(code="L4"), on=REF).reasons
    assert reasons == ["不符合：年龄 59 岁，要求 ≥ 60 岁"]


def test_grade_2_and_3_for_nursing_subsidy_and_medical_insurance(areas):
    c = areas.community_a1
    assert verdict(person(community=c, grade=2, needs_long_term_care=True), "L6")
    assert not verdict(person(community=c, grade=3, needs_long_term_care=True), "L6")
    assert verdict(person(community=c, grade=2), "L7")
    assert not verdict(person(community=c, grade=3), "L7")
    assert not verdict(person(community=c, grade=2, low_income=DIBAO), "L7")


def test_dibao_on_off_and_ended_for_medication_and_living_subsidy(areas):
    c = areas.community_a1
    assert verdict(person(community=c, category=6, low_income=DIBAO), "R1")
    assert not verdict(person(community=c, category=6), "R1")
    ended = person(community=c, category=6, low_income=DIBAO, low_income_end=date(2024, 12, 31))
    assert not verdict(ended, "R1")
    assert not verdict(ended, "L5")
    assert verdict(person(community=c, low_income=DIBAO), "L5")
    assert not verdict(person(community=c, category=4, low_income=DIBAO), "R1")  # not psychiatric


def test_multiple_disability_with_a_psychiatric_component_counts_as_psychiatric(areas):
    c = areas.community_a1
    assert verdict(person(community=c, category=7, components="46", low_income=DIBAO), "R1")
    assert not verdict(person(community=c, category=7, components="45", low_income=DIBAO), "R1")


def test_deceased_moved_out_and_expired_certificate_fail(areas):
    c = areas.community_a1
    care = {"needs_long_term_care": True}
    for code in ("L5", "L6"):
        assert not verdict(person(community=c, low_income=DIBAO, life=LifeStatus.DECEASED, **care), code)
        assert not verdict(person(community=c, low_income=DIBAO, life=LifeStatus.MOVED_OUT, **care), code)
        assert not verdict(person(community=c, low_income=DIBAO, valid_until=date(2025, 2, 28), **care), code)
        assert verdict(person(community=c, low_income=DIBAO, valid_until=date(2025, 3, 1), **care), code)


def test_tekun_is_excluded_from_the_two_subsidies(areas):
    c = areas.community_a1
    tekun = person(community=c, grade=1, low_income=TEKUN, needs_long_term_care=True)
    assert not verdict(tekun, "L5")
    assert not verdict(tekun, "L6")
    assert verdict(person(community=c, grade=1, low_income=DIBAO, needs_long_term_care=True), "L6")


def test_household_with_one_and_with_two_certified_members(areas):
    c = areas.community_a1
    alone = person(community=c, low_income=DIBAO)
    household(alone, person(community=c, category=None))
    assert not verdict(alone, "L3")
    pair = person(community=c, low_income=DIBAO)
    household(pair, person(community=c))
    assert verdict(pair, "L3")
    loner = person(community=c, low_income=DIBAO)  # in no household at all: count unknown
    assert not verdict(loner, "L3")


def test_a_dead_member_no_longer_makes_a_multi_disabled_household(areas):
    c = areas.community_a1
    head = person(community=c, low_income=DIBAO)
    household(head, person(community=c, life=LifeStatus.DECEASED))
    assert not verdict(head, "L3")


def test_child_of_6_and_of_7_for_childrens_rehabilitation(areas):
    c = areas.community_a1
    assert verdict(person(community=c, birth=date(2018, 3, 2), category=5), "R2")
    assert not verdict(person(community=c, birth=date(2018, 3, 1), category=5), "R2")


def test_rules_of_older_years_stay_when_a_new_year_is_published(preloaded):
    r1 = Programme.objects.get(code="R1")
    assert RuleVersion.objects.filter(programme=r1, status="published").count() == 2


# --- the registry facts of decision 0016 and the status on the reference date --------------------------------------


def test_fuel_subsidy_needs_a_lower_limb_disability_and_a_wheelchair_vehicle(areas):
    c = areas.community_a1
    assert verdict(person(community=c, category=4, lower_limb=True, owns_wheelchair_vehicle=True), "L1")
    assert not verdict(person(community=c, category=4, lower_limb=True), "L1")  # no vehicle
    assert not verdict(person(community=c, category=4, owns_wheelchair_vehicle=True), "L1")  # upper limb
    # a multiple disability with a physical component counts; a visual one with the flags set by mistake does not
    assert verdict(person(community=c, category=7, components="14", lower_limb=True, owns_wheelchair_vehicle=True),
                   "L1")
    assert not verdict(person(community=c, category=1, lower_limb=True, owns_wheelchair_vehicle=True), "L1")
    driver = {"category": 4, "lower_limb": True, "owns_wheelchair_vehicle": True}
    assert not verdict(person(community=c, life=LifeStatus.DECEASED, **driver), "L1")
    assert not verdict(person(community=c, life=LifeStatus.MOVED_OUT, **driver), "L1")
    assert not verdict(person(community=c, valid_until=date(2025, 2, 28), **driver), "L1")
    assert verdict(person(community=c, valid_until=date(2025, 3, 1), **driver), "L1")
    no_vehicle = person(community=c, category=4, lower_limb=True)
    reasons = check_eligibility(person=no_vehicle, programme=Programme.objects.get(code="L1"), on=REF).reasons
    assert reasons == ["不符合：未登记持有机动轮椅车（要求持有合规的机动轮椅车）"]


def test_living_subsidy_for_dibao_or_poverty_alleviated_but_not_tekun(areas):
    c = areas.community_a1
    assert verdict(person(community=c, grade=4, low_income=DIBAO), "L5")
    assert verdict(person(community=c, grade=4, poverty_alleviated=True), "L5")
    assert not verdict(person(community=c, grade=4), "L5")
    assert not verdict(person(community=c, grade=4, low_income=TEKUN, poverty_alleviated=True), "L5")
    assert not verdict(person(community=c, grade=4, low_income=LowIncomeStatus.BIANYUAN), "L5")
    assert not verdict(person(community=c, poverty_alleviated=True, valid_until=date(2025, 2, 28)), "L5")


def test_nursing_subsidy_needs_long_term_care_and_excludes_work_injury_care(areas):
    c = areas.community_a1
    assert verdict(person(community=c, grade=1, needs_long_term_care=True), "L6")
    assert verdict(person(community=c, grade=2, needs_long_term_care=True), "L6")
    assert not verdict(person(community=c, grade=2), "L6")  # severe, no assessed need of long-term care
    assert not verdict(person(community=c, grade=3, category=4, needs_long_term_care=True), "L6")
    assert not verdict(person(community=c, grade=1, needs_long_term_care=True, work_injury_care=True), "L6")
    assert not verdict(person(community=c, grade=1, needs_long_term_care=True, low_income=TEKUN), "L6")
    assert verdict(person(community=c, grade=1, needs_long_term_care=True, low_income=DIBAO), "L6")
    injured = person(community=c, grade=1, needs_long_term_care=True, work_injury_care=True)
    reasons = check_eligibility(person=injured, programme=Programme.objects.get(code="L6"), on=REF).reasons
    assert reasons == ["不符合：正在领取工伤保险生活护理费（要求未领取工伤保险生活护理费）"]


def test_nursing_subsidy_extends_to_grade_3_and_4_intellectual_and_psychiatric(areas):
    c = areas.community_a1
    assert verdict(person(community=c, grade=3, category=5), "L6")
    assert verdict(person(community=c, grade=4, category=6), "L6")
    assert verdict(person(community=c, grade=3, category=7, components="56"), "L6")
    assert not verdict(person(community=c, grade=3, category=1), "L6")
    assert not verdict(person(community=c, grade=4, category=5, work_injury_care=True), "L6")


def test_childrens_rehabilitation_counts_autism_and_the_four_categories_but_not_other_psychiatric(areas):
    c = areas.community_a1
    six = date(2018, 3, 2)  # 6 on 2025-03-01
    assert verdict(person(community=c, birth=six, category=6, autism=True), "R2")
    assert not verdict(person(community=c, birth=six, category=6), "R2")
    assert verdict(person(community=c, birth=six, category=None, autism=True), "R2")  # diagnosed, no card yet
    for category in (1, 2, 3, 4, 5):
        assert verdict(person(community=c, birth=six, category=category), "R2"), category
    assert verdict(person(community=c, birth=six, category=7, components="56"), "R2")
    assert not verdict(person(community=c, birth=date(2018, 3, 1), category=6, autism=True), "R2")  # 7
    assert not verdict(person(community=c, birth=six, category=5, life=LifeStatus.DECEASED), "R2")
    assert not verdict(person(community=c, birth=six, category=6, autism=True, life=LifeStatus.MOVED_OUT), "R2")


def test_low_income_is_the_status_on_the_reference_date(areas):
    """An ended 低保 is off after its end even where the current column says otherwise, and on before it."""
    c = areas.community_a1
    # ended the day before the reference date: off (for R1, L5, L4, L3's hardship, L7's non-低保 the other way)
    ended = person(community=c, category=6, low_income=DIBAO, low_income_end=date(2025, 2, 28))
    assert not verdict(ended, "R1")
    assert not verdict(ended, "L5")
    assert verdict(ended, "L7")
    # ends after the reference date (recorded ahead, the current column already says 无): on at the date
    ending = person(community=c, category=6, low_income=DIBAO, low_income_end=date(2025, 3, 31))
    assert ending.low_income_status == NONE
    assert verdict(ending, "R1")
    assert verdict(ending, "L5")
    assert not verdict(ending, "L7")
    assert not verdict(ending, "R1", on=date(2025, 4, 1))
    # starts after the reference date: the current column says 低保, the date does not
    later = person(community=c, category=6, low_income=DIBAO, low_income_start=date(2025, 3, 2))
    assert later.low_income_status == DIBAO
    assert not verdict(later, "R1")
    assert verdict(later, "R1", on=date(2025, 3, 2))
    elderly = person(community=c, birth=date(1950, 1, 1), low_income=DIBAO, low_income_end=date(2025, 2, 28))
    assert not verdict(elderly, "L4")
    reasons = check_eligibility(person=elderly, programme=Programme.objects.get(code="L4"), on=REF).reasons
    assert reasons == ["不符合：低保等状态 无，要求 低保、特困、低保边缘"]


def test_low_income_none_and_not_in_are_exact_complements(areas):
    from canlian.programmes.rules import compile_rule
    from canlian.programmes.schema import registry_schema

    c = areas.community_a1
    people = [
        person(community=c),
        person(community=c, low_income=DIBAO),
        person(community=c, low_income=TEKUN, low_income_end=date(2025, 2, 28)),
        person(community=c, low_income=LowIncomeStatus.BIANYUAN, low_income_start=date(2025, 3, 2)),
    ]
    ctx = RuleContext.on(REF)
    for text, expected in [
        ('low_income == "无"', [True, False, True, True]),
        ('low_income != "无"', [False, True, False, False]),
        ('low_income not in ["低保", "特困"]', [True, False, True, True]),
        ('low_income in ["无", "低保"]', [True, True, True, True]),
        ('low_income == "特困"', [False, False, False, False]),
    ]:
        rule = compile_rule(text, registry_schema())
        selected = set(Person.objects.filter(rule.to_q(ctx)).values_list("pk", flat=True))
        from canlian.programmes.schema import facts_for

        assert [p.pk in selected for p in people] == expected, text
        assert [rule.evaluate(facts_for(p), ctx) for p in people] == expected, text


def test_migration_0006_revises_only_unedited_first_defaults(preloaded):
    from django.utils import timezone

    from canlian.programmes.default_rules import FIRST_DEFAULTS, NOTE, REVISION_NOTE, revise_defaults

    l1, l5 = Programme.objects.get(code="L1"), Programme.objects.get(code="L5")
    # a database migrated before 0016: L1 2025 still holds the first default, L5 2025 an administrator's rule
    RuleVersion.objects.filter(programme=l1, year=2025).update(eligibility=FIRST_DEFAULTS["L1"])
    RuleVersion.objects.filter(programme=l5, year=2025).update(eligibility='low_income == "低保"', note="区里改的")
    assert revise_defaults(Programme, RuleVersion, timezone.now()) == 1
    current = published_rule(l1, 2025)
    assert (current.version, current.eligibility, current.note) == (2, DEFAULT_RULES["L1"][0], REVISION_NOTE)
    assert RuleVersion.objects.get(programme=l1, year=2025, version=1).status == "superseded"
    assert published_rule(l5, 2025).eligibility == 'low_income == "低保"'
    assert published_rule(l1, 2024).note == NOTE  # already the new text: untouched
    assert revise_defaults(Programme, RuleVersion, timezone.now()) == 0
