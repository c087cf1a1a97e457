from __future__ import annotations

import pytest

from canlian.accounts.choices import Role
from canlian.applications.models import Application
from canlian.applications.tests.factories import make_application, r1_person
from canlian.registry.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_list_is_scoped_and_query_bounded(users, areas, client_for, django_assert_max_num_queries) -> None:
    officer = users.a[Role.DISTRICT_OFFICER]
    for community in (areas.community_a1, areas.community_a2, areas.community_b1):
        for _ in range(4):
            make_application(person=PersonFactory(community=community, name=f"人{community.code[-4:]}"),
                             creator=officer)
    client = client_for(users.a[Role.COMMUNITY_COORDINATOR])
    with django_assert_max_num_queries(12):
        html = client.get("/applications/").content.decode()
    assert html.count("人1001") == 4 and "人2001" not in html and "人1002" not in html
    leader = client_for(users.a[Role.LEADER])
    with django_assert_max_num_queries(12):
        html = leader.get("/applications/?programme=R1").content.decode()
    assert html.count("<td>R1 困难精神残疾人药费补助</td>") == 12


def test_detail_and_actions_refused_for_other_community(users, areas, client_for) -> None:
    app = make_application(person=PersonFactory(community=areas.community_a1),
                           creator=users.a[Role.DISTRICT_OFFICER], step="accept")
    other = client_for(users.b[Role.COMMUNITY_COORDINATOR])
    assert other.get(f"/applications/{app.pk}/").status_code == 404
    assert other.post(f"/applications/{app.pk}/act/", {"transition": "advance", "version": 0}).status_code == 404
    assert other.get(f"/applications/{app.pk}/print/").status_code == 404
    app.refresh_from_db()
    assert app.version == 0


def test_act_through_htmx_returns_the_case_partial(users, areas, client_for) -> None:
    app = make_application(person=PersonFactory(community=areas.community_a1),
                           creator=users.a[Role.DISTRICT_OFFICER], step="accept")
    client = client_for(users.a[Role.COMMUNITY_COORDINATOR])
    page = client.get(f"/applications/{app.pk}/").content.decode()
    assert "受理通过" in page
    response = client.post(f"/applications/{app.pk}/act/",
                           {"transition": "advance", "version": 0, "opinion": "材料齐全"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "材料齐全" in html
    stale = client.post(f"/applications/{app.pk}/act/", {"transition": "advance", "version": 0}, HTTP_HX_REQUEST="true")
    assert "他人" in stale.content.decode()
    app.refresh_from_db()
    assert app.step == "home_survey"


def test_create_screen_and_person_page(users, areas, client_for) -> None:
    person = r1_person(areas.community_a1, name="王小明")
    client = client_for(users.a[Role.COMMUNITY_COORDINATOR])
    assert client.get(f"/applications/new/?person={person.pk}").status_code == 200
    response = client.post(f"/applications/new/?person={person.pk}",
                           {"programme": "R1", "year": 2024, "requested_amount": "1000"})
    app = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/applications/{app.pk}/"
    html = client.get(f"/registry/{person.pk}/").content.decode()
    assert "申请记录" in html and f"/applications/{app.pk}/" in html
    duplicate = client.post(f"/applications/new/?person={person.pk}", {"programme": "R1", "year": 2024})
    assert "请勿重复申请" in duplicate.content.decode()
    assert f'<a class="btn" href="/applications/{app.pk}/">查看已有的申请</a>' in duplicate.content.decode()
    enterprise = client.post(f"/applications/new/?person={person.pk}", {"programme": "E2", "year": 2024})
    assert "就业模块" in enterprise.content.decode() and Application.objects.count() == 1
    assert client_for(users.b[Role.COMMUNITY_COORDINATOR]).get(f"/applications/new/?person={person.pk}").status_code \
        == 404


def test_inbox_overdue_and_home(users, areas, client_for) -> None:
    from datetime import date

    make_application(person=PersonFactory(community=areas.community_a1, name="逾期人"),
                     creator=users.a[Role.DISTRICT_OFFICER], step="approve", due_on=date(2001, 1, 1))
    leader = client_for(users.a[Role.LEADER])
    assert "逾期人" in leader.get("/applications/overdue/").content.decode()
    assert "逾期人" in leader.get("/applications/inbox/").content.decode()
    assert "审批待办" in leader.get("/").content.decode()
    assert "逾期人" not in client_for(users.a[Role.COMMUNITY_COORDINATOR]).get("/applications/inbox/").content.decode()
    assert client_for(users.a[Role.COMMUNITY_COORDINATOR]).get("/applications/overdue/").status_code == 403


def test_batch_screen_small_inline_and_large_as_job(users, areas, client_for) -> None:
    officer = users.a[Role.DISTRICT_OFFICER]
    apps = [make_application(person=PersonFactory(community=areas.community_a1), creator=officer, step="review")
            for _ in range(3)]
    client = client_for(officer)
    response = client.post("/applications/batch/", {"ids": [a.pk for a in apps], "transition": "advance",
                                                     "opinion": "审核通过"})
    assert response.status_code == 302
    assert Application.objects.filter(step="approve").count() == 3


def test_large_batch_runs_as_a_job_with_progress(users, areas, client_for, django_capture_on_commit_callbacks) -> None:
    from canlian.applications import views
    from canlian.common.models import Job

    leader = users.a[Role.LEADER]
    apps = [make_application(person=r1_person(areas.community_a1), creator=users.a[Role.DISTRICT_OFFICER],
                             step="approve") for _ in range(views.INLINE_BATCH + 1)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(leader).post("/applications/batch/", {
            "ids": [a.pk for a in apps], "transition": "advance", "opinion": "同意"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    assert job.result["done"] == len(apps)
    assert Application.objects.filter(step="notice").count() == len(apps)


def test_attachment_upload_and_download_only_inside_the_area(users, areas, client_for) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from canlian.applications.models import Attachment

    app = make_application(person=r1_person(areas.community_a1), creator=users.a[Role.DISTRICT_OFFICER],
                           step="home_survey")
    coord = client_for(users.a[Role.COMMUNITY_COORDINATOR])
    photo = SimpleUploadedFile("入户照片.png", b"\x89PNG\r\n\x1a\n" + b"1" * 64, content_type="image/png")
    assert coord.post(f"/applications/{app.pk}/attachments/", {"kind": "photo", "file": photo}).status_code == 302
    att = Attachment.objects.get()
    response = coord.get(f"/applications/attachments/{att.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert client_for(users.b[Role.COMMUNITY_COORDINATOR]).get(f"/applications/attachments/{att.pk}/").status_code \
        == 404
    assert "入户照片.png" in coord.get(f"/applications/{app.pk}/").content.decode()


def test_follow_up_rates_screen(users, client_for) -> None:
    html = client_for(users.a[Role.LEADER]).get("/applications/follow-up-rates/?year=2024").content.decode()
    assert "满意率" in html and "暂无回访记录" in html


def test_deliver_step_of_a_cash_benefit_says_it_is_paid_by_batch_instead_of_offering_the_form(
    users, areas, client_for
) -> None:
    officer = users.a[Role.DISTRICT_OFFICER]
    client = client_for(officer)
    cash = make_application(person=r1_person(areas.community_a1), creator=officer, step="deliver")
    html = client.get(f"/applications/{cash.pk}/").content.decode()
    assert 'id="delivery-note"' in html and "发放批次" in html
    assert 'value="advance"' not in html and 'name="delivered_amount"' not in html
    assert 'value="return"' in html  # it can still be sent back
    device = make_application(person=PersonFactory(community=areas.community_a1), creator=officer,
                              programme="R3", step="deliver")
    html = client.get(f"/applications/{device.pk}/").content.decode()
    assert 'id="delivery-note"' not in html
    assert 'value="advance"' in html and 'name="delivered_items"' in html
