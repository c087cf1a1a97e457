"""The payments demo: paid, failed and re-issued batches for the demo year's cash programmes, deterministic."""

from __future__ import annotations

import io
import random

import pytest

from canlian.applications.choices import Status
from canlian.applications.models import Application
from canlian.demo import applications, payments, programmes, regions, users
from canlian.demo import registry as registry_demo
from canlian.demo import screening as screening_demo
from canlian.demo.context import DemoContext
from canlian.payments.choices import BatchSource, BatchStatus, LineStatus
from canlian.payments.models import Batch, PaymentLine


@pytest.mark.django_db
def test_demo_pays_fails_and_reissues(preloaded) -> None:
    ctx = DemoContext(rng=random.Random(1), year=2024, persons=600, stdout=io.StringIO())
    for build in (regions.build, users.build, registry_demo.build, programmes.build, screening_demo.build,
                  applications.build, payments.build):
        build(ctx)
    assert Batch.objects.filter(status=BatchStatus.CLOSED, source=BatchSource.APPLICATIONS).exists()
    assert PaymentLine.objects.filter(status=LineStatus.PAID).count() >= 15  # 600 persons: a few dozen cash cases
    assert PaymentLine.objects.filter(status=LineStatus.FAILED).exists()
    assert Batch.objects.filter(source=BatchSource.REISSUE, lines__status=LineStatus.PAID).exists()
    assert Batch.objects.filter(status=BatchStatus.AWAITING_FUNDS, programme__code="L2").exists()
    # L3 (一户多残) is paid per household: one paid line per household, to a member of it with ≥2 certified members
    l3 = PaymentLine.objects.filter(programme__code="L3", status=LineStatus.PAID).select_related("household")
    assert l3.exists() and all(line.household_id for line in l3)
    assert len({line.household_id for line in l3}) == l3.count()
    for line in l3:
        assert line.household.members.filter(person=line.person_id, left_on__isnull=True).exists()
        assert line.household.members.filter(left_on__isnull=True, person__cert_status="valid").count() >= 2
    # every paid application passed "deliver" with the bank's date and amount
    paid = PaymentLine.objects.filter(status=LineStatus.PAID, application__isnull=False).select_related("application")
    for line in paid:
        assert line.application.step in ("follow_up",) or line.application.status == Status.CLOSED
        assert (line.application.delivered_on, line.application.delivered_amount) == (line.paid_on, line.amount)
    # nothing cash stays delivered by hand
    assert not Application.objects.filter(programme__benefit_kind="cash", delivered_on__isnull=False,
                                          payment_lines__isnull=True).exists()
    assert "发放：" in ctx.stdout.getvalue()
