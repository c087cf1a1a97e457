"""The compiled Q against a real database: it selects exactly the persons that explain() calls eligible.

The reference reading in qeval.py stands in for the database in the fast property tests; here the same
random rules run as SQL on SQLite or PostgreSQL (whichever DATABASE_URL names) over tables built for the
test schema, with functions over related rows compiled to real Exists() subqueries. This is what shows
that Django's negation, NULL handling and subqueries mean what the rule language says.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.test.utils import isolate_apps
from hypothesis import HealthCheck, given, settings

from canlian.programmes.rules import RuleContext, RuleSchema, compile_rule
from canlian.programmes.tests.schema import make_schema
from canlian.programmes.tests.strategies import REF_DATES, contexts, random_person, rules

POPULATION = 250
FLAGS = ("poverty", "wheelchair", "lower_limb", "long_term_care", "autism")


class Registry:
    """Throw-away tables shaped like the test schema's facts, and the schema bound to them."""

    def __init__(self) -> None:
        class RulePerson(models.Model):  # noqa: DJ008 - a throw-away test table
            birth_date = models.DateField(null=True)
            grade = models.SmallIntegerField(null=True)
            category = models.SmallIntegerField(null=True)
            hukou = models.CharField(max_length=8, null=True)
            low_income = models.CharField(max_length=8)
            life_status = models.CharField(max_length=8, null=True)
            certificate_expires = models.DateField(null=True)
            household_certified_count = models.IntegerField(null=True)
            per_capita_income = models.DecimalField(max_digits=12, decimal_places=2, null=True)
            poverty = models.BooleanField(null=True)
            wheelchair = models.BooleanField(null=True)
            lower_limb = models.BooleanField(null=True)
            long_term_care = models.BooleanField(null=True)
            autism = models.BooleanField(null=True)

            class Meta:
                app_label = "programmes"
                db_table = "rules_test_person"

        class RuleLowIncomePeriod(models.Model):  # noqa: DJ008 - a throw-away test table
            person = models.ForeignKey(RulePerson, on_delete=models.CASCADE)
            status = models.CharField(max_length=8)
            start = models.DateField()
            end = models.DateField(null=True)

            class Meta:
                app_label = "programmes"
                db_table = "rules_test_low_income_period"

        class RuleEnrolment(models.Model):  # noqa: DJ008 - a throw-away test table
            person = models.ForeignKey(RulePerson, on_delete=models.CASCADE)
            programme = models.CharField(max_length=8)
            start = models.DateField()
            end = models.DateField(null=True)

            class Meta:
                app_label = "programmes"
                db_table = "rules_test_enrolment"

        class RuleComponent(models.Model):  # noqa: DJ008 - a throw-away test table
            person = models.ForeignKey(RulePerson, on_delete=models.CASCADE)
            category = models.SmallIntegerField()

            class Meta:
                app_label = "programmes"
                db_table = "rules_test_component"

        self.person = RulePerson
        self.related = {
            "low_income_periods": RuleLowIncomePeriod,
            "enrolments": RuleEnrolment,
            "components": RuleComponent,
        }
        self.schema: RuleSchema = make_schema(self.exists)

    @property
    def models(self) -> list[type[models.Model]]:
        return [self.person, *self.related.values()]

    def exists(self, relation: str, where: Q) -> Q:
        rows = self.related[relation].objects.filter(person=OuterRef("pk")).filter(where)
        return Q(Exists(rows))

    def insert(self, people: list[dict]) -> None:
        columns = [f.name for f in self.person._meta.concrete_fields if f.name != "id"]
        for pk, facts in enumerate(people, start=1):
            self.person.objects.create(id=pk, **{name: facts[name] for name in columns})
            for relation, model in self.related.items():
                model.objects.bulk_create(model(person_id=pk, **row) for row in facts[relation])


@pytest.fixture
def registry(transactional_db) -> Iterator[Registry]:
    with isolate_apps("canlian.programmes"):
        registry = Registry()
        with connection.schema_editor() as editor:
            for model in registry.models:
                editor.create_model(model)
        try:
            yield registry
        finally:
            with connection.schema_editor() as editor:
                for model in reversed(registry.models):
                    editor.delete_model(model)


def test_the_database_selects_exactly_the_eligible(registry):
    rng = random.Random(20250301)
    people = [random_person(rng) for _ in range(POPULATION)]
    registry.insert(people)

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
    @given(text=rules(), ctx=contexts)
    def check(text, ctx):
        rule = compile_rule(text, registry.schema)
        selected = set(registry.person.objects.filter(rule.to_q(ctx)).values_list("id", flat=True))
        explained = {pk for pk, facts in enumerate(people, start=1) if rule.explain(facts, ctx).eligible}
        assert selected == explained, text

    check()


def test_one_query_per_screening(registry, django_assert_num_queries):
    registry.insert([random_person(random.Random(seed)) for seed in range(20)])
    rule = compile_rule(
        'has_category("精神") and (low_income_on("低保", "2025-01-01") or low_income_on("特困", "2025-01-01")) '
        'and certificate_valid and life_status == "在世" and not enrolled("R1")',
        registry.schema,
    )
    with django_assert_num_queries(1):
        list(registry.person.objects.filter(rule.to_q(RuleContext.on(REF_DATES[2]))))
