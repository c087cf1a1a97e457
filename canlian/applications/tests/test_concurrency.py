"""Two approvers approving the same application at the same moment: exactly one succeeds (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from canlian.accounts.choices import Role
from canlian.accounts.tests.factories import UserFactory
from canlian.applications.choices import Transition
from canlian.applications.models import ApplicationEvent
from canlian.applications.services import application_transition
from canlian.applications.tests.factories import make_application, r1_person
from canlian.common.exceptions import DomainError


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_exactly_one_succeeds(users, areas) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer (one write lock per database), so two approvers never "
                    "overlap there; row locks are tested on PostgreSQL")
    app = make_application(person=r1_person(areas.community_a1),
                           creator=users.a[Role.DISTRICT_OFFICER], step="approve")
    leaders = [users.a[Role.LEADER], UserFactory(username="leader2", role=Role.LEADER, area=areas.district)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(leader) -> None:
        try:
            barrier.wait()
            application_transition(actor=leader, application=app.pk, transition=Transition.ADVANCE,
                                   opinion="同意", expected_version=0)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(leader,)) for leader in leaders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[0] == "ok" and outcomes.count("ok") == 1, outcomes
    assert "他人" in next(o for o in outcomes if o != "ok")
    app.refresh_from_db()
    assert (app.step, app.version) == ("notice", 1)
    assert ApplicationEvent.objects.filter(application=app, transition=Transition.ADVANCE).count() == 1
