"""The registry schema's to_q and evaluate agree on the real models, for random persons and random rules.

Random persons are written to the registry tables (certificates with 多重 components, cancelled and
expiring certificates, 低保 histories with ended periods, deaths, households with living and dead
members, enrolments in several programmes); random rules come from the engine's own strategies over the
registry schema; for each, the database's selection must equal the persons that explain() calls eligible.
Runs on whichever database DATABASE_URL names (SQLite and PostgreSQL in CI).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from canlian.common.exceptions import DomainError
from canlian.programmes.models import Enrolment, Programme
from canlian.programmes.rules import RuleContext, RuleSyntaxError, compile_rule
from canlian.programmes.schema import facts_for, facts_for_many, registry_schema
from canlian.programmes.tests.strategies import REF_DATES, rules
from canlian.registry.choices import CertificateStatus, LifeStatus, Relation
from canlian.registry.inputs import FACT_FIELDS
from canlian.registry.models import Certificate, Household, HouseholdMember, LowIncomePeriod, Person
from canlian.registry.services import households_recount
from canlian.registry.tests.factories import PersonFactory, new_id_number

pytestmark = pytest.mark.django_db
CODES = ("R1", "L4", "L5", "L6")
POPULATION = 90


def _near(rng: random.Random) -> date:
    return rng.choice(REF_DATES) + timedelta(days=rng.choice((-1, 0, 1, rng.randint(-700, 700))))


def random_registry(community: object, rng: random.Random) -> list[int]:
    """POPULATION persons with random facts, written as the registry's services would leave them."""
    programmes = {p.code: p for p in Programme.objects.filter(code__in=CODES)}
    ids = []
    for _i in range(POPULATION):
        age = rng.choice((rng.randint(0, 8), rng.randint(55, 65), rng.randint(0, 100)))
        birth = _near(rng) - timedelta(days=int(age * 365.25))
        facts = {name: rng.random() < 0.3 for name in FACT_FIELDS}
        p = PersonFactory(id_number=new_id_number(birth), community=community, certificate=False, **facts)
        ids.append(p.pk)
        if rng.random() < 0.85:
            category = rng.randint(1, 7)
            components = "".join(sorted(rng.sample("123456", rng.randint(1, 3)))) if category == 7 else ""
            until = _near(rng)
            status = CertificateStatus.CANCELLED if rng.random() < 0.1 else CertificateStatus.VALID
            Certificate.objects.create(person=p, category=category, grade=rng.randint(1, 4), components=components,
                                       issue_date=until - timedelta(days=3650), valid_until=until, status=status)
            Person.objects.filter(pk=p.pk).update(category=category, grade=Certificate.objects.get(person=p).grade,
                                                  cert_status=status, cert_valid_until=until)
        # periods one after another, as the registry keeps them (never overlapping: LowIncomePeriod.clean)
        after = date(2000, 1, 1)  # each period starts after the previous one's end, at a date near a boundary
        for _k in range(rng.choice((0, 0, 1, 2))):
            start = max(_near(rng), after)
            end = max(start, _near(rng)) if rng.random() < 0.5 else start + timedelta(days=rng.randint(0, 400))
            period = LowIncomePeriod(person=p, status=rng.choice(("dibao", "tekun", "bianyuan")), start=start, end=end)
            period.full_clean()
            period.save()
            after = end + timedelta(days=1)
        if rng.random() < 0.4:
            start = max(_near(rng), after)
            status = rng.choice(("dibao", "tekun", "bianyuan"))
            period = LowIncomePeriod(person=p, status=status, start=start)
            period.full_clean()
            period.save()
            Person.objects.filter(pk=p.pk).update(low_income_status=status, low_income_since=start)
        elif after != date(2000, 1, 1):  # the last period ended: 无 from the next day, as the services record it
            Person.objects.filter(pk=p.pk).update(low_income_since=after)
        if rng.random() < 0.15:
            life = rng.choice((LifeStatus.DECEASED, LifeStatus.MOVED_OUT))
            Person.objects.filter(pk=p.pk).update(life_status=life, life_status_date=_near(rng))
        for code in rng.sample(CODES, rng.randint(0, 2)):
            start = _near(rng)
            end = None if rng.random() < 0.5 else start + timedelta(days=rng.randint(0, 500))
            Enrolment.objects.create(person=p, programme=programmes[code], area_code=p.area_code, start=start,
                                     end=end, source="manual")
    shuffled = ids[:]
    rng.shuffle(shuffled)
    while len(shuffled) > 1 and rng.random() < 0.9:
        size = rng.randint(1, 4)
        group, shuffled = shuffled[:size], shuffled[size:]
        household = Household.objects.create(community=community, area_code=community.code)
        for n, pk in enumerate(group):
            HouseholdMember.objects.create(household=household, person_id=pk, joined_on=date(2000, 1, 1),
                                           relation=Relation.HEAD if n == 0 else Relation.CHILD)
        if rng.random() < 0.2:  # somebody left: the old membership stays, closed
            HouseholdMember.objects.filter(household=household, person_id=group[-1]).update(
                left_on=date(2024, 6, 1), relation=Relation.OTHER
            )
    households_recount(households=Household.objects.values_list("pk", flat=True))  # as the services keep it
    return ids


contexts = st.builds(lambda ref, code: RuleContext.on(ref, programme=code), st.sampled_from(REF_DATES),
                     st.sampled_from(CODES))


def test_the_database_selects_exactly_whom_explain_calls_eligible(areas):
    ids = random_registry(areas.community_a1, random.Random(20250301))
    schema = registry_schema()
    facts = facts_for_many(ids)
    assert len(facts) == POPULATION

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(text=rules(schema), ctx=contexts)
    def check(text: str, ctx: RuleContext) -> None:
        rule = compile_rule(text, schema)
        selected = set(Person.objects.filter(rule.to_q(ctx)).values_list("pk", flat=True))
        explained = {pk for pk in ids if rule.evaluate(facts[pk], ctx)}
        assert selected == explained, text

    check()


def test_each_binding_agrees_on_its_own(areas):
    """Every field and function once, so a rare binding cannot hide behind the random rules."""
    ids = random_registry(areas.community_a2, random.Random(7))
    schema = registry_schema()
    facts = facts_for_many(ids)
    texts = [
        "age >= 60", "age_on(\"2025-01-01\") < 7", "grade <= 2", "category == \"精神\"", "severe", "sex == \"女\"",
        "hukou == \"农村\"", "low_income != \"特困\"", "low_income_on(\"低保\", \"2025-01-01\")",
        "life_status == \"死亡\"",
        "alive", "certificate_valid", "household_certified_count >= 2", "household_certified_count != 1",
        "household_certified_count not in [0, 1]", "household_certified_count >= 1", "household_certified_count > 1",
        "household_certified_count >= 3", "household_certified_count > 2", "household_certified_count >= 4",
        "household_certified_count >= 0", "enrolled(\"L5\")", "enrolled_here",
        "enrolled_in_year(\"R1\", 2024)", "has_category(\"肢体\")", "has_category(\"多重\")",
        "low_income == \"无\"", "low_income in [\"低保\", \"无\"]", "low_income not in [\"特困\", \"低保边缘\"]",
        "wheelchair", "lower_limb", "poverty", "long_term_care", "work_injury_care", "autism",
    ]
    for text in texts:
        rule = compile_rule(text, schema)
        for ref in REF_DATES:
            ctx = RuleContext.on(ref, programme="L5")
            for negate in (False, True):
                q = ~rule.to_q(ctx) if negate else rule.to_q(ctx)
                selected = set(Person.objects.filter(q).values_list("pk", flat=True))
                explained = {pk for pk in ids if rule.evaluate(facts[pk], ctx) != negate}
                assert selected == explained, (text, ref, negate)


def test_facts_come_in_a_fixed_number_of_queries(areas, django_assert_num_queries):
    ids = random_registry(areas.community_a1, random.Random(3))
    with django_assert_num_queries(5):
        facts_for_many(ids)
    with django_assert_num_queries(5):
        facts_for(ids[0])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("salary > 1000", "salary"),
        ("os.system(\"rm\")", "没有属性或方法"),
        ("unknown_function(1)", "unknown_function"),
        ("age >= ", ""),
        ("age >= 60 且 (grade <= 2", ""),
        ("__import__(\"os\")", ""),
        ("person.delete()", ""),
        ("age >= 60; DROP TABLE registry_person", ""),
        ("enrolled(\"XX\")", "XX"),
    ],
)
def test_rules_outside_the_whitelist_or_malformed_are_refused(preloaded, text, message):
    with pytest.raises(RuleSyntaxError) as error:
        compile_rule(text, registry_schema())
    assert error.value.line >= 1 and error.value.column >= 1
    assert message in str(error.value)


def test_saving_a_refused_rule_is_a_domain_error_with_position(users):
    from canlian.accounts.choices import Role
    from canlian.programmes.services import rule_draft_save

    with pytest.raises(DomainError, match="第 1 行"):
        rule_draft_save(actor=users.a[Role.ADMIN], programme=Programme.objects.get(code="R1"), year=2026,
                        eligibility="age >= 60 且 salary > 1", amount_spec={})


def test_programme_names_with_quote_marks_can_be_written_as_literals(preloaded):
    """L3 is named “一户多残”家庭生活救助: its label drops the quote marks so that a quoted literal can spell it."""
    rule = compile_rule('enrolled("一户多残家庭生活救助") and not enrolled("L3")', registry_schema())
    assert not rule.evaluate({"enrolments": [{"programme": "L3", "start": date(2025, 1, 1), "end": None}]},
                             RuleContext.on(date(2025, 3, 1)))


def test_conjuncts_are_ordered_cheapest_first(preloaded):
    """Column tests, then sets computed once (low_income), then per-row subqueries, in the rule's order among
    equals: SQLite tests WHERE terms as written, so the household count runs only for the rows left."""
    from canlian.programmes.rules.conditions import query_cost

    schema = registry_schema()
    rule = compile_rule('household_certified_count >= 2 且 has_category("精神") 且 low_income == "低保" 且 age >= 60 '
                        '且 poverty', schema)
    q = rule.to_q(RuleContext.on(date(2025, 3, 1)))
    # low_income (columns, the history of the few changed later: 1), household_certified_count >= 2 (one set: 1),
    # has_category's Exists over 多重 certificates (2)
    assert [query_cost(child) for child in q.children] == [0, 0, 0, 1, 1, 2]
    # has_category's own category test is spread among the column tests, its Exists stays with the subqueries
    assert q.children[0] == ("category__in", [6, 7])
    assert q.children[1] == ("birth_date__lte", date(1965, 3, 1))
    assert q.children[2] == ("poverty_alleviated", True)
