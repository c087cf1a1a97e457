from __future__ import annotations

from datetime import date

import pytest

from canlian.accounts.choices import Role
from canlian.applications import selectors
from canlian.applications.choices import Status, Transition
from canlian.applications.models import Application, Attachment, FollowUp
from canlian.applications.services import (
    StepData,
    application_batch,
    application_create,
    application_transition,
    attachment_add,
)
from canlian.applications.tests.factories import make_application, r1_person
from canlian.audit.models import AuditEvent
from canlian.common.exceptions import Conflict, DomainError, PermissionDenied
from canlian.programmes.models import Programme
from canlian.programmes.progress import done_counts
from canlian.registry.tests.factories import PersonFactory, make_household

pytestmark = pytest.mark.django_db
R1 = ["apply", "accept", "home_survey", "review", "approve", "notice", "deliver", "follow_up"]


def test_r1_has_home_survey_after_migration(preloaded) -> None:
    r1 = Programme.objects.get(code="R1")
    assert r1.steps == R1
    assert r1.step_days["home_survey"] == 10


def test_create_by_coordinator_waits_at_accept_with_due_date(users, areas) -> None:
    person = r1_person(areas.community_a1)
    app = application_create(actor=users.a[Role.COMMUNITY_COORDINATOR], person=person,
                              programme=Programme.objects.get(code="R1"), year=2024, requested_amount="1000",
                              today=date(2024, 2, 8))
    assert (app.status, app.step, app.period) == (Status.IN_PROGRESS, "accept", "2024")
    # 5 working days after Thu 2024-02-08: 9 (Fri); Spring Festival 10–17; 18 (Sun, 调休), 19, 20, 21
    assert app.due_on == date(2024, 2, 21)
    assert app.events.get().transition == Transition.CREATE
    assert AuditEvent.objects.filter(action="application.create", object_id=str(app.pk)).exists()


def test_duplicate_for_same_period_is_refused_with_link(users, areas) -> None:
    person = r1_person(areas.community_a1)
    r1 = Programme.objects.get(code="R1")
    first = application_create(actor=users.a[Role.COMMUNITY_COORDINATOR], person=person, programme=r1, year=2024)
    with pytest.raises(Conflict) as exc:
        application_create(actor=users.a[Role.DISTRICT_OFFICER], person=person, programme=r1, year=2024)
    assert f"/applications/{first.pk}/" in exc.value.message
    # after a rejection a new application is allowed; reopening the rejected one is then refused
    application_transition(actor=users.a[Role.COMMUNITY_COORDINATOR], application=first,
                           transition=Transition.REJECT, opinion="材料不全")
    second = application_create(actor=users.a[Role.COMMUNITY_COORDINATOR], person=person, programme=r1, year=2024)
    with pytest.raises(Conflict):
        application_transition(actor=users.a[Role.DISTRICT_OFFICER], application=first,
                               transition=Transition.REOPEN, opinion="复议")
    assert second.pk != first.pk


def test_coordinator_cannot_apply_for_another_community(users, areas) -> None:
    person = r1_person(areas.community_b1)
    with pytest.raises(PermissionDenied):
        application_create(actor=users.a[Role.COMMUNITY_COORDINATOR], person=person,
                           programme=Programme.objects.get(code="R1"), year=2024)
    with pytest.raises(PermissionDenied):
        application_create(actor=users.a[Role.LEADER], person=person, programme=Programme.objects.get(code="R1"),
                           year=2024)
    assert not Application.objects.exists()


def test_household_programme_needs_a_household(users, areas) -> None:
    head = r1_person(areas.community_a1)
    other = r1_person(areas.community_a1)
    household = make_household(head, (other, "spouse"))
    l3 = Programme.objects.get(code="L3")
    with pytest.raises(DomainError, match="按户"):
        application_create(actor=users.a[Role.DISTRICT_OFFICER], person=head, programme=l3, year=2024)
    app = application_create(actor=users.a[Role.DISTRICT_OFFICER], person=head, programme=l3, year=2024,
                             household=household)
    with pytest.raises(Conflict):
        application_create(actor=users.a[Role.DISTRICT_OFFICER], person=other, programme=l3, year=2024,
                           household=household)
    assert app.household == household


def _walk(users, app: Application, until: str) -> Application:
    roles = {"accept": Role.COMMUNITY_COORDINATOR, "home_survey": Role.COMMUNITY_COORDINATOR,
             "review": Role.DISTRICT_OFFICER, "approve": Role.LEADER, "notice": Role.DISTRICT_OFFICER,
             "deliver": Role.DISTRICT_OFFICER, "follow_up": Role.STREET_OFFICER}
    data = StepData(delivered_on=date(2024, 4, 1), delivered_amount="1000", visited_on=date(2024, 4, 10),
                    method="home", satisfied="yes", aware=True)
    while app.status == Status.IN_PROGRESS and app.step != until:
        app = application_transition(actor=users.a[roles[app.step]], application=app,
                                     transition=Transition.ADVANCE, opinion="同意", data=data,
                                     today=date(2024, 4, 20))
    return app


def test_full_path_records_delivery_follow_up_and_progress(users, areas, hand_delivery) -> None:
    person = r1_person(areas.community_a1)
    r1 = Programme.objects.get(code="R1")
    app = application_create(actor=users.a[Role.COMMUNITY_COORDINATOR], person=person, programme=r1, year=2024,
                             requested_amount="1000")
    app = _walk(users, app, until="__end__")
    assert app.status == Status.CLOSED
    assert app.approved_amount == app.delivered_amount == 1000
    assert FollowUp.objects.get(application=app).officer == users.a[Role.STREET_OFFICER]
    assert [e.step for e in app.events.order_by("at", "id")] == R1
    assert done_counts(user=users.a[Role.LEADER], year=2024, programme_ids=[r1.pk]) == {r1.pk: 1}
    assert done_counts(user=users.b[Role.COMMUNITY_COORDINATOR], year=2024, programme_ids=[r1.pk]) == {r1.pk: 0}


def test_deliver_needs_date_and_amount(users, areas, hand_delivery) -> None:
    app = make_application(person=r1_person(areas.community_a1), creator=users.a[Role.DISTRICT_OFFICER],
                           step="deliver")
    with pytest.raises(DomainError, match="日期"):
        application_transition(actor=users.a[Role.DISTRICT_OFFICER], application=app, transition=Transition.ADVANCE)
    with pytest.raises(DomainError, match="金额"):
        application_transition(actor=users.a[Role.DISTRICT_OFFICER], application=app, transition=Transition.ADVANCE,
                               data=StepData(delivered_on=date(2024, 1, 5)))


def test_follow_up_rates_per_programme_and_officer(users, areas) -> None:
    answers = [("yes", True), ("partly", True), ("no", False), ("yes", False)]
    for satisfied, aware in answers:
        app = make_application(person=r1_person(areas.community_a1),
                               creator=users.a[Role.DISTRICT_OFFICER], step="follow_up")
        application_transition(actor=users.a[Role.COMMUNITY_COORDINATOR], application=app,
                               transition=Transition.ADVANCE,
                               data=StepData(visited_on=date(2024, 5, 1), method="phone", satisfied=satisfied,
                                             aware=aware))
    by_programme, by_officer = selectors.followup_rates(users.a[Role.LEADER], 2024)
    assert [(r.key, r.visits, r.satisfaction, r.awareness) for r in by_programme] == [("R1", 4, 50.0, 50.0)]
    assert [(r.key, r.visits) for r in by_officer] == [("coord_a1", 4)]
    assert selectors.followup_rates(users.b[Role.COMMUNITY_COORDINATOR], 2024) == ([], [])


def test_batch_approves_each_with_audit_and_reports_failures(users, areas, django_assert_max_num_queries) -> None:
    officer = users.a[Role.DISTRICT_OFFICER]
    apps = [make_application(person=r1_person(areas.community_a1), creator=officer, step="approve")
            for _ in range(5)]
    wrong = make_application(person=r1_person(areas.community_a1), creator=officer, step="review")
    ids = [a.pk for a in apps] + [wrong.pk]
    with django_assert_max_num_queries(20 * len(ids)):
        done, errors = application_batch(actor=users.a[Role.LEADER], ids=ids, transition=Transition.ADVANCE,
                                         opinion="同意")
    assert done == 5 and len(errors) == 1 and str(wrong.pk) in errors[0]
    assert Application.objects.filter(pk__in=[a.pk for a in apps], step="notice").count() == 5
    assert AuditEvent.objects.filter(action="application.advance").count() == 5
    with pytest.raises(PermissionDenied):
        application_batch(actor=users.a[Role.COMMUNITY_COORDINATOR], ids=ids, transition=Transition.REJECT,
                          opinion="x")


PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


def test_attachment_checked_hashed_and_private(users, areas, settings) -> None:
    app = make_application(person=r1_person(areas.community_a1),
                           creator=users.a[Role.DISTRICT_OFFICER], step="home_survey")
    coord = users.a[Role.COMMUNITY_COORDINATOR]
    att = attachment_add(actor=coord, application=app, content=PNG, name="入户.png", kind="photo")
    assert att.content_type == "image/png" and len(att.sha256) == 64
    assert att.file.path.startswith(str(settings.MEDIA_ROOT / "applications"))
    with pytest.raises(DomainError, match="PDF"):
        attachment_add(actor=coord, application=app, content=b"MZ\x90\x00", name="x.png", kind="photo")
    with pytest.raises(DomainError, match="10 MB"):
        attachment_add(actor=coord, application=app, content=b"%PDF-" + b"0" * (10 * 1024 * 1024), name="a.pdf",
                       kind="scan")
    with pytest.raises(PermissionDenied):
        attachment_add(actor=users.b[Role.COMMUNITY_COORDINATOR], application=app, content=PNG, name="x.png",
                       kind="photo")
    assert Attachment.objects.count() == 1
    # the photo belongs to the home survey: the transition that ends that step records it
    assert att.event is None
    moved = application_transition(actor=coord, application=app, transition=Transition.ADVANCE, opinion="属实")
    att.refresh_from_db()
    assert att.event == moved._event and att.event.step == "home_survey"


def test_inbox_counts_due_and_overdue_for_my_steps(users, areas) -> None:
    officer = users.a[Role.DISTRICT_OFFICER]
    make_application(person=r1_person(areas.community_a1), creator=officer, step="accept",
                     due_on=date(2000, 1, 3))
    make_application(person=r1_person(areas.community_a1), creator=officer, step="accept",
                     due_on=date(2100, 1, 1))
    make_application(person=r1_person(areas.community_a1), creator=officer, step="approve")
    items = selectors.inbox_items(users.a[Role.COMMUNITY_COORDINATOR])
    assert [(i.label, i.count, i.overdue) for i in items] == [("受理待办", 2, 1)]
    assert selectors.inbox_items(users.b[Role.COMMUNITY_COORDINATOR]) == []
    assert [(i.count, i.overdue) for i in selectors.inbox_items(users.a[Role.LEADER])] == [(1, 0)]
    assert selectors.overdue(users.a[Role.LEADER]).count() == 1
    assert selectors.overdue(users.b[Role.STREET_OFFICER]).count() == 0


def test_eligibility_at_intake_explained_and_override_only_by_district_officer(users, areas) -> None:
    person = PersonFactory(community=areas.community_a1)  # physical disability, no 低保: not R1
    r1 = Programme.objects.get(code="R1")
    with pytest.raises(DomainError) as exc:
        application_create(actor=users.a[Role.COMMUNITY_COORDINATOR], person=person, programme=r1, year=2024)
    assert "不符合" in exc.value.message and "精神" in exc.value.message
    with pytest.raises(PermissionDenied):
        application_create(actor=users.a[Role.COMMUNITY_COORDINATOR], person=person, programme=r1, year=2024,
                           override_reason="民政低保名单尚未导入")
    app = application_create(actor=users.a[Role.DISTRICT_OFFICER], person=person, programme=r1, year=2024,
                             override_reason="民政低保名单尚未导入")
    assert app.eligible is False and app.eligibility_reasons and app.eligibility_rule_version
    assert "民政低保名单尚未导入" in app.events.get().opinion


def test_approval_rechecks_eligibility(users, areas) -> None:
    person = r1_person(areas.community_a1)
    app = application_create(actor=users.a[Role.DISTRICT_OFFICER], person=person,
                             programme=Programme.objects.get(code="R1"), year=2024)
    assert app.eligible is True
    app = _walk(users, app, until="approve")
    Person = type(person)
    Person.objects.filter(pk=person.pk).update(low_income_status="none", low_income_since=date(2024, 4, 1))
    person.low_income_periods.update(end=date(2024, 3, 31))  # 低保 ended before the recheck
    with pytest.raises(DomainError, match="复核资格不通过"):
        application_transition(actor=users.a[Role.LEADER], application=app, transition=Transition.ADVANCE,
                               today=date(2024, 5, 1))
    app.refresh_from_db()
    assert app.step == "approve"


def test_no_rule_for_the_year_refuses_intake(users, areas) -> None:
    with pytest.raises(DomainError, match="尚未发布规则"):
        application_create(actor=users.a[Role.DISTRICT_OFFICER], person=r1_person(areas.community_a1),
                           programme=Programme.objects.get(code="R1"), year=2031)


def test_delivery_starts_the_enrolment(users, areas, hand_delivery) -> None:
    from canlian.programmes.models import Enrolment

    person = r1_person(areas.community_a1)
    app = application_create(actor=users.a[Role.DISTRICT_OFFICER], person=person,
                             programme=Programme.objects.get(code="R1"), year=2024)
    app = _walk(users, app, until="follow_up")
    enrolment = Enrolment.objects.get(person=person, programme__code="R1")
    assert (enrolment.application_id, enrolment.start, enrolment.source) == (app.pk, date(2024, 4, 1), "application")
