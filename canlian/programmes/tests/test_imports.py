"""The "enrolments" import: new, ended and unchanged rows, errors, area, and the 应退未退 flow it feeds."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from canlian.accounts.choices import Role
from canlian.common.choices import ImportStatus
from canlian.common.models import ImportRun
from canlian.common.tabular import Sheet, write_workbook
from canlian.programmes.models import Enrolment
from canlian.programmes.tests.helpers import person

pytestmark = pytest.mark.django_db
HEADERS = ("身份证号", "项目编号", "开始日期", "停止日期", "停止原因")


def xlsx(*rows: tuple) -> bytes:
    return write_workbook([Sheet(name="在享", headers=HEADERS, rows=rows, text_columns=(0,))])


def run_import(client, data: bytes, capture) -> ImportRun:
    client.post(reverse("imports:upload", args=["enrolments"]), {"file": SimpleUploadedFile("在享.xlsx", data)})
    run = ImportRun.objects.order_by("-pk").first()
    if run.status == ImportStatus.VALIDATED:
        with capture(execute=True):
            client.post(reverse("imports:confirm", args=[run.pk]))
        run.refresh_from_db()
    return run


def test_import_starts_ends_and_repeats_unchanged(areas, users, client_for, django_capture_on_commit_callbacks):
    a, b = person(community=areas.community_a1), person(community=areas.community_a2)
    client = client_for(users.a[Role.STREET_OFFICER])
    run = run_import(client, xlsx((a.decrypt_id_number(), "L5", "2025-01-01", "", ""),
                                  (b.decrypt_id_number(), "r1", date(2024, 1, 1), "", "")),
                     django_capture_on_commit_callbacks)
    assert run.status == ImportStatus.APPLIED, run.message
    assert Enrolment.objects.filter(source="import", end__isnull=True).count() == 2
    again = run_import(client, xlsx((a.decrypt_id_number(), "L5", "2025-01-01", "2025-02-28", "死亡"),
                                    (b.decrypt_id_number(), "R1", "2024-01-01", "", "")),
                       django_capture_on_commit_callbacks)
    assert again.status == ImportStatus.APPLIED
    assert again.message == "新增 0 条，修改 1 条，未变 1 条"
    ended = Enrolment.objects.get(person=a)
    assert ended.end == date(2025, 2, 28) and ended.end_reason == "死亡"


def test_import_errors(areas, users, client_for, django_capture_on_commit_callbacks):
    a = person(community=areas.community_a1)
    outside = person(community=areas.community_b1)
    client = client_for(users.a[Role.STREET_OFFICER])
    run = run_import(client, xlsx((a.decrypt_id_number(), "ZZ", "2025-01-01", "", ""),
                                  (outside.decrypt_id_number(), "L5", "2025-01-01", "", ""),
                                  (a.decrypt_id_number(), "L5", "明天", "", ""),
                                  ("12345", "L5", "2025-01-01", "", "")),
                     django_capture_on_commit_callbacks)
    assert run.status != ImportStatus.APPLIED
    assert run.error_count == 4
    assert not Enrolment.objects.exists()
