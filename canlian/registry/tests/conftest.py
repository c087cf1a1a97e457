from __future__ import annotations

from dataclasses import dataclass

import pytest

from canlian.registry.models import Person
from canlian.registry.tests.factories import PersonFactory


@dataclass
class People:
    """One person in each community of the base areas: A1 and A2 in street A, B1 in street B."""

    a1: Person
    a2: Person
    b1: Person


@pytest.fixture
def people(areas) -> People:
    return People(
        a1=PersonFactory(name="甲一张三", community=areas.community_a1),
        a2=PersonFactory(name="甲二李四", community=areas.community_a2),
        b1=PersonFactory(name="乙一王五", community=areas.community_b1),
    )
