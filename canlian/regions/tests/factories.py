from __future__ import annotations

import factory

from canlian.regions.choices import RegionLevel
from canlian.regions.models import Region

DISTRICT_NAMES = {"340302": "龙子湖区", "340303": "蚌山区", "340304": "禹会区", "340311": "淮上区"}


def district(code: str = "340302") -> Region:
    """The preloaded district (data migration 0002); recreated after a transactional test's flush removed it."""
    region, _ = Region.objects.get_or_create(
        code=code, defaults={"name": DISTRICT_NAMES.get(code, code), "level": RegionLevel.DISTRICT, "parent": None}
    )
    return region


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    parent = factory.LazyFunction(district)
    level = RegionLevel.STREET
    code = factory.Sequence(lambda n: f"340302{(n % 899) + 100:03d}")
    name = factory.Sequence(lambda n: f"测试街道{n}")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    parent = factory.SubFactory(StreetFactory)
    level = RegionLevel.COMMUNITY
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.code}{(n % 999) + 1:03d}")
    name = factory.Sequence(lambda n: f"测试社区{n}")
