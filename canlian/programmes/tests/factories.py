from __future__ import annotations

import factory

from canlian.programmes.models import Programme


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n}")
    name = factory.Sequence(lambda n: f"测试项目{n}")
    field = "livelihood"
    unit = "person"
    benefit_kind = "cash"
    periodicity = "yearly"
    funding_sources = ["upper", "district"]
    steps = ["apply", "accept", "review", "approve", "deliver", "follow_up"]
    step_days = {"accept": 5, "review": 5}


def preloaded(code: str) -> Programme:
    return Programme.objects.get(code=code)
