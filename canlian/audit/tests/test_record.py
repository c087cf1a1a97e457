import datetime
from decimal import Decimal

import pytest

from canlian.accounts.choices import Role
from canlian.audit.choices import AuditResult
from canlian.audit.context import RequestContext, current
from canlian.audit.models import AuditEvent
from canlian.audit.services import record, snapshot


@pytest.mark.django_db
def test_record_takes_ip_from_request_context_and_serialises_values(users, areas):
    actor = users.a[Role.DISTRICT_OFFICER]
    token = current.set(RequestContext(ip="10.1.2.3", user_id=actor.pk))
    try:
        event = record(
            actor=actor, action="region.update", obj=areas.community_a1,
            before={"name": "旧名", "amount": Decimal("12.50"), "on": datetime.date(2024, 1, 2)},
            after=snapshot(areas.community_a1, ["name", "parent"]),
        )
    finally:
        current.reset(token)
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.ip == "10.1.2.3"
    assert event.actor_username == actor.username
    assert event.object_type == "regions.region"
    assert event.object_id == str(areas.community_a1.pk)
    assert event.before == {"name": "旧名", "amount": "12.50", "on": "2024-01-02"}
    assert event.after == {"name": "甲一社区", "parent": areas.street_a.pk}
    assert event.result == AuditResult.SUCCESS


@pytest.mark.django_db
def test_anonymous_failure_keeps_the_typed_username():
    event = record(actor=None, username="nobody", action="auth.login_failed", result=AuditResult.FAILURE)
    assert event.actor is None
    assert event.actor_username == "nobody"
