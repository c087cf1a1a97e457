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
    assert verdict(person(community=c, grade=2), "L6")
    assert not verdict(person(community=c, grade=3), "L6")
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
    for code in ("L5", "L6"):
        assert not verdict(person(community=c, low_income=DIBAO, life=LifeStatus.DECEASED), code)
        assert not verdict(person(community=c, low_income=DIBAO, life=LifeStatus.MOVED_OUT), code)
        assert not verdict(person(community=c, low_income=DIBAO, valid_until=date(2025, 2, 28)), code)
        assert verdict(person(community=c, low_income=DIBAO, valid_until=date(2025, 3, 1)), code)


def test_tekun_is_excluded_from_the_two_subsidies(areas):
    c = areas.community_a1
    tekun = person(community=c, grade=1, low_income=TEKUN)
    assert not verdict(tekun, "L5")
    assert not verdict(tekun, "L6")
    assert verdict(person(community=c, grade=1, low_income=DIBAO), "L6")


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
