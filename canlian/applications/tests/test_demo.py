from __future__ import annotations

import io
import random

import pytest

from canlian.applications import selectors
from canlian.applications.choices import Status
from canlian.applications.models import Application, FollowUp
from canlian.demo import applications, payments, programmes, regions, users
from canlian.demo import registry as registry_demo
from canlian.demo import screening as screening_demo
from canlian.demo.context import DemoContext


@pytest.mark.django_db
def test_demo_fills_every_inbox_and_list(preloaded) -> None:
    ctx = DemoContext(rng=random.Random(1), year=2024, persons=600, stdout=io.StringIO())
    for build in (regions.build, users.build, registry_demo.build, programmes.build, screening_demo.build,
                  applications.build, payments.build):
        build(ctx)
    assert Application.objects.count() >= 60
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses >= {Status.IN_PROGRESS, Status.CLOSED, Status.REJECTED}
    open_steps = set(Application.objects.filter(status=Status.IN_PROGRESS).values_list("step", flat=True))
    assert open_steps >= {"accept", "home_survey", "review", "approve", "deliver", "follow_up"}
    assert FollowUp.objects.exists()
    for username in ("zhuangan", "lingdao", "weiyuan", "weiyuan2", "jiedao"):
        assert selectors.inbox_items(ctx.data["users"][username]), username
    assert selectors.overdue(ctx.data["users"]["lingdao"]).exists()
