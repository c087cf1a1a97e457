"""The review list (动态管理): filled by the death, 低保 and move imports, filtered, exported, handled."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from canlian.accounts.choices import Role
from canlian.audit.models import AuditEvent
from canlian.common.imports import get_kind, import_file
from canlian.common.jobs import NullProgress
from canlian.common.models import ImportRun
from canlian.common.tabular import Sheet, write_workbook
from canlian.registry.choices import ReviewKind, ReviewStatus
from canlian.registry.models import StatusReview
from canlian.registry.reviews import pending_reviews

pytestmark = pytest.mark.django_db


def run(kind: str, actor, headers: tuple, *rows: tuple):
    data = write_workbook([Sheet(name="名单", headers=headers, rows=rows, text_columns=(0, 2))])
    return import_file(actor=actor, kind=get_kind(kind), data=data, file_name=f"{kind}.xlsx", valid_only=False,
                       dry_run=False, progress=NullProgress())


@pytest.fixture
def imported(users, areas, people):
    officer = users[Role.DISTRICT_OFFICER]
    run("deaths", officer, ("身份证号", "姓名", "死亡日期"), (people.a1.decrypt_id_number(), "", "2024-05-01"))
    run("low-income", officer, ("身份证号", "姓名", "低保状态", "起始日期"),
        (people.b1.decrypt_id_number(), "", "低保", "2024-02-01"))
    run("moves", officer, ("身份证号", "姓名", "迁入社区代码", "迁移日期"),
        (people.a2.decrypt_id_number(), "", areas.community_b1.code, "2024-03-01"))
    return officer


def test_each_import_lists_the_changed_persons_with_change_date_and_run(imported, people, areas):
    death = StatusReview.objects.get(person=people.a1)
    assert death.kind == ReviewKind.DEATH and death.effective_date.isoformat() == "2024-05-01"
    assert "死亡（2024-05-01）" in death.change and death.import_run.kind == "deaths"
    move = StatusReview.objects.get(person=people.a2)
    assert move.area_code == areas.community_b1.code  # listed where the person now lives
    assert StatusReview.objects.get(person=people.b1).kind == ReviewKind.LOW_INCOME


def test_a_second_import_of_the_same_list_adds_no_entries(imported, people):
    run("deaths", imported, ("身份证号", "姓名", "死亡日期"), (people.a1.decrypt_id_number(), "", "2024-05-01"))
    assert StatusReview.objects.count() == 3


def test_the_list_is_scoped_filtered_and_links_the_person(imported, users, people, client_for,
                                                         django_assert_max_num_queries):
    client = client_for(users.a[Role.STREET_OFFICER])
    with django_assert_max_num_queries(12):
        html = client.get(reverse("registry:review_list")).content.decode()
    assert people.a1.name in html and reverse("registry:person_detail", args=[people.a1.pk]) in html
    assert people.b1.name not in html and people.a2.name not in html  # moved to street B, listed there
    assert people.a1.decrypt_id_number() not in html
    html = client_for(users.b[Role.STREET_OFFICER]).get(reverse("registry:review_list") + "?kind=move").content.decode()
    assert people.a2.name in html and people.b1.name not in html
    run_id = ImportRun.objects.get(kind="deaths").pk
    html = client_for(imported).get(reverse("registry:review_list") + f"?run={run_id}").content.decode()
    assert people.a1.name in html and people.a2.name not in html


def test_handling_an_entry_is_audited_and_removes_it_from_pending(imported, users, people, client_for):
    officer = users.a[Role.STREET_OFFICER]
    review = StatusReview.objects.get(person=people.a1)
    response = client_for(officer).post(reverse("registry:review_handle", args=[review.pk]), {"note": "已停发"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.handled_by, review.note) == (ReviewStatus.HANDLED, officer, "已停发")
    assert AuditEvent.objects.get(action="status_review.handle").object_id == str(review.pk)
    assert review not in pending_reviews(officer)
    client_for(officer).post(reverse("registry:review_handle", args=[review.pk]))
    assert AuditEvent.objects.filter(action="status_review.handle").count() == 1


def test_entries_outside_the_area_cannot_be_handled_and_leaders_only_read(imported, users, people, client_for):
    review = StatusReview.objects.get(person=people.b1)
    response = client_for(users.a[Role.STREET_OFFICER]).post(reverse("registry:review_handle", args=[review.pk]))
    assert response.status_code == 404
    leader = client_for(users[Role.LEADER])
    assert leader.get(reverse("registry:review_list")).status_code == 200
    assert leader.post(reverse("registry:review_handle", args=[review.pk])).status_code == 403
    assert StatusReview.objects.get(pk=review.pk).status == ReviewStatus.PENDING


def test_export_is_masked_and_audited(imported, people, client_for):
    response = client_for(imported).get(reverse("registry:review_export") + "?status=")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["姓名", "身份证号", "社区代码"] and len(rows) == 4
    assert people.a1.id_number_masked in {r[1] for r in rows}
    assert all(people.a1.decrypt_id_number() not in str(r) for r in rows)
    assert AuditEvent.objects.get(action="status_review.export").after["rows"] == 3


def test_the_navigation_and_the_import_result_link_to_the_list(imported, client_for):
    html = client_for(imported).get(reverse("registry:person_list")).content.decode()
    assert reverse("registry:review_list") in html


def test_changes_made_one_person_at_a_time_are_listed_too(users, areas, people, client_for):
    """Death, move out, move in and 低保 from the person page's forms (the same services as the API) reach the
    review list like imported ones, with the change, its date, the area that must act and no import run."""
    from datetime import date

    from canlian.registry import services
    from canlian.registry.choices import LowIncomeStatus

    officer = users[Role.DISTRICT_OFFICER]
    client = client_for(officer)
    response = client.post(reverse("registry:person_death", args=[people.a1.pk]),
                           {"effective": "2024-05-01", "reason": "民政告知"})
    assert response.status_code == 302
    services.person_move_out(actor=officer, person=people.b1, moved_on=date(2024, 4, 1), destination="合肥市")
    services.person_move_in(actor=officer, person=people.a2, community=areas.community_b1, moved_on=date(2024, 3, 1))
    services.low_income_set(actor=officer, person=people.a2, status=LowIncomeStatus.DIBAO, effective=date(2024, 2, 1))
    entries = {(r.person_id, r.kind): r for r in StatusReview.objects.all()}
    assert len(entries) == 4 and all(r.import_run_id is None for r in entries.values())
    death = entries[people.a1.pk, ReviewKind.DEATH]
    assert death.change == "在册状态：在册 → 死亡（2024-05-01）" and death.area_code == areas.community_a1.code
    assert "迁出：合肥市（2024-04-01）" in entries[people.b1.pk, ReviewKind.MOVE].change
    moved_in = entries[people.a2.pk, ReviewKind.MOVE]
    assert moved_in.area_code == areas.community_b1.code and moved_in.effective_date == date(2024, 3, 1)
    assert "低保（2024-02-01 起）" in entries[people.a2.pk, ReviewKind.LOW_INCOME].change
    html = client.get(reverse("registry:review_list")).content.decode()
    assert "逐人办理" in html and people.a1.name in html
    assert pending_reviews(users.a[Role.STREET_OFFICER]).filter(person=people.a1).exists()


def test_a_refused_manual_change_adds_no_entry(users, people):
    from datetime import date

    from canlian.common.exceptions import DomainError
    from canlian.registry import services

    with pytest.raises(DomainError):
        services.person_record_death(
            actor=users[Role.DISTRICT_OFFICER], person=people.a1, date_of_death=date(1800, 1, 1)
        )
    assert not StatusReview.objects.exists()
