from __future__ import annotations

import factory
from django.contrib.auth.hashers import make_password

from canlian.accounts.choices import Role
from canlian.accounts.models import User
from canlian.regions.tests.factories import district

PASSWORD = "Test#pass2024"
_HASHED = None


def _hashed() -> str:
    global _HASHED
    if _HASHED is None:
        _HASHED = make_password(PASSWORD)
    return _HASHED


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.DISTRICT_OFFICER
    area = factory.LazyFunction(district)
    must_change_password = False
    password = factory.LazyFunction(_hashed)
