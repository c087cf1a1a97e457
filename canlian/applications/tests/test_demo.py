from __future__ import annotations

import io
import random
from datetime import date, time

import pytest
from django.utils import timezone

from canlian.applications import selectors
from canlian.applications.choices import Status
from canlian.applications.models import Application, ApplicationEvent, FollowUp
from canlian.applications.workdays import Calendar
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

    # the timeline reads as a year of work: office-hour times on working days, spread over the demo year,
    # in order per application, none after the demo's "now"; some steps were done late
    anchor = applications.demo_today(2024)
    cal = Calendar(date(2024, 1, 1), date(2024, 12, 31))
    events = list(ApplicationEvent.objects.order_by("application_id", "at", "id"))
    local = [timezone.localtime(e.at) for e in events]
    assert all(date(2024, 1, 1) <= t.date() <= anchor for t in local)
    assert all(cal.is_workday(t.date()) and time(8, 30) <= t.time() <= time(18, 30) for t in local)
    assert len({t.month for t in local}) >= 9
    assert len({t.date() for t in local}) >= len(events) // 4
    late_steps = ApplicationEvent.objects.filter(overdue=True).count()
    assert 0 < late_steps < ApplicationEvent.objects.filter(overdue=False).count()
    for app in Application.objects.filter(status=Status.IN_PROGRESS).prefetch_related("events"):
        last = max(e.at for e in app.events.all())
        assert timezone.localtime(last).date() == app.step_since <= anchor
        assert app.due_on is None or app.due_on > app.step_since
    open_apps = Application.objects.filter(status=Status.IN_PROGRESS, due_on__isnull=False)
    late = open_apps.filter(due_on__lt=anchor).count()
    assert 0 < late < open_apps.count()


def test_demo_plans_are_deterministic_for_a_seed(preloaded) -> None:
    cal = Calendar(date(2024, 1, 1), date(2025, 3, 31))
    steps = ["apply", "accept", "home_survey", "review", "approve", "notice", "deliver", "follow_up"]
    days = {"accept": 5, "home_survey": 10, "review": 5, "approve": 5, "notice": 5, "deliver": 20, "follow_up": 30}

    def plans(seed: int) -> list[applications.Plan]:
        rng = random.Random(seed)
        return [applications.plan(rng, steps=steps, step_days=days, year=2024, anchor=date(2024, 12, 31), cal=cal)
                for _ in range(50)]

    assert plans(7) == plans(7) and plans(7) != plans(8)
    for p in plans(7):
        assert p.days == sorted(p.days) and all(p.started < d <= date(2024, 12, 31) for d in p.days)
